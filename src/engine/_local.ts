// The executors that run on the calling thread: "inline" (a plain loop, awaiting async results)
// and "async" (bounded concurrency for I/O-bound async functions). Both yield completed chunks
// like the pool does, so results, errors and progress behave the same.
//
// Time limits and aborts: each call is its own chunk for `timeoutMs`. A Promise that outlives the
// limit (or the signal) fails the run at once; a synchronous call cannot be interrupted on the
// calling thread, so one that overruns fails the run when it returns (and one that never returns
// cannot be stopped: only the "workers" executor can stop such a task).
import { setImmediate } from "node:timers";
import type { ConcurrencyLimiter } from "./_concurrency_limiter.ts";
import type { KnownResults, Settled } from "./_known_results.ts";
import type { Completed } from "./_run.ts";
import type { Source } from "./_source.ts";
import { watchAbort } from "./_abort_watch.ts";
import { withoutExit } from "../runtime/mod.ts";
import { abortError, ChunkTimeoutError, TaskError } from "./errors.ts";
import { APART_ITEM_MS, callApart, isInstance, isThenable, thrownError } from "../task/mod.ts";

type Fn = (item: unknown) => unknown;

/** Items of a run's first chunk on this thread, at most: its time decides how the task is called. */
const FIRST_CHUNK = 16;

/**
 * Work of one chunk on this thread that a run of quick items grows its chunks toward (ms), by
 * doubling, up to `MOST_CHUNK` items: each chunk costs a few microseconds of its own (yields,
 * result arrays); with chunks of 256, 400,000 items of 0.005 µs took 8–21 ms against 2 ms in a
 * plain loop.
 */
const CHUNK_MS = 1;
/** See `CHUNK_MS`. */
const MOST_CHUNK = 65_536;

/**
 * Under a signal, the most time (ms) a run on this thread goes on without letting the event loop
 * turn: an abort comes from a timer or I/O, which cannot run while the loop keeps the thread (a
 * timer's abort 50 ms into 300 items of 2 ms never fired, and the run resolved 650 ms later). A
 * turn (`setImmediate`, not a timer of 0 ms: that takes 1 ms or more) costs microseconds.
 */
const TURN_MS = 5;

/** Let the event loop turn once (timers and I/O run). */
const turn = () => new Promise<void>((r) => setImmediate(r));

/** Limits of a run on the calling thread. */
export interface LocalLimits {
  signal?: AbortSignal;
  timeoutMs?: number;
  now: () => number;
  /**
   * The waits in flight, each as the way to end it (its timer cleared, its signal no longer
   * watched): a run that ends ends those of the calls it abandoned (one call's timer of
   * `timeoutMs: 20000` held the process 20 s after the run had failed).
   */
  waits?: Set<() => void>;
}

/** An error that ends the run as it is (not wrapped in a TaskError). */
class Stop {
  constructor(readonly error: Error) {}
}

const unwrap = (e: unknown) => (isInstance(e, Stop) ? e.error : e);

/**
 * The result of item `index` from the Promise its call returned (at `t0`): a `TaskError` for a
 * rejection, or the abort reason / a `ChunkTimeoutError` (as a `Stop`) when the limits end it
 * first.
 */
async function settle(
  p: PromiseLike<unknown>,
  index: number,
  t0: number,
  limits: LocalLimits,
): Promise<unknown> {
  try {
    return await withinLimits(p, t0, limits);
  } catch (e) {
    throw e instanceof Limit ? new Stop(e.at(index)) : new TaskError(index, thrownError(e));
  }
}

/**
 * The end of a wait by the limits (see {@linkcode withinLimits}), not by the call: the abort's
 * error, or `timeoutMs` run out.
 */
export class Limit extends Error {
  /** `abort`: the abort's error; else `timeoutMs` ran out. */
  constructor(readonly timeoutMs: number | undefined, readonly abort?: Error) {
    super(abort ? abort.message : `The time limit of ${timeoutMs} ms ran out`);
    this.name = "Limit";
  }

  /** The error that ends a run at item `index`: the abort's, or a `ChunkTimeoutError`. */
  at(index: number): Error {
    return this.abort ?? new ChunkTimeoutError(index, index + 1, this.timeoutMs ?? 0);
  }
}

