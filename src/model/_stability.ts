// Stability: the same job gives the same decision on repeated calls unless the machine's load
// changed (`loadChanged`) or the new measurement is clearly different. An in-process memory of
// the last decision per job (task, item-count octave): a new decision that picks another executor
// is kept only when it beats the previous executor's best alternative by more than 15 % —
// measurements near a threshold (minSpeedup, inline vs workers) otherwise flip between calls.
import { type Alternative, type Decision, onWorkers } from "./decide.ts";
import { loadChanged } from "./run_feedback.ts";
import { setLatest } from "../_latest.ts";

/** How much better (predicted) another executor must be to replace the previous one. */
export const SWITCH_MARGIN = 1.15;
const MAX_JOBS = 256;

interface Previous {
  executor: Decision["executor"];
  busyCores: number;
}

const memory = new Map<string, Previous>();

const jobKey = (taskKey: string, n: number | undefined) =>
  `${taskKey}\u0000${n === undefined ? "?" : Math.floor(Math.log2(Math.max(1, n)))}`;

/** Remember `d` as the last decision of the job. */
export function rememberDecision(
  taskKey: string,
  n: number | undefined,
  busyCores: number,
  d: Decision,
): void {
  const key = jobKey(taskKey, n);
  setLatest(memory, key, { executor: d.executor, busyCores }, MAX_JOBS);
}

/** Forget every remembered decision (tests). */
export function forgetDecisions(): void {
  memory.clear();
}

/**
 * `d`, or — when the job's previous decision used another executor, the load did not change and
 * that executor's best alternative is within `SWITCH_MARGIN` of `d` — that alternative.
 */
export function keepPrevious(
  taskKey: string,
  n: number | undefined,
  busyCores: number,
  cores: number,
  d: Decision,
): Decision {
  const prev = memory.get(jobKey(taskKey, n));
  if (!prev || prev.executor === d.executor) return d;
  if (loadChanged(prev.busyCores, busyCores, cores)) return d;
  if (!(d.predictedMs > 0) || !(d.serialMs > 0)) return d;
  let alt: Alternative | undefined;
  for (const a of d.alternatives) {
    if (a.rejected || a.executor !== prev.executor) continue;
    if (a.executor === "workers" && a.workers < 2) continue;
    if (!alt || a.predictedMs < alt.predictedMs) alt = a;
  }
  if (!alt || alt.predictedMs > SWITCH_MARGIN * d.predictedMs) return d;
  // Workers or async are kept only while they are predicted at least as fast as the plain loop.
  if (alt.executor !== "inline" && alt.predictedMs > d.serialMs) return d;
  const speedup = alt.executor === "inline" ? 1 : d.serialMs / alt.predictedMs;
  const what = alt.executor === "workers"
    ? `Workers: ${onWorkers(alt)}`
    : alt.executor === "async"
    ? `Async: ${alt.concurrency} calls in flight`
    : "Inline: a plain loop";
  return {
    ...d,
    executor: alt.executor,
    workers: alt.workers,
    chunkSize: alt.chunkSize,
    concurrency: alt.concurrency,
    predictedMs: alt.predictedMs,
    predictedSpeedup: speedup,
    reason: `${what}, as on the previous call of this job: the new best (${d.executor}) is ` +
      `predicted within ${Math.round((SWITCH_MARGIN - 1) * 100)} % of it and the load did not ` +
      `change`,
  };
}
