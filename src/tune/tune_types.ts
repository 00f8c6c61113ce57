// The public types of `tune`: its options, the configurations it measures, and its result.
import type { Executor, Pool, RunConfig } from "../engine/mod.ts";

/** How `tune` searches: every configuration, a Bayesian search, or "auto" (grid when ≤ 12). */
export type TuneStrategy = "grid" | "bayesian" | "auto";

/**
 * One way to run the job, as `execute` is forced to run it (always `adaptive: false`; workers 1
 * and all the items per chunk for inline, workers 0 and chunks of 1 for async).
 */
export type TuneConfig = RunConfig;

/** The search space; what is left out is the optimizer's own space. */
export interface TuneSpace {
  /**
   * Worker counts (default 1 .. the effective cores), each at most the pool's `maxWorkers` (1 024
   * for the shared pool): a larger one is a RangeError.
   */
  workers?: number[];
  /** Chunk sizes for every worker count (default: the optimizer's candidates per worker count). */
  chunkSizes?: number[];
  /** Executors (default `inline` and `workers`, plus `async` for a task that returns Promises). */
  executors?: Executor[];
}

/** Options of `tune`. */
export interface TuneOptions {
  /** `"grid"`, `"bayesian"` or `"auto"` (default: Bayesian when the grid has more than 12). */
  strategy?: TuneStrategy;
  /** Stop starting trials once this much time went by (ms; default: no limit). */
  budgetMs?: number;
  /**
   * Most configurations to measure (default: all of the grid; for Bayesian search 35 % of the
   * space, at least 6).
   */
  maxConfigs?: number;
  /**
   * Time limit of one run of a configuration (ms): a run over it is stopped (busy workers are
   * terminated and replaced) and the configuration counts as failed. Default: 5 × the predicted
   * plain loop, at least 1 s (60 s when nothing predicts it). When given, it also limits each
   * chunk the optimizer samples before the trials: over it, the optimizer makes no pick (a
   * warning says so) and the plain loop fails without running.
   */
  timeoutMs?: number;
  /**
   * Runs per configuration; the median is kept. Default: 2, and more for short runs (up to 7,
   * until 150 ms were measured), so that one slow run of a few milliseconds decides nothing. The
   * three fastest configurations then run twice more, alternating (see `TuneTrial.runs`).
   */
  repeats?: number;
  /** The search space. */
  space?: TuneSpace;
  /** Stops the search: a run under way is aborted and the trials so far are returned. */
  signal?: AbortSignal;
  /** Called after every trial. */
  onProgress?: (progress: TuneProgress) => void;
  /** The pool to run on (default: the shared pool). */
  pool?: Pool;
  /** Seed of the Bayesian search's initial spread (default 1). */
  seed?: number;
}

/** One configuration measured. */
export interface TuneTrial {
  /** The configuration measured. */
  config: TuneConfig;
  /** Median wall time of the runs (ms); `Infinity` when a run failed or ran out of time. */
  medianMs: number;
  /** Fastest and slowest run (ms). */
  spreadMs: [number, number];
  /** The optimizer's model prediction for this configuration (ms; NaN when it has none). */
  predictedMs: number;
  /** Runs measured (the failed one included), confirmation runs included. */
  runs: number;
  /** Why the trial failed. */
  error?: string;
}

/** Progress of `tune`, after every trial. */
export interface TuneProgress {
  /** Trials done. */
  evaluations: number;
  /** Most trials planned. */
  planned: number;
  /** Time since `tune` started (ms). */
  elapsedMs: number;
  /** The trial just done (a copy: confirmation runs may still change the trial itself). */
  trial: TuneTrial;
  /** The best median so far (ms). */
  bestMs: number;
}

/** Why `tune` stopped. */
export type TuneStopReason = "exhausted" | "maxConfigs" | "budget" | "converged" | "aborted";

/** What `tune` found. */
export interface TuneResult {
  /**
   * The fastest configuration measured; where every one failed, the first tried, with a
   * `medianMs` of Infinity (and a warning saying so).
   */
  best: { config: TuneConfig; medianMs: number };
  /** Every trial, in the order run. */
  trials: TuneTrial[];
  /**
   * The optimizer's own pick, measured, and how much slower it ran than the best (%); both NaN
   * when `space.executors` leaves the pick's executor out, or the optimizer made no pick (its
   * sampling ran over `timeoutMs`; `config` is then the plain loop's).
   */
  optimizerPick: { config: TuneConfig; medianMs: number; gapPct: number };
  /** The strategy used ("auto" resolved). */
  strategy: "grid" | "bayesian";
  /** Trials run. */
  evaluations: number;
  /** Configurations in the search space. */
  spaceSize: number;
  /** Why the search stopped. */
  stoppedBecause: TuneStopReason;
  /** Notes: every configuration failed, data cut short, predictions missing. */
  warnings: string[];
}
