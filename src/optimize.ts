/**
 * `optimize`: measure a task on this machine and decide how to run it.
 *
 * @module
 */
import { bool, fn, keysOf, knownKeys, objectArg, positiveInt, positiveNumber } from "./args.ts";
import { type Data, defaultPool, Source } from "./engine/mod.ts";
import {
  type CoreResult,
  explainOptimization,
  type OptimizationResult,
  optimizeCore,
  type OptimizeOptions,
} from "./model/mod.ts";
import { type Task, taskSpec } from "./task/mod.ts";

/** Check the optimizer's own options; throws TypeError/RangeError naming the option. */
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
  onProgress: 1,
  cache: 1,
});

export function checkOptimizeOptions(o: OptimizeOptions): void {
  if (o.minSpeedup !== undefined) positiveNumber("minSpeedup", o.minSpeedup);
  if (o.sampleBudgetMs !== undefined) positiveNumber("sampleBudgetMs", o.sampleBudgetMs);
  if (o.maxWorkers !== undefined) positiveInt("maxWorkers", o.maxWorkers);
  if (o.targetChunkMs !== undefined) positiveNumber("targetChunkMs", o.targetChunkMs);
  if (o.adaptive !== undefined) bool("adaptive", o.adaptive);
  if (o.cache !== undefined) bool("cache", o.cache);
  if (o.maxConcurrency !== undefined) positiveInt("maxConcurrency", o.maxConcurrency);
  if (o.onProgress !== undefined) fn("onProgress", o.onProgress);
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
  knownKeys("options", objectArg("options", options), OPTIMIZE_OPTION_KEYS);
  checkOptimizeOptions(options);
  const spec = taskSpec(task);
  const src = new Source<unknown>(data as Data<unknown>);
  const core = await optimizeCore(
    task as Task<unknown, unknown>,
    spec,
    src,
    options,
    options.pool ?? defaultPool(),
  );
  return toPublicResult(core, src.indexable ? data : _rechain(src) as Data<I>);
}

/** Build the public result from the pipeline's result. */
function toPublicResult<I>(core: CoreResult, data: Data<I>): OptimizationResult<I> {
  const d = core.decision;
  const base = {
    executor: d.executor,
    workers: d.workers,
    chunkSize: d.chunkSize,
    concurrency: d.concurrency,
    predictedSpeedup: d.predictedSpeedup,
    predictedMs: { serial: d.serialMs, chosen: d.predictedMs },
    reason: d.reason,
    warnings: core.warnings,
    profile: core.profile,
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
