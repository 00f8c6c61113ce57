/**
 * The overhead breakdown of the chosen worker configuration (or of the best one when parallelism
 * was refused) as a stacked bar on a time axis, beside the main thread's serial work and the plain
 * loop.
 *
 * @module
 */
import { drawAxes } from "./_axes.ts";
import { formatMs, formatTick } from "./_format.ts";
import { boxSwatch, drawLegend } from "./_legend.ts";
import { INK, PARTS } from "./_palette.ts";
import { el, niceTicks, scale, svgDocument, svgText, svgTooltip } from "./_svg.ts";
import type { ReportOptimization } from "./report_input.ts";

type Part = { key: keyof typeof PARTS; name: string; from: number; ms: number };

/**
 * The parts of a predicted run, laid out in time: the critical path (worker start, pipeline fill,
 * compute — or the main thread when it bounds the run — and imbalance) sums to the predicted total;
 * the main thread's serial work (cloning, chunk messages) runs alongside the compute.
 */
export function breakdownParts(b: NonNullable<ReportOptimization["profile"]["breakdown"]>) {
  const bound = Math.max(b.computeMs, b.serialMs);
  const fill = Math.min(b.dispatchMs, Math.max(0, b.totalMs - b.startMs - bound - b.imbalanceMs));
  const messages = Math.max(0, b.dispatchMs - fill);
  const clone = Math.max(0, b.serialMs - messages);
  const t0 = b.startMs + fill;
  const path: Part[] = [
    { key: "start", name: "worker start", from: 0, ms: b.startMs },
    { key: "dispatch", name: "pipeline fill", from: b.startMs, ms: fill },
    b.computeMs >= b.serialMs
      ? { key: "compute", name: "compute ÷ workers", from: t0, ms: b.computeMs }
      : { key: "serial", name: "main thread (bound)", from: t0, ms: b.serialMs },
    { key: "imbalance", name: "imbalance", from: t0 + bound, ms: b.imbalanceMs },
  ];
  const main: Part[] = [
    { key: "serial", name: "clone (main thread)", from: t0, ms: clone },
    { key: "dispatch", name: "chunk messages", from: t0 + clone, ms: messages },
  ];
  return { path, main, fill, messages, clone };
}

/**
 * Draw the breakdown of `opt.profile.breakdown` as an accessible SVG, or return `undefined` when
 * the optimization has no breakdown.
 *
 * @param opt The optimization (an `OptimizationResult` or its JSON).
 * @returns The SVG markup, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { breakdownChart } from "./breakdown_chart.ts";
 * import assert from "node:assert/strict";
 *
 * const svg = breakdownChart({
 *   executor: "workers", workers: 2, chunkSize: 16, predictedSpeedup: 1.8,
 *   predictedMs: { serial: 336, chosen: 186 },
 *   profile: {
 *     alternatives: [],
 *     breakdown: {
 *       workers: 2, chunkSize: 16, totalMs: 186, startMs: 10, serialMs: 6.2, computeMs: 170,
 *       imbalanceMs: 5, dispatchMs: 2.9, chunks: 17,
 *     },
 *   },
 * });
 * assert.equal(svg?.match(/class="segment"/g)?.length, 7);
 * ```
 */
export function breakdownChart(opt: ReportOptimization): string | undefined {
  const b = opt.profile.breakdown;
  if (!b || !(b.totalMs > 0) || !Number.isFinite(b.totalMs)) return undefined;
  const { path, main } = breakdownParts(b);
  const serial = Number.isFinite(opt.predictedMs.serial) ? opt.predictedMs.serial : 0;
  const plot = { left: 112, top: 14, width: 300, height: 126 };
  const ticks = niceTicks(Math.max(b.totalMs, serial), 4);
  const x = scale(0, ticks[ticks.length - 1], plot.left, plot.left + plot.width);
  const refused = opt.executor !== "workers";
  const plain: Part[] = serial > 0
    ? [{ key: "plain", name: "plain loop", from: 0, ms: serial }]
    : [];
  const rows: [string, Part[]][] = [
    [refused ? "best workers" : "chosen", path],
    ["main thread", main],
    ["plain loop", plain],
  ];
  const bars = rows.map(([label, parts], i) => {
    const end = parts.length === 0 ? 0 : parts[parts.length - 1].from + parts[parts.length - 1].ms;
    const sum = parts.reduce((t, p) => t + p.ms, 0);
    const yy = plot.top + 8 + i * 40;
    const rects = parts.map((p) =>
      el("rect", {
        x: x(p.from),
        y: yy,
        width: Math.max(0, x(p.from + p.ms) - x(p.from)),
        height: 24,
        fill: PARTS[p.key],
        class: "segment",
        "data-part": p.key,
      }, svgTooltip(`${p.name}: ${formatMs(p.ms)}`))
    );
    return el(
      "g",
      { class: "bar", "data-row": label },
      svgText(plot.left - 10, yy + 16, label, { "text-anchor": "end", fill: INK, class: "label" }),
      ...rects,
      sum > 0 ? svgText(x(end) + 6, yy + 16, formatMs(sum), { fill: INK, class: "value" }) : "",
    );
  });
  const legendParts = [...path, ...main].filter((p, i, all) =>
    all.findIndex((q) => q.name === p.name) === i
  );
  const item = (p: Part) => ({
    swatch: boxSwatch(PARTS[p.key]),
    label: `${p.name} ${formatMs(p.ms)}`,
  });
  const half = Math.ceil(legendParts.length / 2);
  const body = [
    drawAxes(plot, {
      x: ticks.map((t) => ({ at: x(t), label: formatTick(t) })),
      y: [],
      xTitle: "Predicted wall time (ms)",
      yTitle: "",
    }),
    ...bars,
    drawLegend(8, 212, legendParts.slice(0, half).map(item)),
    drawLegend(250, 212, legendParts.slice(half).map(item)),
  ];
  const who = `${b.workers} workers with chunks of ${b.chunkSize}` + (refused ? " (refused)" : "");
  return svgDocument("amorsize-breakdown", { width: 480, height: 290 }, {
    title: `Predicted time of ${who}, part by part`,
    desc: `Predicted ${formatMs(b.totalMs)} against ${formatMs(serial)} for the plain loop: ` +
      path.map((p) => `${p.name} ${formatMs(p.ms)}`).join(", ") + `; alongside, ` +
      main.map((p) => `${p.name} ${formatMs(p.ms)}`).join(", ") + ` (${b.chunks} chunks).`,
  }, body.join(""));
}
