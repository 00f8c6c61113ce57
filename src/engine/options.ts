/**
 * Options of `execute` and `map`, and their validation.
 *
 * @module
 */
import {
  bool,
  fn,
  keysOf,
  knownKeys,
  objectArg,
  oneOf,
  positiveInt,
  positiveNumber,
  timerMs,
  wrongType,
} from "../args.ts";
import type { Encoding } from "./encoding.ts";
import { defaultPool, Pool } from "./pool.ts";

/** The data of a job: an array, any iterable or an async iterable (possibly infinite). */
export type Data<I> = Iterable<I> | AsyncIterable<I>;

/**
 * Where a run's chunk jobs go (the `cluster` option): a BullMQ queue on a Redis server that the
 * workers of other machines share. See docs/cluster.md.
 */
export interface ClusterOptions {
  /** Redis URL, `redis://host:port` (or `rediss://` for TLS). */
  redis: string;
  /** Queue name (default `"amorsize"`). Workers and callers must use the same one. */
  queue?: string;
  /** Chunk jobs in flight at once (default: twice the registered workers' cores). */
  maxInFlight?: number;
  /** Largest job payload in bytes of JSON (default 1 MiB). A larger item is an error. */
  maxPayloadBytes?: number;
  /** Give up connecting, or declare Redis lost, after this many ms without an answer (5000). */
  redisTimeoutMs?: number;
}

/** How the work runs. */
export type Executor = "inline" | "async" | "workers";

/**
 * Progress of a run, reported per chunk (at most ~20 times a second). Through one call, `done`
 * and `elapsedMs` never go back (the run goes on from what deciding reported).
 */
export interface Progress {
  /** Items finished. */
  done: number;
  /** Items in all, when known. */
  total?: number;
  /** Milliseconds since the call started (deciding included). */
  elapsedMs: number;
  /** Phase: `"optimize"` while the optimizer samples, `"run"` while the work runs. */
  phase?: "optimize" | "run";
}

/**
 * Options of `execute` and `map`. Any of `executor`, `workers`, `chunkSize`, `concurrency` forces
 * a choice.
 */
export interface ExecuteOptions {
  /** `"inline"` (a loop here), `"async"` (bounded concurrency here) or `"workers"` (the pool). */
  executor?: Executor;
  /**
   * Workers to use (executor `"workers"`). With `"async"` or `"inline"`, 0 is accepted too: what
   * `optimize` reports for them, so that a result's fields can be handed back as they are.
   */
  workers?: number;
  /** Items per chunk sent to a worker (the initial size when `adaptive`). */
  chunkSize?: number;
  /**
   * Tasks in flight at once for the `"async"` executor, fixed; given alone (no `executor`,
   * `workers` or `chunkSize`), it forces that executor. Unset, the limit adapts at run time (from
   * the optimizer's estimate, or 16 when the executor is forced), within `maxConcurrency`.
   */
  concurrency?: number;
  /**
   * Most tasks in flight for the `"async"` executor when the limit adapts (default 256: each call
   * in flight may hold a socket or a file descriptor, and the usual soft limit of 1024
   * descriptors per process must leave room for the rest of the program; past a few hundred
   * calls in flight a single main thread is the bottleneck anyway).
   */
  maxConcurrency?: number;
  /** `map` only: yield in input order (default true) or in completion order. */
  ordered?: boolean;
  /** Abort the run; busy workers are terminated and replaced. */
  signal?: AbortSignal;
  /**
   * Per-chunk time limit in ms; a chunk over it fails the run with a `TimeoutError`. On the
   * `"inline"` and `"async"` executors each call is its own chunk: a Promise over the limit fails
   * the run at once, a synchronous call over it fails the run when it returns (a synchronous call
   * on the calling thread cannot be interrupted: only `"workers"` stops one that never returns).
   */
  timeoutMs?: number;
  /**
   * Called with progress, per chunk, at most ~20 times a second (and once at the end). A throw
   * fails the call; so does a Promise it returns that rejects, at the next report.
   */
  onProgress?: (progress: Progress) => void;
  /** Move ArrayBuffers and typed arrays to and from workers instead of copying them. */
  transfer?: boolean;
  /**
   * How chunks cross to the workers and back: `"clone"` (structured clone), `"packed"` (numbers,
   * numeric tuples and arrays of numbers in transferred typed arrays) or `"json"` (JSON text, only
   * for values JSON keeps exactly). Default `"auto"`: the optimizer picks the cheapest exact
   * encoding it measured on its sample; with a forced configuration, the first chunk's shape
   * decides (packed for numbers and numeric tuples, else clone). Values that do not fit the
   * chosen encoding travel as clone: no encoding ever changes a value.
   */
  encoding?: Encoding | "auto";
  /** Adapt the chunk size at run time toward `targetChunkMs` (default true). */
  adaptive?: boolean;
  /** Target duration of a chunk in ms when `adaptive` (default 10). */
  targetChunkMs?: number;
  /** The pool to run on (default: a shared pool kept warm between calls). */
  pool?: Pool;
  /** Automatic mode: refuse parallelism below this predicted speedup (default 1.2). */
  minSpeedup?: number;
  /** Automatic mode: task time to spend sampling, at most (ms, default 100). */
  sampleBudgetMs?: number;
  /** Automatic mode: never use more workers than this (default: effective cores). */
  maxWorkers?: number;
  /**
   * Automatic mode: use the persisted result cache (default true; when not given, the environment
   * variable `AMORSIZE_CACHE=0` turns it off). See `OptimizeOptions.cache`.
   */
  cache?: boolean;
  /**
   * Run on a cluster of other machines (BullMQ on Redis; see docs/cluster.md): automatic mode
   * decides between this machine and the cluster; a forced `chunkSize` alone runs on the
   * cluster; a forced `executor`, `workers` or `concurrency` runs here. The task must be
   * `task(module, name)`.
   */
  cluster?: ClusterOptions;
}

