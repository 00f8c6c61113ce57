// SVG and HTML primitives of the report: escaping, elements, numbers, scales and ticks. Every
// function is pure, so the same input always gives the same text.

/** Escape text for an HTML or SVG text node or a quoted attribute value. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Attribute values: `undefined`/`false` leave the attribute out, `true` writes it bare. */
export type Attrs = Record<string, string | number | boolean | undefined>;

/** A number as SVG coordinates want it: at most 2 decimals, no trailing zeros, never `-0`. */
export function num(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? "0" : String(r);
}

function _attrs(attrs: Attrs): string {
  let out = "";
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (v === true) out += ` ${k}`;
    else out += ` ${k}="${typeof v === "number" ? num(v) : esc(v)}"`;
  }
  return out;
}

/** An element with attributes and children (already markup); no children gives `<tag/>`. */
export function el(tag: string, attrs: Attrs = {}, ...children: string[]): string {
  const body = children.join("");
  return body === "" && tag !== "title" && tag !== "desc"
    ? `<${tag}${_attrs(attrs)}/>`
    : `<${tag}${_attrs(attrs)}>${body}</${tag}>`;
}

/** An HTML element (void elements are not used by the report, so every tag is closed). */
export function htmlElement(tag: string, attrs: Attrs = {}, ...children: string[]): string {
  return `<${tag}${_attrs(attrs)}>${children.join("")}</${tag}>`;
}

/** SVG text at (x, y), escaped, with a tooltip-free plain string. */
export function svgText(x: number, y: number, text: string, attrs: Attrs = {}): string {
  return el("text", { x, y, ...attrs }, esc(text));
}

/** A tooltip: an SVG `<title>` child (escaped). */
export function svgTooltip(text: string): string {
  return `<title>${esc(text)}</title>`;
}

/**
 * An accessible SVG: `role="img"`, a `<title>` and a `<desc>` referenced by `aria-labelledby`,
 * scaled to its container through `viewBox`.
 */
export function svgDocument(
  id: string,
  size: { width: number; height: number },
  label: { title: string; desc: string },
  body: string,
): string {
  return el(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      id,
      viewBox: `0 0 ${size.width} ${size.height}`,
      width: "100%",
      role: "img",
      "aria-labelledby": `${id}-title ${id}-desc`,
      class: "chart",
    },
    el("title", { id: `${id}-title` }, esc(label.title)),
    el("desc", { id: `${id}-desc` }, esc(label.desc)),
    body,
  );
}

/** A linear map from the domain [d0, d1] to the range [r0, r1] (a flat domain maps to the middle). */
export function scale(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (x) => r0 + ((x - d0) / (d1 - d0)) * (r1 - r0);
}

/** Ticks from 0 to a "nice" top ≥ `max` (steps of 1, 2 or 5 × 10^k), about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  const top = max > 0 && Number.isFinite(max) ? max : 1;
  const mag = 10 ** Math.floor(Math.log10(top / count));
  const step =
    [1, 2, 2.5, 5, 10, 20].map((f) => f * mag).find((s) =>
      Math.ceil(top / s - 1e-9) <= count + 1
    ) ?? 20 * mag;
  const ticks: number[] = [];
  for (let i = 0; i * step < top + step * 1e-9; i++) ticks.push(Math.round(i * step * 1e9) / 1e9);
  if (ticks[ticks.length - 1] < top - step * 1e-9) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

/** Integer ticks from `lo` to `hi`, at most about `count` of them (step 1, 2, 4, 5, 10, …). */
export function intTicks(lo: number, hi: number, count = 10): number[] {
  const span = Math.max(1, hi - lo);
  const step = [1, 2, 4, 5, 10, 20, 25, 50, 100, 200, 500, 1000].find((s) => span / s <= count) ??
    Math.ceil(span / count);
  // `lo`, then the multiples of the step (one too close to `lo` is left out).
  const ticks: number[] = [lo];
  for (let t = (Math.floor(lo / step) + 1) * step; t <= hi; t += step) {
    if (t - lo >= step / 2) ticks.push(t);
  }
  return ticks;
}
