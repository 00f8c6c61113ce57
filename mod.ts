/**
 * amorsize: should this work run on workers, with how many workers and what chunk size?
 *
 * It measures what parallelism costs on this machine and runtime, predicts the wall time of each
 * choice, runs the best one, and refuses parallelism where a plain loop would be faster.
 *
 * @example Usage
 * ```ts
 * import { execute } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const out = await execute((x: number) => x * 2, [1, 2, 3], { executor: "inline" });
 * assert.deepEqual(out, [2, 4, 6]);
 * ```
 *
 * @module
 */
export { runtime } from "./src/runtime/detect.ts";
export type {
  EnvRead,
  FileRead,
  MemoryInfo,
  MessageEndpoint,
  Runtime,
  StartWorkerOptions,
  WorkerFailure,
  WorkerHandle,
} from "./src/runtime/types.ts";
export type { Data } from "./src/engine/options.ts";
export { task } from "./src/task/task_ref.ts";
export type { ExportedFunction, Task, TaskRef } from "./src/task/task_ref.ts";
export { execute } from "./src/execute.ts";
export { map } from "./src/map.ts";
export { createPool, Pool } from "./src/engine/pool.ts";
export type { PoolOptions, PoolRunOptions } from "./src/engine/pool.ts";
export type { ExecuteOptions, Executor, Progress } from "./src/engine/options.ts";
export type { Encoding } from "./src/engine/encoding.ts";
export type { ForcedConfig, RunConfig } from "./src/engine/run_config.ts";
export { ChunkTimeoutError, TaskError, WorkerCrashError } from "./src/engine/errors.ts";
export { ExitCallError } from "./src/runtime/exit_guard.ts";
export { probeSystem } from "./src/system/probe_system.ts";
export type {
  MemoryFigures,
  ProbeOptions,
  SystemFigure,
  SystemInfo,
  ThreadFigures,
} from "./src/system/system_info.ts";
export type { SampleEncoding, SampleProfile } from "./src/measure/sample.ts";
export type { Summary } from "./src/measure/statistics.ts";
export type { Overheads } from "./src/measure/overhead.ts";
export type { Prediction } from "./src/model/cost_model.ts";
export type { Alternative, Decision } from "./src/model/decide.ts";
export { optimize } from "./src/optimize.ts";
export type {
  OptimizationProfile,
  OptimizationResult,
  OptimizeOptions,
} from "./src/model/optimization.ts";
export { startClusterWorker } from "./src/cluster/mod.ts";
export type { ClusterWorker, ClusterWorkerOptions } from "./src/cluster/mod.ts";
export type {
  ClusterChoice,
  ClusterOptions,
  ClusterProfile,
  WorkerCapacity,
} from "./src/cluster/mod.ts";
export { resolveStoreDir, storeDir } from "./src/store/store_dir.ts";
export type { StoreDirOptions, StoreKind } from "./src/store/store_dir.ts";
export {
  clearResults,
  deleteResult,
  listResults,
  loadResult,
  saveResult,
} from "./src/store/history.ts";
export type { HistoryInput, HistoryOptions, HistoryQuery } from "./src/store/history.ts";
export type { HistoryEntry, HistoryEntrySummary, HistoryKind } from "./src/store/history_entry.ts";
export { cacheStats, clearCache } from "./src/model/optimizer_cache.ts";
export type { CacheOptions, CacheStats } from "./src/model/optimizer_cache.ts";
export { validateOptimization } from "./src/validate/validate_optimization.ts";
export type { ValidateOptions, ValidationResult } from "./src/validate/validate_optimization.ts";
export { quickValidate } from "./src/validate/quick_validate.ts";
export type { QuickValidateOptions } from "./src/validate/quick_validate.ts";
export { validateSystem } from "./src/validate/validate_system.ts";
export type {
  CheckLevel,
  Health,
  SystemCheck,
  SystemValidation,
  ValidateSystemOptions,
} from "./src/validate/validate_system.ts";
export { compareStrategies } from "./src/validate/compare_strategies.ts";
export type {
  CompareOptions,
  ComparisonResult,
  StrategyConfig,
  StrategyResult,
} from "./src/validate/compare_strategies.ts";
export { renderReport } from "./src/report/render_report.ts";
export { writeReport } from "./src/report/write_report.ts";
export type {
  MeasuredPoint,
  ReportInput,
  ReportOptimization,
  SuiteHistoryResult,
  SuiteHistoryRun,
} from "./src/report/report_input.ts";
export { tune } from "./src/tune/tune.ts";
export type {
  TuneConfig,
  TuneOptions,
  TuneProgress,
  TuneResult,
  TuneSpace,
  TuneStopReason,
  TuneStrategy,
  TuneTrial,
} from "./src/tune/tune.ts";
export { getStandardWorkloads } from "./src/suite/workloads.ts";
export type { WorkloadSpec } from "./src/suite/workloads.ts";
export { runPerformanceBenchmark } from "./src/suite/run_benchmark.ts";
export type {
  BenchmarkOptions,
  PerformanceResult,
  Recommendation,
} from "./src/suite/run_benchmark.ts";
export { runPerformanceSuite } from "./src/suite/run_suite.ts";
export type { SuiteOptions, SuiteResult } from "./src/suite/run_suite.ts";
export { comparePerformanceResults } from "./src/suite/compare_results.ts";
export type {
  ComparisonEntry,
  ComparisonInput,
  DenoBenchEntry,
  DenoBenchReport,
  DenoBenchStats,
  PerformanceCompareOptions,
  PerformanceComparison,
} from "./src/suite/compare_results.ts";
export { benchOptimized } from "./src/suite/bench_group.ts";
export type { BenchConfig, BenchOptimizedOptions } from "./src/suite/bench_group.ts";
