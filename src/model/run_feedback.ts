/**
 * Learning from the optimizer's own runs: after an automatic run, the measured time of the run
 * (what ran after `optimize`) is kept with the cached decision next to the model's prediction for
 * it. The next decision for the same job scales the predictions of each executor by what its runs
 * measured, and picks again among the stored alternatives without sampling again.
 *
 * @module
 */
import { type Alternative, amongTies } from "./decide.ts";

/** One automatic run: the executor it used, the predicted and the measured wall time (ms). */
export interface RunRecord {
  /** The executor the run used. */
  executor: "inline" | "async" | "workers";
  /** The model's prediction for the run (ms). */
  predictedMs: number;
  /** The measured wall time of the run (ms). */
  measuredMs: number;
  /** Cores other processes kept busy when the decision was made (see {@linkcode loadChanged}). */
  busyCores?: number;
  /**
   * A workers run that began on workers not yet holding the task (see {@linkcode corrections}):
   * they loaded it, and ran its first items cold, during the run.
   */
  cold?: boolean;
  /**
   * A workers run's compute: the sum of its chunks' times in the workers (ms), warm calls of the
   * task alone, without messages or waits: what a plain loop of the run's items would take at the
   * workers' pace. Over `measuredMs`, the run's gain from its workers, measured directly (see
   * {@linkcode trialOf}).
   */
  computeMs?: number;
}

/** Measured / predicted per executor (1 where none ran). */
export interface Corrections {
  inline: number;
  async: number;
  workers: number;
  /** The plain loop's factor is the workers' measured gain's (see {@linkcode corrections}). */
  inlineFromWorkers?: boolean;
}

/** Runs kept per job and executor (the newest). */
export const MAX_RUNS = 5;

/**
 * The runs to keep once `run` is recorded: the newest `MAX_RUNS` of each executor, in order. An
 * executor's correction, once measured, stays: kept as the newest five of all, a plain loop tried
 * once (its prediction, unmeasured, looked better than the workers' measured one) fell out after
 * five runs on workers, its correction went back to 1, and the next call tried it again — one
 * slower call in six.
 *
 * @param runs The runs recorded so far, oldest first.
 * @param run The new run.
 * @returns The runs to keep, oldest first.
 *
 * @example Usage
 * ```ts
 * import { keepRuns, MAX_RUNS, type RunRecord } from "./run_feedback.ts";
 * import assert from "node:assert/strict";
 *
 * let runs: RunRecord[] = [{ executor: "inline", predictedMs: 100, measuredMs: 170 }];
 * for (let k = 0; k < 8; k++) {
 *   runs = keepRuns(runs, { executor: "workers", predictedMs: 60, measuredMs: 100 });
 * }
 * assert.equal(runs.length, MAX_RUNS + 1);
 * assert.equal(runs[0].executor, "inline");
 * ```
 */
export function keepRuns(runs: readonly RunRecord[], run: RunRecord): RunRecord[] {
  const all = [...runs, run];
  const seen = new Map<RunRecord["executor"], number>();
  const kept: RunRecord[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const k = seen.get(all[i].executor) ?? 0;
    if (k >= MAX_RUNS) continue;
    seen.set(all[i].executor, k + 1);
    kept.push(all[i]);
  }
  return kept.reverse();
}