/**
 * `p`, started at `t0`, within `limits`: its own value or rejection, or a {@linkcode Limit} when
 * `signal` aborts first or `timeoutMs` runs out. Without limits, `p` itself.
 *
 * @example A call past its time limit
 * ```ts
 * import { Limit, withinLimits } from "./_local.ts";
 * import assert from "node:assert/strict";
 *
 * const now = () => performance.now();
 * const late = await withinLimits(new Promise(() => {}), now(), { timeoutMs: 5, now })
 *   .catch((e) => e);
 * assert.ok(late instanceof Limit);
 * assert.equal(late.at(3).name, "TimeoutError");
 * ```
 */
export async function withinLimits<T>(
  p: PromiseLike<T>,
  t0: number,
  limits: LocalLimits,
): Promise<T> {
  const { signal, timeoutMs, now } = limits;
  if (signal === undefined && timeoutMs === undefined) return await p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bounds: Promise<never>[] = [];
  if (timeoutMs !== undefined) {
    const left = Math.max(0, timeoutMs - (now() - t0));
    bounds.push(
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Limit(timeoutMs)), left);
      }),
    );
  }
  let unwatch: (() => void) | undefined;
  if (signal) {
    bounds.push(
      new Promise<never>((_, reject) => {
        const stop = (e: Error) => reject(new Limit(undefined, e));
        if (signal.aborted) stop(abortError(signal));
        else unwatch = watchAbort(signal, stop);
      }),
    );
  }
  const end = () => {
    clearTimeout(timer);
    unwatch?.();
  };
  limits.waits?.add(end);
  try {
    return await Promise.race([p, ...bounds]);
  } finally {
    end();
    limits.waits?.delete(end);
  }
}

/** End every wait of `limits` still in flight (see `LocalLimits.waits`). */
export function endWaits(limits: LocalLimits): void {
  for (const end of limits.waits ?? []) end();
  limits.waits?.clear();
}

/** Call `fn(item)` for item `index` within the limits (see {@linkcode settle}). */
function call(fn: Fn, item: unknown, index: number, limits: LocalLimits): unknown {
  const t0 = limits.now();
  let r: unknown, thenable: boolean;
  try {
    r = withoutExit(() => fn(item)); // its synchronous part: an exit call fails the item
    thenable = isThenable(r); // reading a result's `then` can throw (a Proxy): the call failed
  } catch (e) {
    throw new TaskError(index, thrownError(e));
  }
  if (thenable) return settle(r as PromiseLike<unknown>, index, t0, limits);
  const { timeoutMs } = limits;
  if (timeoutMs !== undefined && limits.now() - t0 > timeoutMs) {
    throw new Stop(new ChunkTimeoutError(index, index + 1, timeoutMs));
  }
  return r;
}

/** The results of a chunk written in place (see `Completed.inPlace`). */
const NONE: unknown[] = [];

/**
 * A plain loop; `known` holds results computed earlier (sampling), which are not recomputed.
 * Yields chunks of `chunk` items (a number, or asked before each chunk), the first of at most
 * `FIRST_CHUNK`; a number grows toward chunks of `CHUNK_MS` for quick items. After a chunk whose
 * items took `APART_ITEM_MS` or more each, the task is called apart (see `callApart`).
 *
 * `into` (an array as long as an array source): the items are read from the source's array in
 * place and their results written at their indices in `into`, and the chunks say how many
 * (`Completed.inPlace`); 400,000 sub-microsecond items ran at 1.7× a plain loop's time on Bun
 * with a slice and a result array per chunk joined at the end, at a plain loop's time in place.
 * Not under `timeoutMs`, nor for items given back to the source (those chunks carry results).
 */
