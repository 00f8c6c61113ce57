// The marks of the speedup chart: one curve per chunk size, the best band, the measured points
// and the legend (the reference lines and the choice are in _speedup_marks.ts).
import {
  type ChartGeometry as Geo,
  chosenMark,
  measuredMark,
  pts,
  references,
} from "./_speedup_marks.ts";
import { diamondMark, drawLegend, type LegendItem, lineSwatch } from "./_legend.ts";
import type { SpeedupData, SpeedupPoint } from "./_speedup_data.ts";
import { formatMs, formatTimes } from "./_format.ts";
import { CARD, FAINT, INK, MUTED, PAGE, SERIES } from "./_palette.ts";
import { el, svgTooltip } from "./_svg.ts";
import type { ReportOptimization } from "./report_input.ts";

const _pointTip = (p: SpeedupPoint) =>
  `${p.workers} workers × chunks of ${p.chunkSize}: predicted ${formatMs(p.predictedMs)}, ` +
  `${formatTimes(p.speedup)}${p.rejected ? ` (rejected: ${p.rejected})` : ""}`;

function _curve(g: Geo, c: number, ps: SpeedupPoint[], color: string | undefined): string {
  const faint = color === undefined;
  const stroke = color ?? FAINT;
  const dots = ps.map((p) =>
    el(
      "circle",
      {
        cx: g.x(p.workers),
        cy: g.y(p.speedup),
        r: faint ? 2 : 3.5,
        fill: stroke,
        stroke: faint ? undefined : CARD,
        "stroke-width": faint ? undefined : 1,
      },
      svgTooltip(_pointTip(p)),
    )
  );
  const line = ps.length < 2 ? "" : el("polyline", {
    points: pts(g, ps),
    fill: "none",
    stroke,
    "stroke-width": faint ? 1.2 : 2.2,
    "stroke-linejoin": "round",
    class: faint ? "curve other" : "curve",
    "data-chunk": c,
  });
  return el("g", { class: faint ? "series other" : "series", "data-chunk": c }, line, ...dots);
}

/** Everything inside the speedup chart's plot, and its legend. */
export function speedupCurves(d: SpeedupData, opt: ReportOptimization, g: Geo): string {
  const p = g.plot;
  const colours = new Map([...d.coloured].sort((a, b) => a - b).map((c, i) => [c, SERIES[i]]));
  const others = [...d.curves].filter(([c]) => !colours.has(c));
  const measured = d.measured.map((m) => measuredMark(g.x(m.workers), g.y(m.speedup), m));
  const chosenChunk = opt.executor === "workers" ? opt.chunkSize : undefined;
  const items: LegendItem[] = [...colours].map(([c, color]) => ({
    swatch: lineSwatch(color, 2.5),
    label: c === chosenChunk ? `${c} (chosen)` : String(c),
    bold: c === chosenChunk,
  }));
  if (others.length > 0) {
    items.push({ swatch: lineSwatch(FAINT, 1.5), label: `${others.length} other sizes` });
  }
  const keys: LegendItem[] = [
    { swatch: lineSwatch("#d2d3d4", 10), label: "best at each count" },
    { swatch: lineSwatch(MUTED, 1.5, "2 4"), label: "linear speedup" },
    { swatch: lineSwatch(MUTED, 1.2, "7 4"), label: "plain loop (1×)" },
    {
      swatch: el("circle", { cx: 12, cy: 6, r: 6, fill: "none", stroke: INK, "stroke-width": 2 }),
      label: "chosen",
    },
  ];
  if (d.cap.reason && d.cap.workers < d.maxWorkers) {
    keys.push({
      swatch: el("rect", { x: 2, y: 0, width: 20, height: 12, fill: PAGE, stroke: FAINT }),
      label: `rejected: ${d.cap.reason}`,
    });
  }
  if (d.measured.length > 0) {
    keys.push({ swatch: el("path", { ...diamondMark(12, 6, 6), fill: INK }), label: "measured" });
  }
  return [
    el(
      "clipPath",
      { id: "amorsize-speedup-clip" },
      el("rect", { x: p.left, y: p.top, width: p.width, height: p.height }),
    ),
    references(d, g),
    el("polyline", {
      points: pts(g, d.best),
      fill: "none",
      stroke: INK,
      "stroke-opacity": 0.2,
      "stroke-width": 12,
      "stroke-linejoin": "round",
      "stroke-linecap": "round",
      class: "best",
    }),
    ...others.map(([c, ps]) => _curve(g, c, ps, undefined)),
    ...[...colours].map(([c, color]) => _curve(g, c, d.curves.get(c) ?? [], color)),
    ...measured,
    chosenMark(d, opt, g),
    drawLegend(g.legendX, p.top + 6, items, "Chunk size (items)"),
    drawLegend(g.legendX, p.top + 38 + items.length * 20, keys),
  ].join("");
}