/**
 * Correction factors: per executor, the lower median of measured / predicted over its recorded
 * runs (of an even count, the lower of the middle two: noise only adds time to a run — a
 * preemption, a collection, another process's burst — so of two runs the faster is the nearer
 * to what the configuration costs), bounded to [1/4, 4] (one odd run — a pause, a cold JIT —
 * cannot swing it further); 1 where no run of that executor was recorded. Cold runs (`RunRecord.cold`) do not count: the model
 * predicts warm workers, and a process's first run on workers that load a library and compile it
 * took 2.3–4× its prediction (markdown, SQL formatting, arbitrary-precision square roots, syntax
 * highlighting, each on Deno, Bun or Node). Counted, that one run sent every later decision of
 * the job to the plain loop, on whose runs alone the correction could never come back: the
 * workers ran 1.6–2× faster once warm.
 *
 * A plain loop never run warm, where warm runs on workers measured their gain from them (their
 * compute over their wall time, {@linkcode workersGain}), is corrected from that measure, given
 * the `alternatives`: its time is the gain times the fastest workers alternative's corrected
 * prediction. Its own prediction rests on the look's few items, as the workers' does, and only
 * the workers' was corrected by their runs: items heavier than the look timed (a heavy-tailed job
 * whose look met its short items) had the plain loop, uncorrected, chosen over workers measured
 * at 1.5× their prediction — and the workers ran 1.9× faster than it.
 *
 * @param runs The recorded runs of one job.
 * @param alternatives The alternatives of the job's decision, where a plain loop never run may be
 * corrected from the workers' measured gain.
 * @returns The factors.
 *
 * @example Usage
 * ```ts
 * import { corrections } from "./run_feedback.ts";
 * import assert from "node:assert/strict";
 *
 * const c = corrections([
 *   { executor: "workers", predictedMs: 100, measuredMs: 150 },
 *   { executor: "workers", predictedMs: 100, measuredMs: 130 },
 *   { executor: "workers", predictedMs: 100, measuredMs: 900 },
 *   { executor: "workers", predictedMs: 100, measuredMs: 400, cold: true },
 * ]);
 * assert.equal(c.workers, 1.5);
 * assert.equal(c.inline, 1);
 * // Warm workers whose compute was twice their wall time: the plain loop takes 2 × 150 ms.
 * const alts = [
 *   { executor: "inline" as const, workers: 1, chunkSize: 100, concurrency: 1, predictedMs: 200 },
 *   { executor: "workers" as const, workers: 2, chunkSize: 8, concurrency: 1, predictedMs: 100 },
 * ];
 * const run = { executor: "workers" as const, predictedMs: 100, measuredMs: 150, computeMs: 300 };
 * assert.equal(corrections([run], alts).inline, 1.5);
 * ```
 */
export function corrections(
  runs: readonly RunRecord[],
  alternatives?: readonly Alternative[],
): Corrections {
  const of = (e: RunRecord["executor"]) => {
    const r = runs.filter((x) =>
      x.executor === e && !x.cold && x.predictedMs > 0 && Number.isFinite(x.measuredMs)
    ).map((x) => x.measuredMs / x.predictedMs);
    if (r.length === 0) return 1;
    const lower = r.sort((a, b) => a - b)[(r.length - 1) >> 1];
    return Math.min(4, Math.max(0.25, lower));
  };
  const c: Corrections = { inline: of("inline"), async: of("async"), workers: of("workers") };
  const gain = workersGain(runs);
  const plain = alternatives?.find((a) => a.executor === "inline");
  if (
    gain === undefined || !plain || !(plain.predictedMs > 0) ||
    runs.some((r) => r.executor === "inline" && !r.cold)
  ) return c;
  const fastest = Math.min(
    ..._corrected(alternatives!, c).filter((a) => a.executor === "workers").map((a) =>
      a.predictedMs
    ),
  );
  if (!Number.isFinite(fastest)) return c;
  return { ...c, inline: (gain * fastest) / plain.predictedMs, inlineFromWorkers: true };
}

/**
 * Whether the machine's load changed since a decision: the cores other processes keep busy
 * (runnable threads of other processes, capped at the cores) differ by at least a quarter of the
 * cores, and by at least one core. Smaller changes keep the decision: the same job gets the same
 * decision on repeated calls.
 *
 * @param before Cores busy with other processes at the decision.
 * @param now Cores busy with other processes now.
 * @param cores Cores this process may use.
 * @returns Whether to decide again.
 *
 * @example Usage
 * ```ts
 * import { loadChanged } from "./run_feedback.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(loadChanged(0, 0.4, 2), false);
 * assert.equal(loadChanged(0, 2, 2), true);
 * assert.equal(loadChanged(1, 2, 16), false); // one core of 16
 * ```
 */