export async function* inlineChunks(
  fn: Fn,
  src: Source<unknown>,
  known: KnownResults,
  limits: LocalLimits,
  chunk: number | (() => number) = 256,
  into?: unknown[],
): AsyncGenerator<Completed> {
  const { signal } = limits;
  let apart = false, first = true, grown = typeof chunk === "number" ? chunk : 0;
  // Under a signal, chunks of about `TURN_MS` at most, the event loop turning between them.
  let turned = limits.now(), turnCap = Infinity;
  while (!src.done) {
    if (signal !== undefined && limits.now() - turned >= TURN_MS) {
      await turn();
      turned = limits.now();
      if (signal.aborted) throw abortError(signal);
    }
    const start = src.pulled;
    // Results the look kept in a row go on as one chunk: nothing runs for them, and a chunk
    // each 256 cost more than validating them (10,000 items of 0.15 µs: 0.17 ms on a 1.5 ms job).
    const asked = typeof chunk === "number" ? grown : chunk();
    const size = Math.max(
      Math.min(first ? Math.min(asked, FIRST_CHUNK) : asked, turnCap),
      known.keptUntil(start) - start,
    );
    first = false;
    // Item `start + j - from` is `items[j]`, its result `out[j]`, for j in [from, to).
    const place = into && limits.timeoutMs === undefined ? src.takeInPlace(size) : undefined;
    const items: ArrayLike<unknown> = place?.items ??
      (src.isAsync ? await src.take(size) : src.takeSync(size));
    const from = place?.from ?? 0, to = place?.to ?? items.length, count = to - from;
    // Every result of the chunk known already (the optimizer's look ran it): copied at once, in
    // place where the run takes them so (a copy made first, then copied in, cost 0.2 ms of a
    // 1.2 ms job of 10,000 validations on Bun).
    const inPlace = place !== undefined;
    const copied = inPlace ? undefined : known.slice(start, start + count);
    const all = copied !== undefined || (inPlace && known.copyTo(into!, start, start + count));
    const out: unknown[] = inPlace ? into! : copied ?? [];
    let aborted = false;
    const t0 = limits.now();
    try {
      if (limits.timeoutMs !== undefined) {
        aborted = await timedLoop(fn, items as unknown[], out, start, known, limits);
      } else if (all) aborted = signal?.aborted === true;
      else {
        let j = from;
        // A task's call of `process.exit`/`Deno.exit` fails its item (an `ExitCallError`), as in
        // the optimizer's look: it ended the caller's process, silently where its code was 0.
        const run = (j: number) =>
          withoutExit(() => runSync(fn, items, j, to, start - from, out, known, signal, apart));
        while ((j = run(j)) < to) {
          const p = pending;
          pending = undefined;
          if (p === undefined) { // stopped by the signal
            aborted = true;
            break;
          }
          out[j] = await settle(p, start + j - from, limits.now(), limits);
          j++;
        }
      }
    } catch (e) {
      const i = reached(out, from, to) - from; // the failing item: one result per item before it
      if (i > 0) {
        yield inPlace
          ? { start, results: NONE, inPlace: i, ms: 0 }
          : { start, results: out, ms: 0 };
      }
      if (isInstance(e, Stop) || isInstance(e, TaskError)) throw unwrap(e);
      throw new TaskError(start + i, thrownError(e));
    }
    if (aborted) throw abortError(signal!);
    const ms = limits.now() - t0;
    if (!all && count > 0) {
      const perItemMs = ms / count;
      // Items under a quarter of it are called directly again: a first chunk's cold calls of a
      // 0.05 µs task can read over a microsecond each.
      if (signal !== undefined) {
        turnCap = Math.max(1, Math.floor(TURN_MS / Math.max(perItemMs, 1e-6)));
      }
      if (perItemMs >= APART_ITEM_MS) apart = true;
      else if (perItemMs < APART_ITEM_MS / 4) apart = false;
      if (typeof chunk === "number" && count >= grown) {
        const ideal = perItemMs > 0 ? CHUNK_MS / perItemMs : MOST_CHUNK;
        grown = Math.max(chunk, Math.min(MOST_CHUNK, 2 * grown, Math.floor(ideal)));
      }
    }
    if (count > 0) {
      yield inPlace ? { start, results: NONE, inPlace: count, ms } : { start, results: out, ms };
    }
  }
}

