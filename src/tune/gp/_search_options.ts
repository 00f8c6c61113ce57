// Reading and checking the options of `bayesianMinimize`.
import {
  describeValue,
  integerArg,
  integerAtLeast,
  nonNegativeNumber,
  optionsArg,
} from "../../args.ts";

/** Options of {@linkcode bayesianMinimize}. */
export interface BayesianMinimizeOptions {
  /** Indices of `space` to evaluate first, in order (e.g. the optimizer's prediction). */
  seedPoints?: readonly number[];
  /**
   * Size of the initial design (seed points included): spread points are added by seeded
   * maximin until it is reached, and never fewer than 2 points are evaluated before the model
   * guides the search. Default 3.
   */
  initial?: number;
  /** Most evaluations of the objective. Default: the smaller of 20 and the size of the space. */
  maxEvaluations?: number;
  /**
   * Stop ("converged") when the largest expected improvement over the candidates not yet
   * evaluated falls below `minImprovement × |best|` in two model rounds in a row (the candidate
   * of the first is still evaluated). Default 0.01; 0 never converges.
   */
  minImprovement?: number;
  /** Seed of the generator that spreads the initial points. Default 1. */
  seed?: number;
  /** Stops the search between evaluations ("aborted"). */
  signal?: AbortSignal;
}

/** The options with their defaults filled in. */
export interface SearchSettings {
  seedPoints: number[];
  initial: number;
  maxEvaluations: number;
  minImprovement: number;
  seed: number;
  signal?: AbortSignal;
}

/** Check `options` against a space of `size` candidates and fill in the defaults. */
export function searchSettings(
  options: BayesianMinimizeOptions | undefined,
  size: number,
): SearchSettings {
  const o = optionsArg("options", options);
  const seeds = o.seedPoints ?? [];
  if (!Array.isArray(seeds)) {
    throw new TypeError(`'seedPoints' must be an array of indices, got ${describeValue(seeds)}`);
  }
  seeds.forEach((s, i) => {
    if (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s >= size) {
      const message = `'seedPoints[${i}]' must be an integer in [0, ${size - 1}], got ${
        describeValue(s)
      }`;
      throw typeof s === "number" ? new RangeError(message) : new TypeError(message);
    }
  });
  const signal = o.signal;
  if (
    signal !== undefined && (typeof signal !== "object" || typeof signal?.aborted !== "boolean")
  ) {
    throw new TypeError(`'signal' must be an AbortSignal, got ${describeValue(signal)}`);
  }
  return {
    seedPoints: [...new Set(seeds)],
    initial: integerAtLeast("initial", o.initial ?? 3, 0),
    maxEvaluations: integerAtLeast("maxEvaluations", o.maxEvaluations ?? Math.min(size, 20), 1),
    minImprovement: nonNegativeNumber("minImprovement", o.minImprovement ?? 0.01),
    seed: integerArg("seed", o.seed ?? 1),
    signal,
  };
}
