// Legends of the report's charts: a column of swatches with labels, and the swatch shapes.
import { _INK } from "./_palette.ts";
import { _el, _num, _text } from "./_svg.ts";

/** One legend row: a swatch drawn in a 24 × 12 box at the origin, and its label. */
export interface _LegendItem {
  swatch: string;
  label: string;
  bold?: boolean;
}

/** A legend column at (x, y), with an optional heading; rows 20 units apart. */
export function _legend(x: number, y: number, items: _LegendItem[], heading?: string): string {
  const rows: string[] = [];
  let dy = 0;
  if (heading) {
    rows.push(_text(0, 0, heading, { fill: _INK, class: "legend-heading" }));
    dy = 20;
  }
  for (const item of items) {
    rows.push(
      _el(
        "g",
        { transform: `translate(0 ${dy - 10})` },
        item.swatch,
        _text(32, 10, item.label, { fill: _INK, class: item.bold ? "legend strong" : "legend" }),
      ),
    );
    dy += 20;
  }
  return _el("g", { class: "legend", transform: `translate(${x} ${y})` }, ...rows);
}

/** A line swatch (optionally dashed or thick). */
export function _lineSwatch(color: string, width = 2, dash?: string): string {
  return _el("line", {
    x1: 0,
    x2: 24,
    y1: 6,
    y2: 6,
    stroke: color,
    "stroke-width": width,
    "stroke-dasharray": dash,
    "stroke-linecap": "round",
  });
}

/** A filled box swatch. */
export function _boxSwatch(color: string): string {
  return _el("rect", { x: 4, y: 0, width: 16, height: 12, fill: color, rx: 2 });
}

/** A diamond marker centred at (x, y) with half-diagonal `r`. */
export function _diamond(x: number, y: number, r: number, attrs: Record<string, string> = {}) {
  const d = `M${_num(x)} ${_num(y - r)}L${_num(x + r)} ${_num(y)}L${_num(x)} ${_num(y + r)}L${
    _num(x - r)
  } ${_num(y)}Z`;
  return { d, ...attrs };
}

/** A cross (×) path centred at (x, y) with arm `r`. */
export function _cross(x: number, y: number, r: number): string {
  return `M${_num(x - r)} ${_num(y - r)}L${_num(x + r)} ${_num(y + r)}M${_num(x - r)} ${
    _num(y + r)
  }L${_num(x + r)} ${_num(y - r)}`;
}
