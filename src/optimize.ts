/**
 * `optimize`: measure a task on this machine and decide how to run it.
 *
 * @module
 */
import { bool, keysOf, knownKeys, objectArg, positiveInt, positiveNumber } from "./args.ts";
import { type ClusterPlan, planCluster } from "./cluster/mod.ts";
import { DEFAULTS } from "./defaults.ts";
import {
  abortError,
  checkRunOptions,
  type Data,
  defaultPool,
  refuseInPoolWorker,
  Source,
} from "./engine/mod.ts";
import {
  type CoreResult,
  explainOptimization,
  type OptimizationResult,
  optimizeCore,
  type OptimizeOptions,
} from "./model/mod.ts";
import { type Task, taskSpec } from "./task/mod.ts";

/** The options `optimize` knows (the compiler keeps the list complete). */
const OPTIMIZE_OPTION_KEYS = keysOf<OptimizeOptions>({
  minSpeedup: 1,
  maxConcurrency: 1,
  sampleBudgetMs: 1,
  maxWorkers: 1,
  targetChunkMs: 1,
  adaptive: 1,
  pool: 1,
  signal: 1,
  timeoutMs: 1,
  onProgress: 1,
  cache: 1,
  cluster: 1,
});

/**
 * Check the optimizer's own options, those `execute` does not share (see `checkRunOptions` for
 * the others); throws TypeError/RangeError naming the option.
 */
export function checkOptimizerOptions(o: OptimizeOptions): void {
  if (o.minSpeedup !== undefined) positiveNumber("minSpeedup", o.minSpeedup);
  if (o.sampleBudgetMs !== undefined) positiveNumber("sampleBudgetMs", o.sampleBudgetMs);
  if (o.maxWorkers !== undefined) positiveInt("maxWorkers", o.maxWorkers);
  if (o.cache !== undefined) bool("cache", o.cache);
}

/**
 * Check every option of `optimize` (its keys, and the values of those present); throws
 * TypeError/RangeError naming the option. `name` names the options object in the message.
 *
 * @example Usage
 * ```ts
 * import { checkOptimizeOptions } from "./optimize.ts";
 * import assert from "node:assert/strict";
 *
 * checkOptimizeOptions({ minSpeedup: 1.5 });
 * assert.throws(() => checkOptimizeOptions({ minSpeedup: -1 }), /'minSpeedup'.*-1/);
 * assert.throws(() => checkOptimizeOptions({ sample: 1 } as never, "optimizeOptions"), {
 *   message: /'optimizeOptions' has no option "sample"/,
 * });
 * ```
 */
export function checkOptimizeOptions(o: OptimizeOptions, name = "options"): void {
  knownKeys(name, objectArg(name, o), OPTIMIZE_OPTION_KEYS);
  checkRunOptions(o);
  checkOptimizerOptions(o);
}

/**
 * Measure `task` on `data` here (sampling inside a worker, the costs of workers on this runtime,
 * the cores and memory this process may use) and decide: `inline`, `async` or `workers` with a
 * worker count and chunk size. Never throws for workload problems (a throwing task, values that
 * cannot be cloned, empty data): the answer is then `inline` with the reason.
 *
 * Pass `result.data` on (not `data`) when `data` is a one-shot iterable: the sampled items are
 * chained back in front of the rest.
 *
 * @typeParam I The item type.
 * @typeParam O The result type.
 * @param task The task: `task(module, name)` or a self-contained inline function.
 * @param data An array, an iterable or an async iterable.
 * @param options See {@linkcode OptimizeOptions}.
 * @returns The decision, the predictions, the measurements and an `explain()` report.
 * @throws {TypeError} If an option has the wrong type.
 * @throws {RangeError} If an option is out of range.
 *
 * @example Usage
 * ```ts
 * import { optimize } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const r = await optimize((x: number) => x * 2, Array.from({ length: 100 }, (_, i) => i));
 * assert.equal(r.executor, "inline"); // 100 tiny items: workers would only cost time
 * assert.ok(r.reason.length > 0);
 * ```
 */
export async function optimize<I, O>(
  task: Task<I, O>,
  data: Data<I>,
  options: OptimizeOptions = {},
): Promise<OptimizationResult<I>> {
  checkOptimizeOptions(options);
  refuseInPoolWorker("optimize");
  if (options.signal?.aborted) throw abortError(options.signal);
  const spec = taskSpec(task);
  const src = new Source<unknown>(data as Data<unknown>, undefined, options.signal);
  const core = await optimizeCore(
    task as Task<unknown, unknown>,
    spec,
    src,
    options,
    options.pool ?? defaultPool(),
  );
  const plan = await considerCluster(task as Task<unknown, unknown>, core, src.total, options);
  src.releaseSignal(); // the signal was this call's, not that of the data handed back
  // Arrays, Sets and Maps iterate afresh: they come back as they are (a Set came back as a
  // one-shot iterable that lost its size, empty when read a second time).
  const again = src.indexable || data instanceof Set || data instanceof Map;
  return toPublicResult(core, again ? data : _rechain(src) as Data<I>, plan);
}

/**
 * With a `cluster` option: measure the cluster and plan a run there against the local decision
 * (undefined without the option). An inline function, a job too small to sample, Redis out of
 * reach or no worker registered: the plan says why the work stays here.
 */
export async function considerCluster(
  task: Task<unknown, unknown>,
  core: CoreResult,
  total: number | undefined,
  options: OptimizeOptions,
): Promise<ClusterPlan | undefined> {
  if (options.cluster === undefined) return undefined;
  const s = core.profile.sample;
  return await planCluster(task, options.cluster, {
    predictedMs: core.decision.predictedMs,
    items: total,
    perItemMs: s?.perItemMs.median,
    encodeMsPerItem: s ? s.inputCloneMs + s.outputCloneMs : 0,
    dispatchMs: core.profile.overheads?.chunkMs ?? 0,
    minSpeedup: options.minSpeedup ?? DEFAULTS.minSpeedup,
    targetJobMs: options.targetChunkMs ?? DEFAULTS.clusterJobMs,
  }, options.signal);
}

/** Build the public result from the pipeline's result (and the cluster plan, when there is one). */
function toPublicResult<I>(
  core: CoreResult,
  data: Data<I>,
  plan?: ClusterPlan,
): OptimizationResult<I> {
  const d = core.decision;
  const cp = plan?.profile;
  const base = {
    executor: d.executor,
    workers: d.workers,
    chunkSize: d.chunkSize,
    concurrency: d.concurrency,
    predictedSpeedup: d.predictedSpeedup,
    predictedMs: { serial: d.serialMs, chosen: d.predictedMs },
    reason: plan === undefined
      ? d.reason
      : plan.useCluster
      ? plan.reason
      : `${d.reason} (cluster: ${plan.reason})`,
    warnings: core.warnings,
    profile: cp ? { ...core.profile, cluster: cp } : core.profile,
    cluster: plan?.useCluster && cp
      ? {
        chunkSize: cp.chunkSize,
        jobs: cp.jobs,
        predictedMs: cp.predictedMs,
        predictedSpeedup: d.serialMs / cp.predictedMs,
      }
      : undefined,
    data,
    cacheHit: core.cacheHit ?? false,
  };
  return { ...base, explain: () => explainOptimization(base) };
}

function _rechain(src: Source<unknown>): AsyncIterable<unknown> | Iterable<unknown> {
  if (src.isAsync) {
    return {
      async *[Symbol.asyncIterator]() {
        while (!src.done) yield* await src.take(64);
      },
    };
  }
  return {
    *[Symbol.iterator]() {
      while (!src.done) yield* src.takeSync(64);
    },
  };
}
