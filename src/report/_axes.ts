// Axes of the report's charts: frame, grid lines, tick labels and axis titles with units.
import { _GRID, _INK, _MUTED } from "./_palette.ts";
import { _el, _text } from "./_svg.ts";

/** The plot area of a chart, in SVG units. */
export interface _Plot {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A tick: where it sits (SVG units along its axis) and its label. */
export interface _Tick {
  at: number;
  label: string;
}

/** Axes, tick labels and titles; horizontal grid lines at the y ticks (and x ticks if `xGrid`). */
export function _axes(
  p: _Plot,
  axes: { x: _Tick[]; y: _Tick[]; xTitle: string; yTitle: string; xGrid?: boolean },
): string {
  const bottom = p.top + p.height;
  const right = p.left + p.width;
  const parts: string[] = [];
  for (const t of axes.y) {
    parts.push(
      _el("line", { x1: p.left, x2: right, y1: t.at, y2: t.at, stroke: _GRID, class: "grid" }),
      _text(p.left - 8, t.at + 4, t.label, { "text-anchor": "end", fill: _MUTED, class: "tick" }),
    );
  }
  for (const t of axes.x) {
    if (axes.xGrid) {
      parts.push(
        _el("line", { x1: t.at, x2: t.at, y1: p.top, y2: bottom, stroke: _GRID, class: "grid" }),
      );
    }
    parts.push(
      _el("line", { x1: t.at, x2: t.at, y1: bottom, y2: bottom + 5, stroke: _INK }),
      _text(t.at, bottom + 19, t.label, { "text-anchor": "middle", fill: _MUTED, class: "tick" }),
    );
  }
  parts.push(
    _el("line", { x1: p.left, x2: right, y1: bottom, y2: bottom, stroke: _INK }),
    _el("line", { x1: p.left, x2: p.left, y1: p.top, y2: bottom, stroke: _INK }),
    _text(p.left + p.width / 2, bottom + 42, axes.xTitle, {
      "text-anchor": "middle",
      fill: _INK,
      class: "axis-title",
    }),
  );
  if (axes.yTitle !== "") {
    parts.push(_text(0, 0, axes.yTitle, {
      transform: `translate(${p.left - 46} ${p.top + p.height / 2}) rotate(-90)`,
      "text-anchor": "middle",
      fill: _INK,
      class: "axis-title",
    }));
  }
  return _el("g", { class: "axes" }, ...parts);
}
