// The data tables of a report (in <details>): every configuration considered, the measured points,
// and the regressions of the suite history.
import { formatMs, formatSpeedup, formatTimes } from "./_format.ts";
import type { HistoryData } from "./_history_data.ts";
import { esc, htmlElement } from "./_svg.ts";
import type { MeasuredPoint, ReportOptimization } from "./report_input.ts";

/** A table with a header row; cells are plain text (escaped); `num` marks right-aligned columns. */
export function formatTable(head: string[], rows: string[][], num: number[] = []): string {
  const cell = (tag: "td" | "th", text: string, i: number) =>
    htmlElement(tag, {
      scope: tag === "th" ? "col" : undefined,
      class: num.includes(i) ? "num" : undefined,
    }, esc(text));
  return htmlElement(
    "table",
    {},
    htmlElement("thead", {}, htmlElement("tr", {}, ...head.map((h, i) => cell("th", h, i)))),
    htmlElement(
      "tbody",
      {},
      ...rows.map((r) => htmlElement("tr", {}, ...r.map((c, i) => cell("td", c, i)))),
    ),
  );
}

/** Every configuration the optimizer considered, fastest first. */
export function alternativesTable(opt: ReportOptimization): string {
  const serial = opt.predictedMs.serial;
  const alts = [...opt.profile.alternatives].sort((a, b) =>
    (a.predictedMs ?? Infinity) - (b.predictedMs ?? Infinity) || a.workers - b.workers
  );
  const rows = alts.map((a) => {
    const chosen = a.executor === opt.executor &&
      (a.executor !== "workers" || (a.workers === opt.workers && a.chunkSize === opt.chunkSize));
    return [
      a.executor,
      a.executor === "async" ? `${a.concurrency} in flight` : String(a.workers),
      String(a.chunkSize),
      formatMs(a.predictedMs),
      formatSpeedup(serial, a.predictedMs),
      chosen ? "chosen" : a.rejected ? `rejected: ${a.rejected}` : "",
    ];
  });
  return htmlElement(
    "details",
    {},
    htmlElement("summary", {}, `All ${alts.length} configurations considered`),
    formatTable(["executor", "workers", "chunk size", "predicted", "speedup", "note"], rows, [
      1,
      2,
      3,
      4,
    ]),
  );
}

/** The measured points, with the speedups the chart plots. */
export function measuredTable(points: MeasuredPoint[], serialMs: number): string {
  const rows = points.map((m) => [
    m.label ?? "",
    String(m.workers),
    String(m.chunkSize),
    formatMs(m.measuredMs),
    typeof m.speedup === "number" ? formatTimes(m.speedup) : formatSpeedup(serialMs, m.measuredMs),
  ]);
  return htmlElement(
    "details",
    { open: points.length <= 8 },
    htmlElement("summary", {}, `${points.length} measured configurations`),
    formatTable(["measured by", "workers", "chunk size", "measured", "speedup"], rows, [
      1,
      2,
      3,
      4,
    ]),
  );
}

/**
 * The regressions of the history (or a line saying there are none, or that one run has nothing
 * to compare with), then the failed checks of first runs, which are no regressions.
 */
export function regressionsTable(d: HistoryData, runs: number): string {
  const parts: string[] = [];
  if (d.regressions.length === 0) {
    parts.push(htmlElement(
      "p",
      { class: "muted" },
      runs === 1
        ? "One run: no regressions, which need a previous run to compare with."
        : `No regressions in ${runs} runs.`,
    ));
  } else {
    const rows = d.regressions.map((
      r,
    ) => [d.labels[r.run], r.workload, formatTimes(r.speedup), r.why]);
    parts.push(htmlElement(
      "details",
      { open: true },
      htmlElement("summary", { class: "alert" }, `${d.regressions.length} regression(s)`),
      formatTable(["run", "workload", "actual speedup", "why"], rows, [2]),
    ));
  }
  if (d.failedFirst.length > 0) {
    const rows = d.failedFirst.map((r) => [d.labels[r.run], r.workload, formatTimes(r.speedup)]);
    parts.push(htmlElement(
      "details",
      { open: true },
      htmlElement(
        "summary",
        {},
        `${d.failedFirst.length} workload(s) failed their checks in their first run`,
      ),
      formatTable(["run", "workload", "actual speedup"], rows, [2]),
    ));
  }
  return parts.join("");
}
