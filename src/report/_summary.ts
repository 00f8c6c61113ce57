// The decision card of a report: the choice, the predicted times, the measurements behind them.
import { _ms, _times } from "./_format.ts";
import { _esc, _html } from "./_svg.ts";
import type { ReportOptimization } from "./report_input.ts";

function _tile(key: string, value: string): string {
  return _html(
    "div",
    { class: "tile" },
    _html("span", { class: "k" }, _esc(key)),
    _html(
      "span",
      { class: "v" },
      _esc(value),
    ),
  );
}

/** The decision, its reason and warnings, as a row of figures and a line of text. */
export function _summary(opt: ReportOptimization): string {
  const decision = opt.executor === "workers"
    ? `${opt.workers} workers × ${opt.chunkSize}`
    : opt.executor === "async"
    ? `async, ${opt.concurrency ?? "?"} in flight`
    : "plain loop";
  const p = opt.profile;
  const tiles = [
    _tile("decision", decision),
    _tile("predicted speedup", _times(opt.predictedSpeedup)),
    _tile("plain loop (predicted)", _ms(opt.predictedMs.serial)),
    _tile("chosen (predicted)", _ms(opt.predictedMs.chosen)),
  ];
  if (p.sample) {
    const s = p.sample.perItemMs;
    tiles.push(
      _tile(`per item (${p.sample.workloadType}-bound)`, `${_ms(s.median)}, CV ${s.cv.toFixed(2)}`),
    );
  }
  if (p.overheads) {
    const o = p.overheads;
    tiles.push(_tile("worker start", `${_ms(o.firstStartMs)} + ${_ms(o.marginalStartMs)} each`));
  }
  const warnings = opt.warnings ?? [];
  return _html(
    "section",
    { class: "card decision", "aria-label": "Decision" },
    _html("div", { class: "tiles" }, ...tiles),
    opt.reason ? _html("p", { class: "reason" }, _esc(opt.reason)) : "",
    warnings.length === 0
      ? ""
      : _html("ul", { class: "warnings" }, ...warnings.map((w) => _html("li", {}, _esc(w)))),
  );
}
