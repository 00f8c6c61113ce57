/**
 * The persistent worker pool: workers started once and reused across calls, idle workers that
 * never keep the process alive, prompt `close()`.
 *
 * @module
 */
import {
  bool,
  integerAtLeast,
  invalid,
  keysOf,
  knownKeys,
  MAX_TIMER_MS,
  nonNegativeNumber,
  objectArg,
  positiveInt,
  timerMs,
  wrongType,
} from "../args.ts";
import { DEFAULTS } from "../defaults.ts";
import { runtime } from "../runtime/mod.ts";
import { type Task, taskSpec } from "../task/mod.ts";
import { Run } from "./_run.ts";
import { Source } from "./_source.ts";
import { attachWorkerSet, WorkerSet } from "./_worker_set.ts";
import { abortError, POOL_CLOSED } from "./errors.ts";

/** Options of {@linkcode createPool}. */
export interface PoolOptions {
  /** Most workers the pool may start (default: the runtime's hardware concurrency). */
  maxWorkers?: number;
  /**
   * Idle workers are terminated after this many milliseconds without work, at most 2^31 − 1
   * (about 24.8 days, the longest timer), or `Infinity` for never. Default: never where the
   * runtime can let an idle worker not keep the process alive (all three runtimes today), 250 ms
   * where it cannot.
   */
  idleTimeoutMs?: number;
  /**
   * Heap limit of each worker in MiB, where the runtime has one (Deno, Node; Bun's workers take
   * none): a worker over it dies with an out-of-memory error, which the run reports as a
   * `WorkerCrashError`. At least 16: a Deno worker needs about 8 MiB to start, and under 6 it
   * aborted the whole process ("Fatal JavaScript out of memory"). Default: the calling thread's
   * own heap limit; on Node under a cgroup memory limit, at most each worker's share of the room
   * left under it (the room over the workers still expected, up to the cores, and the calling
   * thread): the runtime sizes the calling thread's limit from the cgroup's for one thread, and
   * two workers that used theirs got the process killed by the kernel (exit 137), where now one
   * fails alone with a `WorkerCrashError` that says so.
   */
  workerHeapMb?: number;
}

/** The least `workerHeapMb` (see {@linkcode PoolOptions.workerHeapMb}). */
const MIN_WORKER_HEAP_MB = 16;

const POOL_OPTION_KEYS = keysOf<PoolOptions>({ maxWorkers: 1, idleTimeoutMs: 1, workerHeapMb: 1 });

/** Options of {@linkcode Pool.run}: the run-time options of `execute` that apply to one call. */
export interface PoolRunOptions {
  /** Abort the call; a busy worker is terminated and replaced. */
  signal?: AbortSignal;
  /** Time limit in ms; over it the call fails with a `ChunkTimeoutError`. */
  timeoutMs?: number;
  /** Move ArrayBuffers and typed arrays to and from the worker instead of copying them. */
  transfer?: boolean;
}

const RUN_OPTION_KEYS = keysOf<PoolRunOptions>({ signal: 1, timeoutMs: 1, transfer: 1 });

/**
 * A pool of workers. Create one with {@linkcode createPool}, or let `execute`/`map` use the
 * shared default pool.
 */
export class Pool {
  #set: WorkerSet;

  /**
   * Create a pool; workers start on first use (or with {@linkcode Pool.warm}).
   *
   * @param options See {@linkcode PoolOptions}.
   */
  constructor(options: PoolOptions = {}) {
    knownKeys("options", objectArg("options", options), POOL_OPTION_KEYS);
    const rt = runtime();
    const maxWorkers = options.maxWorkers === undefined
      ? rt.hardwareConcurrency()
      : positiveInt("maxWorkers", options.maxWorkers);
    const idle = options.idleTimeoutMs;
    if (idle !== undefined && idle !== Infinity) {
      nonNegativeNumber("idleTimeoutMs", idle);
      // A longer timer fires at once: idle workers were terminated 1 ms after every call.
      if (idle > MAX_TIMER_MS) {
        invalid(
          "idleTimeoutMs",
          `at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer) or Infinity (never)`,
          idle,
        );
      }
    }
    const heapMb = options.workerHeapMb === undefined
      ? undefined
      : integerAtLeast("workerHeapMb", options.workerHeapMb, MIN_WORKER_HEAP_MB);
    // Workers that can be unref'd stay warm for free; others would keep the process alive.
    this.#set = new WorkerSet(
      maxWorkers,
      idle ?? (rt.workersCanUnref ? Infinity : 250),
      heapMb,
    );
    attachWorkerSet(this, this.#set);
  }

