// A quick look at the first items on the calling thread: enough to tell a job that is clearly
// too small for workers, without starting any. The results are kept (never recomputed), so the
// look is not lost time: it is part of the job. The first items are timed one by one (the first
// is cold: JIT, module initialisation); then, while time is left, batches of 2, 4, 8, … items are
// timed as a whole, and the fastest batch gives the warm per-item time (a timer call per item
// would cost more than a microsecond-scale item; a batch preempted by other processes only looks
// slower).
import type { Source } from "../engine/mod.ts";
import { runtime, withoutExit } from "../runtime/mod.ts";
import { spreadIndices } from "./_spread.ts";
import { threadSched } from "../system/mod.ts";
import { thrownError } from "../task/mod.ts";

const isThenable = (r: unknown): r is PromiseLike<unknown> =>
  r !== null && (typeof r === "object" || typeof r === "function") &&
  typeof (r as PromiseLike<unknown>).then === "function";

export interface MainProbe {
  /** Wall time of each probed item, ms (the first includes JIT warm-up). */
  times: number[];
  /** Index → result of the probed items. */
  results: Map<number, unknown>;
  /** Items pulled from a one-shot source (to give back), in order. */
  pulled: unknown[];
  /** The items probed (whatever the source). */
  items: unknown[];
  /** Whether the task returned a Promise. */
  isAsync: boolean;
  /** Process CPU time over the probed items (ms; undefined where the runtime has no CPU clock). */
  cpuMs?: number;
  /** Wall time of all probed items (ms). */
  totalMs: number;
  /**
   * Warm per-item time (ms): the smallest batch mean when batches ran, else the median of the
   * items after the first, else the first.
   */
  warmPerItemMs: number;
  failure?: { index: number; error: Error };
  /**
   * Async tasks: one batch of calls run at once after the first call(s), a direct measurement of
   * what overlapping calls gains (see {@linkcode ConcurrentBatch}).
   */
  concurrent?: ConcurrentBatch;
}

/**
 * Calls of an async task started together on the calling thread. An I/O-bound task finishes
 * them in about the time of one call (each call's latency holds while they overlap); a task that
 * computes finishes them in about the sum of their times.
 */
export interface ConcurrentBatch {
  /** Calls started together. */
  calls: number;
  /** Wall time until the last settled (ms). */
  wallMs: number;
  /** Each call's latency, start to settlement (ms). */
  latencyMs: number[];
  /** Process CPU time over the batch (ms; undefined without a CPU clock). */
  cpuMs?: number;
  /**
   * This thread's own CPU time over the batch (ms; where the OS says): the calls' work, without
   * the runtime's JIT and GC helper threads that the process clock counts.
   */
  threadCpuMs?: number;
  /** Time this thread waited for a CPU while runnable during the batch (ms; where the OS says). */
  waitMs?: number;
}

/**
 * Calls of an async task the look starts at once (see {@linkcode ConcurrentBatch}): at most
 * `CONCURRENT_CALLS`, at least 4, fewer when, at the CPU time per call so far, they would need
 * more than `BATCH_CPU_MS` or `BATCH_SHARE` of the job's serial time over the cores (whichever is
 * more). 64 is where the async executor starts anyway: an I/O-bound job of a few
 * hundred calls is then mostly done by the time it is decided (with 16 the look's two waits, one
 * call and the batch, took 2/3 of a 60-call job of 5 ms timers).
 */
const CONCURRENT_CALLS = 64;

/** Least duration of a look's batch for its pace to count towards a steady pace (ms). */
const STEADY_MS = 0.05;
/** Most relative difference between two batches' paces for the pace to count as steady. */
const STEADY_SPREAD = 0.2;

/**
 * Whether the look's batches run at a steady pace: the last two batches long enough to time
 * (≥ `STEADY_MS`) agreed within `STEADY_SPREAD` per item. The task then runs warm and the look
 * stops early: for microsecond items its own bookkeeping costs more than the items, which then
 * run in the plain loop or on workers.
 *
 * @example Usage
 * ```ts
 * import { Pace } from "./_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * const pace = new Pace();
 * pace.add(0.1, 100); // 1 µs per item
 * assert.equal(pace.steady, false);
 * pace.add(0.21, 200); // 1.05 µs per item: within 20 %
 * assert.equal(pace.steady, true);
 * ```
 */
