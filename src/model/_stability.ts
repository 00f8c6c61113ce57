// Stability: the same job gives the same decision on repeated calls unless the machine's load
// changed (`loadChanged`) or the new measurement is clearly different. An in-process memory of
// the last decision per job (task, item-count octave): a new decision that picks another executor
// is kept only when it beats the previous executor's best alternative by more than 15 % —
// measurements near a threshold (minSpeedup, inline vs workers) otherwise flip between calls.
// An `execute` of a job this process decided before takes that decision again (`recallDecision`)
// without a look, where the load did not change; its run is the check (`recalledRan`).
import { type Alternative, type Decision, onWorkers } from "./decide.ts";
import type { OptimizationProfile } from "./optimization.ts";
import { loadChanged } from "./run_feedback.ts";
import { setLatest } from "../_latest.ts";

/** How much better (predicted) another executor must be to replace the previous one. */
export const SWITCH_MARGIN = 1.15;
const MAX_JOBS = 256;

interface Previous {
  executor: Decision["executor"];
  /**
   * Cores other processes kept busy at the decision; undefined where their load was not counted
   * (see `loadCannotMatter`): no change of load is read against it.
   */
  busyCores: number | undefined;
  /** What a later call needs to take the decision again (see `recallDecision`). */
  recall?: Recall & { decision: Decision; uses: number };
}

/**
 * What a decision rests on, for a later `execute` of the same job to take it again without
 * deciding (see {@linkcode recallDecision}).
 */
export interface Recall {
  /** Items of the job: a recall needs the same number. */
  n: number;
  /** The items the decision's prediction was for (those left after its look and sample). */
  items: number;
  /**
   * The calling thread's warm time per item in the look (ms): the job's plain loop at that pace
   * sizes the wait for a settled load (see `jobLoad`), and an inline run is watched against it.
   */
  pace: number;
  /** The cores and the options that change a decision (see `recallBasis`): the same needed. */
  basis: string;
  /** The pool the decision was for (a recall needs the same one). */
  pool: WeakRef<object>;
  /** The profile and warnings the decision came with, given again with it. */
  profile: OptimizationProfile;
  warnings: string[];
}

/** A decision taken again, with the profile and warnings it came with. */
export interface Recalled {
  decision: Decision;
  profile: OptimizationProfile;
  warnings: string[];
  /** The items its prediction (`decision.predictedMs`) was for. */
  items: number;
  /** The remembered entry it was taken from (see {@linkcode recalledRan}). */
  entry: object;
}

/**
 * Calls that may take a remembered decision again before one decides afresh (the run of a recalled
 * decision teaches the cache nothing: see `resolveRun`).
 */
export const RECALL_MOST = 7;
/**
 * How far from its prediction, either way, a recalled decision's run may take before the decision
 * is no longer taken again (see {@linkcode recalledRan}): the model's worst errors on this
 * machine's runs were 1.3–2× (a misjudged decision, 2.2×: workers predicted 1.35× faster than the
 * plain loop ran at 0.62×). Past it, the items are not the work the decision was made for (a
 * recall takes no look at them): a decision for items of a millisecond, taken again for items of
 * a microsecond, would send them in chunks of a few. A run on workers that took longer than the
 * plain loop's prediction ends the recalls as well.
 */
export const RECALL_OFF = 1.5;

const memory = new Map<string, Previous>();

/** Whether the load changed (see `loadChanged`), where both counts were made. */
const changed = (before: number | undefined, now: number | undefined, cores: number) =>
  before !== undefined && now !== undefined && loadChanged(before, now, cores);

const jobKey = (taskKey: string, n: number | undefined) =>
  `${taskKey}\u0000${n === undefined ? "?" : Math.floor(Math.log2(Math.max(1, n)))}`;

/**
 * Remember `d` as the last decision of the job; with `recall`, a later `execute` may take it
 * again (see {@linkcode recallDecision}).
 */
export function rememberDecision(
  taskKey: string,
  n: number | undefined,
  busyCores: number | undefined,
  d: Decision,
  recall?: Recall,
): void {
  const key = jobKey(taskKey, n);
  setLatest(memory, key, {
    executor: d.executor,
    busyCores,
    recall: recall && (d.executor === "inline" || d.executor === "workers")
      ? kept(recall, d)
      : undefined,
  }, MAX_JOBS);
}

/**
 * Copies of `d` and of `recall`'s profile to keep (the caller's go back to a user, who may change
 * them); undefined where one holds a value that cannot be copied (it is then not taken again).
 */
function kept(recall: Recall, d: Decision): Previous["recall"] {
  try {
    return {
      ...recall,
      decision: structuredClone(d),
      profile: structuredClone(recall.profile),
      warnings: [...recall.warnings],
      uses: 0,
    };
  } catch {
    return undefined;
  }
}

