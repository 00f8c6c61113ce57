/**
 * The suite history chart: each workload's actual speedup over the suite runs, with the
 * regressions marked.
 *
 * @module
 */
import { drawAxes, plainLoopLine } from "./_axes.ts";
import { historyData, type HistoryPoint } from "./_history_data.ts";
import { formatTick, formatTimes } from "./_format.ts";
import { crossMark, drawLegend, type LegendItem, lineSwatch } from "./_legend.ts";
import { ALERT, CARD, SERIES } from "./_palette.ts";
import { el, intTicks, niceTicks, num, scale, svgDocument, svgTooltip } from "./_svg.ts";
import type { SuiteHistoryRun } from "./report_input.ts";

const WIDTH = 1200;
const HEIGHT = 340;
const PLOT = { left: 72, top: 20, width: 880, height: 240 };

function _segments(ps: HistoryPoint[]): HistoryPoint[][] {
  const out: HistoryPoint[][] = [[]];
  for (const p of ps) {
    if (p.speedup === null) out.push([]);
    else out[out.length - 1].push(p);
  }
  return out.filter((s) => s.length > 1);
}

/**
 * Draw the suite history as an accessible SVG: one line per workload (actual speedup against the
 * run), regressions marked with a red cross; `undefined` when there are no runs.
 *
 * @param runs Suite runs, oldest first.
 * @param tolerance A drop larger than this fraction since the previous run is a regression (0.1).
 * @returns The SVG markup, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { historyChart } from "./history_chart.ts";
 * import assert from "node:assert/strict";
 *
 * const svg = historyChart([
 *   { date: "2025-03-10", results: [{ workload: "cpu", actualSpeedup: 3.5, passed: true }] },
 *   { date: "2025-03-11", results: [{ workload: "cpu", actualSpeedup: 2.1, passed: true }] },
 * ]);
 * assert.equal(svg?.match(/class="regression"/g)?.length, 1); // a 40% drop
 * ```
 */
export function historyChart(runs: SuiteHistoryRun[], tolerance = 0.1): string | undefined {
  if (runs.length === 0) return undefined;
  const d = historyData(runs, tolerance);
  const bottom = PLOT.top + PLOT.height;
  const x = scale(0, runs.length - 1, PLOT.left + 24, PLOT.left + PLOT.width - 24);
  const yTicks = niceTicks(Math.max(d.maxSpeedup, 1.2) * 1.08, 5);
  const y = scale(0, yTicks[yTicks.length - 1], bottom, PLOT.top);
  const xTicks = intTicks(0, runs.length - 1, 10);
  const marks = d.series.map((s, i) => {
    const color = SERIES[i % SERIES.length];
    const dash = i >= SERIES.length ? "6 3" : undefined;
    const lines = _segments(s.points).map((seg) =>
      el("polyline", {
        points: seg.map((p) => `${num(x(p.run))},${num(y(p.speedup as number))}`).join(" "),
        fill: "none",
        stroke: color,
        "stroke-width": 2.2,
        "stroke-dasharray": dash,
        "stroke-linejoin": "round",
        class: "history",
      })
    );
    const dots = s.points.filter((p) => p.speedup !== null).map((p) => {
      const cx = x(p.run);
      const cy = y(p.speedup as number);
      const tip = svgTooltip(
        `${s.workload}, ${d.labels[p.run]}: ${formatTimes(p.speedup)}` +
          (p.regression ? ` — regression: ${p.regression}` : ""),
      );
      if (!p.regression) {
        return el(
          "circle",
          { cx, cy, r: 3.5, fill: color, stroke: CARD, "stroke-width": 1 },
          tip,
        );
      }
      return el(
        "g",
        { class: "regression", "data-workload": s.workload, "data-run": p.run },
        el("circle", { cx, cy, r: 8, fill: CARD, stroke: ALERT, "stroke-width": 2 }),
        el("path", { d: crossMark(cx, cy, 4), stroke: ALERT, "stroke-width": 2.5 }),
        tip,
      );
    });
    return el("g", { class: "series", "data-workload": s.workload }, ...lines, ...dots);
  });
  const items: LegendItem[] = d.series.map((s, i) => ({
    swatch: lineSwatch(SERIES[i % SERIES.length], 2.5, i >= SERIES.length ? "6 3" : undefined),
    label: s.workload,
  }));
  const flagged: LegendItem = {
    swatch: el("circle", { cx: 12, cy: 6, r: 6, fill: CARD, stroke: ALERT, "stroke-width": 2 }) +
      el("path", { d: crossMark(12, 6, 3), stroke: ALERT, "stroke-width": 2 }),
    label: "regression",
  };
  const body = [
    drawAxes(PLOT, {
      x: xTicks.map((i) => ({ at: x(i), label: d.labels[i] })),
      y: yTicks.map((s) => ({ at: y(s), label: `${formatTick(s)}×` })),
      xTitle: "Suite run (date)",
      yTitle: "Actual speedup (×)",
    }),
    plainLoopLine(PLOT, y(1)),
    ...marks,
    drawLegend(PLOT.left + PLOT.width + 30, PLOT.top + 6, [...items, flagged], "Workload"),
  ];
  const desc = `Actual speedup of ${d.series.length} workloads over ${runs.length} suite runs ` +
    `(${d.labels[0]} to ${d.labels[d.labels.length - 1]}). ` +
    (d.regressions.length === 0 ? "No regressions." : `${d.regressions.length} regression(s): ` +
      d.regressions.map((r) => `${r.workload} on ${d.labels[r.run]} (${r.why})`).join("; ") + ".");
  return svgDocument("amorsize-history", { width: WIDTH, height: HEIGHT }, {
    title: "Suite history: actual speedup per workload",
    desc,
  }, body.join(""));
}
