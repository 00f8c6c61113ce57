/**
 * The chunk-size chart: predicted speedup over the plain loop against the chunk size (a log
 * scale), one line per worker count, measured points, and the choice marked. The report draws it
 * instead of the worker-count chart when there are few worker counts (on 2 cores that chart has
 * two x-values and its lines lie on top of each other).
 *
 * @module
 */
import { drawAxes, plainLoopLine, type Plot } from "./_axes.ts";
import { measuredMark } from "./_speedup_marks.ts";
import { diamondMark, drawLegend, type LegendItem, lineSwatch } from "./_legend.ts";
import { formatMs, formatTick, formatTimes } from "./_format.ts";
import { CARD, INK, MUTED, SERIES } from "./_palette.ts";
import { speedupData, type SpeedupPoint } from "./_speedup_data.ts";
import { el, niceTicks, num, scale, svgDocument, svgText, svgTooltip } from "./_svg.ts";
import type { MeasuredPoint, ReportOptimization } from "./report_input.ts";

const WIDTH = 780;
const HEIGHT = 450;
const PLOT: Plot = { left: 72, top: 28, width: 478, height: 340 };

/** At most this many worker counts: the report then draws this chart (see the module doc). */
export const FEW_WORKER_COUNTS = 3;

/** Chunk sizes to label on a log axis: every size when few, else powers of 2 in the range. */
function chunkTicks(sizes: number[]): number[] {
  if (sizes.length <= 8) return sizes;
  const lo = Math.min(...sizes);
  const hi = Math.max(...sizes);
  const out: number[] = [];
  const step = Math.max(1, Math.ceil(Math.log2(hi / lo) / 8));
  for (let e = Math.ceil(Math.log2(lo)); 2 ** e <= hi; e += step) out.push(2 ** e);
  return out;
}

/**
 * Draw the chunk-size chart of an optimization as an accessible SVG (`role="img"`, `<title>`,
 * `<desc>`), or return `undefined` when the optimization predicted no worker configuration.
 *
 * @param opt The optimization (an `OptimizationResult` or its JSON).
 * @param options `measured` points, and `measuredSerialMs`, the measured plain-loop time that
 * turns their `measuredMs` into speedups (default: the predicted plain-loop time).
 * @returns The SVG markup, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { chunkChart } from "./chunk_chart.ts";
 * import assert from "node:assert/strict";
 *
 * const alt = (workers: number, chunkSize: number, predictedMs: number) =>
 *   ({ executor: "workers" as const, workers, chunkSize, concurrency: 1, predictedMs });
 * const svg = chunkChart({
 *   executor: "workers", workers: 2, chunkSize: 16, predictedSpeedup: 1.8,
 *   predictedMs: { serial: 100, chosen: 55.6 },
 *   profile: { alternatives: [alt(1, 4, 110), alt(1, 16, 104), alt(2, 4, 70), alt(2, 16, 55.6)] },
 * });
 * assert.match(svg ?? "", /^<svg [^>]*role="img"/);
 * assert.match(svg ?? "", /<polyline[^>]*data-workers="2"/);
 * ```
 */
