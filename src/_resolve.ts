// The one step between `execute`/`map` and the engine: the caller's options become a run
// configuration, forced by the caller or chosen by the optimizer (whose sampled results are kept).
import { DEFAULTS } from "./defaults.ts";
import {
  checkOptions,
  type Data,
  defaultPool,
  type ExecuteOptions,
  fromExecuteOptions,
  isForced,
  type ResolvedRun,
  Source,
  TaskError,
} from "./engine/mod.ts";
import { optimizeCore, recordRun } from "./model/mod.ts";
import { checkOptimizeOptions } from "./optimize.ts";
import { runtime } from "./runtime/mod.ts";
import { type Task, taskSpec } from "./task/mod.ts";

/** A resolved run; automatic runs whose decision is cached can record their measured time. */
export type Resolved = ResolvedRun & {
  /** Keep the run's measured wall time (ms) with the cached decision it ran. */
  recordRun?: (measuredMs: number) => Promise<void>;
};

/**
 * Check the options and resolve the run: the configuration the caller forces (any of
 * `executor`, `workers`, `chunkSize`), else the optimizer's decision. A task that throws or
 * cannot load while the optimizer samples it fails the run here, as it would in the engine.
 */
export async function resolveRun<I, O>(
  task: Task<I, O>,
  data: Data<I>,
  options: ExecuteOptions,
): Promise<Resolved> {
  checkOptions(options);
  const spec = taskSpec(task);
  const src = new Source<unknown>(data as Data<unknown>);
  if (isForced(options)) {
    const config = fromExecuteOptions(options, src.total, runtime().hardwareConcurrency());
    return { spec, src, config, known: new Map() };
  }
  checkOptimizeOptions(options);
  const pool = options.pool ?? defaultPool();
  const core = await optimizeCore(task as Task<unknown, unknown>, spec, src, options, pool);
  const f = core.failure;
  if (f && f.kind === "task" && f.index >= 0) throw new TaskError(f.index, f.error);
  if (f && f.kind === "load") throw f.error;
  const d = core.decision;
  const config = {
    executor: d.executor,
    workers: d.workers,
    chunkSize: d.chunkSize,
    concurrency: options.concurrency ?? d.concurrency,
    adaptive: options.adaptive ?? DEFAULTS.adaptive,
  };
  const enc = core.profile.sample?.encoding;
  const encoding = enc && { items: enc.items, results: enc.results };
  const resolved: Resolved = { spec, src, config, known: core.known, encoding };
  // Learning from its own runs: the measured time goes next to the cached decision.
  const key = core.cacheKey;
  if (key !== undefined && Number.isFinite(d.predictedMs) && d.predictedMs > 0) {
    resolved.recordRun = (measuredMs) =>
      recordRun(key, { executor: d.executor, predictedMs: d.predictedMs, measuredMs });
  }
  return resolved;
}
