// The one step between `execute`/`map` and the engine: the caller's options become a run
// configuration, forced by the caller or chosen by the optimizer (whose sampled results are kept).
import { DEFAULTS } from "./defaults.ts";
import {
  abortError,
  checkOptions,
  type Data,
  defaultPool,
  type ExecuteOptions,
  forcedExecutor,
  fromExecuteOptions,
  isForced,
  KnownResults,
  poolClosedError,
  refuseInPoolWorker,
  type ResolvedRun,
  Source,
  TaskError,
  workerSet,
} from "./engine/mod.ts";
import { optimizeCore, recordRun } from "./model/mod.ts";
import { checkClusterOptions, type ClusterRunOptions } from "./cluster/mod.ts";
import { checkOptimizerOptions, considerCluster } from "./optimize.ts";
import { runtime } from "./runtime/mod.ts";
import { type Task, taskSpec } from "./task/mod.ts";

/**
 * A resolved run; automatic runs whose decision is cached can record their measured time; a run
 * for the cluster says so (with its chunk size).
 */
export type Resolved = ResolvedRun & {
  /**
   * Keep the run's measured wall time (ms), and a workers run's compute (see
   * `RunRecord.computeMs`), with the cached decision it ran.
   */
  recordRun?: (measuredMs: number, computeMs: number) => Promise<unknown>;
  /** Run on the cluster, in jobs of this many items. */
  cluster?: { chunkSize: number };
};

/**
 * A run whose task failed while the optimizer decided: the error, and the results of items 0, 1,
 * … in a row before it that deciding computed (an ordered `map` yields them before the error, as
 * a run does).
 */
export interface FailedRun {
  /** A `TaskError`, or the limits' error (`ChunkTimeoutError`, the abort's). */
  failed: Error;
  /**
   * Results deciding computed before the failing item: items 0, 1, … in a row for an ordered
   * `map`, every one before it (in index order) for an unordered one.
   */
  before: unknown[];
  /**
   * For an ordered `map` over an array: the run of the items before the failing one (their
   * results known or not), to yield before the error. Sampling runs items spread over the array
   * and from its end, so a failure it meets may lie past items that never ran.
   */
  rest?: Resolved;
}

/**
 * Check the options and resolve the run: the configuration the caller forces (any of
 * `executor`, `workers`, `chunkSize`, `concurrency`), else the optimizer's decision. A task that
 * throws or cannot load while the optimizer samples it fails the run here, as it would in the
 * engine.
 */
