// Human-readable tables of a suite result and of a comparison (the CLI's output without --json).
import { configLabel } from "../engine/mod.ts";
import type { PerformanceComparison } from "./compare_results.ts";
import type { PerformanceResult } from "./run_benchmark.ts";
import type { SuiteResult } from "./run_suite.ts";

/** Lay out rows as columns: left-aligned text, right-aligned columns listed in `right`. */
export function formatTable(rows: string[][], right: number[] = []): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) =>
    r.map((cell, c) => (right.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ").trimEnd()
  ).join("\n");
}

const formatMs = (v: number | null) => (v === null ? "-" : v < 10 ? v.toFixed(1) : v.toFixed(0));
const _x = (v: number | null) => (v === null ? "-" : `${v.toFixed(2)}×`);
const _pct = (v: number | null | undefined, digits = 0) =>
  v == null ? "-" : `${v.toFixed(digits)}%`;

function _config(r: PerformanceResult): string {
  return r.recommendation ? configLabel(r.recommendation) : "-";
}

/**
 * A workload's result as the table shows it: `pass`, `FAIL`, or `busy` (no verdict); `predicted`
 * where it passed without timed runs (`validate: false`: only the prediction was checked).
 */
export function resultLabel(r: PerformanceResult): "pass" | "predicted" | "FAIL" | "busy" {
  if (r.passed) return r.actualSpeedup === null ? "predicted" : "pass";
  return r.verdict === "busy" ? "busy" : "FAIL";
}

const _load = (v: number | null | undefined) => (v == null ? "-" : v.toFixed(1));

/** What the columns of the suite table mean (printed below it). */
export const SUITE_COLUMNS =
  `predicted, actual: speedup over a plain loop, as the optimizer predicted it and as measured
  (median of the alternating timed runs); spread: (max - min) / median of the per-run speedups;
  accuracy: 1 - |actual - predicted| / max(actual, predicted), >= 50% passes; serial ms,
  optimized ms: median times; optimize ms: what deciding cost; load: other processes' runnable
  threads while the runs were timed. More: docs/suite.md.`;

/** The suite as a table, then the failures and a closing count. */
export function formatSuite(s: SuiteResult): string {
  const sys = s.system;
  const head =
    `amorsize ${s.version} performance suite on ${s.runtime.name} ${s.runtime.version}, ` +
    `${sys.effectiveCores} effective cores (${sys.logicalCores} logical), ${s.date}` +
    (s.historyId ? `, saved as ${s.historyId}` : "");
  const rows = [[
    "workload",
    "recommendation",
    "predicted",
    "actual",
    "spread",
    "accuracy",
    "serial ms",
    "optimized ms",
    "optimize ms",
    "load",
    "result",
  ]];
  for (const r of s.results) {
    rows.push([
      r.workload,
      _config(r),
      _x(r.predictedSpeedup),
      _x(r.actualSpeedup),
      r.spread ? _pct(r.spread.speedup * 100) : "-",
      _pct(r.accuracy, 1),
      formatMs(r.serialMs),
      formatMs(r.optimizedMs),
      formatMs(r.optimizeMs),
      _load(r.externalLoad),
      resultLabel(r),
    ]);
  }
  const lines = [head, "", formatTable(rows, [2, 3, 4, 5, 6, 7, 8, 9]), "", SUITE_COLUMNS];
  const failed = s.results.filter((r) => resultLabel(r) === "FAIL");
  const busy = s.results.filter((r) => resultLabel(r) === "busy");
  if (failed.length > 0) {
    lines.push("", "failures:");
    for (const r of failed) for (const f of r.failures) lines.push(`  ${r.workload}: ${f}`);
  }
  if (busy.length > 0) {
    lines.push("", "no verdict, the machine was busy:");
    for (const r of busy) {
      lines.push(
        `  ${r.workload}: other processes kept ${_load(r.externalLoad)} threads runnable on ` +
          `${r.effectiveCores} cores while it was timed, so the failed checks (` +
          `${r.failures.join("; ")}) say more about that load than about the code. ` +
          "Run it again on a quiet machine.",
      );
    }
  }
  const passed = s.results.length - failed.length - busy.length;
  const predicted = s.results.filter((r) => resultLabel(r) === "predicted").length;
  lines.push(
    "",
    `${passed} of ${s.results.length} workloads passed` +
      (predicted > 0 ? ` (${predicted} on the prediction alone: no timed runs)` : "") +
      (busy.length > 0 ? `, ${busy.length} without a verdict (busy machine)` : ""),
  );
  return lines.join("\n");
}

const _value = (v: number, metric: string) =>
  metric === "actualSpeedup"
    ? `${v.toFixed(2)}×`
    : v >= 1e6
    ? `${(v / 1e6).toFixed(2)} ms`
    : v >= 1e3
    ? `${(v / 1e3).toFixed(2)} µs`
    : `${v.toFixed(1)} ns`;

/** A comparison as a table (regressions first), then missing, new and notes. */
export function formatComparison(c: PerformanceComparison): string {
  const rows = [["workload", "metric", "baseline", "current", "change", "spread", "status"]];
  const add = (list: typeof c.regressions, status: string) => {
    for (const e of list) {
      const sign = e.changePct > 0 ? "+" : "";
      rows.push([
        e.workload,
        e.metric,
        _value(e.baseline, e.metric),
        _value(e.current, e.metric),
        `${sign}${e.changePct.toFixed(1)}%`,
        `${(Math.max(e.spread.baseline, e.spread.current) * 100).toFixed(0)}%`,
        status === "unchanged" && e.withinNoise ? "unchanged (noise)" : status,
      ]);
    }
  };
  add(c.regressions, "REGRESSION");
  add(c.improvements, "improved");
  add(c.unchanged, "unchanged");
  const lines = [formatTable(rows, [2, 3, 4, 5])];
  if (c.failed.length > 0) lines.push("", `FAILED in current: ${c.failed.join(", ")}`);
  if (c.missing.length > 0) lines.push("", `missing in current: ${c.missing.join(", ")}`);
  if (c.new.length > 0) lines.push("", `new in current: ${c.new.join(", ")}`);
  if (c.busy.length > 0) {
    lines.push("", `not judged, the machine was busy (no verdict): ${c.busy.join(", ")}`);
  }
  for (const n of c.notes) lines.push("", `note: ${n}`);
  lines.push(
    "",
    `${c.regressions.length} regression(s), ${c.improvements.length} improvement(s), ` +
      `${c.unchanged.length} unchanged (threshold ${(c.threshold * 100).toFixed(0)}%, ` +
      `beyond the range of both runs)`,
  );
  return lines.join("\n");
}
