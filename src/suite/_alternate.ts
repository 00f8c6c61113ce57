// Timing two runs against each other on a noisy machine: alternate them (A B, then B A, ...) so
// that drift and neighbours hit both alike, keep every time, and summarise with medians and the
// relative spread.
import { median } from "../measure/statistics.ts";

/** The times of the two runs, in milliseconds, in the order they were taken. */
export interface Paired {
  a: number[];
  b: number[];
}

/**
 * Time `a` and `b` `repeats` times each, alternating the order (A B, B A, A B, ...).
 *
 * @param now The clock (milliseconds); injected by tests.
 */
export async function alternateRuns(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  repeats: number,
  now: () => number,
): Promise<Paired> {
  const out: Paired = { a: [], b: [] };
  const runs = [[a, out.a], [b, out.b]] as const;
  for (let r = 0; r < repeats; r++) {
    for (const [fn, times] of r % 2 === 0 ? runs : [runs[1], runs[0]]) {
      const t0 = now();
      await fn();
      times.push(now() - t0);
    }
  }
  return out;
}

/** `(max − min) / median` of `values`: 0 for one value, NaN-free for positive values. */
export function relativeSpread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = median(values);
  if (!(m > 0)) return 0;
  return (Math.max(...values) - Math.min(...values)) / m;
}

/** Per-repeat ratios `a[i] / b[i]` (the speedup of each pair). */
export function pairedRatios(p: Paired): number[] {
  return p.a.map((t, i) => (p.b[i] > 0 ? t / p.b[i] : 0));
}
