/**
 * Small statistics used by the measurements: median, mean, coefficient of variation, spread.
 *
 * @module
 */

/** Summary of a set of measurements. */
export interface Summary {
  /** Number of values. */
  n: number;
  /** Arithmetic mean. */
  mean: number;
  /** Median. */
  median: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Population standard deviation divided by the mean (0 when n ≤ 1 or the mean is 0). */
  cv: number;
}

/**
 * The median of `values` (NaN when empty).
 *
 * @param values The numbers.
 * @returns The median.
 *
 * @example Usage
 * ```ts
 * import { median } from "./statistics.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(median([3, 1, 2]), 2);
 * assert.equal(median([4, 1, 2, 3]), 2.5);
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Summarise `values`: count, mean, median, min, max and CV.
 *
 * @param values The numbers (at least one).
 * @returns The summary.
 * @throws {RangeError} If `values` is empty.
 *
 * @example Usage
 * ```ts
 * import { summarize } from "./statistics.ts";
 * import assert from "node:assert/strict";
 *
 * const s = summarize([1, 1, 1, 1]);
 * assert.equal(s.mean, 1);
 * assert.equal(s.cv, 0);
 * ```
 */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError("'values' must not be empty, got 0 values");
  let sum = 0, min = Infinity, max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / values.length;
  let m2 = 0;
  for (const v of values) m2 += (v - mean) ** 2;
  const sd = Math.sqrt(m2 / values.length);
  return {
    n: values.length,
    mean,
    median: median(values),
    min,
    max,
    cv: values.length > 1 && mean > 0 ? sd / mean : 0,
  };
}
