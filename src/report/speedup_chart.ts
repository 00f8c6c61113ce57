/**
 * The speedup chart: predicted speedup over the plain loop against the worker count, one curve
 * per candidate chunk size, the best per worker count, measured points, and the choice marked.
 *
 * @module
 */
import { drawAxes, type Plot } from "./_axes.ts";
import { speedupCurves } from "./_speedup_curves.ts";
import { type SpeedupData, speedupData } from "./_speedup_data.ts";
import { formatTick, formatTimes } from "./_format.ts";
import { MUTED } from "./_palette.ts";
import { intTicks, niceTicks, scale, svgDocument, svgText } from "./_svg.ts";
import type { MeasuredPoint, ReportOptimization } from "./report_input.ts";

const WIDTH = 780;
const HEIGHT = 450;
const PLOT: Plot = { left: 72, top: 28, width: 478, height: 340 };

function describe(d: SpeedupData, opt: ReportOptimization): string {
  const best = d.best.reduce((a, b) => (b.speedup > a.speedup ? b : a));
  const chosen = opt.executor === "workers"
    ? `The chosen configuration is ${opt.workers} workers with chunks of ${opt.chunkSize}, ` +
      `predicted ${formatTimes(opt.predictedSpeedup)}.`
    : opt.executor === "async"
    ? `The chosen executor is async, predicted ${formatTimes(opt.predictedSpeedup)}.`
    : `The choice is the plain loop: the best worker configuration (${best.workers} workers, ` +
      `chunks of ${best.chunkSize}) is predicted only ${formatTimes(best.speedup)}.`;
  const measured = d.measured.length === 0 ? "" : ` ${d.measured.length} measured point(s): ` +
    d.measured.map((m) => `${m.workers} workers × ${m.chunkSize} at ${formatTimes(m.speedup)}`)
      .join(", ") +
    ".";
  return `Predicted speedup over the plain loop (${d.serialMs.toFixed(1)} ms) for 1 to ` +
    `${d.maxWorkers} workers and ${d.curves.size} chunk sizes. ${chosen}${measured}`;
}

/**
 * Draw the speedup chart of an optimization as an accessible SVG (`role="img"`, `<title>`,
 * `<desc>`), or return `undefined` when the optimization predicted no worker configuration.
 *
 * @param opt The optimization (an `OptimizationResult` or its JSON).
 * @param options `measured` points, and `measuredSerialMs`, the measured plain-loop time that
 * turns their `measuredMs` into speedups (default: the predicted plain-loop time).
 * @returns The SVG markup, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { speedupChart } from "./speedup_chart.ts";
 * import assert from "node:assert/strict";
 *
 * const svg = speedupChart({
 *   executor: "workers", workers: 2, chunkSize: 10, predictedSpeedup: 1.8,
 *   predictedMs: { serial: 100, chosen: 55.6 },
 *   profile: {
 *     alternatives: [
 *       { executor: "workers", workers: 1, chunkSize: 10, concurrency: 1, predictedMs: 104 },
 *       { executor: "workers", workers: 2, chunkSize: 10, concurrency: 1, predictedMs: 55.6 },
 *     ],
 *   },
 * }, { measured: [{ workers: 2, chunkSize: 10, measuredMs: 60 }] });
 * assert.match(svg ?? "", /^<svg [^>]*role="img"/);
 * assert.match(svg ?? "", /<polyline[^>]*data-chunk="10"/);
 * ```
 */
export function speedupChart(
  opt: ReportOptimization,
  options: { measured?: MeasuredPoint[]; measuredSerialMs?: number } = {},
): string | undefined {
  const d = speedupData(opt, options.measured, options.measuredSerialMs);
  if (!d) return undefined;
  const bottom = PLOT.top + PLOT.height;
  const inset = 16;
  const x = scale(1, d.maxWorkers, PLOT.left + inset, PLOT.left + PLOT.width - inset);
  const yTicks = niceTicks(Math.max(d.maxSpeedup, 1.2) * 1.06, 6);
  const y = scale(0, yTicks[yTicks.length - 1], bottom, PLOT.top);
  const axes = drawAxes(PLOT, {
    x: intTicks(1, d.maxWorkers, 12).map((w) => ({ at: x(w), label: String(w) })),
    y: yTicks.map((s) => ({ at: y(s), label: `${formatTick(s)}×` })),
    xTitle: "Workers (count)",
    yTitle: "Predicted speedup over the plain loop (×)",
    xGrid: true,
  });
  const title = "Predicted speedup by worker count and chunk size";
  const body = [
    axes,
    speedupCurves(d, opt, { x, y, plot: PLOT, legendX: PLOT.left + PLOT.width + 28 }),
    d.measuredAgainstPrediction
      ? svgText(
        PLOT.left,
        HEIGHT - 6,
        "Measured points: speedup against the predicted plain loop.",
        {
          fill: MUTED,
          class: "note",
        },
      )
      : "",
  ];
  return svgDocument("amorsize-speedup", { width: WIDTH, height: HEIGHT }, {
    title,
    desc: describe(d, opt),
  }, body.join(""));
}
