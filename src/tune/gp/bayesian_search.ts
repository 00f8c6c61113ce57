/**
 * Bayesian minimisation of an expensive, possibly noisy objective over a discrete set of
 * candidate points: a spread initial design, then a Gaussian process and expected improvement
 * choose each next candidate. No candidate is evaluated twice.
 *
 * @module
 */
import { describeValue } from "../../args.ts";
import { maximinSpread } from "./_initial_design.ts";
import { modelChoice } from "./_model_choice.ts";
import { mulberry32Random } from "./_random.ts";
import { type BayesianMinimizeOptions, searchSettings } from "./_search_options.ts";
import { pointsArg } from "./_validate.ts";

/** Model rounds in a row that must expect too little improvement before the search stops. */
const PATIENCE = 2;

export type { BayesianMinimizeOptions } from "./_search_options.ts";

/** One evaluation of the objective: the candidate's index in the space and the value measured. */
export interface Evaluation {
  index: number;
  value: number;
}

/** Why the search stopped. */
export type StopReason = "budget" | "converged" | "exhausted" | "aborted";

/** Outcome of {@linkcode bayesianMinimize}. */
export interface BayesianMinimizeResult {
  /** Index of the candidate with the lowest value measured; -1 when none was evaluated. */
  bestIndex: number;
  /** Its value (`Infinity` when nothing was evaluated or every value was non-finite). */
  bestValue: number;
  /** Every evaluation, in the order made. */
  evaluations: Evaluation[];
  stoppedBecause: StopReason;
}

/**
 * Minimise `objective` over the candidate points of `space` (each an array of coordinates in
 * [0, 1], all of the same length) with few evaluations. Evaluates `seedPoints`, then spread
 * points up to `initial`, then, guided by a Gaussian process, the candidate of largest expected
 * improvement (margin `0.01 × |best|`), until the budget is spent, the space exhausted, the
 * improvement still expected falls below `minImprovement × |best|` in two model rounds in a
 * row, or `signal` aborts (checked between evaluations).
 * Objective values that are not finite (a failed run) are kept but modelled as worse than the
 * worst finite value. An objective that throws rejects the search.
 *
 * @param objective Measures a candidate; given its point and its index in `space`.
 * @param space The discrete candidates.
 * @param options See {@linkcode BayesianMinimizeOptions}.
 * @returns The best candidate, every evaluation and why the search stopped.
 * @throws {TypeError | RangeError} On a bad argument, naming it.
 *
 * @example Find the bottom of a bowl on an 11 × 11 grid
 * ```ts
 * import { bayesianMinimize } from "./bayesian_search.ts";
 * import assert from "node:assert/strict";
 *
 * const space = Array.from({ length: 121 }, (_, i) => [Math.floor(i / 11) / 10, (i % 11) / 10]);
 * const f = ([x, y]: readonly number[]) => (x - 0.3) ** 2 + (y - 0.7) ** 2;
 * const result = await bayesianMinimize(async (p) => f(p), space, { maxEvaluations: 40, seed: 7 });
 * assert.deepEqual(space[result.bestIndex], [0.3, 0.7]);
 * assert.ok(result.evaluations.length <= 40);
 * ```
 */
export async function bayesianMinimize(
  objective: (point: readonly number[], index: number) => number | Promise<number>,
  space: readonly (readonly number[])[],
  options?: BayesianMinimizeOptions,
): Promise<BayesianMinimizeResult> {
  if (typeof objective !== "function") {
    throw new TypeError(`'objective' must be a function, got ${describeValue(objective)}`);
  }
  pointsArg("space", space, true);
  const s = searchSettings(options, space.length);
  const random = mulberry32Random(s.seed);
  const evaluations: Evaluation[] = [];
  const done = new Set<number>();
  const designSize = Math.max(s.initial, s.seedPoints.length, 2);

  const stopReason = (): StopReason | undefined =>
    done.size >= space.length
      ? "exhausted"
      : done.size >= s.maxEvaluations
      ? "budget"
      : s.signal?.aborted
      ? "aborted"
      : undefined;

  let stopped: StopReason | undefined;
  let quiet = 0; // consecutive model rounds that expected too little improvement
  while (!(stopped = stopReason())) {
    let next = s.seedPoints.find((i) => !done.has(i));
    if (next === undefined && done.size < designSize) {
      next = maximinSpread(space, done, 1, random)[0];
    }
    if (next === undefined) {
      const choice = modelChoice(space, evaluations, done, s.minImprovement);
      quiet = choice.converged ? quiet + 1 : 0;
      next = choice.pick;
      if (quiet >= PATIENCE) {
        stopped = "converged";
        break;
      }
    }
    const value = await objective(space[next], next);
    if (typeof value !== "number") {
      throw new TypeError(`'objective' must return a number, got ${describeValue(value)}`);
    }
    done.add(next);
    evaluations.push({ index: next, value });
  }
  const best = _best(evaluations);
  return {
    bestIndex: best?.index ?? -1,
    bestValue: best?.value ?? Infinity,
    evaluations,
    stoppedBecause: stopped,
  };
}

/** The evaluation of lowest value (NaN ranks as +∞; the first of equals wins). */
function _best(evaluations: Evaluation[]): Evaluation | undefined {
  const rank = (v: number) => (Number.isNaN(v) ? Infinity : v);
  return evaluations.reduce<Evaluation | undefined>(
    (b, e) => (!b || rank(e.value) < rank(b.value) ? e : b),
    undefined,
  );
}