export async function resolveRun<I, O>(
  task: Task<I, O>,
  data: Data<I>,
  options: ExecuteOptions,
  caller: "execute" | "map",
): Promise<Resolved | FailedRun> {
  checkOptions(options);
  // The automatic mode's own options too, whatever the mode: a forced configuration ignores
  // them, but a bad value is a mistake all the same (`maxWorkers: -1` ran unnoticed).
  checkOptimizerOptions(options);
  if (options.cluster !== undefined) checkClusterOptions(options.cluster);
  // (A `concurrency` alone runs the async executor: on the task's own thread, as "inline" does.)
  refuseInPoolWorker(caller, forcedExecutor(options));
  if (options.signal?.aborted) throw abortError(options.signal); // before any item runs
  const spec = taskSpec(task);
  const src = new Source<unknown>(data as Data<unknown>, undefined, options.signal);
  // With a cluster, a forced chunk size alone runs there; a forced executor or workers, here.
  if (
    options.cluster !== undefined && options.chunkSize !== undefined &&
    options.executor === undefined && options.workers === undefined
  ) {
    const config = fromExecuteOptions(options, src.total, runtime().hardwareConcurrency());
    return {
      spec,
      src,
      config,
      known: new KnownResults(),
      cluster: { chunkSize: options.chunkSize },
    };
  }
  if (isForced(options)) {
    // All the cores the runtime reports, as many as the pool holds.
    const most = (options.pool ?? defaultPool()).maxWorkers;
    const cores = Math.min(runtime().hardwareConcurrency(), most);
    const config = fromExecuteOptions(options, src.total, cores);
    return { spec, src, config, known: new KnownResults() };
  }
  const pool = options.pool ?? defaultPool();
  const t0 = runtime().now();
  const progressSink = {}; // this call's reports, deciding's and the run's (see `reportProgress`)
  // A run that ends while deciding lets its source clean up (a generator's `finally`), as a run
  // that fails in the engine does: the automatic mode left it open.
  let core;
  try {
    core = await optimizeCore(task as Task<unknown, unknown>, spec, src, options, pool, {
      // The look's calls in flight go on into the run, unless a cluster may take it.
      handover: options.cluster === undefined,
      ordered: caller === "map" && (options.ordered ?? true),
      finish: caller === "execute" && options.cluster === undefined,
      progressSink,
    });
  } catch (e) {
    void src.close();
    throw e;
  }
  // A pool closed while the optimizer decided fails the run, as `close()` fails a run in
  // progress: the optimizer read it as "workers cannot start here", and the whole job ran on the
  // calling thread after the close.
  if (pool.closed) {
    void src.close();
    throw poolClosedError();
  }
  const f = core.failure;
  // An item's failure (or a limit it met) and a load failure end the run here.
  const itemFailed = f !== undefined && (f.kind === "task" || f.kind === "limit") && f.index >= 0;
  if (itemFailed || f?.kind === "load") void src.close();
  if (f && itemFailed) {
    const failed = f.kind === "limit" ? f.error : new TaskError(f.index, f.error);
    const upTo = Math.min(f.index, core.known.keptUntil(0));
    const ordered = caller === "map" && (options.ordered ?? true);
    if (!ordered) {
      // Completion order: the results computed before the failing item, as a run's completed
      // chunks before it are (an unordered map yielded none of them).
      const known = core.known.within(0, f.index).map((i) => core.known.get(i));
      return { failed, before: caller === "map" ? known : [] };
    }
    if (f.kind === "task" && upTo < f.index && src.indexable) {
      // Input order: every item before the failing one yields its result first (or fails
      // first), as in a run; those deciding did not reach run now, on this thread.
      const items = new Source<unknown>(src.slice(0, f.index), f.index, options.signal);
      const config = fromExecuteOptions(
        { ...options, executor: "inline" },
        f.index,
        runtime().hardwareConcurrency(),
      );
      return { failed, before: [], rest: { spec, src: items, config, known: core.known } };
    }
    return { failed, before: core.known.slice(0, upTo) ?? [] };
  }
  if (f && f.kind === "load") throw f.error;
  const d = core.decision;
  const plan = await considerCluster(task as Task<unknown, unknown>, core, src.total, options);
  const cluster = plan?.useCluster ? { chunkSize: plan.profile.chunkSize } : undefined;
  const config = {
    executor: d.executor,
    // Never more workers than this process may use (a decision is clamped to the machine).
    workers: d.executor === "workers"
      ? Math.max(1, Math.min(d.workers, core.profile.caps.cores, core.profile.caps.threads))
      : d.workers,
    chunkSize: d.chunkSize,
    concurrency: d.concurrency, // (a `concurrency` given forces the async executor)
    adaptive: options.adaptive ?? DEFAULTS.adaptive,
  };
  const enc = core.profile.sample?.encoding;
  const encoding = enc && { items: enc.items, results: enc.results };
  const resolved: Resolved = {
    spec,
    src,
    config,
    known: core.known,
    encoding,
    cluster,
    // Progress goes on from deciding's: its clock, and never fewer items done than it reported.
    progressFrom: { t0, floor: core.known.size, sink: progressSink },
  };
  // A workers run may change course to this thread, by the look's measured plain-loop speed, and
  // an inline run to workers when it proves far slower than that.
  if (core.mainPerItemMs !== undefined && core.mainPerItemMs > 0) {
    resolved.inlinePerItemMs = core.mainPerItemMs;
    if (d.executor === "inline") resolved.widenWorkers = core.widenWorkers;
  }
  // A workers run given fewer workers than the caps allow while other processes kept cores busy
  // may take more when that load falls.
  const caps = core.profile.caps, load = Math.floor(core.profile.sample?.externalLoad ?? 0);
  const most = Math.min(caps.cores, caps.memory, caps.nested, caps.threads);
  if (d.executor === "workers" && load >= 1 && config.workers < most) {
    resolved.grow = { workers: most, load };
  }
  // Learning from its own runs: the measured time goes next to the cached decision (not when
  // deciding ran or started every item: the prediction is then for the whole job, and nothing
  // is left).
  const key = core.cacheKey;
  const left = src.total === undefined ||
    core.known.handled < src.total;
  // (Nor for a run that may grow: its time is not the decision's configuration's.)
  if (
    key !== undefined && left && !resolved.grow && Number.isFinite(d.predictedMs) &&
    d.predictedMs > 0
  ) {
    // A run on workers that do not all hold the task yet is cold (see `RunRecord.cold`).
    const cold = d.executor === "workers" && workerSet(pool).holding(spec.key) < config.workers;
    resolved.recordRun = (measuredMs, computeMs) =>
      recordRun(key, {
        executor: d.executor,
        predictedMs: core.modelMs ?? d.predictedMs,
        measuredMs,
        ...(cold ? { cold } : {}),
        ...(d.executor === "workers" ? { computeMs } : {}),
      });
  }
  // A decision taken again from an earlier call: its run tells whether it still holds.
  const ran = core.recalledRan;
  if (ran && left) {
    resolved.recordRun = (measuredMs) => Promise.resolve(ran(measuredMs));
  }
  return resolved;
}

/**
 * The arguments of a cluster run for a resolved run: its source as an iterable (sampled items
 * included, their results known), and the run options.
 */
export function clusterArgs(
  r: Resolved,
  options: ExecuteOptions,
): [Iterable<unknown> | AsyncIterable<unknown>, ClusterRunOptions] {
  const src = r.src;
  const data: Iterable<unknown> | AsyncIterable<unknown> = src.isAsync
    ? {
      async *[Symbol.asyncIterator]() {
        while (!src.done) yield* await src.take(64);
      },
    }
    : {
      *[Symbol.iterator]() {
        while (!src.done) yield* src.takeSync(64);
      },
    };
  return [data, {
    cluster: options.cluster!,
    chunkSize: r.cluster!.chunkSize,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    onProgress: options.onProgress,
    known: r.known,
    total: src.total,
    ordered: options.ordered,
  }];
}
