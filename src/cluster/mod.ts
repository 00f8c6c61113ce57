/**
 * The cluster executor (BullMQ on Redis): the caller side that `execute`, `map` and `optimize`
 * use with a `cluster` option, the worker that `amorsize worker` runs, and their public types.
 *
 * @module
 */
export {
  checkClusterOptions,
  type ClusterPlan,
  type ClusterRunOptions,
  decideCluster,
  executeOnCluster,
  type LocalTerms,
  mapOnCluster,
  planCluster,
  type ResolvedCluster,
  STREAM_ITEMS,
} from "./cluster.ts";
export { type ClusterWorker, type ClusterWorkerOptions, startClusterWorker } from "./worker.ts";
export type { ClusterChoice, ClusterOptions, ClusterProfile, WorkerCapacity } from "./types.ts";
