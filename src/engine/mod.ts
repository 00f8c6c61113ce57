/**
 * The engine: the worker pool, the executors (inline, async, workers), the chunk scheduler,
 * streaming, errors, options and the run configuration. What the rest of src/ uses of it.
 * Files of this folder whose name starts with `_` are private to it: import them from here.
 *
 * @module
 */
export { ChunkSizer } from "./_chunk_sizer.ts";
export { findTransferables, uncloneable, unsendableItem } from "./_cloneable.ts";
export type { PoolWorker } from "./_pool_worker.ts";
export { prepare } from "./_prepare.ts";
export { report as reportProgress } from "./_progress.ts";
export type { ResolvedRun } from "./_prepare.ts";
export { fromWire, toWire } from "./_protocol.ts";
export type { FromWorker, Reply, WireError } from "./_protocol.ts";
export { encodingByShape, measureEncodings } from "./encoding.ts";
export type { Encoding } from "./encoding.ts";
export { KnownResults, type Settled } from "./_known_results.ts";
export { endWaits, Limit, type LocalLimits, reached, withinLimits } from "./_local.ts";
export { loadIn, measureChunk } from "./_measure_chunk.ts";
export { Run } from "./_run.ts";
export { resultSendMs, sentResults } from "./_send_costs.ts";
export { Source } from "./_source.ts";
export { startHoldMs, workerSet } from "./_worker_set.ts";
export {
  abortError,
  ChunkTimeoutError,
  loadTimedOut,
  poolClosedError,
  TaskError,
} from "./errors.ts";
export { refuseInPoolWorker } from "./_in_worker.ts";
export { checkOptions, checkRunOptions } from "./options.ts";
export type { ClusterOptions, Data, ExecuteOptions, Executor, Progress } from "./options.ts";
export { createPool, defaultPool, Pool } from "./pool.ts";
export {
  configLabel,
  forcedExecutor,
  fromExecuteOptions,
  isForced,
  sameConfig,
  toExecuteOptions,
} from "./run_config.ts";
export type { ForcedConfig, RunConfig } from "./run_config.ts";
