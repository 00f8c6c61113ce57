/**
 * The decision: search worker counts 1..effective cores and chunk sizes, pick the fastest
 * predicted configuration, and refuse parallelism when it would not pay off.
 *
 * @module
 */
import type { RunConfig } from "../engine/mod.ts";
import { DEFAULTS } from "../defaults.ts";
import {
  type ModelInputs,
  predictAsync,
  predictInline,
  type Prediction,
  predictWorkers,
} from "./cost_model.ts";

/** Limits on the search. */
export interface DecideLimits {
  /** Most workers by cores (effective cores). */
  maxWorkers: number;
  /** Most workers memory allows (Infinity: no cap). */
  memoryWorkers: number;
  /** Most workers given nested parallelism (Infinity: no cap). */
  nestedWorkers: number;
  /** Refuse parallelism below this predicted speedup. */
  minSpeedup: number;
  /** Whether the task returns Promises, and its CPU time per item (ms) for the async executor. */
  isAsync: boolean;
  cpuPerItemMs: number;
  /** Most calls in flight for the async executor (default `DEFAULTS.maxConcurrency`). */
  maxConcurrency?: number;
  /**
   * Wall time per call measured with calls overlapped on the calling thread (ms; the look's
   * batch of an async task): the async executor does at least as well, whatever the CPU clock
   * says of the calls.
   */
  asyncItemMs?: number;
  /**
   * Calls the look overlapped with a near-linear gain (their batch took about one call's time):
   * the async executor starts from at least `LINEAR_REACH` times as many (see
   * `asyncConcurrency`).
   */
  asyncLinearCalls?: number;
  /**
   * The calls in flight at which the look's batch measured its throughput (`asyncItemMs`): the
   * async executor starts from at least as many, up to `ASYNC_START` (see `asyncConcurrency`).
   */
  asyncBatchCalls?: number;
  /**
   * Whether the look's batch met a service that serves calls in turn (a thread pool, a single
   * connection, this thread for calls that compute): its pace (`asyncItemMs`) then bounds the
   * async executor, whatever the calls in flight, where it otherwise only caps the prediction.
   */
  asyncQueued?: boolean;
  /**
   * Items of the whole job, where the model's `n` is what is left after deciding: they bound the
   * async concurrency, which the decision keeps for the whole job (cached, the next call runs
   * every item; the items left may be a few beside the look's calls in flight).
   */
  jobItems?: number;
  /**
   * Most items per chunk: a stream of unknown length, judged on a nominal `n`, takes chunks of a
   * chunk's target work at most (a first chunk sized for the nominal job could hold most of it);
   * under `timeoutMs`, a quarter of the limit's work.
   */
  mostChunk?: number;
}

/** One configuration considered, with its prediction. */
export interface Alternative extends RunConfig {
  /** Predicted wall time (ms). */
  predictedMs: number;
  /** Why it was ruled out, when it was (a cap, memory, too few items). */
  rejected?: string;
}

/** The decision (the chosen configuration) and every alternative considered. */
export interface Decision extends RunConfig {
  /** Predicted wall time of the choice (ms). */
  predictedMs: number;
  /** Predicted wall time of the plain loop (ms). */
  serialMs: number;
  /** `serialMs / predictedMs`. */
  predictedSpeedup: number;
  /** Why this choice, in one sentence. */
  reason: string;
  /** Breakdown of the best worker configuration (chosen or refused). */
  best?: Prediction;
  /** Every configuration considered. */
  alternatives: Alternative[];
}

/**
 * Choose the configuration with the lowest predicted time, or inline when the best speedup is
 * below `minSpeedup`.
 *
 * @param m The model inputs.
 * @param limits Worker caps and thresholds.
 * @returns The decision with its alternatives.
 *
 * @example Usage
 * ```ts
 * import { decide } from "./decide.ts";
 * import assert from "node:assert/strict";
 *
 * const m = {
 *   n: 100, perItemMs: 0.001, cv: 0, maxItemMs: 0.001, mainPerItemMs: 0.0005,
 *   workerPerItemMs: 0.0005, chunkMs: 0.05, roundTripMs: 0.1, warmWorkers: 0, firstStartMs: 25,
 *   marginalStartMs: 15, cores: 2, adaptive: true, targetChunkMs: 200,
 * };
 * const limits = { maxWorkers: 2, memoryWorkers: Infinity, nestedWorkers: Infinity, minSpeedup: 1.2, isAsync: false, cpuPerItemMs: 0.001 };
 * assert.equal(decide(m, limits).executor, "inline");
 * ```
 */
