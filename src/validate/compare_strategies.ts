/**
 * `compareStrategies`: measure several ways to run a job, rank them, and see where the
 * optimizer's pick lands.
 *
 * @module
 */
import {
  configLabel,
  type Data,
  type ForcedConfig,
  type Pool,
  sameConfig,
  toExecuteOptions,
} from "../engine/mod.ts";
import { summarize } from "../measure/mod.ts";
import type { OptimizationResult, OptimizeOptions } from "../model/mod.ts";
import type { Task } from "../task/mod.ts";
import { setup } from "./_setup.ts";
import { checkConfigs, compareAdvice, defaultConfigs } from "./_strategy_configs.ts";
import { alternateConfigs, busyNote } from "./_timed_runs.ts";

/**
 * One way to run a job: what `execute` is forced to (unset fields take `execute`'s defaults;
 * `adaptive` defaults to true).
 */
export type StrategyConfig = ForcedConfig;

/** Options of {@linkcode compareStrategies}. */
export interface CompareOptions<I = unknown> {
  /** Runs of each configuration, alternating (default 3); the medians are ranked. */
  repeats?: number;
  /**
   * Check that every configuration gives the same results (default true): each one's first run
   * is compared with the first configuration's (the plain loop's), item by item. `false` for a task whose results
   * differ from run to run or thread to thread (random numbers, times).
   */
  checkResults?: boolean;
  /** Measure at most this many items (arrays: the first ones; iterables: default 10 000). */
  maxItems?: number;
  /**
   * Time budget for the measured runs (ms, default 120 000), as in `validateOptimization` (it
   * also bounds the optimizer's decision, as a signal).
   */
  timeoutMs?: number;
  /** The decision to rank (default: `optimize` is run on the measured items). */
  optimization?: OptimizationResult<I>;
  /** Options for `optimize` when no `optimization` is given. */
  optimizeOptions?: OptimizeOptions;
  /** The pool to run on (default: the shared pool). */
  pool?: Pool;
  /** Abort the comparison. */
  signal?: AbortSignal;
}

/** One measured configuration. Times in ms. */
export interface StrategyResult {
  /** The configuration measured. */
  config: StrategyConfig;
  /** e.g. `workers 2 × chunk 50`; `adaptive` when the engine adapts the chunk size. */
  label: string;
  /** Median wall time of the runs. */
  medianMs: number;
  /** Fastest and slowest run. */
  spreadMs: [number, number];
  /** Every run's wall time, in order. */
  runs: number[];
  /** The plain loop's median / this median. */
  speedupVsInline: number;
  /** 1 = fastest median. */
  rank: number;
}

/** The measured configurations (in the order given) and their ranking. */
export interface ComparisonResult<I = unknown> {
  /** Every configuration measured, in the order given. */
  results: StrategyResult[];
  /** The fastest configuration by median. */
  best: StrategyResult;
  /** The optimizer's configuration, measured among the others. */
  optimizerPick: { config: StrategyConfig; label: string; rank: number; medianMs: number };
  /** The optimizer's decision on the same data. */
  optimization: OptimizationResult<I>;
  /** Items measured. */
  items: number;
  /** What the ranking suggests. */
  recommendations: string[];
  /** Notes on the measurement: data cut short, noisy or failed runs. */
  warnings: string[];
}

