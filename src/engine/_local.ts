// The executors that run on the calling thread: "inline" (a plain loop, awaiting async results)
// and "async" (bounded concurrency for I/O-bound async functions). Both yield completed chunks
// like the pool does, so results, errors and progress behave the same.
import type { ConcurrencyLimiter } from "./_concurrency_limiter.ts";
import type { Completed } from "./_run.ts";
import type { Source } from "./_source.ts";
import { TaskError } from "./errors.ts";

type Fn = (item: unknown) => unknown;
const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === "object" || typeof v === "function") &&
  typeof (v as { then?: unknown }).then === "function";

const toError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

/** A plain loop; `known` holds results computed earlier (sampling), which are not recomputed. */
export async function* inlineChunks(
  fn: Fn,
  src: Source<unknown>,
  known: Map<number, unknown>,
  signal?: AbortSignal,
  chunk = 256,
): AsyncGenerator<Completed> {
  while (!src.done) {
    const start = src.pulled;
    const items = src.isAsync ? await src.take(chunk) : src.takeSync(chunk);
    const results: unknown[] = [];
    let step: unknown;
    try {
      while ((step = runSync(fn, items, results, start, known, signal)) !== DONE) {
        if (step === ABORTED) break;
        results.push(await (step as PromiseLike<unknown>));
      }
    } catch (e) {
      const i = results.length; // the failing item: one result per item before it
      if (i > 0) yield { start, results, ms: 0 };
      throw new TaskError(start + i, toError(e));
    }
    if (step === ABORTED) signal!.throwIfAborted();
    if (items.length > 0) yield { start, results, ms: 0 };
  }
}

const DONE = Symbol("done");
const ABORTED = Symbol("aborted");

/**
 * Run the items after the last result (`results.length`) until the end (DONE), an abort
 * (ABORTED) or a Promise result (returned); a throw leaves `results.length` at the failing item.
 * Deliberately without a try block or an `await` around the loop: V8 (Deno 2.9) does not
 * optimise a hot loop inside either the same way, measured 5× slower for a 0.5 µs task.
 */
function runSync(
  fn: Fn,
  items: unknown[],
  results: unknown[],
  start: number,
  known: Map<number, unknown>,
  signal: AbortSignal | undefined,
): unknown {
  const checkKnown = known.size > 0;
  for (let i = results.length; i < items.length; i++) {
    if (signal !== undefined && signal.aborted) return ABORTED;
    if (checkKnown && known.has(start + i)) {
      results.push(known.get(start + i));
      continue;
    }
    const r = fn(items[i]);
    if (isThenable(r)) return r;
    results.push(r);
  }
  return DONE;
}

/**
 * Up to `concurrency` calls in flight (a fixed number, or an adaptive limiter's current limit);
 * yields each result as it completes.
 */
export async function* asyncChunks(
  fn: Fn,
  src: Source<unknown>,
  known: Map<number, unknown>,
  concurrency: number | ConcurrencyLimiter,
  signal?: AbortSignal,
): AsyncGenerator<Completed> {
  const limiter = typeof concurrency === "number" ? undefined : concurrency;
  const limit = () => (limiter ? limiter.limit : concurrency as number);
  const running = new Set<number>();
  const ready: Completed[] = [];
  let error: TaskError | undefined;
  let errorIndex = Infinity;
  let wake: (() => void) | undefined;
  const launch = (index: number, item: unknown) => {
    running.add(index); // before the call: a known result settles synchronously
    void (async () => {
      // Results known from sampling settle at once: they tell the limiter nothing.
      const measured = limiter && !known.has(index);
      const startedAt = measured ? limiter.start() : 0;
      let ok = false;
      try {
        const r = known.has(index) ? known.get(index) : await fn(item);
        ok = true;
        if (index < errorIndex) ready.push({ start: index, results: [r], ms: 0 });
      } catch (e) {
        if (index < errorIndex) {
          errorIndex = index;
          error = new TaskError(index, toError(e));
        }
      } finally {
        if (measured) limiter.done(startedAt, ok);
        running.delete(index);
        wake?.();
      }
    })();
  };
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    yield* loop();
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  async function* loop(): AsyncGenerator<Completed> {
    while (true) {
      signal?.throwIfAborted();
      // Stop launching once a result is ready (an async source lets calls finish meanwhile).
      while (!error && !src.done && running.size < limit() && ready.length === 0) {
        const index = src.pulled;
        const [item] = src.isAsync ? await src.take(1) : src.takeSync(1);
        if (src.pulled === index) break;
        launch(index, item);
      }
      while (ready.length > 0) {
        const c = ready.shift()!;
        if (c.start < errorIndex) yield c;
      }
      if (running.size === 0 && (error || src.done)) break;
      // Calls may have finished while the consumer held a result: refill before waiting.
      if (!error && !src.done && running.size < limit()) continue;
      await new Promise<void>((r) => (wake = r));
    }
    if (error) throw error;
  }
}
