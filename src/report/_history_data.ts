// The numbers behind the suite history: one series per workload over the runs, the regressions
// (a failed run, a run the suite flagged, or a drop beyond the tolerance since the workload's
// previous measured run; each needs a previous run of the workload to compare with), and the
// failed checks of runs without one (the first run of a workload). A busy run (no verdict: other
// processes kept the machine busy) is charted but is neither a failure nor a drop, and the next
// run is compared with the run before it.
import type { SuiteHistoryRun } from "./report_input.ts";

/** One workload in one run. */
export interface HistoryPoint {
  run: number;
  speedup: number | null;
  passed: boolean;
  /** Why this point is a regression; absent when it is not one. */
  regression?: string;
}

/** The history as series, with the run labels. */
export interface HistoryData {
  labels: string[];
  series: { workload: string; points: HistoryPoint[] }[];
  regressions: { run: number; workload: string; speedup: number | null; why: string }[];
  /** Workloads that failed their checks in their first run: no baseline, so no regression. */
  failedFirst: { run: number; workload: string; speedup: number | null }[];
  maxSpeedup: number;
}

/** Labels of the runs: ISO dates shortened, the time left out when every run has its own day. */
export function runLabels(dates: string[]): string[] {
  const iso = dates.map((d) => /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?/.exec(d));
  const days = iso.map((m) => m?.[1]);
  const uniqueDays = iso.every((m) => m) && new Set(days).size === dates.length;
  return dates.map((d, i) => {
    const m = iso[i];
    if (!m) return d.length > 16 ? `${d.slice(0, 15)}…` : d;
    return uniqueDays || !m[2] ? m[1] : `${m[1]} ${m[2]}`;
  });
}

/** Series and regressions of `runs` (oldest first) with the drop tolerance `tolerance`. */
export function historyData(runs: SuiteHistoryRun[], tolerance = 0.1): HistoryData {
  const names: string[] = [];
  for (const r of runs) {
    for (const x of r.results) if (!names.includes(x.workload)) names.push(x.workload);
  }
  const regressions: HistoryData["regressions"] = [];
  const failedFirst: HistoryData["failedFirst"] = [];
  let maxSpeedup = 0;
  const series = names.map((workload) => {
    const points: HistoryPoint[] = [];
    let previous: number | null = null;
    let first = true;
    runs.forEach((r, run) => {
      const x = r.results.find((y) => y.workload === workload);
      if (!x) return;
      const s = typeof x.actualSpeedup === "number" && Number.isFinite(x.actualSpeedup)
        ? x.actualSpeedup
        : null;
      const busy = x.verdict === "busy";
      const why: string[] = [];
      if (!x.passed && !busy && first) failedFirst.push({ run, workload, speedup: s });
      if (!x.passed && !busy && !first) why.push("failed its checks");
      first = false;
      if (x.regression === true) why.push("flagged by the suite");
      if (!busy && s !== null && previous !== null && s < previous * (1 - tolerance)) {
        why.push(`${Math.round((1 - s / previous) * 100)}% below the previous run`);
      }
      const point: HistoryPoint = { run, speedup: s, passed: x.passed };
      if (why.length > 0) {
        point.regression = why.join("; ");
        regressions.push({ run, workload, speedup: s, why: point.regression });
      }
      points.push(point);
      if (s !== null) {
        if (!busy) previous = s;
        maxSpeedup = Math.max(maxSpeedup, s);
      }
    });
    return { workload, points };
  });
  regressions.sort((a, b) =>
    a.run - b.run || names.indexOf(a.workload) - names.indexOf(b.workload)
  );
  const labels = runLabels(runs.map((r) => r.date));
  return { labels, series, regressions, failedFirst, maxSpeedup };
}
