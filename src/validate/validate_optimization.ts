/**
 * `validateOptimization`: run the optimizer's choice and the plain loop on the same data, and
 * compare the measured speedup with the predicted one.
 *
 * @module
 */
import { configLabel, type Data, type Pool, toExecuteOptions } from "../engine/mod.ts";
import { summarize } from "../measure/mod.ts";
import type { OptimizationResult, OptimizeOptions } from "../model/mod.ts";
import type { Task } from "../task/mod.ts";
import { setup } from "./_setup.ts";
import { recommend } from "./_recommend.ts";
import { alternateConfigs, busyNote } from "./_timed_runs.ts";
import type { StrategyConfig } from "./compare_strategies.ts";

/** Options of {@linkcode validateOptimization}. */
export interface ValidateOptions<I = unknown> {
  /** The decision to check (default: `optimize` is run on the measured items). */
  optimization?: OptimizationResult<I>;
  /** Measure at most this many items (arrays: the first ones; iterables: default 10 000). */
  maxItems?: number;
  /**
   * Time budget for the measured runs (ms, default 60 000): see {@linkcode validateOptimization}.
   * It also bounds the optimizer's decision, as a signal (a call that never settles then fails
   * with a `TimeoutError`); not as the optimizer's `timeoutMs` (a limit on each call, which may
   * change the decision: set it in `optimizeOptions` to validate that decision).
   */
  timeoutMs?: number;
  /** Runs of each configuration, alternating (default 3); the medians are compared. */
  repeats?: number;
  /**
   * Check that the optimizer's configuration gives the plain loop's results (default true): its
   * first run is compared with the plain loop's, item by item. `false` for a task whose results
   * differ from run to run or thread to thread (random numbers, times).
   */
  checkResults?: boolean;
  /** The pool to run on (default: the shared pool). */
  pool?: Pool;
  /** Abort the validation. */
  signal?: AbortSignal;
  /** Options for `optimize` when no `optimization` is given. */
  optimizeOptions?: OptimizeOptions;
}

/** Measured against predicted. Times in ms; spreads are [min, max] of the runs. */
export interface ValidationResult<I = unknown> {
  /** Median wall time of the plain loop (executor `"inline"`). */
  serialMs: number;
  /** Median wall time of the optimizer's configuration. */
  optimizedMs: number;
  /** serialMs / optimizedMs. */
  actualSpeedup: number;
  /** What the optimizer predicted. */
  predictedSpeedup: number;
  /** 1 − |actual − predicted| / max(actual, predicted), in [0, 1]. */
  accuracy: number;
  /** The decision that was checked. */
  optimization: OptimizationResult<I>;
  /** The configuration that was run for `optimizedMs`. */
  config: StrategyConfig;
  /** Fastest and slowest run of each side (ms). */
  spread: { serial: [number, number]; optimized: [number, number] };
  /** Every measured run, in order (the first optimized run may include starting workers). */
  runs: { serial: number[]; optimized: number[] };
  /** Items measured. */
  items: number;
  /** The optimizer's predicted times, scaled to the measured items (NaN when it made none). */
  predictedMs: { serial: number; optimized: number };
  /** Inline decisions: the refused best worker configuration, measured too. */
  alternative?: { config: StrategyConfig; medianMs: number; speedup: number };
  /** What the comparison suggests (direction and likely cause when off by more than 25 %). */
  recommendations: string[];
  /** Notes on the measurement: data cut short, noisy runs, failed runs. */
  warnings: string[];
}

