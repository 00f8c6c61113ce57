/**
 * `renderReport`: one self-contained HTML page (inline SVG and CSS, no script, no network) with
 * the speedup curves, the overhead breakdown and the system facts of an optimization, and the
 * suite history.
 *
 * @module
 */
import { VERSION } from "../version.ts";
import { historyData } from "./_history_data.ts";
import { REPORT_CSS } from "./_styles.ts";
import { summary } from "./_summary.ts";
import { esc, htmlElement } from "./_svg.ts";
import { alternativesTable, measuredTable, regressionsTable } from "./_tables.ts";
import { checkReportInput } from "./_validate_input.ts";
import { breakdownChart } from "./breakdown_chart.ts";
import { chunkChart, fewWorkerCounts } from "./chunk_chart.ts";
import { historyChart } from "./history_chart.ts";
import type { ReportInput, ReportOptimization } from "./report_input.ts";
import { speedupChart } from "./speedup_chart.ts";
import { systemTable } from "./system_table.ts";

// No script may run and nothing may load: the page works offline and with JavaScript disabled.
const CSP = "default-src 'none'; style-src 'unsafe-inline'";

const _card = (cls: string, title: string, ...body: string[]) =>
  htmlElement(
    "section",
    { class: `card ${cls}`, "aria-label": title },
    htmlElement("h2", {}, esc(title)),
    ...body,
  );

const _missing = (text: string) => htmlElement("p", { class: "muted" }, esc(text));

function _optimizationSections(input: ReportInput, opt: ReportOptimization): string {
  // Few worker counts (2 cores): the chunk size on the x-axis tells the configurations apart.
  const byChunk = fewWorkerCounts(opt);
  const chartOptions = { measured: input.measured, measuredSerialMs: input.measuredSerialMs };
  const speedup = byChunk ? chunkChart(opt, chartOptions) : speedupChart(opt, chartOptions);
  const breakdown = breakdownChart(opt);
  const system = opt.profile.system;
  const serial = input.measuredSerialMs ?? opt.predictedMs.serial;
  const measured = input.measured?.length ? measuredTable(input.measured, serial) : "";
  const alternatives = opt.profile.alternatives.length > 0 ? alternativesTable(opt) : "";
  return summary(opt) + htmlElement(
    "div",
    { class: "grid" },
    _card(
      "speedup",
      byChunk
        ? "Predicted speedup by chunk size and workers"
        : "Predicted speedup by workers and chunk size",
      speedup ?? _missing("No worker configuration was predicted for this task."),
      measured,
      alternatives,
    ),
    htmlElement(
      "div",
      { class: "side" },
      _card(
        "breakdown",
        "Where the predicted time goes",
        breakdown ?? _missing("No breakdown: no worker configuration was modelled."),
      ),
      _card("system", "System", system ? systemTable(system) : _missing("No system facts.")),
    ),
  );
}

/**
 * Render a report as one self-contained HTML page: inline SVG charts (each with `role="img"`, a
 * `<title>` and a `<desc>`) and inline CSS; no script, no external resource (a Content Security
 * Policy forbids both), and no date unless `input.generatedAt` gives one, so the same input always
 * gives the same page.
 *
 * Sections appear for the data given: `optimization` (decision, predicted speedup curves with the
 * `measured` points, overhead breakdown, system facts, every configuration considered) and
 * `suiteHistory` (actual speedup per workload over the runs, regressions marked and listed).
 *
 * @param input What to show; see {@linkcode ReportInput}.
 * @returns The HTML text.
 * @throws {TypeError} If `input` is not an object, has neither `optimization` nor `suiteHistory`,
 * or a field has the wrong type.
 * @throws {RangeError} If a field is out of range (a measured point with 0 workers, …).
 *
 * @example Usage
 * ```ts
 * import { renderReport } from "./render_report.ts";
 * import assert from "node:assert/strict";
 *
 * const html = renderReport({
 *   suiteHistory: [
 *     { date: "2025-03-10", results: [{ workload: "cpu_intensive", actualSpeedup: 3.5, passed: true }] },
 *     { date: "2025-03-11", results: [{ workload: "cpu_intensive", actualSpeedup: 3.6, passed: true }] },
 *   ],
 * });
 * assert.match(html, /^<!doctype html>/);
 * assert.match(html, /<svg [^>]*role="img"/);
 * assert.doesNotMatch(html, /<script/i);
 * assert.throws(() => renderReport({}), TypeError);
 * ```
 */
export function renderReport(input: ReportInput): string {
  const o = checkReportInput(input);
  const title = o.title ?? "amorsize report";
  const sections: string[] = [];
  if (o.optimization) sections.push(_optimizationSections(o, o.optimization));
  if (o.suiteHistory) {
    const tolerance = o.regressionTolerance ?? 0.1;
    const chart = historyChart(o.suiteHistory, tolerance);
    sections.push(_card(
      "history",
      "Suite history",
      chart ?? _missing("No suite runs."),
      chart ? regressionsTable(historyData(o.suiteHistory, tolerance), o.suiteHistory.length) : "",
    ));
  }
  const head = htmlElement(
    "head",
    {},
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    `<meta name="generator" content="amorsize ${VERSION}">`,
    htmlElement("title", {}, esc(title)),
    htmlElement("style", {}, REPORT_CSS),
  );
  const header = htmlElement(
    "header",
    {},
    htmlElement("h1", {}, esc(title)),
    o.subject || o.generatedAt
      ? htmlElement(
        "span",
        { class: "sub" },
        esc([o.subject, o.generatedAt].filter(Boolean).join(" · ")),
      )
      : "",
  );
  const footer = htmlElement("footer", {}, `amorsize ${VERSION}`);
  return `<!doctype html>\n<html lang="en">${head}<body>${
    htmlElement("main", {}, header, ...sections, footer)
  }</body></html>\n`;
}
