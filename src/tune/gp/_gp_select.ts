// Hyperparameter selection of the Gaussian process: length scale and nugget on a small grid,
// by log marginal likelihood (signal variance profiled out) plus weak priors: log-normal on the
// length scale (median 0.3, σ = 0.7 in log space) and a mild preference for small nuggets, so
// that a handful of observations does not read as white noise.
import { choleskySolve, choleskyWithJitter } from "./_cholesky.ts";
import { kernelFunction, type KernelName, scaledDistance } from "./_kernel.ts";

const LENGTH_SCALES = Array.from({ length: 12 }, (_, i) => 0.05 * Math.pow(40, i / 11));
const NOISES = [1e-6, 1e-4, 1e-3, 1e-2, 1e-1];
const LOG_2PI = Math.log(2 * Math.PI);
const lengthPrior = (ell: number) => -0.5 * (Math.log(ell / 0.3) / 0.7) ** 2;
const noisePrior = (noise: number) => -0.1 * Math.log(Math.max(noise, 1e-6) / 1e-6);

/** A fitted model of normalised observations: factor, weights and hyperparameters. */
export interface Model {
  /** Cholesky factor of correlation + nugget (n × n, row-major). */
  l: Float64Array;
  /** `(R + nugget·I)⁻¹ z`. */
  alpha: Float64Array;
  /** Signal variance (maximum-likelihood value) of the normalised observations. */
  variance: number;
  lengthScale: number;
  noise: number;
  /** Log marginal likelihood of the normalised observations. */
  lml: number;
}

/**
 * The best model of normalised observations `z` at the `n` points of `x` (row-major, `d`
 * columns); `lengthScale` and `noise`, when given, are fixed instead of searched.
 */
export function selectModel(
  x: Float64Array,
  d: number,
  z: readonly number[],
  kernel: KernelName,
  fixed: { lengthScale?: number; noise?: number },
): Model | undefined {
  const n = z.length;
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      dist[i * n + j] = scaledDistance(x, i, x.subarray(j * d, j * d + d), d);
    }
  }
  const k = kernelFunction(kernel);
  const corr = new Float64Array(n * n);
  let best: Model | undefined, bestScore = -Infinity;
  for (const lengthScale of fixed.lengthScale !== undefined ? [fixed.lengthScale] : LENGTH_SCALES) {
    for (let i = 0; i < n; i++) {
      corr[i * n + i] = 1;
      for (let j = 0; j < i; j++) corr[i * n + j] = k(dist[i * n + j], lengthScale);
    }
    for (const noise of fixed.noise !== undefined ? [fixed.noise] : NOISES) {
      const model = _fitOne(corr, n, z, lengthScale, noise);
      if (!model) continue;
      const score = model.lml + (fixed.lengthScale !== undefined ? 0 : lengthPrior(lengthScale)) +
        (fixed.noise !== undefined ? 0 : noisePrior(noise));
      if (!best || score > bestScore) [best, bestScore] = [model, score];
    }
  }
  return best;
}

/** Factor, weights, profiled signal variance and log marginal likelihood for one setting. */
function _fitOne(
  corr: Float64Array,
  n: number,
  z: readonly number[],
  lengthScale: number,
  noise: number,
): Model | undefined {
  const chol = choleskyWithJitter(corr, n, noise);
  if (!chol) return undefined;
  const alpha = choleskySolve(chol.l, n, z);
  let quad = 0, logDet = 0;
  for (let i = 0; i < n; i++) {
    quad += z[i] * alpha[i];
    logDet += Math.log(chol.l[i * n + i]);
  }
  const variance = Math.max(quad / n, 1e-300);
  const lml = -0.5 * n * (Math.log(variance) + 1 + LOG_2PI) - logDet;
  return { l: chol.l, alpha, variance, lengthScale, noise, lml };
}
