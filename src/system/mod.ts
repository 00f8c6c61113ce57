/**
 * The system probe: cores, cgroups, affinity, memory. What the rest of src/ uses of it.
 * Files of this folder whose name starts with `_` are private to it: import them from here.
 *
 * @module
 */
export { cachedProbe, hasCachedProbe, probeSystem } from "./probe_system.ts";
export { cpuCapacity } from "./effective_cores.ts";
export { checkOverrides, ENV_ERROR } from "./overrides.ts";
export { memoryRoomNow } from "./memory.ts";
export { RUNTIME_THREADS, threadRoomNow } from "./threads.ts";
export type { ProbeOptions, SystemFigure, SystemInfo } from "./system_info.ts";
export {
  busyCoresNow,
  competingLoad,
  externalLoadNow,
  otherRunnableThreads,
  runnableThreads,
} from "./load.ts";
export {
  busyThreads,
  RUNTIME_HELPER_THREADS,
  threadCpuMs,
  threadId,
  threadName,
  type ThreadNow,
  threadNow,
  threadSched,
} from "./thread_cpu.ts";
