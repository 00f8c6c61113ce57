/**
 * The defaults of every option that steers a run or a decision, in one object: the optimizer,
 * the engine, the optimizer's cache key and the docs all read them from here.
 *
 * @module
 */

/**
 * Default option values.
 *
 * @example Usage
 * ```ts
 * import { DEFAULTS } from "./defaults.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DEFAULTS.minSpeedup, 1.2);
 * ```
 */
export const DEFAULTS = Object.freeze({
  /** Refuse parallelism below this predicted speedup. */
  minSpeedup: 1.2,
  /**
   * Target duration of a chunk when the engine adapts chunk sizes (ms): long enough that a
   * chunk's message costs under 1 % of it, short enough that the results of the last chunks,
   * decoded on the calling thread, leave little serial tail (object-tree results ran 5–12 %
   * faster with 20 ms chunks than with 200 ms ones on Deno and Node; with 10 ms chunks than with
   * 20 ms ones, 100 KB results ran 5–25 % faster, XML trees 2–11 %, rendered markdown 0–8 %, on
   * Deno, Bun and Node; the other workloads of `bench/decision_quality.ts` within ±4 %, but for
   * 20 items of 1 ms on Node, 8 % (0.9 ms) slower, and hashes of 1 µs, 9 % slower on Deno and
   * 14–19 % faster on Bun and Node, in runs that spread over ±40 %).
   */
  targetChunkMs: 10,
  /**
   * Most work in one cluster job (ms): a worker killed mid-job loses at most this much, and the
   * queue's round trip per job stays a small share of it.
   */
  clusterJobMs: 200,
  /** Whether the engine adapts chunk sizes at run time. */
  adaptive: true,
  /** Calls in flight for the async executor (the starting point when it adapts). */
  concurrency: 16,
  /**
   * Most calls in flight when the async concurrency adapts: every call in flight may hold a socket
   * or a file descriptor, and the usual soft limit of 1024 descriptors per process must leave room
   * for the rest of the program; past a few hundred calls in flight one main thread is the
   * bottleneck anyway.
   */
  maxConcurrency: 256,
  /** Task time the optimizer spends sampling, at most (ms; scaled down for small jobs). */
  sampleBudgetMs: 100,
  /** Whether the optimizer uses (and fills) the persisted result cache. */
  cache: true,
  /** Items per chunk for a forced worker run over data of unknown length. */
  unknownLengthChunkSize: 16,
  /** Chunks per worker for a forced worker run without a chunk size (n / (8 · workers)). */
  chunksPerWorker: 8,
  /** How chunks travel: chosen by measurement (optimizer) or by the first chunk's shape. */
  encoding: "auto" as const,
});
