// Measured runs of several configurations on the same items, alternating between them (A B A B …,
// the order reversed every other round so that a slow drift of the machine favours none), with a
// time budget.
import { execute } from "../execute.ts";
import {
  abortError,
  configLabel,
  type ForcedConfig,
  type Pool,
  toExecuteOptions,
} from "../engine/mod.ts";
import { alternate } from "../measure/mod.ts";
import { runtime } from "../runtime/mod.ts";
import type { Task } from "../task/mod.ts";
import { describeResult, firstDifference } from "./_same_results.ts";

export interface RunBudget {
  repeats: number;
  /**
   * Check that every configuration's first run gave the results of the first configuration's
   * (default true); a run that did not throws (see {@linkcode alternateConfigs}).
   */
  checkResults?: boolean;
  timeoutMs: number;
  pool?: Pool;
  signal?: AbortSignal;
}

export interface TimedRuns {
  /** Wall times (ms) per configuration, in run order. */
  times: number[][];
  /** Rounds skipped because the time budget ran out (0 when all ran). */
  skippedRounds: number;
}

/** A run was stopped by `timeoutMs` before every configuration ran once. */
class BudgetError extends Error {
  override name = "TimeoutError";
}

/**
 * Run every configuration `repeats` times on `items`, alternating. Every configuration must
 * start its first run within the budget, else this throws a TimeoutError (a run on workers or
 * async still going when the budget ends is aborted; a synchronous loop cannot be, and is
 * checked when it returns). A later round starts only when the budget allows a whole round at
 * the pace so far; a run it cuts short is dropped, and the measuring stops there.
 *
 * The first run of the first configuration is kept, and the first run of each other configuration
 * is compared with it, item by item (values as they cross threads: see `_same_results.ts`), after
 * its time was taken; one that differs throws an Error naming both configurations and the first
 * index where they differ. Later runs are not compared (one array of results is kept, and each
 * configuration is compared once).
 */
export async function alternateConfigs<I, O>(
  task: Task<I, O>,
  items: I[],
  configs: ForcedConfig[],
  budget: RunBudget,
): Promise<TimedRuns> {
  const rt = runtime();
  const times: number[][] = configs.map(() => []);
  const t0 = rt.now();
  const over = () => ctl.signal.aborted || rt.now() - t0 > budget.timeoutMs;
  const ctl = new AbortController();
  // Referenced on purpose: the runs are awaited, and the timer is cleared when they end.
  const timer = setTimeout(() => ctl.abort(), budget.timeoutMs);
  const stop = () => ctl.abort();
  budget.signal?.addEventListener("abort", stop, { once: true });
  let round = budget.repeats;
  let reference: { label: string; results: unknown[] } | undefined;
  try {
    const run = async (k: number, round: number): Promise<boolean> => {
      if (budget.signal?.aborted) throw abortError(budget.signal);
      // The first run always starts: the budget cannot have run out before it but by this
      // thread losing its core (a budget of 1 ms ran out before it under a loaded machine).
      const first = times.every((t) => t.length === 0);
      if (over() && !first) {
        if (round > 0) return false;
        throw _timeout(budget.timeoutMs);
      }
      const t = rt.now();
      let out: O[];
      try {
        out = await execute(task, items, {
          ...toExecuteOptions(configs[k]),
          pool: budget.pool,
          signal: ctl.signal,
        });
      } catch (e) {
        if (budget.signal?.aborted) throw abortError(budget.signal);
        if (!over()) throw e;
        if (round > 0) return false;
        throw _timeout(budget.timeoutMs);
      }
      const ms = rt.now() - t;
      if (out.length !== items.length) {
        throw new Error(
          `${configLabel(configs[k])} returned ${out.length} results for ${items.length} items: ` +
            `the run cannot be timed`,
        );
      }
      if (budget.checkResults !== false && times[k].length === 0) {
        if (reference === undefined) reference = { label: configLabel(configs[k]), results: out };
        else _agree(reference, configLabel(configs[k]), out);
      }
      times[k].push(ms);
      return true;
    };
    // A later round starts only when the budget allows a whole round at the pace so far.
    const roundFits = (round: number) => {
      const elapsed = rt.now() - t0;
      return round === 0 || elapsed + elapsed / round <= budget.timeoutMs;
    };
    round = await alternate(configs.length, budget.repeats, run, roundFits);
  } finally {
    clearTimeout(timer);
    budget.signal?.removeEventListener("abort", stop);
  }
  return { times, skippedRounds: budget.repeats - round };
}

/** Throw when `results` differ from the reference's, naming the first index where they do. */
function _agree(
  reference: { label: string; results: unknown[] },
  label: string,
  results: unknown[],
): void {
  const i = firstDifference(reference.results, results);
  if (i < 0) return;
  throw new Error(
    `${label} gave a different result than ${reference.label} for the item at index ${i}: got ` +
      `${describeResult(results[i])}, expected ${describeResult(reference.results[i])}. The ` +
      `configurations do not agree; a task whose results differ from run to run or from thread ` +
      `to thread (random numbers, times, a worker's own state) cannot be compared: pass ` +
      `checkResults: false (on the command line, --no-check-results)`,
  );
}

function _timeout(ms: number): BudgetError {
  return new BudgetError(
    `'timeoutMs' (${ms} ms) ran out before every configuration ran once: raise it or measure ` +
      `fewer items (maxItems)`,
  );
}

/**
 * A warning when the machine's 1-minute load average exceeds `cores`: other processes compete
 * for the cores, and times measured now are unreliable (undefined where the load is unknown:
 * it is read from /proc/loadavg).
 */
export function busyNote(cores: number): string | undefined {
  const read = runtime().readTextFile("/proc/loadavg"); // Linux; never prompts or throws
  const load = read.ok ? Number(read.text.split(" ")[0]) : NaN;
  if (!(load > cores)) return undefined;
  return `The machine's load average (${load.toFixed(1)}) exceeds the ${cores} cores this ` +
    `process may use: other processes compete for them, and these times are unreliable`;
}
