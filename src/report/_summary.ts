// The decision card of a report: the choice, the predicted times, the measurements behind them.
import { formatMs, formatTimes } from "./_format.ts";
import { esc, htmlElement } from "./_svg.ts";
import type { ReportOptimization } from "./report_input.ts";

function _tile(key: string, value: string): string {
  return htmlElement(
    "div",
    { class: "tile" },
    htmlElement("span", { class: "k" }, esc(key)),
    htmlElement(
      "span",
      { class: "v" },
      esc(value),
    ),
  );
}

/** The decision, its reason and warnings, as a row of figures and a line of text. */
export function summary(opt: ReportOptimization): string {
  const decision = opt.executor === "workers"
    ? `${opt.workers} workers × ${opt.chunkSize}`
    : opt.executor === "async"
    ? `async, ${opt.concurrency ?? "?"} in flight`
    : "plain loop";
  const p = opt.profile;
  const tiles = [
    _tile("decision", decision),
    _tile("predicted speedup", formatTimes(opt.predictedSpeedup)),
    _tile("plain loop (predicted)", formatMs(opt.predictedMs.serial)),
    _tile("chosen (predicted)", formatMs(opt.predictedMs.chosen)),
  ];
  if (p.sample) {
    const s = p.sample.perItemMs;
    tiles.push(
      _tile(
        p.sample.cpuRatio === null ? "per item" : `per item (${p.sample.workloadType}-bound)`,
        `${formatMs(s.median)}, CV ${s.cv.toFixed(2)}`,
      ),
    );
  }
  if (p.overheads) {
    const o = p.overheads;
    tiles.push(
      _tile("worker start", `${formatMs(o.firstStartMs)} + ${formatMs(o.marginalStartMs)} each`),
    );
  }
  const warnings = opt.warnings ?? [];
  return htmlElement(
    "section",
    { class: "card decision", "aria-label": "Decision" },
    htmlElement("div", { class: "tiles" }, ...tiles),
    opt.reason ? htmlElement("p", { class: "reason" }, esc(opt.reason)) : "",
    warnings.length === 0 ? "" : htmlElement(
      "ul",
      { class: "warnings" },
      ...warnings.map((w) => htmlElement("li", {}, esc(w))),
    ),
  );
}
