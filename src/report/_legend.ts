// Legends of the report's charts: a column of swatches with labels, and the swatch shapes.
import { INK } from "./_palette.ts";
import { el, num, svgText } from "./_svg.ts";

/** One legend row: a swatch drawn in a 24 × 12 box at the origin, and its label. */
export interface LegendItem {
  swatch: string;
  label: string;
  bold?: boolean;
}

/** A legend column at (x, y), with an optional heading; rows 20 units apart. */
export function drawLegend(x: number, y: number, items: LegendItem[], heading?: string): string {
  const rows: string[] = [];
  let dy = 0;
  if (heading) {
    rows.push(svgText(0, 0, heading, { fill: INK, class: "legend-heading" }));
    dy = 20;
  }
  for (const item of items) {
    rows.push(
      el(
        "g",
        { transform: `translate(0 ${dy - 10})` },
        item.swatch,
        svgText(32, 10, item.label, { fill: INK, class: item.bold ? "legend strong" : "legend" }),
      ),
    );
    dy += 20;
  }
  return el("g", { class: "legend", transform: `translate(${x} ${y})` }, ...rows);
}

/** A line swatch (optionally dashed or thick). */
export function lineSwatch(color: string, width = 2, dash?: string): string {
  return el("line", {
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
export function boxSwatch(color: string): string {
  return el("rect", { x: 4, y: 0, width: 16, height: 12, fill: color, rx: 2 });
}

/** A diamond marker centred at (x, y) with half-diagonal `r`. */
export function diamondMark(x: number, y: number, r: number, attrs: Record<string, string> = {}) {
  const d = `M${num(x)} ${num(y - r)}L${num(x + r)} ${num(y)}L${num(x)} ${num(y + r)}L${
    num(x - r)
  } ${num(y)}Z`;
  return { d, ...attrs };
}

/** A cross (×) path centred at (x, y) with arm `r`. */
export function crossMark(x: number, y: number, r: number): string {
  return `M${num(x - r)} ${num(y - r)}L${num(x + r)} ${num(y + r)}M${num(x - r)} ${num(y + r)}L${
    num(x + r)
  } ${num(y - r)}`;
}
