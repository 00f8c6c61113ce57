/**
 * `tune`: measure real runs of configurations (grid or Bayesian search) and compare the best with
 * the optimizer's own pick.
 *
 * @module
 */
import { abortError, ChunkTimeoutError, type Data, defaultPool } from "../engine/mod.ts";
import { optimize } from "../optimize.ts";
import { runtime } from "../runtime/mod.ts";
import { cachedProbe } from "../system/mod.ts";
import { type Task, taskSpec } from "../task/mod.ts";
import { materialize } from "../validate/mod.ts";
import { checkTuneOptions } from "./_tune_options.ts";
import { confirm } from "./_confirm.ts";
import { bayesianSearch, gridSearch } from "./_tune_search.ts";
import { TuneSession } from "./_tune_session.ts";
import { buildSpace } from "./_tune_space.ts";
import type { TuneOptions, TuneResult, TuneTrial } from "./tune_types.ts";

export type {
  TuneConfig,
  TuneOptions,
  TuneProgress,
  TuneResult,
  TuneSpace,
  TuneStopReason,
  TuneStrategy,
  TuneTrial,
} from "./tune_types.ts";

/** Above this many configurations, `strategy: "auto"` searches with Bayesian optimisation. */
const AUTO_GRID_MAX = 12;

/**
 * Tune on real runs. Runs `optimize` once (cache off, adaptive off) for its pick and its model,
 * then measures configurations with `execute` (forced, `adaptive: false`), each `repeats` times on
 * all of `data` (an iterable is read into an array first, at most 10 000 items): the grid the
 * optimizer searches (workers 1..effective cores × its chunk candidates, plus inline, plus async
 * for a task that returns Promises), or a Bayesian search over it seeded with the optimizer's
 * pick. The pool is warmed before measuring, so no trial pays for starting workers. At the end the
 * three fastest configurations run twice more, alternating, and their medians take every run in
 * (the minimum of noisy medians favours a lucky run).
 *
 * Every trial carries the optimizer's prediction for it; `optimizerPick.gapPct` says how much
 * slower the optimizer's pick ran than the best configuration found.
 *
 * A run over `timeoutMs` is stopped and its configuration counts as failed (`Infinity`). A chunk
 * the optimizer samples runs under the `timeoutMs` given too: over it, the optimizer makes no
 * pick, no configuration has a prediction, and the plain loop counts as failed without running
 * (it would run the same items on this thread, where it cannot be stopped). Aborting
 * `signal` stops the run under way and returns the trials so far (`stoppedBecause: "aborted"`);
 * when no trial finished yet, the call rejects with the signal's reason.
 *
 * @typeParam I The item type.
 * @typeParam O The result type.
 * @param task The task: `task(module, name)` or a self-contained inline function.
 * @param data An array, an iterable or an async iterable (at least one item).
 * @param options See {@linkcode TuneOptions}.
 * @returns The best configuration, every trial, the optimizer's pick and why the search stopped.
 * @throws {TypeError} If `task` or an option has the wrong type.
 * @throws {RangeError} If an option is out of range, or `data` is empty.
 *
 * @example Usage
 * ```ts
 * import { tune } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const r = await tune((x: number) => x * 2, [1, 2, 3, 4], {
 *   strategy: "grid",
 *   space: { workers: [1], chunkSizes: [2] },
 *   repeats: 1,
 * });
 * assert.equal(r.strategy, "grid");
 * assert.equal(r.evaluations, r.trials.length);
 * assert.ok(r.trials.some((t) => t.config.executor === "inline"));
 * assert.ok(Number.isFinite(r.best.medianMs));
 * ```
 */
export async function tune<I, O>(
  task: Task<I, O>,
  data: Data<I>,
  options: TuneOptions = {},
): Promise<TuneResult> {
  checkTuneOptions(options);
  taskSpec(task);
  const startedAt = runtime().now();
  const signal = options.signal;
  const { items, truncated } = await materialize(data, undefined, signal);
  const pool = options.pool ?? defaultPool();
  const sys = await cachedProbe();
  await pool.warm(Math.max(sys.effectiveCores, ...(options.space?.workers ?? [])));
  // A sampled chunk over the time limit leaves no decision: the trials go on without one.
  const opt = await optimize(task, items, {
    cache: false,
    adaptive: false,
    pool,
    signal,
    timeoutMs: options.timeoutMs,
  }).catch((e) => {
    if (signal?.aborted || !(e instanceof ChunkTimeoutError)) throw e;
    return { failed: e.message, cores: sys.effectiveCores };
  });
  const space = buildSpace(opt, items.length, options.space, pool.size);
  const size = space.candidates.length;
  const strategy = options.strategy === "grid" || options.strategy === "bayesian"
    ? options.strategy
    : size > AUTO_GRID_MAX
    ? "bayesian"
    : "grid";
  const serial = space.candidates.find((c) => c.config.executor === "inline")?.predictedMs ??
    ("failed" in opt ? NaN : opt.predictedMs.serial);
  const timeoutMs = options.timeoutMs ??
    (Number.isFinite(serial) && serial > 0 ? Math.max(1000, 5 * serial) : 60_000);
  const session = new TuneSession(task, items, space.candidates, {
    repeats: options.repeats,
    timeoutMs,
    pool,
    signal,
    startedAt,
    budgetMs: options.budgetMs,
    onProgress: options.onProgress,
  });
  const stoppedBecause = strategy === "grid"
    ? await gridSearch(session, options.maxConfigs ?? size)
    : await bayesianSearch(
      session,
      space.pickIndex,
      options.maxConfigs ?? Math.min(size, Math.max(6, Math.ceil(0.35 * size))),
      options.seed ?? 1,
    );
  if (stoppedBecause !== "aborted" && stoppedBecause !== "budget") await confirm(session);
  const best = session.best();
  if (!best) {
    if (signal?.aborted) throw abortError(signal);
    throw new Error("tune measured nothing"); // unreachable: the first trial always runs
  }
  const pick = session.byIndex.get(space.pickIndex);
  const warnings = [...space.warnings];
  if (truncated) warnings.push(`Data: ${truncated}`);
  // No configuration ran the job: `best` is only the first of the failed ones.
  if (!Number.isFinite(best.medianMs)) {
    const first = session.trials.find((t) => t.error !== undefined);
    warnings.unshift(
      `Every configuration tried failed (${session.trials.length}): best names none that ran` +
        (first?.error ? `; the first failure: ${first.error}` : ""),
    );
  }
  return {
    best: { config: best.config, medianMs: best.medianMs },
    trials: session.trials,
    optimizerPick: pick
      ? { config: pick.config, medianMs: pick.medianMs, gapPct: _gap(pick, best) }
      : { config: space.pick, medianMs: NaN, gapPct: NaN },
    strategy,
    evaluations: session.trials.length,
    spaceSize: size,
    stoppedBecause,
    warnings,
  };
}

/** How much slower `pick` ran than `best`, in % (Infinity when only the pick failed). */
function _gap(pick: TuneTrial, best: TuneTrial): number {
  if (!Number.isFinite(best.medianMs)) return NaN;
  if (!Number.isFinite(pick.medianMs)) return Infinity;
  return best.medianMs > 0 ? (100 * (pick.medianMs - best.medianMs)) / best.medianMs : 0;
}