/** The options `execute` and `map` know (the compiler keeps the list complete). */
export const EXECUTE_OPTION_KEYS: readonly string[] = keysOf<ExecuteOptions>({
  executor: 1,
  workers: 1,
  chunkSize: 1,
  concurrency: 1,
  maxConcurrency: 1,
  ordered: 1,
  signal: 1,
  timeoutMs: 1,
  onProgress: 1,
  transfer: 1,
  encoding: 1,
  adaptive: 1,
  targetChunkMs: 1,
  pool: 1,
  minSpeedup: 1,
  sampleBudgetMs: 1,
  maxWorkers: 1,
  cache: 1,
  cluster: 1,
});

/**
 * Check every option that is present; throws TypeError/RangeError naming the option, and a
 * TypeError naming an unknown one and the closest known one (`{ worker: 2 }`: "workers").
 */
export function checkOptions(o: ExecuteOptions): void {
  objectArg("options", o);
  knownKeys("options", o, EXECUTE_OPTION_KEYS);
  if (o.executor !== undefined) oneOf("executor", o.executor, ["inline", "async", "workers"]);
  // `workers: 0` with an executor that runs here: what `optimize` reports for the async executor
  // (no workers), handed back as it came.
  const here = o.executor === "async" || o.executor === "inline";
  if (o.workers !== undefined && !(here && o.workers === 0)) positiveInt("workers", o.workers);
  if (o.chunkSize !== undefined) positiveInt("chunkSize", o.chunkSize);
  if (o.concurrency !== undefined) positiveInt("concurrency", o.concurrency);
  if (o.ordered !== undefined) bool("ordered", o.ordered);
  if (o.transfer !== undefined) bool("transfer", o.transfer);
  if (o.encoding !== undefined) oneOf("encoding", o.encoding, ["auto", "clone", "packed", "json"]);
  checkRunOptions(o);
  // No more workers than the pool can start: a count beyond it ran on the pool's most, as if
  // asked (`workers: 2` on `createPool({ maxWorkers: 1 })` ran one).
  if (o.workers !== undefined && !here) {
    const most = (o.pool ?? defaultPool()).maxWorkers;
    if (o.workers > most) {
      throw new RangeError(
        `'workers' must be at most ${most} (the pool's maxWorkers), got ${o.workers}`,
      );
    }
  }
}

/**
 * Check the options that `execute`, `map` and `optimize` share (the run's limits, its pool, its
 * progress, the adaptive chunk size and the async executor's most calls in flight), those present;
 * throws TypeError/RangeError naming the option.
 */
export function checkRunOptions(
  o: Pick<
    ExecuteOptions,
    "maxConcurrency" | "timeoutMs" | "onProgress" | "adaptive" | "targetChunkMs" | "signal" | "pool"
  >,
): void {
  if (o.maxConcurrency !== undefined) positiveInt("maxConcurrency", o.maxConcurrency);
  // A timer waits at most 2^31 − 1 ms: a longer timeoutMs ended the sampling at once.
  if (o.timeoutMs !== undefined) timerMs("timeoutMs", o.timeoutMs);
  if (o.onProgress !== undefined) fn("onProgress", o.onProgress);
  if (o.adaptive !== undefined) bool("adaptive", o.adaptive);
  if (o.targetChunkMs !== undefined) positiveNumber("targetChunkMs", o.targetChunkMs);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    wrongType("signal", "an AbortSignal", o.signal);
  }
  if (o.pool !== undefined && !(o.pool instanceof Pool)) {
    wrongType("pool", "a Pool (from createPool())", o.pool);
  }
  if (o.pool?.closed) throw new TypeError("'pool' is closed: create a new one with createPool()");
}
