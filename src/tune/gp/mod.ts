/**
 * The Gaussian-process maths of `tune`'s Bayesian search: the regressor (kernels, Cholesky
 * solves, hyperparameter selection), expected improvement, a space-filling initial design and
 * the minimiser over a finite set of candidate points. What the rest of src/ uses of it.
 * Files of this folder whose name starts with `_` are private to it: import them from here.
 *
 * @module
 */
export { bayesianMinimize } from "./bayesian_search.ts";
