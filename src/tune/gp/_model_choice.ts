// One model-guided step of Bayesian search: fit a Gaussian process to the evaluations so far and
// pick the unevaluated candidate of largest expected improvement.
import { expectedImprovement } from "./expected_improvement.ts";
import { GaussianProcess } from "./gaussian_process.ts";
import { maximinSpread } from "./_initial_design.ts";

/** One evaluation: the candidate's index and the value measured. */
interface Evaluated {
  index: number;
  value: number;
}

/**
 * The candidate of largest expected improvement (ties: larger std, then lower index), and
 * whether that improvement is below the threshold.
 */
export function modelChoice(
  space: readonly (readonly number[])[],
  evaluations: readonly Evaluated[],
  done: ReadonlySet<number>,
  minImprovement: number,
): { pick: number; converged: boolean } {
  const finite = evaluations.map((e) => e.value).filter(Number.isFinite);
  if (finite.length === 0) {
    return { pick: maximinSpread(space, done, 1, () => 0)[0], converged: false };
  }
  const lo = Math.min(...finite), hi = Math.max(...finite);
  const penalty = hi + Math.max(hi - lo, 0.1 * Math.abs(hi), 1e-12);
  const y = evaluations.map((e) => (Number.isFinite(e.value) ? e.value : penalty));
  const gp = new GaussianProcess().fit(evaluations.map((e) => space[e.index]), y);
  const xi = 0.01 * Math.abs(lo);
  let pick = -1, pickEi = -1, pickStd = -1;
  for (let i = 0; i < space.length; i++) {
    if (done.has(i)) continue;
    const { mean, std } = gp.predict(space[i]);
    const ei = expectedImprovement(mean, std, lo, xi);
    if (ei > pickEi || (ei === pickEi && std > pickStd)) [pick, pickEi, pickStd] = [i, ei, std];
  }
  const threshold = minImprovement * Math.abs(lo);
  const converged = pickEi < threshold || (minImprovement > 0 && pickEi === 0);
  return { pick, converged };
}