/**
 * The executor of the job's last decision in this process and the cores other processes kept
 * busy then (see `keepPrevious`), where there is one.
 *
 * @example Usage
 * ```ts
 * import { lastDecision, rememberDecision } from "./_stability.ts";
 * import assert from "node:assert/strict";
 *
 * const d = {
 *   executor: "inline" as const, workers: 1, chunkSize: 100, concurrency: 1, predictedMs: 5,
 *   serialMs: 5, predictedSpeedup: 1, reason: "Inline", alternatives: [],
 * };
 * rememberDecision("last-example", 100, 0, d);
 * assert.deepEqual(lastDecision("last-example", 100), { executor: "inline", busyCores: 0 });
 * assert.equal(lastDecision("last-example", 5000), undefined); // another number of items
 * ```
 */
export function lastDecision(
  taskKey: string,
  n: number | undefined,
): Pick<Previous, "executor" | "busyCores"> | undefined {
  const prev = memory.get(jobKey(taskKey, n));
  return prev && { executor: prev.executor, busyCores: prev.busyCores };
}

/**
 * This thread's pace (ms per item) behind the job's remembered decision, where a call on `pool`
 * with this `basis` may take it again (see {@linkcode recallDecision}); else undefined.
 */
export function rememberedPace(
  taskKey: string,
  n: number,
  basis: string,
  pool: object,
): number | undefined {
  const r = memory.get(jobKey(taskKey, n))?.recall;
  const may = r !== undefined && r.n === n && r.basis === basis && r.pool.deref() === pool &&
    r.uses < RECALL_MOST;
  return may ? r.pace : undefined;
}

/**
 * The job's remembered decision (inline or workers), taken again where nothing it rests on
 * changed: the same items, cores, options and pool (see {@linkcode rememberedPace}), the load not
 * changed (see `loadChanged`), and fewer than `RECALL_MOST` calls took it since it was decided.
 * Deciding again costs a 2 ms look and the measurements behind a decision (4 ms of a 20 ms job of
 * 1 µs items; 10–25 ms of jobs sampled in a worker); a recall, none of them.
 *
 * @example Usage
 * ```ts
 * import { recallDecision, rememberDecision, rememberedPace } from "./_stability.ts";
 * import assert from "node:assert/strict";
 *
 * const pool = {};
 * const decision = {
 *   executor: "workers" as const, workers: 2, chunkSize: 64, concurrency: 1, predictedMs: 60,
 *   serialMs: 100, predictedSpeedup: 1.67, reason: "Workers: 2 workers", alternatives: [],
 * };
 * const profile = {
 *   sampledItems: 0, sampledIn: "main" as const, alternatives: [], optimizeMs: 0,
 *   caps: { cores: 2, memory: Infinity, nested: Infinity, threads: Infinity },
 * };
 * const recall = {
 *   n: 1000, items: 1000, pace: 0.1, basis: "2", pool: new WeakRef(pool), profile, warnings: [],
 * };
 * rememberDecision("example", 1000, 0, decision, recall);
 * assert.equal(rememberedPace("example", 1000, "2", pool), 0.1);
 * assert.equal(recallDecision("example", 1000, "4", pool, 0, 2), undefined); // other cores
 * assert.equal(recallDecision("example", 1000, "2", pool, 2, 2), undefined); // loaded
 * assert.equal(recallDecision("example", 1000, "2", pool, 0, 2)?.decision.workers, 2);
 * ```
 */
export function recallDecision(
  taskKey: string,
  n: number,
  basis: string,
  pool: object,
  busyCores: number | undefined,
  cores: number,
): Recalled | undefined {
  if (rememberedPace(taskKey, n, basis, pool) === undefined) return undefined;
  const prev = memory.get(jobKey(taskKey, n))!;
  if (changed(prev.busyCores, busyCores, cores)) return undefined;
  const r = prev.recall!;
  r.uses++;
  const d = structuredClone(r.decision);
  return {
    decision: {
      ...d,
      reason: `${d.reason} (taken again from an earlier call of this job: the same items, ` +
        `cores, options and pool, and the load did not change)`,
    },
    profile: structuredClone(r.profile),
    warnings: [...r.warnings],
    items: r.items,
    entry: r,
  };
}

/**
 * The job's remembered decision is no longer taken again (its executor still counts for
 * `keepPrevious`): a call decided it otherwise than by the model or a cache hit's choice (too
 * small for workers, a trial, a failure), and its answer is the job's latest.
 */
export function forgetRecall(taskKey: string, n: number): void {
  const prev = memory.get(jobKey(taskKey, n));
  if (prev) prev.recall = undefined;
}

