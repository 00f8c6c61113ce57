// Turns a resolved run (task spec, source, configuration: forced by the caller or chosen by the
// optimizer, see src/_resolve.ts) and the caller's options into a runnable job: the plan, the
// progress reporter and the stream of completed chunks.
import { DEFAULTS } from "../defaults.ts";
import { runtime } from "../runtime/mod.ts";
import type { Task, TaskSpec } from "../task/mod.ts";
import type { KnownResults } from "./_known_results.ts";
import type { Completed, Grow, Run } from "./_run.ts";
import type { Source } from "./_source.ts";
import { ProgressReporter } from "./_progress.ts";
import { type Plan, streamChunks } from "./_stream.ts";
import { abortError } from "./errors.ts";
import type { ExecuteOptions } from "./options.ts";
import { defaultPool } from "./pool.ts";
import type { RunConfig } from "./run_config.ts";
import type { Encoding } from "./encoding.ts";

/** What the engine runs: the task, where its items come from, and how. */
export interface ResolvedRun {
  spec: TaskSpec;
  src: Source<unknown>;
  config: Required<RunConfig>;
  /** Results already computed (sampling), by item index: not recomputed. */
  known: KnownResults;
  /** The chunk encodings the optimizer measured cheapest on its sample (exact for it). */
  encoding?: { items: Encoding; results: Encoding };
  /** The plain loop's warm time per item on the calling thread (ms), measured by the optimizer. */
  inlinePerItemMs?: number;
  /** An automatic inline run may move its rest to this many workers (see `Plan.widen`). */
  widenWorkers?: number;
  /** An automatic workers run may take more workers when the load falls (see `Plan.grow`). */
  grow?: Grow;
  /**
   * Progress after deciding: from the call's start (`t0`, the runtime's clock), never under the
   * items deciding completed (`floor`).
   */
  progressFrom?: { t0: number; floor: number; sink: object };
}

export interface Job {
  plan: Plan;
  progress: ProgressReporter;
  /**
   * The completed chunks; `onRun` receives a workers run; `into` (an array as long as an array
   * source) takes the results of chunks run on this thread in place (see `Completed.inPlace`).
   */
  stream(
    ordered: boolean,
    onRun?: (run: Run) => void,
    into?: unknown[],
  ): AsyncGenerator<Completed>;
}

/** The job for a resolved run; `options` supply the run-time settings (pool, signal, …). */
export function prepare<I, O>(
  task: Task<I, O>,
  resolved: ResolvedRun,
  options: ExecuteOptions,
): Job {
  const { spec, src, config } = resolved;
  const maxConcurrency = options.maxConcurrency ?? DEFAULTS.maxConcurrency;
  const plan: Plan = {
    ...config,
    concurrency: Math.min(config.concurrency, maxConcurrency),
    // A concurrency the caller gives is kept; one the optimizer estimated (or the default) adapts.
    adaptiveConcurrency: options.concurrency === undefined && config.adaptive,
    maxConcurrency,
    // Never more workers than items (the run also starts them only as chunks need them).
    workers: Math.min(config.workers, Math.max(1, src.total ?? Infinity)),
    targetChunkMs: options.targetChunkMs ?? DEFAULTS.targetChunkMs,
    transfer: options.transfer ?? false,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    pool: options.pool ?? defaultPool(),
    known: resolved.known,
    encoding: (options.encoding ?? DEFAULTS.encoding) !== "auto"
      ? { items: options.encoding!, results: options.encoding! }
      : resolved.encoding ?? { items: DEFAULTS.encoding, results: DEFAULTS.encoding },
    inlinePerItemMs: resolved.inlinePerItemMs,
    widen: resolved.widenWorkers !== undefined && resolved.widenWorkers >= 2 &&
        resolved.inlinePerItemMs !== undefined
      ? { workers: resolved.widenWorkers, perItemMs: resolved.inlinePerItemMs }
      : undefined,
    grow: resolved.grow,
  };
  if (options.signal?.aborted) throw abortError(options.signal);
  const progress = new ProgressReporter(
    options.onProgress,
    runtime().now,
    src.total,
    resolved.progressFrom,
  );
  return {
    plan,
    progress,
    stream: (ordered, onRun, into) => streamChunks(task, spec, src, plan, ordered, onRun, into),
  };
}
