// The common start of validateOptimization and compareStrategies: check the options, materialise
// the data, and get the optimizer's decision for it (given, or made now).
import { bool, keysOf, knownKeys, objectArg, positiveInt, timerMs, wrongType } from "../args.ts";
import { checkRunOptions, type Data, type Pool } from "../engine/mod.ts";
import type { OptimizationResult, OptimizeOptions } from "../model/mod.ts";
import { checkOptimizeOptions, optimize } from "../optimize.ts";
import { type Task, taskSpec } from "../task/mod.ts";
import { materialize } from "./_materialize.ts";

export interface SetupOptions<I> {
  repeats?: number;
  checkResults?: boolean;
  timeoutMs?: number;
  maxItems?: number;
  optimization?: OptimizationResult<I>;
  optimizeOptions?: OptimizeOptions;
  pool?: Pool;
  signal?: AbortSignal;
}

/** The options of validateOptimization, quickValidate and compareStrategies. */
const SETUP_OPTION_KEYS = keysOf<SetupOptions<unknown>>({
  repeats: 1,
  checkResults: 1,
  timeoutMs: 1,
  maxItems: 1,
  optimization: 1,
  optimizeOptions: 1,
  pool: 1,
  signal: 1,
});

export interface Setup<I> {
  repeats: number;
  timeoutMs: number;
  items: I[];
  warnings: string[];
  opt: OptimizationResult<I>;
}

/**
 * Check every option (before any item is read: a bad one must not drain a one-shot source);
 * throws TypeError/RangeError naming it. Returns `repeats` and `timeoutMs` with their defaults.
 */
export function checkSetupOptions<I>(
  options: SetupOptions<I>,
  defaultTimeoutMs: number,
): { repeats: number; timeoutMs: number } {
  knownKeys("options", objectArg("options", options), SETUP_OPTION_KEYS);
  const repeats = options.repeats === undefined ? 3 : positiveInt("repeats", options.repeats);
  const timeoutMs = options.timeoutMs === undefined
    ? defaultTimeoutMs
    : timerMs("timeoutMs", options.timeoutMs);
  if (options.maxItems !== undefined) positiveInt("maxItems", options.maxItems);
  if (options.checkResults !== undefined) bool("checkResults", options.checkResults);
  checkRunOptions({ pool: options.pool, signal: options.signal });
  if (options.optimizeOptions !== undefined) {
    checkOptimizeOptions(options.optimizeOptions, "optimizeOptions");
  }
  const given = options.optimization as Partial<OptimizationResult<I>> | undefined;
  if (
    given !== undefined &&
    (given === null || typeof given !== "object" || typeof given.profile !== "object" ||
      given.profile === null || !["inline", "async", "workers"].includes(given.executor as string))
  ) {
    // Read deep inside (its profile's breakdown), a stand-in failed with the runtime's TypeError.
    wrongType("optimization", "the result of optimize()", given);
  }
  return { repeats, timeoutMs };
}

export async function setup<I, O>(
  task: Task<I, O>,
  data: Data<I>,
  options: SetupOptions<I>,
  defaultTimeoutMs: number,
): Promise<Setup<I>> {
  taskSpec(task);
  const { repeats, timeoutMs } = checkSetupOptions(options, defaultTimeoutMs);
  const { items, truncated } = await materialize(data, options.maxItems, options.signal);
  // The budget bounds the optimizer's decision too, as a signal: a call that never settles fails
  // it with a TimeoutError, not waits forever. Not as its `timeoutMs`, a limit on each call that
  // changes the decision (a synchronous task then runs on workers, where a stuck call can be
  // stopped): `--timeout 60000`, the default, validated another decision than none given.
  const budget = new AbortController();
  const timer = setTimeout(() => {
    const why = `The optimizer was still deciding when the time budget ran out: ${timeoutMs} ms`;
    budget.abort(new DOMException(why, "TimeoutError"));
  }, timeoutMs);
  let opt: OptimizationResult<I>;
  try {
    opt = options.optimization ??
      await optimize(task, items, {
        ...options.optimizeOptions,
        pool: options.pool ?? options.optimizeOptions?.pool,
        signal: options.signal ? AbortSignal.any([options.signal, budget.signal]) : budget.signal,
      });
  } finally {
    clearTimeout(timer);
  }
  return { repeats, timeoutMs, items, warnings: truncated ? [truncated] : [], opt };
}
