// Number and text formatting of the report: fixed precision, so that output is deterministic.

/** Milliseconds: `"1012 ms"`, `"37.4 ms"`, `"0.12 ms"`; `"n/a"` for a missing or odd figure. */
export function formatMs(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  return `${a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2)} ms`;
}

/** A speedup: `"3.94×"`. */
export function formatTimes(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "n/a" : `${x.toFixed(2)}×`;
}

/**
 * A speedup, `"3.94×"`, of a time `baseMs` against `ms`: `"n/a"` where either is missing (a JSON
 * copy of an optimization carries a time it did not predict as null, which divides as 0).
 */
export function formatSpeedup(
  baseMs: number | null | undefined,
  ms: number | null | undefined,
): string {
  return typeof baseMs === "number" && typeof ms === "number" ? formatTimes(baseMs / ms) : "n/a";
}

/** Bytes in 1024-based units: `"8.0 GiB"`; `none` for `null`. */
export function formatBytes(n: number | null | undefined, none: string): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return none;
  const units: [string, number][] = [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]];
  for (const [unit, size] of units) if (n >= size) return `${(n / size).toFixed(1)} ${unit}`;
  return `${n} B`;
}

/** A tick value: integers plain, others with up to 2 decimals. */
export function formatTick(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Math.round(x * 100) / 100);
}
