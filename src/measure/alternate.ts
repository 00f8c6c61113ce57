/**
 * Timing runs against each other on a noisy machine: alternate them (A B, then B A, …) so that
 * drift and neighbours hit all alike, keep every time, and summarise with medians and the
 * relative spread. One helper for the suite (inline against the recommendation) and validation
 * (several configurations under a time budget).
 *
 * @module
 */
import { median } from "./statistics.ts";

/**
 * Run `count` runs once per round for `rounds` rounds, the order reversed every other round
 * (0 1 2, 2 1 0, 0 1 2, …). `run(k, round)` runs (and times) run `k`; it returns `false` to stop
 * the measuring there. `beforeRound(round)` may stop it before a round starts.
 *
 * @returns The round the measuring stopped in (`rounds` when every round ran).
 *
 * @example Usage
 * ```ts
 * import { alternate } from "./alternate.ts";
 * import assert from "node:assert/strict";
 *
 * const order: number[] = [];
 * await alternate(2, 2, async (k) => (order.push(k), true));
 * assert.deepEqual(order, [0, 1, 1, 0]);
 * ```
 */
export async function alternate(
  count: number,
  rounds: number,
  run: (k: number, round: number) => Promise<boolean>,
  beforeRound?: (round: number) => boolean,
): Promise<number> {
  let round = 0;
  rounds: for (; round < rounds; round++) {
    if (beforeRound && !beforeRound(round)) break;
    const order = Array.from({ length: count }, (_, k) => k);
    if (round % 2 === 1) order.reverse();
    for (const k of order) if (!(await run(k, round))) break rounds;
  }
  return round;
}

/** The times of two runs, in milliseconds, in the order they were taken. */
export interface Paired {
  a: number[];
  b: number[];
}

/**
 * Time `a` and `b` `repeats` times each, alternating the order (A B, B A, A B, ...).
 *
 * @param now The clock (milliseconds); injected by tests.
 *
 * @example Usage
 * ```ts
 * import { alternateRuns } from "./alternate.ts";
 * import assert from "node:assert/strict";
 *
 * let clock = 0;
 * const p = await alternateRuns(async () => clock += 2, async () => clock += 1, 2, () => clock);
 * assert.deepEqual(p, { a: [2, 2], b: [1, 1] });
 * ```
 */
export async function alternateRuns(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  repeats: number,
  now: () => number,
): Promise<Paired> {
  const out: Paired = { a: [], b: [] };
  const runs = [[a, out.a], [b, out.b]] as const;
  await alternate(2, repeats, async (k) => {
    const [fn, times] = runs[k];
    const t0 = now();
    await fn();
    times.push(now() - t0);
    return true;
  });
  return out;
}

/**
 * `(max − min) / median` of `values`: 0 for one value, NaN-free for positive values.
 *
 * @example Usage
 * ```ts
 * import { relativeSpread } from "./alternate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(relativeSpread([9, 10, 12]), 0.3);
 * ```
 */
export function relativeSpread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = median(values);
  if (!(m > 0)) return 0;
  return (Math.max(...values) - Math.min(...values)) / m;
}

/**
 * Per-repeat ratios `a[i] / b[i]` (the speedup of each pair).
 *
 * @example Usage
 * ```ts
 * import { pairedRatios } from "./alternate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(pairedRatios({ a: [4, 6], b: [2, 3] }), [2, 2]);
 * ```
 */
export function pairedRatios(p: Paired): number[] {
  return p.a.map((t, i) => (p.b[i] > 0 ? t / p.b[i] : 0));
}