/**
 * Check a decision by measuring it. Runs the plain loop (executor `"inline"`) and the optimizer's
 * configuration (forced) on the same items, alternating `repeats` times, and compares the
 * median speedup with the predicted one. When the decision is inline, the refused best worker
 * configuration is measured as well, to check the refusal.
 *
 * Side effects: the task runs on every item several times (2 × `repeats` passes, plus the
 * optimizer's sampling) — do not validate tasks that must run once per item. Iterables are read
 * into an array first (up to `maxItems`). The time budget `timeoutMs` is checked between runs
 * and aborts runs on workers; a later round starts only if it fits the budget; when even the
 * first round does not fit, this throws a `TimeoutError`.
 *
 * The results must agree: the first run of the optimizer's configuration (and of the refused
 * alternative) is compared with the plain loop's, item by item, as values cross threads (NaN equals
 * NaN; dates, maps, sets and typed arrays by content; prototypes are not compared). One that differs throws
 * an Error naming the configuration and the first index where it differs. Only the plain loop's
 * results are kept; `checkResults: false` skips the check.
 *
 * @typeParam I The item type.
 * @typeParam O The result type.
 * @param task The task: `task(module, name)` or a self-contained inline function.
 * @param data An array, an iterable or an async iterable (at least one item).
 * @param options See {@linkcode ValidateOptions}.
 * @returns The measured and predicted speedups, the accuracy and recommendations.
 * @throws {TypeError} If an argument has the wrong type.
 * @throws {RangeError} If an option is out of range or `data` is empty.
 * @throws {TaskError} If the task throws on an item while measuring.
 * @throws {Error} If the optimizer's configuration gave other results than the plain loop
 * (unless `checkResults: false`).
 * @throws {TimeoutError} If the budget ran out before every configuration ran once, or while
 * the optimizer decided.
 *
 * @example Usage
 * ```ts
 * import { validateOptimization } from "./validate_optimization.ts";
 * import assert from "node:assert/strict";
 *
 * const v = await validateOptimization((x: number) => x + 1, [1, 2, 3], { repeats: 1 });
 * assert.equal(v.optimization.executor, "inline");
 * assert.ok(v.accuracy >= 0 && v.accuracy <= 1);
 * ```
 */
export async function validateOptimization<I, O>(
  task: Task<I, O>,
  data: Data<I>,
  options: ValidateOptions<I> = {},
): Promise<ValidationResult<I>> {
  const { repeats, timeoutMs, items, warnings, opt } = await setup(task, data, options, 60_000);
  const config = toExecuteOptions(opt);
  const b = opt.profile.breakdown;
  const alt: StrategyConfig | undefined = opt.executor === "inline" && b && b.workers >= 2
    ? { executor: "workers", workers: b.workers, chunkSize: b.chunkSize }
    : undefined;
  const configs = opt.executor === "inline" ? [config] : [{ executor: "inline" as const }, config];
  if (alt) configs.push(alt);
  // The call's pool, signal and checkResults; its repeats and time budget with their defaults.
  const budget = { ...options, repeats, timeoutMs };
  const busy = busyNote(Math.max(1, opt.profile.caps.cores));
  if (busy) warnings.push(busy);
  const { times, skippedRounds } = await alternateConfigs(task, items, configs, budget);
  if (skippedRounds > 0) {
    warnings.push(`timeoutMs left time for ${repeats - skippedRounds} of ${repeats} rounds`);
  }
  const serial = times[0];
  const optimized = opt.executor === "inline" ? serial : times[1];
  const s = summarize(serial), z = summarize(optimized);
  const actual = s.median / z.median;
  const predicted = opt.predictedSpeedup;
  const rest = items.length - opt.profile.sampledItems;
  const scale = rest > 0 ? items.length / rest : 1;
  const predictedMs = {
    serial: opt.predictedMs.serial * scale,
    optimized: opt.predictedMs.chosen * scale,
  };
  let alternative: ValidationResult["alternative"];
  if (alt) {
    const medianMs = summarize(times[times.length - 1]).median;
    alternative = { config: alt, medianMs, speedup: s.median / medianMs };
  }
  for (const [name, m] of [["plain loop", s], ["optimized", z]] as const) {
    if (m.n > 1 && m.max / m.min > 1.5) {
      warnings.push(
        `The ${name} runs varied widely (${m.min.toFixed(1)}–${m.max.toFixed(1)} ms): the ` +
          `machine is busy; the medians are less certain`,
      );
    }
  }
  const recommendations = recommend({
    optimization: opt as OptimizationResult<unknown>,
    actual,
    predicted,
    serialMs: s.median,
    optimizedMs: z.median,
    predictedSerialMs: predictedMs.serial,
    predictedOptimizedMs: predictedMs.optimized,
    serialSpread: s.max / s.min,
    optimizedSpread: z.max / z.min,
    firstOptimizedMs: optimized[0],
    alternative: alternative &&
      { label: configLabel(alternative.config), speedup: alternative.speedup },
  });
  return {
    serialMs: s.median,
    optimizedMs: z.median,
    actualSpeedup: actual,
    predictedSpeedup: predicted,
    accuracy: 1 - Math.abs(actual - predicted) / Math.max(actual, predicted),
    optimization: opt,
    config,
    spread: { serial: [s.min, s.max], optimized: [z.min, z.max] },
    runs: { serial, optimized },
    items: items.length,
    predictedMs,
    alternative,
    recommendations,
    warnings,
  };
}