export function loadChanged(before: number, now: number, cores: number): boolean {
  const b = Math.min(cores, Math.max(0, before)), n = Math.min(cores, Math.max(0, now));
  return Math.abs(b - n) >= Math.max(1, cores / 4);
}

/**
 * Pick again among stored alternatives with corrected predictions: each executor's predictions
 * scaled by its factor; workers (or async) only when the corrected speedup over the corrected
 * plain loop reaches `minSpeedup`, and workers never with one worker. Of worker configurations
 * predicted within a tie, the one a decision takes ({@linkcode amongTies}): the strict fastest
 * had a cached job of 600 items of 1 ms run in chunks of 294 on 2 workers where the decision had
 * chunks of 37.
 *
 * @param alternatives The alternatives of the stored decision (inline first, as `decide` gives).
 * @param c The correction factors.
 * @param minSpeedup The least speedup to leave the plain loop.
 * @param n The job's items (ties are broken only where known).
 * @returns The chosen alternative with its corrected prediction, and the corrected plain loop.
 *
 * @example Usage
 * ```ts
 * import { repick } from "./run_feedback.ts";
 * import assert from "node:assert/strict";
 *
 * const alts = [
 *   { executor: "inline" as const, workers: 1, chunkSize: 100, concurrency: 1, predictedMs: 100 },
 *   { executor: "workers" as const, workers: 2, chunkSize: 25, concurrency: 1, predictedMs: 60 },
 * ];
 * assert.equal(repick(alts, { inline: 1, async: 1, workers: 1 }, 1.2, 100).choice.executor, "workers");
 * // The runs on workers took twice the prediction: the plain loop wins now.
 * assert.equal(repick(alts, { inline: 1, async: 1, workers: 2 }, 1.2, 100).choice.executor, "inline");
 * ```
 */
export function repick(
  alternatives: readonly Alternative[],
  c: Corrections,
  minSpeedup: number,
  n: number | undefined,
): { choice: Alternative; serialMs: number } {
  const scaled = _corrected(alternatives, c);
  const inline = scaled.find((a) => a.executor === "inline");
  const serialMs = inline?.predictedMs ?? Infinity;
  const pays = (a: Alternative) =>
    a.executor !== "inline" && serialMs / a.predictedMs >= minSpeedup;
  let best = inline;
  for (const a of scaled) {
    if (pays(a) && (!best || a.predictedMs < best.predictedMs)) best = a;
  }
  if (best?.executor === "workers" && n !== undefined) {
    const fits = scaled.filter((a) => a.executor === "workers" && pays(a));
    best = amongTies(best, fits, n, (a) => a.predictedMs);
  }
  return { choice: best ?? scaled[0], serialMs };
}

/**
 * The alternatives that may be chosen again (not rejected; workers with two or more: one worker
 * never beats the plain loop), each prediction scaled by its executor's correction.
 */
function _corrected(alternatives: readonly Alternative[], c: Corrections): Alternative[] {
  return alternatives.filter((a) => !a.rejected && !(a.executor === "workers" && a.workers < 2))
    .map((a) => ({ ...a, predictedMs: a.predictedMs * c[a.executor] }));
}

/**
 * A trial's limits: an executor never measured is tried once when predicted (corrected) at most
 * `TRIAL_SHARE` × the time of the choice, on a job predicted under `TRIAL_MS` on it.
 */
export const TRIAL_SHARE = 1.5;
/** See {@linkcode TRIAL_SHARE} (ms). */
export const TRIAL_MS = 1_000;

