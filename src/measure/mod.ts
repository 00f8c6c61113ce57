/**
 * Measurements: sampling inside a worker, the costs of workers (start, dispatch, clone),
 * statistics and alternating timed runs. What the rest of src/ uses of it.
 * Files of this folder whose name starts with `_` are private to it: import them from here.
 *
 * @module
 */
export { estimateBytes } from "./_bytes.ts";
export {
  emptyProbe,
  idleWave,
  mainProbe,
  ranMs,
  servedInTurn,
  threadBound,
} from "./_main_probe.ts";
export type { ConcurrentBatch, MainProbe, MainProbeOptions } from "./_main_probe.ts";
export { alternate, alternateRuns, pairedRatios, relativeSpread } from "./alternate.ts";
export {
  cachedOverheads,
  measureMessaging,
  measureOverheads,
  overheadsOrFallback,
  startFallback,
  startHold,
} from "./overhead.ts";
export type { Overheads } from "./overhead.ts";
export { CROSSING_MOST, crossings, sampleInWorker } from "./sample.ts";
export type { SampleFailure, SampleProfile } from "./sample.ts";
export { median, summarize } from "./statistics.ts";