export function decide(m: ModelInputs, limits: DecideLimits): Decision {
  const serialMs = predictInline(m);
  const cap = Math.max(1, Math.min(limits.maxWorkers, limits.memoryWorkers, limits.nestedWorkers));
  const alternatives: Alternative[] = [
    { executor: "inline", workers: 1, chunkSize: m.n ?? 1, concurrency: 1, predictedMs: serialMs },
  ];
  let best: Prediction | undefined;
  const fits: Prediction[] = [];
  const fastest = new Map<number, number>(); // by worker count that fits: its fastest prediction
  const tryWorkers = (w: number) => {
    for (const c of chunkCandidates(m, w, limits.mostChunk)) {
      const p = predictWorkers(m, w, c);
      const alt: Alternative = {
        executor: "workers",
        workers: w,
        chunkSize: c,
        concurrency: 1,
        predictedMs: p.totalMs,
      };
      if (w > cap) {
        alt.rejected = w > limits.memoryWorkers
          ? "memory cap"
          : w > limits.nestedWorkers
          ? "nested parallelism cap"
          : "core cap";
      } else {
        fits.push(p);
        if (!best || p.totalMs < best.totalMs) best = p;
        fastest.set(w, Math.min(fastest.get(w) ?? Infinity, p.totalMs));
      }
      alternatives.push(alt);
    }
  };
  const ladder = workerLadder(Math.max(limits.maxWorkers, 1), cap);
  for (const w of ladder) tryWorkers(w);
  // Between the rungs (many cores), every count around the fastest two: the predicted time steps
  // with the waves of chunks, so the best count of a stretch may lie between two rungs.
  const top = [...fastest].sort((a, b) => a[1] - b[1]).slice(0, 2).map(([w]) => w);
  for (const w of top) {
    const k = ladder.indexOf(w);
    for (let v = (ladder[k - 1] ?? w) + 1; v < (ladder[k + 1] ?? w); v++) {
      if (v !== w) tryWorkers(v);
    }
  }
  if (best && m.n !== undefined) best = amongTies(best, fits, m.n, (p) => p.totalMs);
  let asyncAlt: Alternative | undefined;
  if (limits.isAsync) {
    const conc = asyncConcurrency(m, limits);
    const measured = limits.asyncItemMs === undefined ? Infinity : (m.n ?? 1) * limits.asyncItemMs;
    const waves = predictAsync(m, limits.cpuPerItemMs, conc);
    const ms = limits.asyncQueued ? Math.max(waves, measured) : Math.min(waves, measured);
    asyncAlt = { executor: "async", workers: 0, chunkSize: 1, concurrency: conc, predictedMs: ms };
    alternatives.push(asyncAlt);
  }
  const workerSpeedup = best ? serialMs / best.totalMs : 0;
  const asyncSpeedup = asyncAlt ? serialMs / asyncAlt.predictedMs : 0;
  const base = { serialMs, alternatives, best, concurrency: 1 };
  if (
    asyncAlt && asyncSpeedup >= limits.minSpeedup &&
    ASYNC_HEDGE * asyncSpeedup >= workerSpeedup
  ) {
    return {
      ...base,
      executor: "async",
      workers: 0,
      chunkSize: 1,
      concurrency: asyncAlt.concurrency,
      predictedMs: asyncAlt.predictedMs,
      predictedSpeedup: asyncSpeedup,
      reason: `I/O-bound async task: ${asyncAlt.concurrency} calls in flight on the main ` +
        `thread are predicted ${asyncSpeedup.toFixed(2)}× faster than a plain loop`,
    };
  }
  const workersPay = best !== undefined && workerSpeedup >= limits.minSpeedup && best.workers > 1;
  if (asyncAlt && !workersPay) {
    // Neither pays by `minSpeedup`: the async executor still runs an async task, from one call
    // at a time (the plain loop's pace; or the calls predicted to gain, if any), and its limiter
    // adds calls while they gain. It starts no worker, so nothing is risked by the threshold; a
    // plain loop could never correct a prediction that was too low (200 HTTP calls to a server
    // in another process, predicted 1.14× at 14 calls in flight: the plain loop ran them 2.5×
    // slower than 64 in flight).
    const gains = asyncSpeedup > 1;
    const why = gains
      ? `${asyncAlt.concurrency} calls in flight are predicted ${speedupBelow(asyncSpeedup)}× ` +
        `faster than a plain loop, below minSpeedup ${limits.minSpeedup}`
      : "overlapping calls is not predicted to gain";
    return {
      ...base,
      executor: "async",
      workers: 0,
      chunkSize: 1,
      concurrency: gains ? asyncAlt.concurrency : 1,
      predictedMs: gains ? asyncAlt.predictedMs : serialMs,
      predictedSpeedup: gains ? asyncSpeedup : 1,
      reason: `Async from ${gains ? asyncAlt.concurrency : 1} call${gains ? "s" : ""} in ` +
        `flight, adapting while the run finds more gain: ${why}`,
    };
  }
  if (!best || !workersPay) {
    const why = !best
      ? "no worker configuration fits"
      : best.workers === 1
      ? "one worker cannot beat the plain loop"
      : `the best worker configuration (${best.workers} workers, chunks of ${best.chunkSize}) ` +
        // "As fast as": a speedup under 1 is a slower run (0.10× "faster" read as 10 % faster).
        `is predicted only ${speedupBelow(workerSpeedup)}× as fast as the plain loop, ` +
        `below minSpeedup ${limits.minSpeedup}`;
    return {
      ...base,
      executor: "inline",
      workers: 1,
      chunkSize: m.n ?? 1,
      predictedMs: serialMs,
      predictedSpeedup: 1,
      reason: `Inline: ${why}`,
    };
  }
  return {
    ...base,
    executor: "workers",
    workers: best.workers,
    chunkSize: best.chunkSize,
    predictedMs: best.totalMs,
    predictedSpeedup: workerSpeedup,
    reason: `Workers: ${onWorkers(best)} are predicted ${workerSpeedup.toFixed(2)}× faster ` +
      "than a plain loop",
  };
}

