/**
 * Expected improvement, the acquisition function of Bayesian minimisation.
 *
 * @module
 */
import { invalid, wrongType } from "../../args.ts";
import { normalCdf, normalPdf } from "./_normal.ts";

/**
 * Expected improvement over `best` (for minimisation) of a point whose value is predicted as a
 * normal distribution with `mean` and `std`: `E[max(best − xi − Y, 0)]`, that is
 * `(best − mean − xi)·Φ(z) + std·φ(z)` with `z = (best − mean − xi) / std`. With `std = 0` it is
 * `max(best − mean − xi, 0)`. `xi ≥ 0` asks for a margin, which favours exploration.
 *
 * @param mean Predicted mean at the point.
 * @param std Predicted standard deviation at the point (≥ 0).
 * @param best Best (lowest) value observed so far.
 * @param xi Margin of improvement asked for, in the units of the values (default 0.01).
 * @returns The expected improvement, ≥ 0.
 * @throws {RangeError} When `std` or `xi` is negative or an argument is not finite.
 *
 * @example
 * ```ts
 * import { expectedImprovement } from "./expected_improvement.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(expectedImprovement(2, 0, 1), 0); // certain and worse: nothing to gain
 * assert.equal(expectedImprovement(0.5, 0, 1, 0), 0.5); // certain and better by 0.5
 * // mean = best: std·φ(0) = std / √(2π)
 * assert.ok(Math.abs(expectedImprovement(1, 1, 1, 0) - 0.3989423) < 1e-6);
 * ```
 */
export function expectedImprovement(mean: number, std: number, best: number, xi = 0.01): number {
  check("mean", mean, false);
  check("std", std, true);
  check("best", best, false);
  check("xi", xi, true);
  const gain = best - mean - xi;
  if (std === 0) return Math.max(gain, 0);
  const z = gain / std;
  return Math.max(gain * normalCdf(z) + std * normalPdf(z), 0);
}

function check(name: string, value: number, nonNegative: boolean): void {
  if (typeof value !== "number") wrongType(name, "a number", value);
  if (!Number.isFinite(value) || (nonNegative && value < 0)) {
    invalid(name, nonNegative ? "a non-negative number" : "a finite number", value);
  }
}
