// Reference marks of the speedup chart: the rejected region, the linear-speedup and plain-loop
// lines, and the chosen configuration with its label.
import type { _Plot } from "./_axes.ts";
import type { _SpeedupData } from "./_speedup_data.ts";
import { _times } from "./_format.ts";
import { _CARD, _INK, _MUTED, _PAGE } from "./_palette.ts";
import { _el, _num, _text, _tip } from "./_svg.ts";
import type { ReportOptimization } from "./report_input.ts";

/** Where things go: the scales, the plot area and the legend's left edge. */
export type _Geo = {
  x: (w: number) => number;
  y: (s: number) => number;
  plot: _Plot;
  legendX: number;
};

// A white outline behind annotation text, so that it stays readable over the curves.
const HALO = {
  stroke: _CARD,
  "stroke-width": 4,
  "paint-order": "stroke",
  "stroke-linejoin": "round",
};

/** Polyline points of (workers, speedup) pairs. */
export const _pts = (g: _Geo, ps: { workers: number; speedup: number }[]): string =>
  ps.map((p) => `${_num(g.x(p.workers))},${_num(g.y(p.speedup))}`).join(" ");

/** The rejected region (beyond a worker cap), the linear-speedup line and the plain-loop line. */
export function _references(d: _SpeedupData, g: _Geo): string {
  const p = g.plot;
  const right = p.left + p.width;
  const out: string[] = [];
  if (d.cap.reason && d.cap.workers < d.maxWorkers && d.cap.workers >= 1) {
    const x0 = g.x(d.cap.workers + 0.5);
    out.push(
      _el("rect", {
        x: x0,
        y: p.top,
        width: right - x0,
        height: p.height,
        fill: _PAGE,
        class: "rejected",
      }, _tip(`more than ${d.cap.workers} workers rejected: ${d.cap.reason}`)),
    );
  }
  const lin = [{ workers: 1, speedup: 1 }, { workers: d.maxWorkers, speedup: d.maxWorkers }];
  out.push(
    _el("polyline", {
      points: _pts(g, lin),
      fill: "none",
      stroke: _MUTED,
      "stroke-dasharray": "2 5",
      "stroke-width": 1.5,
      class: "reference linear",
      "clip-path": "url(#amorsize-speedup-clip)",
    }),
    _el("line", {
      x1: p.left,
      x2: right,
      y1: g.y(1),
      y2: g.y(1),
      stroke: _MUTED,
      "stroke-dasharray": "7 4",
      "stroke-width": 1.2,
      class: "reference plain",
    }),
  );
  return out.join("");
}

/** The chosen configuration: ringed and labelled (a line for async). */
export function _chosen(d: _SpeedupData, opt: ReportOptimization, g: _Geo): string {
  const p = g.plot;
  if (opt.executor === "async") {
    const yy = g.y(opt.predictedSpeedup);
    return _el("line", {
      x1: p.left,
      x2: p.left + p.width,
      y1: yy,
      y2: yy,
      stroke: _INK,
      "stroke-width": 2,
      "stroke-dasharray": "10 4",
      class: "chosen",
    }) + _text(
      p.left + 8,
      yy - 8,
      `chosen: async, ${opt.concurrency ?? "?"} calls in flight → ` +
        _times(opt.predictedSpeedup),
      { fill: _INK, class: "annotation", ...HALO },
    );
  }
  const w = opt.executor === "workers" ? opt.workers : 1;
  const s = opt.executor !== "workers"
    ? 1
    : Number.isFinite(opt.predictedSpeedup)
    ? opt.predictedSpeedup
    : d.serialMs / opt.predictedMs.chosen;
  const label = opt.executor === "workers"
    ? `chosen: ${w} workers × ${opt.chunkSize} → ${_times(s)}`
    : "chosen: the plain loop (1×)";
  const cx = g.x(w);
  const cy = g.y(s);
  const room = cx - p.left > label.length * 7.4 + 20;
  const below = cy - p.top < 30;
  return _el(
    "circle",
    { cx, cy, r: 10, fill: "none", stroke: _INK, "stroke-width": 2.5, class: "chosen" },
    _tip(label),
  ) + _text(room ? cx - 16 : cx + 16, below ? cy + 26 : cy - 14, label, {
    "text-anchor": room ? "end" : "start",
    fill: _INK,
    class: "annotation",
    ...HALO,
  });
}