export function chunkChart(
  opt: ReportOptimization,
  options: { measured?: MeasuredPoint[]; measuredSerialMs?: number } = {},
): string | undefined {
  const d = speedupData(opt, options.measured, options.measuredSerialMs);
  if (!d) return undefined;
  const byWorkers = new Map<number, SpeedupPoint[]>();
  for (const ps of d.curves.values()) {
    for (const p of ps) byWorkers.set(p.workers, [...(byWorkers.get(p.workers) ?? []), p]);
  }
  const counts = [...byWorkers.keys()].sort((a, b) => a - b);
  for (const ps of byWorkers.values()) ps.sort((a, b) => a.chunkSize - b.chunkSize);
  const sizes = [...d.curves.keys(), ...d.measured.map((m) => m.chunkSize)];
  const lo = Math.log2(Math.min(...sizes));
  const hi = Math.max(Math.log2(Math.max(...sizes)), lo + 1);
  const bottom = PLOT.top + PLOT.height;
  const inset = 16;
  const lx = scale(lo, hi, PLOT.left + inset, PLOT.left + PLOT.width - inset);
  const x = (chunk: number) => lx(Math.log2(chunk));
  const yTicks = niceTicks(Math.max(d.maxSpeedup, 1.2) * 1.06, 6);
  const y = scale(0, yTicks[yTicks.length - 1], bottom, PLOT.top);
  const colour = (w: number) => SERIES[counts.indexOf(w) % SERIES.length];
  const lines = counts.map((w) => {
    const ps = byWorkers.get(w)!;
    const tip = (p: SpeedupPoint) =>
      svgTooltip(
        `${p.workers} workers × chunks of ${p.chunkSize}: predicted ${formatMs(p.predictedMs)}, ` +
          formatTimes(p.speedup) + (p.rejected ? ` (rejected: ${p.rejected})` : ""),
      );
    return el(
      "g",
      { class: "series", "data-workers": w },
      ps.length < 2 ? "" : el("polyline", {
        points: ps.map((p) => `${num(x(p.chunkSize))},${num(y(p.speedup))}`).join(" "),
        fill: "none",
        stroke: colour(w),
        "stroke-width": 2.2,
        "stroke-linejoin": "round",
        class: "curve",
        "data-workers": w,
      }),
      ...ps.map((p) =>
        el("circle", {
          cx: x(p.chunkSize),
          cy: y(p.speedup),
          r: 3.5,
          fill: colour(w),
          stroke: CARD,
          "stroke-width": 1,
          "data-chunk": p.chunkSize,
        }, tip(p))
      ),
    );
  });
  const measured = d.measured.map((m) => measuredMark(x(m.chunkSize), y(m.speedup), m));
  const chosen = opt.executor === "workers"
    ? (() => {
      const cx = x(opt.chunkSize);
      const cy = y(opt.predictedSpeedup);
      const label = `chosen: ${opt.workers} workers × ${opt.chunkSize} → ` +
        formatTimes(opt.predictedSpeedup);
      const room = cx - PLOT.left > label.length * 7.4 + 20;
      return el(
        "circle",
        { cx, cy, r: 10, fill: "none", stroke: INK, "stroke-width": 2.5, class: "chosen" },
        svgTooltip(label),
      ) + svgText(room ? cx - 16 : cx + 16, cy - 14, label, {
        "text-anchor": room ? "end" : "start",
        fill: INK,
        class: "annotation",
      });
    })()
    : svgText(
      PLOT.left + 8,
      y(opt.executor === "async" ? opt.predictedSpeedup : 1) - 8,
      opt.executor === "async"
        ? `chosen: async, ${opt.concurrency ?? "?"} calls in flight → ` +
          formatTimes(opt.predictedSpeedup)
        : "chosen: the plain loop (1×)",
      { fill: INK, class: "annotation chosen" },
    );
  const items: LegendItem[] = counts.map((w) => ({
    swatch: lineSwatch(colour(w), 2.5),
    label: opt.executor === "workers" && w === opt.workers ? `${w} (chosen)` : String(w),
    bold: opt.executor === "workers" && w === opt.workers,
  }));
  const keys: LegendItem[] = [{ swatch: lineSwatch(MUTED, 1.2, "7 4"), label: "plain loop (1×)" }];
  if (d.measured.length > 0) {
    keys.push({ swatch: el("path", { ...diamondMark(12, 6, 6), fill: INK }), label: "measured" });
  }
  const legendX = PLOT.left + PLOT.width + 28;
  const body = [
    drawAxes(PLOT, {
      x: chunkTicks([...new Set(sizes)].sort((a, b) => a - b)).map((c) => ({
        at: x(c),
        label: String(c),
      })),
      y: yTicks.map((s) => ({ at: y(s), label: `${formatTick(s)}×` })),
      xTitle: "Chunk size (items per message, log scale)",
      yTitle: "Predicted speedup over the plain loop (×)",
      xGrid: true,
    }),
    plainLoopLine(PLOT, y(1)),
    ...lines,
    ...measured,
    chosen,
    drawLegend(legendX, PLOT.top + 6, items, "Workers"),
    drawLegend(legendX, PLOT.top + 38 + items.length * 20, keys),
  ];
  const desc = `Predicted speedup over the plain loop (${d.serialMs.toFixed(1)} ms) for ` +
    `${d.curves.size} chunk sizes, one line per worker count (${counts.join(", ")}).` +
    (opt.executor === "workers"
      ? ` The chosen configuration is ${opt.workers} workers with chunks of ${opt.chunkSize}, ` +
        `predicted ${formatTimes(opt.predictedSpeedup)}.`
      : ` The choice is ${opt.executor === "async" ? "async" : "the plain loop"}.`);
  return svgDocument("amorsize-chunks", { width: WIDTH, height: HEIGHT }, {
    title: "Predicted speedup by chunk size and worker count",
    desc,
  }, body.join(""));
}

/**
 * Whether the report shows the chunk-size chart: the optimization predicted worker
 * configurations for at most {@linkcode FEW_WORKER_COUNTS} worker counts.
 *
 * @param opt The optimization.
 * @returns `true` for the chunk-size chart, `false` for the worker-count chart.
 *
 * @example Usage
 * ```ts
 * import { fewWorkerCounts } from "./chunk_chart.ts";
 * import assert from "node:assert/strict";
 *
 * const alt = (workers: number) =>
 *   ({ executor: "workers" as const, workers, chunkSize: 8, concurrency: 1, predictedMs: 50 });
 * const opt = (n: number) => ({
 *   executor: "workers" as const, workers: 2, chunkSize: 8, predictedSpeedup: 2,
 *   predictedMs: { serial: 100, chosen: 50 },
 *   profile: { alternatives: Array.from({ length: n }, (_, i) => alt(i + 1)) },
 * });
 * assert.equal(fewWorkerCounts(opt(2)), true);
 * assert.equal(fewWorkerCounts(opt(8)), false);
 * ```
 */
export function fewWorkerCounts(opt: ReportOptimization): boolean {
  const counts = new Set(
    opt.profile.alternatives.filter((a) => a.executor === "workers").map((a) => a.workers),
  );
  return counts.size > 0 && counts.size <= FEW_WORKER_COUNTS;
}