/**
 * Measure each configuration on the same items, `repeats` times, alternating between them, and
 * rank them by median wall time. The optimizer runs first; its pick (run as `execute` would run
 * it, with adaptive chunks) is added when it is not in the list, and the plain loop (`inline`) is
 * always measured as the baseline of `speedupVsInline`.
 *
 * Default configurations: inline; for workers 1..cores (then powers of two), fixed chunks of
 * n/(16w), n/(4w) and n/w items; async when the task returns Promises. Side effects: the task
 * runs on every item once per configuration and repeat.
 *
 * The configurations must agree: the first run of each is compared with that of the first one
 * measured (the plain loop, unless the list given begins with another), item by item, as values cross threads (NaN equals NaN; dates, maps,
 * sets and typed arrays by content; prototypes are not compared). One that differs throws an Error naming it and the first
 * index where it differs (a task that depends on its thread's state, say). Only the first one's
 * results are kept; `checkResults: false` skips the check.
 *
 * @typeParam I The item type.
 * @typeParam O The result type.
 * @param task The task: `task(module, name)` or a self-contained inline function.
 * @param data An array, an iterable or an async iterable (at least one item).
 * @param configs The configurations to measure (default: the grid above).
 * @param options See {@linkcode CompareOptions}.
 * @returns Every configuration's median and spread, its rank, the best, and the optimizer's rank.
 * @throws {TypeError} If an argument has the wrong type.
 * @throws {RangeError} If an option is out of range or `data` is empty.
 * @throws {Error} If a configuration's results differ from the first one's (unless
 * `checkResults: false`), or the task throws on an item.
 * @throws {TimeoutError} If the budget ran out before every configuration ran once, or while
 * the optimizer decided.
 *
 * @example Usage
 * ```ts
 * import { compareStrategies } from "./compare_strategies.ts";
 * import assert from "node:assert/strict";
 *
 * const c = await compareStrategies((x: number) => x + 1, [1, 2, 3], [{ executor: "inline" }], {
 *   repeats: 1,
 * });
 * assert.equal(c.best.label, "inline");
 * assert.equal(c.optimizerPick.rank, 1);
 * ```
 */
export async function compareStrategies<I, O>(
  task: Task<I, O>,
  data: Data<I>,
  configs?: StrategyConfig[],
  options: CompareOptions<I> = {},
): Promise<ComparisonResult<I>> {
  const given = configs === undefined ? undefined : checkConfigs(configs);
  const { repeats, timeoutMs, items, warnings, opt } = await setup(task, data, options, 120_000);
  const cores = opt.profile.caps.cores;
  const isAsync = opt.profile.sample?.isAsync ?? false;
  const list = given ?? defaultConfigs(items.length, cores, isAsync, opt.concurrency);
  if (!list.some((c) => c.executor === "inline")) list.unshift({ executor: "inline" });
  const pickConfig = toExecuteOptions(opt);
  if (!list.some((c) => sameConfig(c, pickConfig))) list.push(pickConfig);
  // The call's pool, signal and checkResults; its repeats and time budget with their defaults.
  const budget = { ...options, repeats, timeoutMs };
  const busy = busyNote(Math.max(1, opt.profile.caps.cores));
  if (busy) warnings.push(busy);
  const { times, skippedRounds } = await alternateConfigs(task, items, list, budget);
  if (skippedRounds > 0) {
    warnings.push(`timeoutMs left time for ${repeats - skippedRounds} of ${repeats} rounds`);
  }
  const inlineMs = summarize(times[list.findIndex((c) => c.executor === "inline")]).median;
  const results: StrategyResult[] = list.map((config, k) => {
    const s = summarize(times[k]);
    return {
      config,
      label: configLabel(config),
      medianMs: s.median,
      spreadMs: [s.min, s.max],
      runs: times[k],
      speedupVsInline: inlineMs / s.median,
      rank: 0,
    };
  });
  for (const r of results) r.rank = 1 + results.filter((x) => x.medianMs < r.medianMs).length;
  const best = results.reduce((a, r) => (r.medianMs < a.medianMs ? r : a));
  const pick = results.find((r) => sameConfig(r.config, pickConfig))!;
  return {
    results,
    best,
    optimizerPick: {
      config: pick.config,
      label: pick.label,
      rank: pick.rank,
      medianMs: pick.medianMs,
    },
    optimization: opt,
    items: items.length,
    recommendations: compareAdvice(results, best, pick),
    warnings,
  };
}
