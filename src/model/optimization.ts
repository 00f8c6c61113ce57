// Public types of the optimizer.
import type { Overheads, SampleProfile } from "../measure/mod.ts";
import type { SystemInfo } from "../system/mod.ts";
import type { ClusterChoice, ClusterOptions, ClusterProfile } from "../cluster/mod.ts";
import type { Pool, Progress, RunConfig } from "../engine/mod.ts";
import type { Alternative } from "./decide.ts";
import type { Prediction } from "./cost_model.ts";

/** Options of `optimize` (and of automatic `execute`/`map`). */
export interface OptimizeOptions {
  /** Refuse parallelism below this predicted speedup (default 1.2). */
  minSpeedup?: number;
  /** Task time to spend sampling, at most (ms, default 100; scaled down for small jobs). */
  sampleBudgetMs?: number;
  /** Never use more workers than this (default: the probe's effective cores). */
  maxWorkers?: number;
  /** Target chunk duration of the adaptive engine (ms, default 200). */
  targetChunkMs?: number;
  /** Whether the engine adapts chunk sizes at run time (default true). */
  adaptive?: boolean;
  /** The pool to sample on and run with (default: the shared pool). */
  pool?: Pool;
  /**
   * Abort the optimization: a sampling worker is terminated, the promise rejects with the reason.
   * With a signal (or `timeoutMs`) only an `async function` runs on the calling thread before the
   * decision, each call within the limits; other tasks are sampled in a worker.
   */
  signal?: AbortSignal;
  /**
   * Time limit of each sampled chunk (ms): a chunk over it fails with a `TimeoutError` (its worker
   * is terminated); of each call of an `async function`, which alone runs on the calling thread
   * before the decision with a limit.
   */
  timeoutMs?: number;
  /** Progress of the phases (`phase: "optimize"`). */
  onProgress?: (progress: Progress) => void;
  /**
   * Use (and fill) the persisted result cache (default true; when not given, the environment
   * variable `AMORSIZE_CACHE=0` turns it off). It lives in `$AMORSIZE_HOME/cache`, else the
   * per-user cache directory; a store this process may not write is a silent miss.
   */
  cache?: boolean;
  /** Most calls in flight for the async executor (default 256; see `ExecuteOptions`). */
  maxConcurrency?: number;
  /**
   * Also consider a cluster of other machines (BullMQ on Redis): measure its queue round trip
   * and capacity, and set `result.cluster` (a chunk size and predictions) when it wins.
   */
  cluster?: ClusterOptions;
}

/** Everything the optimizer measured and considered. */
export interface OptimizationProfile {
  /** Items run before deciding (their results are kept under `execute`). */
  sampledItems: number;
  /** Where the timings came from: a worker, or only the calling thread (small jobs). */
  sampledIn: "worker" | "main" | "none";
  /** What sampling measured (absent when nothing was sampled). */
  sample?: SampleProfile;
  /** The host probe's figures. */
  system?: SystemInfo;
  /** The measured costs of workers on this runtime. */
  overheads?: Overheads;
  /** Breakdown of the chosen worker configuration (or of the best one when refused). */
  breakdown?: Prediction;
  /** Every configuration considered, with its prediction. */
  alternatives: Alternative[];
  /** Worker caps and why. */
  caps: {
    cores: number;
    memory: number;
    nested: number;
    nestedReason?: string;
    /**
     * Most workers the cgroup's limit on threads (`pids.max`) leaves room for: those of the pool
     * running now, and one per thread left under the limit beyond `RUNTIME_THREADS` kept for the
     * runtime's own (Infinity: no limit).
     */
    threads: number;
  };
  /** How long optimize took (ms). */
  optimizeMs: number;
  /** The cluster terms, when `cluster` was given. */
  cluster?: ClusterProfile;
}

/** What `optimize` decided, and why. */
export interface OptimizationResult<I = unknown> extends RunConfig {
  /**
   * Present when a `cluster` option was given and the cluster wins: run there in jobs of
   * `cluster.chunkSize` items (execute and map do). `executor`, `workers` and `chunkSize` stay
   * the best configuration on this machine. The measurements are in `profile.cluster`.
   */
  cluster?: ClusterChoice;
  /** Predicted wall time of the plain loop / of the chosen configuration. */
  predictedSpeedup: number;
  /**
   * Predicted wall times (ms): the plain loop, and the chosen configuration. `NaN` where the
   * answer rests on no prediction: every item already ran while deciding (a small job; an async
   * job's calls, overlapped, that did not read as I/O), the task failed there or cannot run in a
   * worker, an item cannot be sent to one, or the data is empty.
   */
  predictedMs: { serial: number; chosen: number };
  /** Why this choice (or why parallelism was refused). */
  reason: string;
  /** Problems found on the way (workload, permissions, caps). */
  warnings: string[];
  /** Everything measured and considered. */
  profile: OptimizationProfile;
  /**
   * The data to pass on: arrays, typed arrays, Sets and Maps as they are; other iterables come back
   * re-chained with the sampled items.
   */
  data: Iterable<I> | AsyncIterable<I>;
  /** Whether the decision came from the persisted cache. */
  cacheHit: boolean;
  /** A readable multi-line report of the decision. */
  explain(): string;
}
