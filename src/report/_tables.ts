// The data tables of a report (in <details>): every configuration considered, the measured points,
// and the regressions of the suite history.
import { _ms, _times } from "./_format.ts";
import type { _HistoryData } from "./_history_data.ts";
import { _esc, _html } from "./_svg.ts";
import type { MeasuredPoint, ReportOptimization } from "./report_input.ts";

/** A table with a header row; cells are plain text (escaped); `num` marks right-aligned columns. */
export function _table(head: string[], rows: string[][], num: number[] = []): string {
  const cell = (tag: "td" | "th", text: string, i: number) =>
    _html(tag, {
      scope: tag === "th" ? "col" : undefined,
      class: num.includes(i) ? "num" : undefined,
    }, _esc(text));
  return _html(
    "table",
    {},
    _html("thead", {}, _html("tr", {}, ...head.map((h, i) => cell("th", h, i)))),
    _html("tbody", {}, ...rows.map((r) => _html("tr", {}, ...r.map((c, i) => cell("td", c, i))))),
  );
}

/** Every configuration the optimizer considered, fastest first. */
export function _alternativesTable(opt: ReportOptimization): string {
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
      _ms(a.predictedMs),
      _times(serial / a.predictedMs),
      chosen ? "chosen" : a.rejected ? `rejected: ${a.rejected}` : "",
    ];
  });
  return _html(
    "details",
    {},
    _html("summary", {}, `All ${alts.length} configurations considered`),
    _table(["executor", "workers", "chunk size", "predicted", "speedup", "note"], rows, [
      1,
      2,
      3,
      4,
    ]),
  );
}

/** The measured points, with the speedups the chart plots. */
export function _measuredTable(points: MeasuredPoint[], serialMs: number): string {
  const rows = points.map((m) => [
    m.label ?? "",
    String(m.workers),
    String(m.chunkSize),
    _ms(m.measuredMs),
    _times(m.speedup ?? serialMs / (m.measuredMs as number)),
  ]);
  return _html(
    "details",
    { open: points.length <= 8 },
    _html("summary", {}, `${points.length} measured configurations`),
    _table(["measured by", "workers", "chunk size", "measured", "speedup"], rows, [1, 2, 3, 4]),
  );
}

/** The regressions of the history, or a line saying there are none. */
export function _regressionsTable(d: _HistoryData, runs: number): string {
  if (d.regressions.length === 0) {
    return _html("p", { class: "muted" }, `No regressions in ${runs} run${runs === 1 ? "" : "s"}.`);
  }
  const rows = d.regressions.map((r) => [d.labels[r.run], r.workload, _times(r.speedup), r.why]);
  return _html(
    "details",
    { open: true },
    _html("summary", { class: "alert" }, `${d.regressions.length} regression(s)`),
    _table(["run", "workload", "actual speedup", "why"], rows, [2]),
  );
}