/**
 * A recalled decision's run took `measuredMs` for `share` of the items its predictions were for
 * (those left after its look): past `RECALL_OFF` × its prediction or under its prediction over
 * `RECALL_OFF`, or — on workers — past the plain loop's prediction, the job's decision is no
 * longer taken again (the next call decides afresh). One decision on workers of ten SHA-256 calls
 * was taken again call after call, each run slower than the plain loop it was predicted to beat
 * by 1.35×; the plain loop's prediction, from this thread's warm look, is the surer of the two. A
 * run within both changes nothing. With `entry` (see `Recalled.entry`), only where the job's
 * remembered decision is still the one the run took.
 *
 * @example Usage
 * ```ts
 * import { recallDecision, recalledRan, rememberDecision } from "./_stability.ts";
 * import assert from "node:assert/strict";
 *
 * const pool = {};
 * const decision = {
 *   executor: "workers" as const, workers: 2, chunkSize: 100, concurrency: 1, predictedMs: 40,
 *   serialMs: 60, predictedSpeedup: 1.5, reason: "Workers", alternatives: [],
 * };
 * const profile = {
 *   sampledItems: 0, sampledIn: "main" as const, alternatives: [], optimizeMs: 0,
 *   caps: { cores: 2, memory: Infinity, nested: Infinity, threads: Infinity },
 * };
 * const recall = {
 *   n: 400, items: 400, pace: 0.1, basis: "2", pool: new WeakRef(pool), profile, warnings: [],
 * };
 * rememberDecision("ran", 400, 0, decision, recall);
 * recalledRan("ran", 400, 1, 55); // slower than predicted, faster than the plain loop: kept
 * assert.ok(recallDecision("ran", 400, "2", pool, 0, 2));
 * recalledRan("ran", 400, 0.5, 31); // half the items, slower than the plain loop's 30 ms
 * assert.equal(recallDecision("ran", 400, "2", pool, 0, 2), undefined);
 * rememberDecision("ran", 400, 0, decision, recall);
 * recalledRan("ran", 400, 1, 20); // twice as fast as predicted: not the same work
 * assert.equal(recallDecision("ran", 400, "2", pool, 0, 2), undefined);
 * ```
 */
export function recalledRan(
  taskKey: string,
  n: number,
  share: number,
  measuredMs: number,
  entry?: object,
): void {
  const prev = memory.get(jobKey(taskKey, n));
  const d = prev?.recall?.decision;
  // (Only the entry the run's decision came from: another call may have remembered a newer one.)
  if (!d || (entry !== undefined && prev!.recall !== entry)) return;
  const expected = d.predictedMs * share;
  const off = measuredMs > RECALL_OFF * expected || measuredMs < expected / RECALL_OFF ||
    (d.executor === "workers" && measuredMs > d.serialMs * share);
  if (off) prev!.recall = undefined;
}

/** Forget every remembered decision (tests). */
export function forgetDecisions(): void {
  memory.clear();
}

/**
 * `d`, or — when the job's previous decision used another executor, the load did not change and
 * that executor's best alternative is within `SWITCH_MARGIN` of `d` — that alternative.
 */
export function keepPrevious(
  taskKey: string,
  n: number | undefined,
  busyCores: number | undefined,
  cores: number,
  d: Decision,
): Decision {
  const prev = memory.get(jobKey(taskKey, n));
  if (!prev || prev.executor === d.executor) return d;
  if (changed(prev.busyCores, busyCores, cores)) return d;
  if (!(d.predictedMs > 0) || !(d.serialMs > 0)) return d;
  let alt: Alternative | undefined;
  for (const a of d.alternatives) {
    if (a.rejected || a.executor !== prev.executor) continue;
    if (a.executor === "workers" && a.workers < 2) continue;
    if (!alt || a.predictedMs < alt.predictedMs) alt = a;
  }
  if (!alt || alt.predictedMs > SWITCH_MARGIN * d.predictedMs) return d;
  // Workers or async are kept only while they are predicted at least as fast as the plain loop.
  if (alt.executor !== "inline" && alt.predictedMs > d.serialMs) return d;
  const speedup = alt.executor === "inline" ? 1 : d.serialMs / alt.predictedMs;
  const what = alt.executor === "workers"
    ? `Workers: ${onWorkers(alt)}`
    : alt.executor === "async"
    ? `Async: ${alt.concurrency} calls in flight`
    : "Inline: a plain loop";
  return {
    ...d,
    executor: alt.executor,
    workers: alt.workers,
    chunkSize: alt.chunkSize,
    concurrency: alt.concurrency,
    predictedMs: alt.predictedMs,
    predictedSpeedup: speedup,
    reason: `${what}, as on the previous call of this job: the new best (${d.executor}) is ` +
      `predicted within ${Math.round((SWITCH_MARGIN - 1) * 100)} % of it and the load did not ` +
      `change`,
  };
}
