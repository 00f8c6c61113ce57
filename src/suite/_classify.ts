// The noise-aware verdict of one figure: a change counts only when it exceeds the threshold AND
// the spread of the figure in each run, so that a noisy machine does not flap. Both are compared
// in the figure's own units: |current − baseline| against each run's range (relative spread ×
// that run's value), so a run with a small value and a wide relative spread is judged fairly.
import type { Metric } from "./_metrics.ts";
import type { ComparisonEntry } from "./compare_results.ts";

/** The entry of one figure present in both runs (`withinNoise` is set by `classifyVerdict`). */
export function comparisonEntry(b: Metric, c: Metric): ComparisonEntry {
  const change = b.value === 0 ? (c.value === 0 ? 0 : Infinity) : (c.value - b.value) / b.value;
  return {
    workload: b.workload,
    metric: b.metric,
    baseline: b.value,
    current: c.value,
    changePct: change * 100,
    better: b.better,
    spread: { baseline: b.spread, current: c.spread },
    withinNoise: false,
  };
}

/**
 * Regression, improvement or unchanged. Sets `e.withinNoise` when the change passed the threshold
 * but not the range of a run.
 */
export function classifyVerdict(
  e: ComparisonEntry,
  threshold: number,
): "regression" | "improvement" | "unchanged" {
  const size = Math.abs(e.changePct) / 100;
  const diff = Math.abs(e.current - e.baseline);
  const beyondNoise = diff > e.spread.baseline * Math.abs(e.baseline) &&
    diff > e.spread.current * Math.abs(e.current);
  e.withinNoise = size > threshold && !beyondNoise;
  if (size <= threshold || !beyondNoise) return "unchanged";
  const worse = e.better === "higher" ? e.changePct < 0 : e.changePct > 0;
  return worse ? "regression" : "improvement";
}
