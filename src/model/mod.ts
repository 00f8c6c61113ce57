/**
 * The optimizer: the cost model, the decision search, the explanation, the optimizer's phases and
 * its result cache. What the rest of src/ uses of it.
 * Files of this folder whose name starts with `_` are private to it: import them from here.
 *
 * @module
 */
export { modelInputs } from "./_inputs.ts";
export { optimizeCore } from "./_optimize_core.ts";
export { recordRun, settleRecords } from "./_optimizer_cache.ts";
export type { CoreResult } from "./_optimize_core.ts";
export { predictAsync, predictInline, predictWorkers } from "./cost_model.ts";
export type { ModelInputs } from "./cost_model.ts";
export { chunkCandidates } from "./decide.ts";
export { explainOptimization } from "./explain.ts";
export type { OptimizationProfile, OptimizationResult, OptimizeOptions } from "./optimization.ts";
export { cacheStats, clearCache } from "./optimizer_cache.ts";
export type { CacheStats } from "./optimizer_cache.ts";
