/**
 * Compare two runs (suite results or `deno bench --json` reports) and sort every workload into
 * regressions, improvements and unchanged, flagging a change only when it is larger than both the
 * threshold and the noise of each run.
 *
 * @module
 */
import { keysOf, knownKeys, objectArg, positiveNumber } from "../args.ts";
import { type Metric, metricsOf } from "./_metrics.ts";
import { type Comparable, loadComparable, parseComparable } from "./_schema.ts";
import type { DenoBenchReport } from "./deno_bench_report.ts";
import type { SuiteResult } from "./run_suite.ts";

export type { DenoBenchEntry, DenoBenchReport, DenoBenchStats } from "./deno_bench_report.ts";

/** One side of a comparison: a suite result, a `deno bench --json` report, or a path to either. */
export type ComparisonInput = SuiteResult | DenoBenchReport | string;

/** One figure of one workload in both runs. */
export interface ComparisonEntry {
  /** Name of the workload (or bench). */
  workload: string;
  /** `"actualSpeedup"` (suite results) or `"avg ns/iter"` (deno bench). */
  metric: string;
  /** The figure in the baseline run. */
  baseline: number;
  /** The figure in the current run. */
  current: number;
  /** `(current − baseline) / baseline · 100`. */
  changePct: number;
  /** Which direction is better for this metric. */
  better: "higher" | "lower";
  /** The relative spread of the figure in each run (0.1 = a range of 10 % of its value). */
  spread: { baseline: number; current: number };
  /** True when the change passed the threshold but not the range of a run (so not flagged). */
  withinNoise: boolean;
}

/** What {@linkcode comparePerformanceResults} found. */
export interface PerformanceComparison {
  /** What was compared. */
  kind: "suite" | "deno-bench";
  /** The threshold used (0.10 = 10 %). */
  threshold: number;
  /** Figures that got worse by more than the threshold and the noise. */
  regressions: ComparisonEntry[];
  /** Figures that got better by more than the threshold and the noise. */
  improvements: ComparisonEntry[];
  /** Figures whose change is within the threshold or the noise. */
  unchanged: ComparisonEntry[];
  /**
   * Workloads (or benches) that failed outright in the current run: a workload that threw or
   * failed without a measured speedup (not a busy one), a bench that failed. They count against
   * the comparison like regressions (`suite compare` exits 1).
   */
  failed: string[];
  /** Workloads of the baseline that the current run lacks (or could not compare; not failed). */
  missing: string[];
  /** Workloads of the current run that the baseline lacks (skipped ones are in `notes`). */
  new: string[];
  /**
   * Workloads measured while the machine was busy (`verdict: "busy"`: no verdict) in either run:
   * their speedup says more about the load than about the code, so it is not judged (neither a
   * regression nor missing), as `suite run` gives it no verdict.
   */
  busy: string[];
  /** Things to know: different runtimes or machines, workloads without a comparable figure. */
  notes: string[];
}

/** Options of {@linkcode comparePerformanceResults}. */
export interface PerformanceCompareOptions {
  /** Relative change that counts (default 0.10 = 10 %). */
  threshold?: number;
}

function _side(input: ComparisonInput, name: string): Comparable {
  return typeof input === "string" ? loadComparable(input) : parseComparable(input, name);
}

function _notes(base: Comparable, cur: Comparable): string[] {
  if (base.kind !== "suite" || cur.kind !== "suite") return [];
  const [b, c] = [base.suite, cur.suite];
  const notes: string[] = [];
  // A result written in the shortest form may leave the runtime or the machine out: "unknown",
  // not "undefined undefined".
  const rt = (s: SuiteResult) =>
    typeof s.runtime?.name === "string"
      ? `${s.runtime.name}${typeof s.runtime.version === "string" ? ` ${s.runtime.version}` : ""}`
      : "unknown";
  if (rt(b) !== rt(c)) notes.push(`different runtimes: baseline ${rt(b)}, current ${rt(c)}`);
  const cores = (s: SuiteResult) =>
    typeof s.system?.effectiveCores === "number" ? String(s.system.effectiveCores) : undefined;
  if (cores(b) !== cores(c)) {
    notes.push(
      `different machines: ${cores(b) ?? "an unknown number of"} effective cores in the ` +
        `baseline, ${cores(c) ?? "an unknown number"} now`,
    );
  }
  return notes;
}

