/**
 * A small Gaussian process regressor for Bayesian tuning: Matérn 5/2 (or RBF) kernel with one
 * length scale, observations normalised (mean 0, standard deviation 1), a nugget for noisy
 * measurements, and the length scale (grid 0.05..2) and nugget (grid 1e-6..0.1) chosen by
 * maximising the log marginal likelihood plus weak priors (see `_gp_select.ts`). The signal
 * variance is profiled out (its maximum-likelihood value).
 *
 * @module
 */
import { describeValue, nonNegativeNumber, oneOf, optionsArg, positiveNumber } from "../../args.ts";
import { solveLower } from "./_cholesky.ts";
import { type Model, selectModel } from "./_gp_select.ts";
import { kernelFunction, type KernelName, scaledDistance } from "./_kernel.ts";
import { coordinates, pointsArg } from "./_validate.ts";

export type { KernelName } from "./_kernel.ts";

/** Options of a {@linkcode GaussianProcess}; what is left out is chosen by likelihood. */
export interface GaussianProcessOptions {
  /** Correlation kernel: `"matern52"` (default) or `"rbf"`. */
  kernel?: KernelName;
  /** Observation-noise variance as a fraction of the signal variance (the nugget). */
  noise?: number;
  /** Length scale of the kernel, in the units of the (normalised) inputs. */
  lengthScale?: number;
}

/** The predicted mean and standard deviation of the function at one point. */
export interface Prediction {
  mean: number;
  std: number;
}

interface Fitted extends Model {
  x: Float64Array;
  n: number;
  d: number;
  yMean: number;
  yStd: number;
}

/**
 * Gaussian process regression over points of a d-dimensional space (inputs best normalised to
 * [0, 1]). Call {@linkcode GaussianProcess.fit} then {@linkcode GaussianProcess.predict}.
 *
 * @example Interpolate three observations
 * ```ts
 * import { GaussianProcess } from "./gaussian_process.ts";
 * import assert from "node:assert/strict";
 *
 * const gp = new GaussianProcess().fit([[0], [0.5], [1]], [1, 0, 1]);
 * const at = gp.predict([0.5]);
 * assert.ok(Math.abs(at.mean) < 1e-2 && at.std < 1e-2);
 * assert.ok(gp.predict([0.25]).std > at.std);
 * ```
 */
export class GaussianProcess {
  readonly kernel: KernelName;
  #noise?: number;
  #lengthScale?: number;
  #fitted?: Fitted;

  /** A regressor with the given options (kernel, fixed nugget, fixed length scale). */
  constructor(options?: GaussianProcessOptions) {
    const o = optionsArg("options", options);
    if (o.kernel !== undefined) oneOf("kernel", o.kernel, ["matern52", "rbf"]);
    this.kernel = o.kernel ?? "matern52";
    if (o.noise !== undefined) this.#noise = nonNegativeNumber("noise", o.noise);
    if (o.lengthScale !== undefined) {
      this.#lengthScale = positiveNumber("lengthScale", o.lengthScale);
    }
  }

  /** Length scale, nugget and log marginal likelihood (of the normalised data) of the last fit. */
  get hyperparameters(): { lengthScale: number; noise: number; logMarginalLikelihood: number } {
    const f = this.#require();
    return { lengthScale: f.lengthScale, noise: f.noise, logMarginalLikelihood: f.lml };
  }

  /** Fit to observations `y` at points `x` (one row per point); returns `this`. */
  fit(x: readonly (readonly number[])[], y: readonly number[]): this {
    const d = pointsArg("x", x, false);
    const n = x.length;
    if (!Array.isArray(y) || y.length !== n) {
      throw new TypeError(`'y' must be an array of ${n} numbers like 'x', got ${describeValue(y)}`);
    }
    coordinates("y", y, false);
    const yMean = y.reduce((s, v) => s + v, 0) / n;
    const spread = Math.sqrt(y.reduce((s, v) => s + (v - yMean) ** 2, 0) / n);
    const yStd = spread > 0 ? spread : 1;
    const z = y.map((v) => (v - yMean) / yStd);
    const flat = new Float64Array(x.flat());
    const fixed = { lengthScale: this.#lengthScale, noise: this.#noise };
    const best = selectModel(flat, d, z, this.kernel, fixed);
    if (!best) throw new Error("GaussianProcess.fit(): the kernel matrix could not be factorised");
    this.#fitted = { ...best, x: flat, n, d, yMean, yStd };
    return this;
  }

  /** Predicted mean and standard deviation (of the function, without noise) at point `x`. */
  predict(x: readonly number[]): Prediction {
    const f = this.#require();
    if (!Array.isArray(x) || x.length !== f.d) {
      throw new TypeError(`'x' must be an array of ${f.d} numbers, got ${describeValue(x)}`);
    }
    coordinates("x", x, false);
    const k = kernelFunction(this.kernel);
    const r = new Float64Array(f.n);
    let m = 0;
    for (let i = 0; i < f.n; i++) {
      r[i] = k(scaledDistance(f.x, i, x, f.d), f.lengthScale);
      m += r[i] * f.alpha[i];
    }
    const v = solveLower(f.l, f.n, r);
    let explained = 0;
    for (let i = 0; i < f.n; i++) explained += v[i] * v[i];
    const variance = f.variance * Math.max(0, 1 - explained);
    return { mean: f.yMean + f.yStd * m, std: f.yStd * Math.sqrt(variance) };
  }

  #require(): Fitted {
    if (!this.#fitted) throw new Error("GaussianProcess: call fit() before predict()");
    return this.#fitted;
  }
}