/**
 * A speedup said to be under a threshold: two decimals, rounded down, so that it never reads as
 * the threshold itself (1.196 read "1.20× as fast as the plain loop, below minSpeedup 1.2").
 *
 * @param speedup The speedup (a ratio).
 * @returns It with two decimals, rounded down.
 *
 * @example Usage
 * ```ts
 * import { speedupBelow } from "./decide.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(speedupBelow(1.1996), "1.19");
 * assert.equal(speedupBelow(0.5), "0.50");
 * assert.equal(speedupBelow(1.15), "1.15");
 * ```
 */
export function speedupBelow(speedup: number): string {
  // (1.15 × 100 is 114.99999999999999 in binary floating point: nudged before the floor.)
  return (Math.floor(speedup * 100 + 1e-9) / 100).toFixed(2);
}

/**
 * A worker configuration in words, as the reasons name it.
 *
 * @param config The workers and the chunk size.
 * @returns "N workers with chunks of M" ("1 worker" for one).
 *
 * @example Usage
 * ```ts
 * import { onWorkers } from "./decide.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(onWorkers({ workers: 2, chunkSize: 16 }), "2 workers with chunks of 16");
 * assert.equal(onWorkers({ workers: 1, chunkSize: 4 }), "1 worker with chunks of 4");
 * ```
 */
export function onWorkers(config: { workers: number; chunkSize: number }): string {
  const { workers, chunkSize } = config;
  return `${workers} worker${workers === 1 ? "" : "s"} with chunks of ${chunkSize}`;
}

/**
 * The worker configuration a decision takes of those that fit: `best` (the fastest predicted), or
 * of the configurations predicted within `TIE_SHARE` of it with its worker count — one to the
 * model — the one nearest `TIE_CHUNKS` chunks per worker (on a log scale). The model leaves out
 * what hedges that choice: the cost of a message that carries large results (400 results of
 * 100 KB on 2 workers: chunks of 1, 3 and 6 were predicted within 1 % of chunks of 20, and ran in
 * 72–85 ms against 22–29 for chunks of 4 to 16), and a worker slower than predicted (still
 * compiling the task, preempted), which holds a large chunk to the end. A decision picked again
 * from stored alternatives (`repick`, run_feedback.ts) breaks ties the same way.
 *
 * @param best The fastest configuration predicted.
 * @param fits The configurations that fit (`best` among them).
 * @param n The job's items.
 * @param ms A configuration's predicted time (ms).
 * @returns The configuration to take.
 *
 * @example Usage
 * ```ts
 * import { amongTies } from "./decide.ts";
 * import assert from "node:assert/strict";
 *
 * const fits = [
 *   { workers: 2, chunkSize: 300, ms: 100 }, // 1 chunk per worker
 *   { workers: 2, chunkSize: 40, ms: 101 }, // 7.5 chunks per worker, within 2 %
 *   { workers: 2, chunkSize: 10, ms: 110 },
 * ];
 * assert.equal(amongTies(fits[0], fits, 600, (p) => p.ms).chunkSize, 40);
 * ```
 */
