// The figures a comparison looks at, per workload: a suite result gives the actual speedup (higher
// is better, noise = the spread of its per-pair speedups); a deno bench report gives the average
// time per iteration (lower is better, noise = (max(p75, avg) − min) / avg: from the fastest
// iteration to the bulk, or to the average when a heavy tail pulls it above the bulk).
import type { Comparable } from "./_schema.ts";
import type { DenoBenchReport } from "./deno_bench_report.ts";
import type { SuiteResult } from "./run_suite.ts";

/** One figure of one workload. */
export interface Metric {
  workload: string;
  metric: string;
  value: number;
  /** Relative noise of the figure in its own run (0.1 = 10 %). */
  spread: number;
  better: "higher" | "lower";
}

/** The figures of one side, and what could not be compared. */
export interface Metrics {
  metrics: Metric[];
  /** Workloads present but without a comparable figure (not validated, or failed). */
  skipped: string[];
  /** Of those, the ones that failed outright (a workload that threw, a bench that failed). */
  failed: string[];
  /**
   * Workloads measured while the machine was busy (`verdict: "busy"`, no verdict): their figure
   * says more about the load than about the code, so it is not judged (not in `metrics`).
   */
  busy: string[];
}

function _fromSuite(s: SuiteResult): Metrics {
  const out: Metrics = { metrics: [], skipped: [], failed: [], busy: [] };
  for (const r of s.results) {
    if (r.verdict === "busy") {
      out.busy.push(r.workload);
      continue;
    }
    if (typeof r.actualSpeedup !== "number") {
      out.skipped.push(r.workload);
      // Failed without a figure (a result without `passed`, a hand-written shortest form, says
      // nothing).
      if (r.passed === false) out.failed.push(r.workload);
      continue;
    }
    const spread = r.spread?.speedup;
    out.metrics.push({
      workload: r.workload,
      metric: "actualSpeedup",
      value: r.actualSpeedup,
      spread: typeof spread === "number" && spread > 0 ? spread : 0,
      better: "higher",
    });
  }
  return out;
}

/** `x_bench.ts: group/name` (the file's base name keeps runs from other checkouts comparable). */
function _benchKey(origin: string, group: string | null, name: string): string {
  const file = origin.replace(/[?#].*$/, "").split(/[\\/]/).pop() ?? origin;
  // `benchOptimized` names its bench after the decision ("optimized (workers 2 × chunk 12)"): one
  // bench whatever the decision, so that a run whose decision changed is still compared with it.
  const bench = name.replace(/^((?:.*: )?optimized) \(.*\)$/, "$1");
  return `${file}: ${group ? `${group}/` : ""}${bench}`;
}

function _fromDenoBench(report: DenoBenchReport): Metrics {
  const out: Metrics = { metrics: [], skipped: [], failed: [], busy: [] };
  const seen = new Map<string, number>();
  for (const b of report.benches) {
    let key = _benchKey(String(b.origin ?? ""), b.group ?? null, b.name);
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    if (count > 1) key = `${key} #${count}`;
    const ok = b.results.find((r) => r && typeof r === "object" && r.ok)?.ok;
    if (!ok || !(ok.avg > 0)) {
      out.skipped.push(key);
      if (b.results.some((r) => r && typeof r === "object" && "failed" in r)) out.failed.push(key);
      continue;
    }
    const spread = Number.isFinite(ok.p75) && Number.isFinite(ok.min)
      ? Math.max(0, Math.max(ok.p75, ok.avg) - ok.min) / ok.avg
      : 0;
    out.metrics.push({
      workload: key,
      metric: "avg ns/iter",
      value: ok.avg,
      spread,
      better: "lower",
    });
  }
  return out;
}

/** The comparable figures of one side. */
export function metricsOf(c: Comparable): Metrics {
  return c.kind === "suite" ? _fromSuite(c.suite) : _fromDenoBench(c.report);
}
