// Colours of the report and the contrast check behind them. Every colour used for text reaches a
// contrast of at least 4.5:1 on both backgrounds (WCAG AA for normal text); the report tests
// check it.

/** Backgrounds: the page and the cards. */
export const PAGE = "#f3f4f6";
export const CARD = "#ffffff";
/** Text: body text and secondary text. */
export const INK = "#1f2328";
export const MUTED = "#4b5563";
/** Grid lines and the faint curves of other candidates (graphics, never text). */
export const GRID = "#dde1e6";
export const FAINT = "#aab1ba";
/** Regressions and failures. */
export const ALERT = "#b42318";

/** Series colours (also used as label colours): dark enough for text on white. */
export const SERIES = [
  "#1d5fa8", // blue
  "#b54708", // orange
  "#067647", // green
  "#6941c6", // violet
  "#a11043", // crimson
  "#0e7090", // teal
  "#6f5a00", // olive
  "#475467", // slate
] as const;

/** Parts of the predicted wall time (stacked bar). */
export const PARTS = {
  start: "#6941c6",
  dispatch: "#b54708",
  compute: "#1d5fa8",
  serial: "#0e7090",
  imbalance: "#a11043",
  plain: "#667085",
} as const;

function _luminance(hex: string): number {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new RangeError(`'color' must be a #rrggbb colour, got ${JSON.stringify(hex)}`);
  const channel = (i: number) => {
    const c = parseInt(m[1].slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
}

/** WCAG contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [_luminance(a), _luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