/**
 * An executor to try once, instead of the choice `repick` made: corrections measure only the
 * executors that ran, so one never run keeps its first prediction, right or wrong, for good. A
 * decision for inline whose workers were predicted just short of `minSpeedup` (100 results of
 * 100 KB: 1.07×) never learned that they ran in 27 ms against 34 inline (medians of 8 calls,
 * Deno); 10,000 SHA-256 hashes on workers (45–48 ms) never learned that the plain loop, predicted
 * from the look's few cold calls, ran in 30–37. The
 * alternative of another executor with no recorded run is tried when predicted within
 * `TRIAL_SHARE` of the choice (a trial costs at most that, by the predictions) on a job under
 * `TRIAL_MS`, where a look's few items mislead most (compilation, fixed costs); larger jobs are
 * sampled in proportion. The plain loop is also tried, whatever its prediction, where the runs on
 * workers gained at most `TRIAL_SHARE` from them by their own measure (their compute over their
 * wall time, `RunRecord.computeMs`, median of the warm runs): a plain loop predicted from a
 * process's first, cold look (10,000 SHA-256 hashes: 55 ms predicted, 21 measured) was never
 * tried, where two workers that slowed each other down (1.3–1.6× a call, an allocating task, on
 * Deno) gained 1.2× at most. Once it ran, both corrections stand and no trial follows.
 *
 * @param alternatives The alternatives of the stored decision.
 * @param c The correction factors.
 * @param runs The recorded runs.
 * @param choice The choice of {@linkcode repick} (corrected).
 * @param n The job's items (worker ties broken as a decision breaks them, where known).
 * @returns The alternative to try, with its corrected prediction, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { trialOf } from "./run_feedback.ts";
 * import assert from "node:assert/strict";
 *
 * const alts = [
 *   { executor: "inline" as const, workers: 1, chunkSize: 100, concurrency: 1, predictedMs: 30 },
 *   { executor: "workers" as const, workers: 2, chunkSize: 6, concurrency: 1, predictedMs: 28 },
 * ];
 * const c = { inline: 1, async: 1, workers: 1 };
 * const inlineRun = { executor: "inline" as const, predictedMs: 30, measuredMs: 31 };
 * assert.equal(trialOf(alts, c, [inlineRun], alts[0], 100)?.executor, "workers");
 * const workersRun = { executor: "workers" as const, predictedMs: 28, measuredMs: 20 };
 * assert.equal(trialOf(alts, c, [inlineRun, workersRun], alts[0], 100), undefined);
 * // Workers predicted 2× faster, whose run gained 1.2× by its own compute: the plain loop, once.
 * const slow = [{ ...alts[0], predictedMs: 56 }, alts[1]];
 * const gained = { executor: "workers" as const, predictedMs: 28, measuredMs: 25, computeMs: 30 };
 * assert.equal(trialOf(slow, c, [gained], alts[1], 100)?.executor, "inline");
 * ```
 */
export function trialOf(
  alternatives: readonly Alternative[],
  c: Corrections,
  runs: readonly RunRecord[],
  choice: Alternative,
  n: number | undefined,
): Alternative | undefined {
  if (!(choice.predictedMs <= TRIAL_MS)) return undefined;
  const ran = new Set(runs.map((r) => r.executor));
  const untried = _corrected(alternatives, c).filter((a) =>
    !ran.has(a.executor) && a.executor !== choice.executor
  );
  const plain = untried.find((a) => a.executor === "inline");
  if (plain && lowWorkersGain(runs, choice) !== undefined) return plain;
  const best = _fastest(untried, n);
  return best && best.predictedMs <= TRIAL_SHARE * choice.predictedMs ? best : undefined;
}

/** The fastest of `list` by prediction, worker ties broken as a decision breaks them. */
function _fastest(list: readonly Alternative[], n: number | undefined): Alternative | undefined {
  let best: Alternative | undefined;
  for (const a of list) if (!best || a.predictedMs < best.predictedMs) best = a;
  if (best?.executor === "workers" && n !== undefined) {
    best = amongTies(best, list.filter((a) => a.executor === "workers"), n, (a) => a.predictedMs);
  }
  return best;
}

