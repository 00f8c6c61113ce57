// One trial of `tune`: run a configuration `repeats` times on the same items with execute
// (forced, adaptive off), each run under a time limit; the median and the spread of the runs.
import { execute } from "../execute.ts";
import { ChunkTimeoutError, type Pool, toExecuteOptions } from "../engine/mod.ts";
import { runtime } from "../runtime/mod.ts";
import type { Task } from "../task/mod.ts";
import type { TuneConfig } from "./tune_types.ts";

/** Short runs are repeated until this much time was measured (default `repeats` only). */
const SHORT_TOTAL_MS = 150;
/** Most runs of a short configuration (default `repeats` only). */
const SHORT_MAX_RUNS = 7;

/** How to run the trials. */
export interface TrialSettings {
  /** Runs per trial; `undefined`: 2, and more for short runs (up to 7, until 150 ms measured). */
  repeats: number | undefined;
  timeoutMs: number;
  pool: Pool;
  /** The caller's signal: its abort ends the trial as `aborted`. */
  signal?: AbortSignal;
}

/** The runs of one trial: their times, or why they failed, or that the caller aborted. */
export interface TrialRuns {
  times: number[];
  error?: string;
  aborted?: boolean;
}

/**
 * Run `config` `repeats` times (by default twice, and short runs more often: one slow run of a few
 * milliseconds must not decide a median). The pool is warmed to the configuration's workers
 * before each run (not timed), so no run pays for starting workers. A run over `timeoutMs` is
 * stopped: execute's `timeoutMs` and an abort terminate busy workers and replace them; an inline
 * run cannot be interrupted and fails once it returns. A failed run ends the trial.
 */
export async function runTrial<I, O>(
  task: Task<I, O>,
  items: I[],
  config: TuneConfig,
  s: TrialSettings,
): Promise<TrialRuns> {
  const rt = runtime();
  const times: number[] = [];
  const more = (k: number) =>
    s.repeats !== undefined
      ? k < s.repeats
      : k < 2 || (k < SHORT_MAX_RUNS && times.reduce((a, b) => a + b, 0) < SHORT_TOTAL_MS);
  for (let k = 0; more(k); k++) {
    if (s.signal?.aborted) return { times, aborted: true };
    if (config.executor === "workers") await s.pool.warm(config.workers);
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort(new Error(`over the time limit of ${s.timeoutMs} ms`));
    }, s.timeoutMs);
    const onAbort = () => ctl.abort(s.signal?.reason);
    s.signal?.addEventListener("abort", onAbort, { once: true });
    const t0 = rt.now();
    try {
      const out = await execute(task, items, {
        ...toExecuteOptions(config),
        adaptive: false,
        timeoutMs: s.timeoutMs,
        pool: s.pool,
        signal: ctl.signal,
      });
      if (out.length !== items.length) {
        return { times, error: `${out.length} results for ${items.length} items` };
      }
    } catch (e) {
      if (s.signal?.aborted) return { times, aborted: true };
      const timeout = timedOut || e instanceof ChunkTimeoutError;
      if (timeout) return { times, error: `over the time limit of ${s.timeoutMs} ms` };
      return { times, error: e instanceof Error ? e.message : String(e) };
    } finally {
      clearTimeout(timer);
      s.signal?.removeEventListener("abort", onAbort);
    }
    const ms = rt.now() - t0;
    if (ms > s.timeoutMs) {
      return { times, error: `over the time limit of ${s.timeoutMs} ms (${ms.toFixed(0)} ms)` };
    }
    times.push(ms);
  }
  return { times };
}