export function amongTies<T extends { workers: number; chunkSize: number }>(
  best: T,
  fits: readonly T[],
  n: number,
  ms: (p: T) => number,
): T {
  const distance = (p: T) =>
    Math.abs(Math.log(Math.ceil(n / p.chunkSize) / p.workers / TIE_CHUNKS));
  let pick = best;
  for (const p of fits) {
    if (p.workers !== best.workers || ms(p) > (1 + TIE_SHARE) * ms(best)) continue;
    if (distance(p) < distance(pick)) pick = p;
  }
  return pick;
}

/**
 * How much faster than the async executor workers must be predicted for an async task that the
 * async executor speeds up by `minSpeedup` on its own. Workers run their calls one at a time each:
 * their gain assumes that the service answers two callers twice as fast as one, which sampling in
 * one worker cannot tell, and their number is fixed for the run; the async executor's gain from
 * overlapping calls was measured (the look's batch), and it adapts its calls in flight at run time.
 * Node, 200 HTTP calls to a local server in another process: two workers, predicted 1.8–1.9×,
 * ran 0.95–1.0× of the plain loop, where 256 calls in flight ran 2.3×; to a server in this
 * process, predicted 1.3–2.0×, they ran 0.76–0.89×, where 64 calls in flight ran 1.2–1.3×.
 */
const ASYNC_HEDGE = 1.5;
/** Predicted times within this share of the best are a tie (see `amongTies`). */
const TIE_SHARE = 0.02;
/** Chunks per worker that a tie is broken toward (see `amongTies`). */
const TIE_CHUNKS = 8;

/**
 * The worker counts a decision predicts first, ascending: every count up to `LADDER_ALL`, then
 * rungs `LADDER_STEP` apart, and `most` and `cap` themselves (see `decide`, which then fills in
 * the counts around the fastest rungs). On 128 cores: 28 counts, not 128.
 *
 * @param most The most workers.
 * @param cap The most workers that fit the caps.
 * @returns The counts.
 *
 * @example Usage
 * ```ts
 * import { workerLadder } from "./decide.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(workerLadder(4, 4), [1, 2, 3, 4]);
 * assert.deepEqual(workerLadder(24, 20).slice(15), [16, 19, 20, 23, 24]);
 * ```
 */
export function workerLadder(most: number, cap: number): number[] {
  const set = new Set<number>([most, Math.min(cap, most)]);
  for (let w = 1; w <= Math.min(most, LADDER_ALL); w++) set.add(w);
  for (let w = LADDER_ALL * LADDER_STEP; w < most; w *= LADDER_STEP) set.add(Math.round(w));
  return [...set].sort((a, b) => a - b);
}

/** Worker counts up to this one are all predicted (see `workerLadder`). */
const LADDER_ALL = 16;
/** Ratio of one rung to the next past `LADDER_ALL` (see `workerLadder`): four rungs a doubling. */
const LADDER_STEP = 2 ** 0.25;

/**
 * Chunk sizes to try for `w` workers: powers of 4, a few chunks per worker, the target; none over
 * `most`.
 */
export function chunkCandidates(m: ModelInputs, w: number, most = Infinity): number[] {
  const n = m.n ?? 1_000_000;
  const set = new Set<number>();
  for (let c = 1; c <= n; c *= 4) set.add(c);
  for (const k of [1, 2, 4, 8, 16]) set.add(Math.max(1, Math.ceil(n / (k * w))));
  if (m.perItemMs > 0) {
    for (const ms of [m.targetChunkMs, 200, 20, 5]) {
      set.add(Math.max(1, Math.min(n, Math.round(ms / m.perItemMs))));
    }
  }
  const top = Math.max(1, Math.min(n, most));
  if (top < n) set.add(top);
  return [...set].filter((c) => c >= 1 && c <= top).sort((a, b) => a - b);
}