/**
 * An executor to run again whose runs are old: measured before the latest `STALE_RUNS` runs of
 * the choice, and predicted (corrected) within `STALE_SHARE` of it, on a job under `TRIAL_MS`.
 * Its runs describe the process as it was then — workers that held the task but had not yet
 * compiled it hot, a load gone since — and the choice's own runs can never correct them: 20
 * items of 1 ms on Deno, workers measured at 1.5–1.9× their prediction in a process's first
 * calls, ran the plain loop in 20 ms on every later call where two warm workers took 13–17.
 * Such a near tie is where a few old runs decide most; a rerun costs at most `STALE_SHARE` of
 * the choice's time by the predictions, once per `STALE_RUNS` runs (a confirmation keeps the
 * choice, and its rerun comes `STALE_RUNS` runs later again).
 *
 * @param alternatives The alternatives of the stored decision.
 * @param c The correction factors.
 * @param runs The recorded runs, oldest first.
 * @param choice The choice of {@linkcode repick} (corrected).
 * @param n The job's items (worker ties broken as a decision breaks them, where known).
 * @returns The alternative to run again, with its corrected prediction, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { corrections, repick, staleOf, STALE_RUNS } from "./run_feedback.ts";
 * import assert from "node:assert/strict";
 *
 * const alts = [
 *   { executor: "inline" as const, workers: 1, chunkSize: 20, concurrency: 1, predictedMs: 20 },
 *   { executor: "workers" as const, workers: 2, chunkSize: 1, concurrency: 1, predictedMs: 12 },
 * ];
 * const slow = { executor: "workers" as const, predictedMs: 12, measuredMs: 19 };
 * const plain = { executor: "inline" as const, predictedMs: 20, measuredMs: 19 };
 * let runs = [slow, { ...slow, measuredMs: 22 }, plain];
 * const c = corrections(runs);
 * const { choice } = repick(alts, c, 1.2, 20);
 * assert.equal(choice.executor, "inline");
 * assert.equal(staleOf(alts, c, runs, choice, 20), undefined); // measured just before
 * for (let k = 1; k < STALE_RUNS; k++) runs = [...runs, plain];
 * assert.equal(staleOf(alts, c, runs, choice, 20)?.executor, "workers");
 * ```
 */
export function staleOf(
  alternatives: readonly Alternative[],
  c: Corrections,
  runs: readonly RunRecord[],
  choice: Alternative,
  n: number | undefined,
): Alternative | undefined {
  if (!(choice.predictedMs <= TRIAL_MS)) return undefined;
  const scaled = _corrected(alternatives, c);
  for (const e of ["workers", "async", "inline"] as const) {
    if (e === choice.executor) continue;
    const last = runs.findLastIndex((r) => r.executor === e && !r.cold);
    if (last < 0) continue;
    const since = runs.slice(last + 1).filter((r) => r.executor === choice.executor).length;
    if (since < STALE_RUNS) continue;
    const best = _fastest(scaled.filter((a) => a.executor === e), n);
    if (best && best.predictedMs <= STALE_SHARE * choice.predictedMs) return best;
  }
  return undefined;
}

/** Runs of the choice after which another executor's runs are old (see {@linkcode staleOf}). */
export const STALE_RUNS = 4;
/** How close (a ratio) another executor's prediction must be to be rerun when old (see {@linkcode staleOf}). */
export const STALE_SHARE = 1.2;

/**
 * An executor to run a second time instead of the choice `repick` made: one measured by a
 * single warm run, slower than predicted, that would be the choice uncorrected. Its correction
 * rests on that run alone, and it is never measured again once another executor is chosen: a
 * run on 2 warm workers of 16 items of 1 ms measured 19.9 ms against 8.9 predicted (Node; the
 * first runs on workers of seven fresh decisions of that job measured 0.94–1.21×), and
 * the plain loop took every later call of the job, at 18 ms where auto without the cache ran
 * in 12. Run again, the faster of its two runs stands (see {@linkcode corrections}); a second
 * slow run confirms the first. Within the limit of a trial (`TRIAL_MS`), once per executor.
 *
 * @param alternatives The alternatives of the stored decision.
 * @param c The correction factors.
 * @param runs The recorded runs.
 * @param choice The choice of {@linkcode repick} (corrected).
 * @param minSpeedup The least speedup to leave the plain loop.
 * @param n The job's items (worker ties broken as a decision breaks them, where known).
 * @returns The alternative to run again, with its corrected prediction, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { corrections, repick, retryOf } from "./run_feedback.ts";
 * import assert from "node:assert/strict";
 *
 * const alts = [
 *   { executor: "inline" as const, workers: 1, chunkSize: 16, concurrency: 1, predictedMs: 14 },
 *   { executor: "workers" as const, workers: 2, chunkSize: 2, concurrency: 1, predictedMs: 9 },
 * ];
 * // One run on workers at 2.2× its prediction: the plain loop is chosen, workers run again.
 * const runs = [{ executor: "workers" as const, predictedMs: 9, measuredMs: 20 }];
 * const c = corrections(runs);
 * const { choice } = repick(alts, c, 1.2, 16);
 * assert.equal(choice.executor, "inline");
 * assert.equal(retryOf(alts, c, runs, choice, 1.2, 16)?.executor, "workers");
 * // A second run at 2× confirms it: no third.
 * const twice = [...runs, { executor: "workers" as const, predictedMs: 9, measuredMs: 18 }];
 * assert.equal(retryOf(alts, corrections(twice), twice, choice, 1.2, 16), undefined);
 * ```
 */