/**
 * Compare a baseline run with the current one. For suite results the figure is each workload's
 * actual speedup (higher is better); for `deno bench --json` output it is each bench's average
 * time per iteration (lower is better). A change is a regression (or an improvement) only when it
 * exceeds `threshold` AND the range of that figure in each run (`spread × value`: for a suite,
 * max − min of the per-pair speedups), so that noise on a busy machine does not flap; otherwise
 * the entry is unchanged (`withinNoise` says when only the noise held it back). A workload measured
 * while the machine was busy (`verdict: "busy"`, in either run) is not judged: it is listed in
 * `busy`. Paths are read as JSON files; history entries of kind `"suite"` are accepted as well.
 *
 * @param baseline The reference run: an object or a path.
 * @param current The run to judge: an object or a path.
 * @param options `threshold` (default 0.10).
 * @returns The workloads sorted into regressions, improvements, unchanged, failed (outright, in
 * the current run: they count like regressions), missing, new and busy (not judged).
 * @throws {Error} When a side cannot be read, is not a suite result nor deno bench output, has
 * another schema version (the message names the file), or the two sides are of different kinds.
 * @throws {RangeError} For a `threshold` that is not a positive number.
 *
 * @example Usage
 * ```ts
 * import { comparePerformanceResults } from "./compare_results.ts";
 * import type { SuiteResult } from "./run_suite.ts";
 * import assert from "node:assert/strict";
 *
 * const run = (speedup: number, spread: number) => ({
 *   format: "amorsize-suite", schema: 1,
 *   results: [{ workload: "cpu-intensive", actualSpeedup: speedup, spread: { speedup: spread } }],
 * }) as unknown as SuiteResult;
 * const cmp = comparePerformanceResults(run(1.8, 0.05), run(1.2, 0.05));
 * assert.equal(cmp.regressions[0].workload, "cpu-intensive");
 * assert.equal(Math.round(cmp.regressions[0].changePct), -33);
 * // The same drop inside the current run's own noise (range 0.6 × 1.2 = 0.72 > 0.6) is not flagged:
 * assert.equal(comparePerformanceResults(run(1.8, 0.05), run(1.2, 0.6)).regressions.length, 0);
 * ```
 */
export function comparePerformanceResults(
  baseline: ComparisonInput,
  current: ComparisonInput,
  options: PerformanceCompareOptions = {},
): PerformanceComparison {
  objectArg("options", options);
  knownKeys("options", options, keysOf<PerformanceCompareOptions>({ threshold: 1 }));
  const threshold = options.threshold === undefined
    ? 0.1
    : positiveNumber("threshold", options.threshold);
  const base = _side(baseline, "baseline");
  const cur = _side(current, "current");
  if (base.kind !== cur.kind) {
    throw new Error(`Cannot compare a ${base.kind} result with a ${cur.kind} result`);
  }
  const b = metricsOf(base), c = metricsOf(cur);
  const out: PerformanceComparison = {
    kind: base.kind,
    threshold,
    regressions: [],
    improvements: [],
    unchanged: [],
    failed: c.failed,
    missing: [],
    new: [],
    busy: [...new Set([...b.busy, ...c.busy])],
    notes: _notes(base, cur),
  };
  const key = (m: Metric) => `${m.workload}\u0000${m.metric}`;
  const now = new Map(c.metrics.map((m) => [key(m), m]));
  const before = new Set(b.metrics.map(key));
  // A baseline figure of 0 (a speedup from a plain loop timed at 0 ms): a change from it has no
  // size (it was an Infinity %, null in the JSON).
  const zero: string[] = [];
  for (const m of b.metrics) {
    const other = now.get(key(m));
    if (other && m.value === 0) {
      zero.push(m.workload);
      continue;
    }
    if (!other) {
      const gone = !out.missing.includes(m.workload) && !c.failed.includes(m.workload) &&
        !c.busy.includes(m.workload);
      if (gone) out.missing.push(m.workload);
      continue;
    }
    const e = comparisonEntry(m, other);
    const verdict = classifyVerdict(e, threshold);
    if (verdict === "regression") out.regressions.push(e);
    else if (verdict === "improvement") out.improvements.push(e);
    else out.unchanged.push(e);
  }
  for (const m of c.metrics) {
    const known = b.skipped.includes(m.workload) || b.busy.includes(m.workload);
    if (!before.has(key(m)) && !known) out.new.push(m.workload);
  }
  const skipped = [...new Set([...b.skipped, ...c.skipped])];
  if (skipped.length > 0) {
    out.notes.push(`no comparable figure (not validated or failed): ${skipped.join(", ")}`);
  }
  if (zero.length > 0) {
    out.notes.push(`a baseline figure of 0, no change to measure from: ${zero.join(", ")}`);
  }
  return out;
}

// The noise-aware verdict of one figure: a change counts only when it exceeds the threshold AND
// the spread of the figure in each run, so that a noisy machine does not flap. Both are compared
// in the figure's own units: |current − baseline| against each run's range (relative spread ×
// that run's value), so a run with a small value and a wide relative spread is judged fairly.

/**
 * The entry of one figure present in both runs, the baseline's not 0 (`withinNoise` is set by
 * `classifyVerdict`).
 */
function comparisonEntry(b: Metric, c: Metric): ComparisonEntry {
  const change = (c.value - b.value) / b.value;
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
function classifyVerdict(
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