export class Pace {
  #last = 0;
  /** Whether the pace is steady. */
  steady = false;
  /** A batch of `ran` items took `ms`. */
  add(ms: number, ran: number): void {
    if (ms < STEADY_MS || ran <= 0) return;
    const pace = ms / ran;
    this.steady = this.#last > 0 &&
      Math.max(pace, this.#last) <= (1 + STEADY_SPREAD) * Math.min(pace, this.#last);
    this.#last = pace;
  }
}
const BATCH_CPU_MS = 20;
const BATCH_SHARE = 0.05;

/** A look at no item (nothing ran here). */
export function emptyProbe(): MainProbe {
  return {
    times: [],
    results: new Map(),
    pulled: [],
    items: [],
    isAsync: false,
    totalMs: 0,
    warmPerItemMs: 0,
  };
}

/**
 * Run the first items here until `maxMs` elapsed or `maxItems` ran: `single` items one by one,
 * then batches doubling in size. Indices in `claimed` (items of an array running elsewhere
 * meanwhile) are left out; `cores` bounds an async task's batch (see `CONCURRENT_CALLS`).
 */
export async function mainProbe(
  fn: (x: unknown) => unknown,
  src: Source<unknown>,
  maxMs: number,
  maxItems: number,
  single = 3,
  claimed: ReadonlySet<number> = new Set(),
  cores = 1,
): Promise<MainProbe> {
  const rt = runtime();
  const out = emptyProbe();
  const t0 = rt.now();
  const cpu0 = rt.cpuTimeUs();
  const sched0 = threadSched();
  // Arrays: items spread over the data (0, n/2, n/4, …), so a job whose cost grows along the
  // data is not judged by its first, cheapest items. One-shot sources: the first items.
  const spread = src.indexable ? spreadIndices(src.total ?? 0, claimed) : undefined;
  // Synchronous where the source and the task allow: an await per item would cost more than a
  // sub-microsecond task and inflate the warm estimate.
  // The single items come spread over an array; the batches then take the array in order from
  // the start (skipping those): the spread sequence costs more per index than a fast task.
  let nextInOrder = 0;
  const singles = new Set<number>(); // indices of the single items (arrays)
  const takeOne = (k: number): { i: number; item: unknown } | undefined => {
    if (spread && k < single) {
      const r = spread.next();
      if (r.done) return undefined;
      singles.add(r.value);
      return { i: r.value, item: src.at(r.value) };
    }
    if (spread) {
      // Not the single items either: an async look's batch takes them before their results are in.
      while (
        nextInOrder < (src.total ?? 0) &&
        (out.results.has(nextInOrder) || claimed.has(nextInOrder) || singles.has(nextInOrder))
      ) nextInOrder++;
      if (nextInOrder >= (src.total ?? 0)) return undefined;
      const i = nextInOrder++;
      return { i, item: src.at(i) };
    }
    const got = src.takeSync(1);
    if (got.length === 0) return undefined;
    out.pulled.push(got[0]);
    return { i: k, item: got[0] };
  };
  const takeOneAsync = async (k: number) => {
    const got = await src.take(1);
    if (got.length === 0) return undefined;
    out.pulled.push(got[0]);
    return { i: k, item: got[0] };
  };
  const asyncSource = src.isAsync && !spread;
  const pace = new Pace();
  const record = (ms: number, ran: number) => {
    out.totalMs += ms;
    // The fastest batch per item: a batch only gets slower than warm (cold code, or the thread
    // preempted by other processes), never faster.
    if (out.warmPerItemMs === 0 || ms / ran < out.warmPerItemMs) out.warmPerItemMs = ms / ran;
    pace.add(ms, ran);
  };
  let k = 0, batch = 0;
  while (k < maxItems && (k === 0 || (rt.now() - t0 < maxMs && !pace.steady))) { // ≥ 1 item
    const size = k < single ? 1 : Math.min(2 ** ++batch, maxItems - k);
    if (size > 1 && !out.isAsync) {
      // A synchronous batch: the items first, then one tight loop under one exit guard, so that
      // the time per item is the task's own (as in a plain loop), not the look's bookkeeping.
      const idx: number[] = [], items: unknown[] = [];
      if (spread) { // an array: the next indices in order, past the single items
        const total = src.total ?? 0;
        for (; idx.length < size && nextInOrder < total; nextInOrder++) {
          if (singles.has(nextInOrder) || claimed.has(nextInOrder)) continue;
          idx.push(nextInOrder);
          items.push(src.at(nextInOrder));
        }
      } else {
        for (let j = 0; j < size; j++) {
          const one = asyncSource ? await takeOneAsync(k + j) : takeOne(k + j);
          if (!one) break;
          idx.push(one.i);
          items.push(one.item);
        }
      }
      if (idx.length === 0) break;
      const rs: unknown[] = new Array(idx.length);
      let failed = -1;
      const t = rt.now();
      withoutExit(() => {
        for (let j = 0; j < items.length; j++) {
          try {
            rs[j] = fn(items[j]);
          } catch (e) {
            failed = j;
            out.failure = { index: idx[j], error: thrownError(e) };
            return;
          }
        }
      });
      const ms = rt.now() - t;
      const ran = failed < 0 ? idx.length : failed;
      for (let j = 0; j < ran; j++) {
        out.items.push(items[j]);
        let r = rs[j];
        if (isThenable(r)) { // a task async only for some items
          out.isAsync = true;
          try {
            r = await r;
          } catch (e) {
            out.failure = { index: idx[j], error: thrownError(e) };
            k += j;
            break;
          }
        }
        out.results.set(idx[j], r);
      }
      if (out.failure) break;
      k += ran;
      if (out.failure) break;
      record(ms, ran);
      if (ran < size) break;
      continue;
    }
    const t = rt.now();
    let ran = 0;
    for (; ran < size; ran++) {
      const got = asyncSource ? await takeOneAsync(k) : takeOne(k);
      if (!got) break;
      k++;
      out.items.push(got.item);
      let r: unknown;
      try {
        r = withoutExit(() => fn(got.item)); // a task calling exit must not end the caller
        if (isThenable(r)) {
          out.isAsync = true;
          r = await r;
        }
      } catch (e) {
        out.failure = { index: got.i, error: thrownError(e) };
        break;
      }
      out.results.set(got.i, r);
    }
    const ms = rt.now() - t;
    if (out.failure) break;
    if (ran === 0) break;
    if (size === 1) {
      out.totalMs += ms;
      out.times.push(ms);
    } else record(ms, ran);
    if (ran < size) break;
  }
  // An async task: one batch of calls at once, however long the first calls took (they may wait
  // far longer than the look's time), unless the look failed or covered the items.
  if (out.isAsync && !out.failure && k < maxItems) {
    // Bounded by CPU: a task that computes runs the batch one call after the other.
    // This thread's clock where the OS gives it (the process clock also counts the JIT and GC
    // threads, which a first cold call keeps busy), else the process clock, else wall time.
    const c = rt.cpuTimeUs();
    const sched = sched0 && threadSched();
    const perCallMs = sched0 && sched
      ? (sched.runMs - sched0.runMs) / k
      : c !== undefined && cpu0 !== undefined
      ? (c - cpu0) / 1000 / k
      : out.totalMs / k;
    // The CPU the batch may take: `BATCH_CPU_MS`, or a share of the job's time over `cores`
    // (calls that compute would run one after the other here; their results are kept, so the
    // batch delays a run on every core by at most that share).
    const serialMs = ((src.total ?? k) * (out.totalMs / k)) / Math.max(1, cores);
    const cpuMs = Math.max(BATCH_CPU_MS, BATCH_SHARE * serialMs);
    const calls = Math.max(4, Math.min(CONCURRENT_CALLS, Math.ceil(cpuMs / perCallMs)));
    const got: { i: number; item: unknown }[] = [];
    for (let j = 0; j < Math.min(calls, maxItems - k); j++) {
      const one = asyncSource ? await takeOneAsync(k + j) : takeOne(k + j);
      if (!one) break;
      got.push(one);
    }
    if (got.length > 0) {
      // The process clock first: reading it brings this thread's schedstat up to date (else it
      // may lag by a scheduler tick).
      const c0 = rt.cpuTimeUs();
      const w0 = threadSched();
      const t = rt.now();
      const latencyMs: number[] = [];
      const settled = await Promise.all(got.map(async ({ item }) => {
        const s = rt.now();
        try {
          let r = withoutExit(() => fn(item));
          if (isThenable(r)) r = await r;
          latencyMs.push(rt.now() - s);
          return { ok: true as const, r };
        } catch (e) {
          return { ok: false as const, e };
        }
      }));
      const wallMs = rt.now() - t;
      const c1 = rt.cpuTimeUs();
      const w1 = threadSched();
      out.concurrent = { calls: got.length, wallMs, latencyMs };
      if (c0 !== undefined && c1 !== undefined) out.concurrent.cpuMs = (c1 - c0) / 1000;
      if (w0 !== undefined && w1 !== undefined) {
        out.concurrent.waitMs = Math.max(0, w1.waitMs - w0.waitMs);
        out.concurrent.threadCpuMs = Math.max(0, w1.runMs - w0.runMs);
      }
      out.totalMs += wallMs;
      // Every call that succeeded keeps its result; the first failing one (in order) fails the look.
      settled.forEach((x, j) => {
        out.items.push(got[j].item);
        if (x.ok) out.results.set(got[j].i, x.r);
        else if (!out.failure) out.failure = { index: got[j].i, error: thrownError(x.e) };
      });
    }
  }
  if (out.warmPerItemMs === 0 && out.times.length > 0) {
    const warm = out.times.length > 1 ? out.times.slice(1) : out.times;
    out.warmPerItemMs = [...warm].sort((a, b) => a - b)[warm.length >> 1];
  }
  const cpu1 = rt.cpuTimeUs();
  if (cpu0 !== undefined && cpu1 !== undefined) out.cpuMs = (cpu1 - cpu0) / 1000;
  return out;
}