export function retryOf(
  alternatives: readonly Alternative[],
  c: Corrections,
  runs: readonly RunRecord[],
  choice: Alternative,
  minSpeedup: number,
  n: number | undefined,
): Alternative | undefined {
  if (!(choice.predictedMs <= TRIAL_MS)) return undefined;
  for (const e of ["workers", "async", "inline"] as const) {
    if (e === choice.executor || !(c[e] > 1)) continue;
    const warm = runs.filter((r) => r.executor === e && !r.cold).length;
    if (warm !== 1) continue;
    const again = repick(alternatives, { ...c, [e]: 1 }, minSpeedup, n).choice;
    if (again.executor === e) return { ...again, predictedMs: again.predictedMs * c[e] };
  }
  return undefined;
}

/**
 * What the warm runs on workers gained from them by their own measure: their compute over their
 * wall time (`RunRecord.computeMs` / `measuredMs`), the median; undefined without such a run.
 *
 * @param runs The recorded runs of one job.
 * @returns The median gain, or undefined.
 *
 * @example Usage
 * ```ts
 * import { workersGain } from "./run_feedback.ts";
 * import assert from "node:assert/strict";
 *
 * const run = { executor: "workers" as const, predictedMs: 20, measuredMs: 25, computeMs: 30 };
 * assert.equal(workersGain([run]), 1.2);
 * assert.equal(workersGain([{ ...run, cold: true }]), undefined);
 * ```
 */
export function workersGain(runs: readonly RunRecord[]): number | undefined {
  const gains = runs.filter((r) =>
    r.executor === "workers" && !r.cold && r.computeMs !== undefined && r.measuredMs > 0
  ).map((r) => r.computeMs! / r.measuredMs);
  return _median(gains);
}

/**
 * The gain of the workers' runs ({@linkcode workersGain}) where it has the plain loop tried once
 * instead of `choice`, a workers configuration: at most `TRIAL_SHARE`. Else undefined.
 *
 * @param runs The recorded runs of one job.
 * @param choice The choice of {@linkcode repick}.
 * @returns The gain, or undefined.
 *
 * @example Usage
 * ```ts
 * import { lowWorkersGain } from "./run_feedback.ts";
 * import assert from "node:assert/strict";
 *
 * const choice = { executor: "workers" as const, workers: 2, chunkSize: 8, concurrency: 1, predictedMs: 20 };
 * const run = { executor: "workers" as const, predictedMs: 20, measuredMs: 25, computeMs: 30 };
 * assert.equal(lowWorkersGain([run], choice), 1.2);
 * assert.equal(lowWorkersGain([{ ...run, computeMs: 50 }], choice), undefined); // 2×
 * ```
 */
export function lowWorkersGain(
  runs: readonly RunRecord[],
  choice: Alternative,
): number | undefined {
  const gain = workersGain(runs);
  return choice.executor === "workers" && gain !== undefined && gain <= TRIAL_SHARE
    ? gain
    : undefined;
}

/** The median of `xs` (the mean of the middle two for an even count); undefined for none. */
function _median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b), mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
