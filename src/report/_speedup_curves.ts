// The marks of the speedup chart: one curve per chunk size, the best band, the measured points
// and the legend (the reference lines and the choice are in _speedup_marks.ts).
import { _chosen, type _Geo as Geo, _pts, _references } from "./_speedup_marks.ts";
import { _diamond, _legend, type _LegendItem, _lineSwatch } from "./_legend.ts";
import type { _SpeedupData, _SpeedupPoint } from "./_speedup_data.ts";
import { _ms, _times } from "./_format.ts";
import { _CARD, _FAINT, _INK, _MUTED, _PAGE, _SERIES } from "./_palette.ts";
import { _el, _tip } from "./_svg.ts";
import type { ReportOptimization } from "./report_input.ts";

const _pointTip = (p: _SpeedupPoint) =>
  `${p.workers} workers × chunks of ${p.chunkSize}: predicted ${_ms(p.predictedMs)}, ` +
  `${_times(p.speedup)}${p.rejected ? ` (rejected: ${p.rejected})` : ""}`;

function _curve(g: Geo, c: number, ps: _SpeedupPoint[], color: string | undefined): string {
  const faint = color === undefined;
  const stroke = color ?? _FAINT;
  const dots = ps.map((p) =>
    _el(
      "circle",
      {
        cx: g.x(p.workers),
        cy: g.y(p.speedup),
        r: faint ? 2 : 3.5,
        fill: stroke,
        stroke: faint ? undefined : _CARD,
        "stroke-width": faint ? undefined : 1,
      },
      _tip(_pointTip(p)),
    )
  );
  const line = ps.length < 2 ? "" : _el("polyline", {
    points: _pts(g, ps),
    fill: "none",
    stroke,
    "stroke-width": faint ? 1.2 : 2.2,
    "stroke-linejoin": "round",
    class: faint ? "curve other" : "curve",
    "data-chunk": c,
  });
  return _el("g", { class: faint ? "series other" : "series", "data-chunk": c }, line, ...dots);
}

/** Everything inside the speedup chart's plot, and its legend. */
export function _speedupCurves(d: _SpeedupData, opt: ReportOptimization, g: Geo): string {
  const p = g.plot;
  const colours = new Map([...d.coloured].sort((a, b) => a - b).map((c, i) => [c, _SERIES[i]]));
  const others = [...d.curves].filter(([c]) => !colours.has(c));
  const measured = d.measured.map((m) =>
    _el(
      "path",
      {
        ..._diamond(g.x(m.workers), g.y(m.speedup), 7),
        fill: _INK,
        stroke: _CARD,
        "stroke-width": 1.5,
        class: "measured",
      },
      _tip(
        `measured${m.label ? ` (${m.label})` : ""}: ${m.workers} workers × chunks of ` +
          `${m.chunkSize}${m.measuredMs === undefined ? "" : `, ${_ms(m.measuredMs)}`}, ` +
          _times(m.speedup),
      ),
    )
  );
  const chosenChunk = opt.executor === "workers" ? opt.chunkSize : undefined;
  const items: _LegendItem[] = [...colours].map(([c, color]) => ({
    swatch: _lineSwatch(color, 2.5),
    label: c === chosenChunk ? `${c} (chosen)` : String(c),
    bold: c === chosenChunk,
  }));
  if (others.length > 0) {
    items.push({ swatch: _lineSwatch(_FAINT, 1.5), label: `${others.length} other sizes` });
  }
  const keys: _LegendItem[] = [
    { swatch: _lineSwatch("#d2d3d4", 10), label: "best at each count" },
    { swatch: _lineSwatch(_MUTED, 1.5, "2 4"), label: "linear speedup" },
    { swatch: _lineSwatch(_MUTED, 1.2, "7 4"), label: "plain loop (1×)" },
    {
      swatch: _el("circle", { cx: 12, cy: 6, r: 6, fill: "none", stroke: _INK, "stroke-width": 2 }),
      label: "chosen",
    },
  ];
  if (d.cap.reason && d.cap.workers < d.maxWorkers) {
    keys.push({
      swatch: _el("rect", { x: 2, y: 0, width: 20, height: 12, fill: _PAGE, stroke: _FAINT }),
      label: `rejected: ${d.cap.reason}`,
    });
  }
  if (d.measured.length > 0) {
    keys.push({ swatch: _el("path", { ..._diamond(12, 6, 6), fill: _INK }), label: "measured" });
  }
  return [
    _el(
      "clipPath",
      { id: "amorsize-speedup-clip" },
      _el("rect", { x: p.left, y: p.top, width: p.width, height: p.height }),
    ),
    _references(d, g),
    _el("polyline", {
      points: _pts(g, d.best),
      fill: "none",
      stroke: _INK,
      "stroke-opacity": 0.2,
      "stroke-width": 12,
      "stroke-linejoin": "round",
      "stroke-linecap": "round",
      class: "best",
    }),
    ...others.map(([c, ps]) => _curve(g, c, ps, undefined)),
    ...[...colours].map(([c, color]) => _curve(g, c, d.curves.get(c) ?? [], color)),
    ...measured,
    _chosen(d, opt, g),
    _legend(g.legendX, p.top + 6, items, "Chunk size (items)"),
    _legend(g.legendX, p.top + 38 + items.length * 20, keys),
  ].join("");
}
