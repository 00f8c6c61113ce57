// Reference marks of the speedup chart: the rejected region, the linear-speedup and plain-loop
// lines, and the chosen configuration with its label.
import { plainLoopLine, type Plot } from "./_axes.ts";
import { diamondMark } from "./_legend.ts";
import type { MeasuredSpeedup, SpeedupData } from "./_speedup_data.ts";
import { formatMs, formatTimes } from "./_format.ts";
import { CARD, INK, MUTED, PAGE } from "./_palette.ts";
import { el, num, svgText, svgTooltip } from "./_svg.ts";
import type { ReportOptimization } from "./report_input.ts";

/** Where things go: the scales, the plot area and the legend's left edge. */
export type ChartGeometry = {
  x: (w: number) => number;
  y: (s: number) => number;
  plot: Plot;
  legendX: number;
};

// A white outline behind annotation text, so that it stays readable over the curves.
const HALO = {
  stroke: CARD,
  "stroke-width": 4,
  "paint-order": "stroke",
  "stroke-linejoin": "round",
};

/** Polyline points of (workers, speedup) pairs. */
export const pts = (g: ChartGeometry, ps: { workers: number; speedup: number }[]): string =>
  ps.map((p) => `${num(g.x(p.workers))},${num(g.y(p.speedup))}`).join(" ");

/** The rejected region (beyond a worker cap), the linear-speedup line and the plain-loop line. */
export function references(d: SpeedupData, g: ChartGeometry): string {
  const p = g.plot;
  const right = p.left + p.width;
  const out: string[] = [];
  if (d.cap.reason && d.cap.workers < d.maxWorkers && d.cap.workers >= 1) {
    const x0 = g.x(d.cap.workers + 0.5);
    out.push(
      el("rect", {
        x: x0,
        y: p.top,
        width: right - x0,
        height: p.height,
        fill: PAGE,
        class: "rejected",
      }, svgTooltip(`more than ${d.cap.workers} workers rejected: ${d.cap.reason}`)),
    );
  }
  const lin = [{ workers: 1, speedup: 1 }, { workers: d.maxWorkers, speedup: d.maxWorkers }];
  out.push(
    el("polyline", {
      points: pts(g, lin),
      fill: "none",
      stroke: MUTED,
      "stroke-dasharray": "2 5",
      "stroke-width": 1.5,
      class: "reference linear",
      "clip-path": "url(#amorsize-speedup-clip)",
    }),
    plainLoopLine(p, g.y(1)),
  );
  return out.join("");
}

/** The chosen configuration: ringed and labelled (a line for async). */
export function chosenMark(d: SpeedupData, opt: ReportOptimization, g: ChartGeometry): string {
  const p = g.plot;
  if (opt.executor === "async") {
    const yy = g.y(opt.predictedSpeedup);
    return el("line", {
      x1: p.left,
      x2: p.left + p.width,
      y1: yy,
      y2: yy,
      stroke: INK,
      "stroke-width": 2,
      "stroke-dasharray": "10 4",
      class: "chosen",
    }) + svgText(
      p.left + 8,
      yy - 8,
      `chosen: async, ${opt.concurrency ?? "?"} calls in flight → ` +
        formatTimes(opt.predictedSpeedup),
      { fill: INK, class: "annotation", ...HALO },
    );
  }
  const w = opt.executor === "workers" ? opt.workers : 1;
  const s = opt.executor !== "workers"
    ? 1
    : Number.isFinite(opt.predictedSpeedup)
    ? opt.predictedSpeedup
    : d.serialMs / opt.predictedMs.chosen;
  const label = opt.executor === "workers"
    ? `chosen: ${w} workers × ${opt.chunkSize} → ${formatTimes(s)}`
    : "chosen: the plain loop (1×)";
  const cx = g.x(w);
  const cy = g.y(s);
  const room = cx - p.left > label.length * 7.4 + 20;
  const below = cy - p.top < 30;
  return el(
    "circle",
    { cx, cy, r: 10, fill: "none", stroke: INK, "stroke-width": 2.5, class: "chosen" },
    svgTooltip(label),
  ) + svgText(room ? cx - 16 : cx + 16, below ? cy + 26 : cy - 14, label, {
    "text-anchor": room ? "end" : "start",
    fill: INK,
    class: "annotation",
    ...HALO,
  });
}

/** A measured configuration: a diamond at (`x`, `y`) with its figures as a tooltip. */
export function measuredMark(x: number, y: number, m: MeasuredSpeedup): string {
  return el(
    "path",
    { ...diamondMark(x, y, 7), fill: INK, stroke: CARD, "stroke-width": 1.5, class: "measured" },
    svgTooltip(
      `measured${m.label ? ` (${m.label})` : ""}: ${m.workers} workers × chunks of ` +
        `${m.chunkSize}${m.measuredMs === undefined ? "" : `, ${formatMs(m.measuredMs)}`}, ` +
        formatTimes(m.speedup),
    ),
  );
}
