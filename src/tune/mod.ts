/**
 * Tuning on real runs: grid and Bayesian search. What the rest of src/ uses of it.
 * Files of this folder whose name starts with `_` are private to it: import them from here.
 *
 * @module
 */
export { tune } from "./tune.ts";
export type { TuneResult } from "./tune.ts";