/**
 * Calls in flight for the async executor to start from: enough to cover the wait with the CPU
 * each needs, in as few waves as the calls' CPU time holds (every call where it holds less than
 * one: see below), at least `ASYNC_START` (the CPU time of one call at a time is inflated by timer
 * and promise overhead, so the ratio under-estimates; the engine's limiter adapts from here and
 * backs off when latency rises), and at least `LINEAR_REACH` × the calls the look overlapped
 * with a near-linear gain (`asyncLinearCalls`); at most `maxConcurrency` and the item count.
 * Where the look's batch measured its throughput (`asyncItemMs`, ms a call overlapped), the least
 * start is at most `LITTLE_REACH` × the calls that throughput needs in flight at one call's
 * latency (Little's law: `perItemMs / asyncItemMs`): past that the batch's calls only queued (an
 * HTTP client on Bun of a server in another process: 64 calls took 5–11 ms, 0.08–0.17 ms a call,
 * where one call alone took 0.1 ms) — but never under the calls the batch had in flight
 * (`asyncBatchCalls`), the one concurrency its throughput was measured at. Little's law holds for
 * calls whose latency is their own; calls that this thread serves too (an HTTP server in this
 * process) or that share its event loop's turns ran faster with more in flight, each turn serving
 * more of them: 200 calls of an axios client, a server in this process, read 0.24 ms alone and
 * 0.09 overlapped in a batch of ~130, and Little's law gave 9 in flight. Medians (quartiles) of 22
 * runs each, forced, alternating: 9 in flight 43 ms (42–47) on Bun, 58 (54–63) on Deno; 64 in
 * flight 39 (37–40) and 53 (51–61); 256, 31 and 53. A server in another process: 9 in flight 33
 * (29–42) and 56 (51–71), 64 in flight 30 (27–36) and 48 (40–59).
 */
function asyncConcurrency(m: ModelInputs, limits: DecideLimits): number {
  const { cpuPerItemMs, asyncItemMs, maxConcurrency = DEFAULTS.maxConcurrency } = limits;
  const linearCalls = limits.asyncLinearCalls ?? 0;
  const n = Math.max(m.n ?? 1024, limits.jobItems ?? 0);
  // The fewest calls in flight whose waves of latency fit in the CPU time the calls need (see
  // `predictAsync`, the longest call's tail included: each wave more than fit costs a latency,
  // fewer waves gain nothing): over a long job about the wait over the CPU a call needs; over a
  // few waves' worth, enough that the last is not a latency more (120 HTTP calls of 50 ms, 0.65 ms
  // of CPU each: 77 in flight, in two waves, took 144–152 ms on Deno and Node; 256 in flight, all
  // 120 at once, 95–123).
  const cpuMs = Math.max(cpuPerItemMs, 0.002);
  const tail = Math.max(0, (m.maxItemMs ?? m.perItemMs) - m.perItemMs);
  const waves = Math.floor((n * cpuMs - tail) / m.perItemMs);
  const ratio = n / Math.max(1, waves || 1);
  const little = asyncItemMs !== undefined && asyncItemMs > 0
    ? Math.max(LITTLE_REACH * m.perItemMs / asyncItemMs, limits.asyncBatchCalls ?? 0)
    : Infinity;
  const start = Math.max(ratio, Math.min(ASYNC_START, little), LINEAR_REACH * linearCalls);
  return Math.max(1, Math.min(n, maxConcurrency, Math.ceil(start)));
}

/**
 * How far past the calls in flight that the look's throughput needs (Little's law) the async
 * executor may start where that is under `ASYNC_START`: two doublings, as `LINEAR_REACH`.
 */
const LITTLE_REACH = 4;

/**
 * How far past the calls measured to overlap near-linearly the async executor starts: the two
 * doublings of the limiter's slow start, skipped (a job of a few hundred calls would otherwise
 * spend most of its time growing the limit; the limiter backs off when latency rises).
 */
const LINEAR_REACH = 4;

/**
 * The least starting concurrency of an I/O-bound task chosen for the async executor: in the
 * decision-quality bench, timers of 5 ms and HTTP calls of 50 ms ran 1.4–2.7× faster with 64–256
 * calls in flight than with the 12–16 the CPU ratio gave; the limiter backs off from here when
 * latency rises.
 */
const ASYNC_START = 64;
