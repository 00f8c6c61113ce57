/**
 * The suite history for a report, read from the history store: every saved entry of kind
 * `"suite"`, oldest first, as {@linkcode SuiteHistoryRun}s.
 *
 * @module
 */
import { listResults, loadResult } from "../store/mod.ts";
import type { SuiteHistoryResult, SuiteHistoryRun } from "./report_input.ts";

const _isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * A suite payload as a run: `{ date?, results: [{ workload, actualSpeedup, passed, verdict? }] }` (the
 * suite's own format, `format: "amorsize-suite"`, is of this shape). Returns why not otherwise.
 */
function suiteRun(payload: unknown, fallbackDate: string): SuiteHistoryRun | string {
  if (!_isObject(payload) || !Array.isArray(payload.results)) return "no results in its payload";
  const results: SuiteHistoryResult[] = [];
  for (const r of payload.results) {
    if (!_isObject(r) || typeof r.workload !== "string" || typeof r.passed !== "boolean") {
      return "a result without a workload name or a passed flag";
    }
    const s = r.actualSpeedup;
    const ok = s === null || s === undefined ||
      (typeof s === "number" && Number.isFinite(s) && s >= 0);
    if (!ok) return `an odd actualSpeedup for ${r.workload}`;
    const res: SuiteHistoryResult = {
      workload: r.workload,
      actualSpeedup: (s as number | null | undefined) ?? null,
      passed: r.passed,
    };
    if (typeof r.regression === "boolean") res.regression = r.regression;
    if (r.verdict === "pass" || r.verdict === "fail" || r.verdict === "busy") {
      res.verdict = r.verdict;
    }
    results.push(res);
  }
  return { date: typeof payload.date === "string" ? payload.date : fallbackDate, results };
}

/**
 * Read the saved suite results of the history, oldest first. Entries that cannot be read or do not
 * hold a suite result are skipped with a warning naming them; nothing throws for them.
 *
 * @param options `dir`: the history directory (default: the store's); `name`: only the entries
 * saved under this name (the suite saves under the runtime's name: `"deno"`, `"bun"`, `"node"`).
 * @returns The runs and the warnings.
 *
 * @example Usage
 * ```ts
 * import { loadSuiteHistory } from "./suite_history.ts";
 * import { saveResult } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "amorsize-"));
 * const results = [{ workload: "cpu", actualSpeedup: 3.2, passed: true }];
 * await saveResult({ kind: "suite", name: "deno", payload: { date: "2025-03-10", results } }, { dir });
 * await saveResult({ kind: "suite", name: "deno", payload: { nothing: true } }, { dir });
 * const { runs, warnings } = await loadSuiteHistory({ dir });
 * assert.deepEqual(runs, [{ date: "2025-03-10", results }]);
 * assert.equal(warnings.length, 1);
 * ```
 */
export async function loadSuiteHistory(
  options: { dir?: string; name?: string } = {},
): Promise<{ runs: SuiteHistoryRun[]; warnings: string[] }> {
  const { entries, warnings } = await listResults({ dir: options.dir, kind: "suite" });
  const runs: SuiteHistoryRun[] = [];
  for (const summary of entries.reverse()) {
    if (options.name !== undefined && summary.name !== options.name) continue;
    try {
      const entry = await loadResult(summary.id, { dir: options.dir });
      const run = suiteRun(entry.payload, entry.savedAt);
      if (typeof run === "string") warnings.push(`skipped suite entry ${summary.id}: ${run}`);
      else runs.push(run);
    } catch (e) {
      warnings.push(`skipped suite entry ${summary.id}: ${(e as Error).message}`);
    }
  }
  return { runs, warnings };
}