/** The first position of [`from`, `to`) that `out` holds no result at (written in order). */
export function reached(out: unknown[], from: number, to: number): number {
  let lo = from, hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (mid in out) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The Promise the last `runSync` stopped at (undefined: it stopped at the signal's abort). */
let pending: PromiseLike<unknown> | undefined;

/**
 * Run `items[j]` for j from `from` until `to` (returned), an abort or a Promise result (`j`
 * returned, the Promise left in `pending`); item `items[j]` is item `base + j` of the run, its
 * result goes to `out[j]`. A throw leaves `out` without a result at the failing position.
 * Deliberately without a try block or an `await` around the loop: V8 (Deno 2.9) does not
 * optimise a hot loop inside either the same way, measured 5× slower for a 0.5 µs task. Tasks
 * of a microsecond or more reach it called apart (`inlineChunks`): inlined here, a task with a hot
 * loop of its own ran at half a plain loop's speed on Node 20 and 0.75 of it on Deno 2.9.
 */
function runSync(
  fn: Fn,
  items: ArrayLike<unknown>,
  from: number,
  to: number,
  base: number,
  out: unknown[],
  known: KnownResults,
  signal: AbortSignal | undefined,
  apart: boolean,
): number {
  // The next known index is compared with, not looked up per item (a lookup per item costs
  // ~10 % of a 0.2 µs task).
  let next = known.nextFrom(base + from);
  for (let j = from; j < to; j++) {
    if (signal !== undefined && signal.aborted) return j;
    if (base + j === next) {
      out[j] = known.get(next);
      next = known.nextFrom(next + 1);
      continue;
    }
    // Apart: through a function of this module, not a closure of the task (the compiler inlined
    // the task through a closure that held it, on Deno).
    const r = apart ? callApart(fn, items[j]) : fn(items[j]);
    if (isThenable(r)) {
      pending = r as PromiseLike<unknown>;
      return j;
    }
    out[j] = r;
  }
  return to;
}

/**
 * With `timeoutMs`: each call timed on its own (a clock read per item: only with a limit);
 * whether the signal stopped it.
 */
async function timedLoop(
  fn: Fn,
  items: unknown[],
  results: unknown[],
  start: number,
  known: KnownResults,
  limits: LocalLimits,
): Promise<boolean> {
  for (let i = results.length; i < items.length; i++) {
    if (limits.signal?.aborted) return true;
    const r = known.has(start + i) ? known.get(start + i) : call(fn, items[i], start + i, limits);
    results.push(isThenable(r) ? await r : r);
  }
  return false;
}

/**
 * Up to `concurrency` calls in flight (a fixed number, or an adaptive limiter's current limit);
 * yields each result as it completes. After the first failure no call starts. `ordered` (a
 * consumer that hands results on in input order): the calls before the failing item still
 * complete and are yielded, so that every result before it is delivered; the calls after it are
 * abandoned. Otherwise the run ends at once at a call's failure: a call that never settles cannot
 * hold it (`timeoutMs` bounds the calls an ordered run waits for). A throw of the source ends
 * either run only after the calls before it, as on the workers.
 */
export async function* asyncChunks(
  fn: Fn,
  src: Source<unknown>,
  known: KnownResults,
  concurrency: number | ConcurrencyLimiter,
  runLimits: LocalLimits,
  ordered: boolean,
): AsyncGenerator<Completed> {
  const limits = { ...runLimits, waits: new Set<() => void>() };
  const { signal } = limits;
  const limiter = typeof concurrency === "number" ? undefined : concurrency;
  const running = new Set<number>();
  // Calls the optimizer's look left in flight settle on their own; until then they count against
  // the most calls at once (`maxConcurrency`, or a fixed concurrency), not against the adaptive
  // limit, which is the run's own calls'.
  let lookPending = 0;
  known.forEachInFlight((call) => {
    lookPending++;
    call.then(() => {
      lookPending--;
      wake?.();
    });
  });
  let own = 0; // the run's own calls in flight
  const room = () =>
    limiter
      ? own < limiter.limit && own + lookPending < limiter.max
      : own + lookPending < (concurrency as number);
  const ready: Completed[] = [];
  let error: unknown;
  let errorIndex = Infinity;
  // Whether `error` is the source's throw (not a call's): the calls before it then complete and
  // are yielded in either order, as the workers' runs do (an unordered run dropped the results of
  // the calls still in flight when a generator threw).
  let sourceFailed = false;
  let wake: (() => void) | undefined;
  const launch = (index: number, item: unknown) => {
    running.add(index); // before the call: a known result settles synchronously
    void (async () => {
      // Results known from sampling settle at once, and calls the look left in flight started
      // before the limit: they tell the limiter nothing.
      const flying = known.takeInFlight(index);
      const mine = !known.has(index) && !flying;
      if (mine) own++;
      const measured = limiter && mine;
      const startedAt = measured ? limiter.start() : 0;
      let ok = false;
      try {
        const r = known.has(index)
          ? known.get(index)
          : flying
          ? outcome(await flying, index)
          : await call(fn, item, index, limits);
        ok = true;
        if (index < errorIndex) ready.push({ start: index, results: [r], ms: 0 });
      } catch (e) {
        if (index < errorIndex) {
          errorIndex = index;
          error = unwrap(e);
          sourceFailed = false;
        }
      } finally {
        if (measured) limiter.done(startedAt, ok);
        if (mine) own--;
        running.delete(index);
        wake?.();
      }
    })();
  };
  // An async source's pull under way, which launches its item when it comes: the loop waits for
  // it and for the calls at once, so results are handed on while the source has no next item
  // yet (a source of events that waited for its fourth held the third's result until then).
  let pull: Promise<void> | undefined;
  const startPull = () => {
    const index = src.pulled;
    pull = src.take(1).then((got) => {
      if (src.pulled !== index && error === undefined) launch(index, got[0]);
    }, (e) => {
      // The source threw on item `index`: the calls before it still count, as for a call that
      // failed there (an abort ends the run at once, in the loop).
      if (signal?.aborted || error !== undefined) return;
      errorIndex = index;
      error = e;
      sourceFailed = true;
    }).finally(() => {
      pull = undefined;
      wake?.();
    });
  };
  const unwatch = signal && watchAbort(signal, () => wake?.());
  try {
    yield* loop();
  } finally {
    unwatch?.();
    endWaits(limits); // the calls abandoned (after a failure, an abort, a consumer that stopped)
  }
  async function* loop(): AsyncGenerator<Completed> {
    // Synchronous calls settle in microtasks: an abort needs the event loop to turn.
    let turned = limits.now();
    while (true) {
      if (signal !== undefined && limits.now() - turned >= TURN_MS) {
        await turn();
        turned = limits.now();
      }
      if (signal?.aborted) throw abortError(signal);
      // Stop launching once a result is ready (an async source lets calls finish meanwhile).
      while (error === undefined && !src.done && room() && ready.length === 0 && !pull) {
        if (src.isAsync) {
          startPull();
          break;
        }
        const index = src.pulled;
        // Results known already, two or more in a row (the look's calls that settled over an
        // array), handed on as one chunk: a chunk each cost a turn of this generator (200 calls
        // of a 5 ms timer, every one run by the look: 0.4–0.5 ms).
        const kept = src.indexable && known.size > 0 ? known.keptUntil(index) - index : 0;
        if (kept > 1) {
          const took = src.takeSync(kept).length;
          for (let i = index; i < index + took; i++) void known.takeInFlight(i);
          if (took > 0) {
            ready.push({ start: index, results: known.slice(index, index + took)!, ms: 0 });
          }
          continue;
        }
        let got: unknown[];
        try {
          got = src.takeSync(1);
        } catch (e) {
          // The source threw on item `index`: the calls before it still count, as for a call
          // that failed there (an abort ends the run at once, below).
          if (signal?.aborted || index >= errorIndex) throw e;
          errorIndex = index;
          error = e;
          sourceFailed = true;
          break;
        }
        if (src.pulled === index) break;
        launch(index, got[0]);
      }
      while (ready.length > 0) {
        const c = ready.shift()!;
        if (c.start < errorIndex) yield c;
      }
      if (error !== undefined) {
        const before = [...running].some((i) => i < errorIndex);
        if ((!ordered && !sourceFailed) || !before) throw error;
      } else if (running.size === 0 && src.done && !pull) break;
      // Calls may have finished while the consumer held a result: refill before waiting.
      else if (!src.done && room() && !pull) continue;
      await new Promise<void>((r) => (wake = r));
    }
  }
}

/** A call's result, or its failure thrown as the run's calls throw it. */
function outcome(x: Settled, index: number): unknown {
  if (!x.ok && x.error instanceof Limit) throw new Stop(x.error.at(index)); // a limited look's call
  if (!x.ok) throw new TaskError(index, thrownError(x.error));
  return x.value;
}