  /** Most workers this pool starts. */
  get maxWorkers(): number {
    return this.#set.maxWorkers;
  }

  /** Idle timeout in ms (Infinity: never). */
  get idleTimeoutMs(): number {
    return this.#set.idleTimeoutMs;
  }

  /** Heap limit of each worker in MiB (undefined: the runtime's default). */
  get workerHeapMb(): number | undefined {
    return this.#set.heapLimitMb;
  }

  /** Start times of batches of workers started together: `count` workers ready in `ms`. */
  get startBatches(): readonly { count: number; ms: number }[] {
    return this.#set.startBatches;
  }

  /** Whether {@linkcode Pool.close} was called. */
  get closed(): boolean {
    return this.#set.closed;
  }

  /** Workers alive now. */
  get size(): number {
    return this.#set.size;
  }

  /** Workers started over the pool's life (replacements included). */
  get startedCount(): number {
    return this.#set.startedCount;
  }

  /**
   * Start workers until `n` are alive and wait until they are ready.
   *
   * @param n How many workers to have ready (capped at `maxWorkers`).
   * @returns The time it took, in milliseconds.
   */
  warm(n: number): Promise<number> {
    return this.#set.warm(positiveInt("n", n));
  }

  /**
   * Run `task` on one item on a worker of this pool: the one-off call of a server (piscina's and
   * tinypool's `pool.run(item)`). It fails as `execute` does: a `TaskError` (index 0) when the
   * task throws, a `ChunkTimeoutError` past `timeoutMs`, the signal's reason when aborted, a
   * `WorkerCrashError` when the worker dies; the pool stays usable.
   *
   * @param task The task: `task(module, name)` or a self-contained inline function.
   * @param item The item.
   * @param options `signal`, `timeoutMs`, `transfer` (see {@linkcode PoolRunOptions}).
   * @returns The task's result for the item.
   * @throws {TypeError|RangeError} For a bad task or option, at once.
   *
   * @example Usage
   * ```ts
   * import { createPool } from "./pool.ts";
   * import assert from "node:assert/strict";
   *
   * const pool = createPool({ maxWorkers: 2 });
   * try {
   *   assert.equal(await pool.run((x: number) => x * x, 7), 49);
   * } finally {
   *   await pool.close();
   * }
   * ```
   */
  async run<I, O>(task: Task<I, O>, item: I, options: PoolRunOptions = {}): Promise<O> {
    knownKeys("options", objectArg("options", options), RUN_OPTION_KEYS);
    const { signal, timeoutMs, transfer } = options;
    if (timeoutMs !== undefined) timerMs("timeoutMs", timeoutMs);
    if (transfer !== undefined) bool("transfer", transfer);
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      wrongType("signal", "an AbortSignal", signal);
    }
    const spec = taskSpec(task);
    // A closed pool given to a call: an argument's fault, as `execute` says it.
    if (this.closed) throw new TypeError(POOL_CLOSED);
    if (signal?.aborted) throw abortError(signal);
    const run = new Run(this.#set, new Source<unknown>([item]), {
      spec,
      workers: 1,
      chunkSize: 1,
      adaptive: false,
      targetChunkMs: DEFAULTS.targetChunkMs,
      transfer: transfer ?? false,
      timeoutMs,
      signal,
    });
    for await (const c of run.chunks()) return c.results[0] as O;
    throw run.error ?? new Error("The pool returned no result");
  }

  /** Terminate every worker now. Pending work fails; the pool cannot be used again. */
  close(): Promise<void> {
    return this.#set.close();
  }

  /** `await using pool = createPool()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Create a worker pool for explicit reuse across calls.
 *
 * @param options See {@linkcode PoolOptions}.
 * @returns A new pool; close it with `close()` or `await using`.
 * @throws {RangeError} If `maxWorkers` is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { createPool } from "./pool.ts";
 * import assert from "node:assert/strict";
 *
 * const pool = createPool({ maxWorkers: 2 });
 * assert.equal(pool.maxWorkers, 2);
 * await pool.close();
 * ```
 */
export function createPool(options?: PoolOptions): Pool {
  return new Pool(options);
}

let shared: Pool | undefined;

/** The pool `execute` and `map` use when no pool is given. */
export function defaultPool(): Pool {
  if (!shared || shared.closed) shared = new Pool({ maxWorkers: 1024 });
  return shared;
}
