// Axes of the report's charts: frame, grid lines, tick labels and axis titles with units.
import { GRID, INK, MUTED } from "./_palette.ts";
import { el, svgText } from "./_svg.ts";

/** The plot area of a chart, in SVG units. */
export interface Plot {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A tick: where it sits (SVG units along its axis) and its label. */
export interface Tick {
  at: number;
  label: string;
}

/** The plain-loop reference line (1×) across the plot, at `y`. */
export function plainLoopLine(p: Plot, y: number): string {
  return el("line", {
    x1: p.left,
    x2: p.left + p.width,
    y1: y,
    y2: y,
    stroke: MUTED,
    "stroke-dasharray": "7 4",
    "stroke-width": 1.2,
    class: "reference plain",
  });
}

/** Axes, tick labels and titles; horizontal grid lines at the y ticks (and x ticks if `xGrid`). */
export function drawAxes(
  p: Plot,
  axes: { x: Tick[]; y: Tick[]; xTitle: string; yTitle: string; xGrid?: boolean },
): string {
  const bottom = p.top + p.height;
  const right = p.left + p.width;
  const parts: string[] = [];
  for (const t of axes.y) {
    parts.push(
      el("line", { x1: p.left, x2: right, y1: t.at, y2: t.at, stroke: GRID, class: "grid" }),
      svgText(p.left - 8, t.at + 4, t.label, { "text-anchor": "end", fill: MUTED, class: "tick" }),
    );
  }
  for (const t of axes.x) {
    if (axes.xGrid) {
      parts.push(
        el("line", { x1: t.at, x2: t.at, y1: p.top, y2: bottom, stroke: GRID, class: "grid" }),
      );
    }
    parts.push(
      el("line", { x1: t.at, x2: t.at, y1: bottom, y2: bottom + 5, stroke: INK }),
      svgText(t.at, bottom + 19, t.label, { "text-anchor": "middle", fill: MUTED, class: "tick" }),
    );
  }
  parts.push(
    el("line", { x1: p.left, x2: right, y1: bottom, y2: bottom, stroke: INK }),
    el("line", { x1: p.left, x2: p.left, y1: p.top, y2: bottom, stroke: INK }),
    svgText(p.left + p.width / 2, bottom + 42, axes.xTitle, {
      "text-anchor": "middle",
      fill: INK,
      class: "axis-title",
    }),
  );
  if (axes.yTitle !== "") {
    parts.push(svgText(0, 0, axes.yTitle, {
      transform: `translate(${p.left - 46} ${p.top + p.height / 2}) rotate(-90)`,
      "text-anchor": "middle",
      fill: INK,
      class: "axis-title",
    }));
  }
  return el("g", { class: "axes" }, ...parts);
}
