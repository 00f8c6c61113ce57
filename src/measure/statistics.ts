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

/**
 * The times of calls in the order they ran, less those that were still warming up: a leading
 * stretch (the first half, else quarter, eighth…, of `WARM_LEAST` calls or more) `WARM_FALL`×
 * slower than the calls after it, by its median and by its mean alike, is left out, and the rest
 * looked at again. A library's code is compiled as it is called: the 5th to 50th calls of an XML
 * parser took 1–3 ms, the 500th 0.2 ms, on Node, Bun and Deno alike; a sample of 13 markdown
 * renders in a fresh worker read a mean of 0.98 ms and a spread (CV 1.43) that identical items do
 * not have, and the model charged the workers 32 ms of imbalance for it. Times that vary of their
 * own (heavy-tailed items, spread over the data) differ by their mean between stretches, seldom
 * by their median as well.
 *
 * @param times The calls' times, in the order they ran.
 * @returns The times from the first warm call on (`times` itself where none was warming up).
 *
 * @example Usage
 * ```ts
 * import { warmedUp } from "./statistics.ts";
 * import assert from "node:assert/strict";
 *
 * // Compiled after the first calls: the warm pace follows.
 * const warming = [3, 2.5, 2.8, 1.9, 2.2, 0.4, 0.3, 0.2, 0.2, 0.2, 0.2, 0.21, 0.2, 0.19, 0.2, 0.2];
 * assert.deepEqual(warmedUp(warming), warming.slice(8));
 * // A short cold start before many warm calls: its eighth is left out (a few warm calls too).
 * const long = [3, 2, 2.5, 2, ...new Array(28).fill(0.2)];
 * assert.deepEqual(warmedUp(long), long.slice(8));
 * // A heavy item among the earlier ones is no warm-up: their median did not fall.
 * const heavy = [0.2, 9, 0.21, 0.2, 0.19, 0.2, 0.22, 0.2];
 * assert.equal(warmedUp(heavy), heavy);
 * ```
 */
export function warmedUp(times: number[]): number[] {
  for (let k = times.length >> 1; k >= WARM_LEAST; k >>= 1) {
    const earlier = summarize(times.slice(0, k)), later = summarize(times.slice(k));
    if (earlier.median > WARM_FALL * later.median && earlier.mean > WARM_FALL * later.mean) {
      return warmedUp(times.slice(k));
    }
  }
  return times;
}

/** How much slower a leading stretch of calls is, by median and mean, to count as warming up. */
const WARM_FALL = 2;
/** The fewest calls of a leading stretch that `warmedUp` leaves out. */
const WARM_LEAST = 4;
