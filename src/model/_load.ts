/**
 * Other processes' load around a decision: counted before the look, and settled from instant
 * counts after it (a look's decision) or after sampling (the rounds' readings).
 *
 * @module
 */
import { competingLoad, externalLoadNow, runnableThreads } from "../system/mod.ts";
import { type Job, poolTids } from "./_job.ts";
import type { PoolWorker } from "../engine/mod.ts";

/**
 * A load read before and after a look, or in the sampling rounds and after them, is taken as such
 * once it was still there this long (ms) after the count now (see `settledLoad`): on an idle
 * machine, other threads ran in bursts of up to 5 ms (98 bursts in 3 s of reading
 * `procs_running`, median 0.05 ms).
 */
const LOAD_SETTLE_MS = 6;
/** The most of a job's serial time that waiting for `LOAD_SETTLE_MS` may take. */
const LOAD_SETTLE_SHARE = 0.05;

/**
 * Other processes' load before the look, read just before it: at most the machine's runnable
 * threads less the reading one (one file read: this process's own threads, a file each, are
 * counted out after the look; see `jobLoad`).
 */
export function countLoadBefore(job: Job): void {
  const running = runnableThreads();
  job.loadBefore = running === undefined ? undefined : Math.max(0, running - 1);
}

/**
 * Other processes' load on this process's cores for a decision: the first count (`first`: the
 * count before the look, for a decision from the look — no sampling rounds read it — or the least
 * of the sampling rounds' counts, one a round) settled by counts now (see {@linkcode settledLoad});
 * at most the share that competes for this process's cores. Pool workers in `except` are ours
 * (the others that run chunks count as load). A thread runnable for a moment can be in each of a
 * few rounds' counts: 2,000 items of 1 ms on an idle machine read a busy core of two on 5 calls of
 * 24 in one measurement and 2 of 32 in another, and a call read so went inline ("2 workers
 * predicted only 1.14×"). A load that stays is in every count, and taken.
 *
 * @param job The job.
 * @param first The first count (undefined: unreadable).
 * @param serialMs The job's serial time (ms), which bounds the wait for a third count.
 * @param except Pool workers of this call.
 * @returns The competing load.
 */
export function jobLoad(
  job: Job,
  first: number | undefined,
  serialMs: number,
  except?: ReadonlySet<PoolWorker>,
): Promise<number> {
  const tids = poolTids(job, except);
  return settledLoad(first, () => externalLoadNow(tids), serialMs)
    .then((load) => competingLoad(load, job.sys));
}

/**
 * Whether other processes' load cannot turn the plain loop, chosen with none counted, into
 * workers — so that counting it (this process's threads' states read: 0.2–0.8 ms, a tenth of a
 * 5 ms job) can be skipped: the count before the look (`before`, an upper bound: the machine's
 * runnable threads less the reading one, this process's own among them) is at most `cpu` − 1.
 * Up to there, load only slows workers in the model (they share the cores with it; the plain
 * loop's pace was measured under it). Past it, every thread's fair share shrinks, the plain
 * loop's as theirs, and more threads take more of the machine: the model favours workers again
 * (a quota of 1.5 CPUs, 50 items of 0.2 ms, two warm workers: the plain loop with no load, two
 * workers 1.68× faster beside a load of 4.5).
 *
 * @param before The count before the look (undefined: unreadable).
 * @param cpu The CPU time this process may use (cores; a quota may make it fractional).
 * @returns Whether the count can be skipped.
 *
 * @example Usage
 * ```ts
 * import { loadCannotMatter } from "./_load.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(loadCannotMatter(1, 2), true);
 * assert.equal(loadCannotMatter(2, 2), false); // the model may favour workers there
 * assert.equal(loadCannotMatter(1, 1.5), false);
 * assert.equal(loadCannotMatter(undefined, 16), false);
 * ```
 */
export function loadCannotMatter(before: number | undefined, cpu: number): boolean {
  return before !== undefined && before <= cpu - 1;
}

/**
 * Other processes' runnable threads from instant counts (see `externalLoadNow`): the least of
 * `before` (the count before the look — the machine's count less the reading thread, an upper
 * bound: this process's own threads are in it — or the least of the sampling rounds' counts) and
 * one now (`read`, this process's own threads counted out); where both read a load, the least
 * with a third count taken `LOAD_SETTLE_MS` after the one now, waiting at most
 * `LOAD_SETTLE_SHARE` of the job's serial time `serialMs` (a job of 50 ms waits at most 2.5 ms)
 * and not at all under 1 ms. A thread runnable for a moment (a kernel worker, another process's
 * burst) is in one of them only: read as a busy core of two, it had sent 100 results of 100 KB on
 * two workers to the plain loop on one call of eight. The count before a look is no such witness:
 * this process's own threads (its runtime's compiler and collector after the look's items) kept
 * it at 1–4 on an idle machine, and where the look had lasted `LOAD_SETTLE_MS` the count now
 * decided alone — 12 of 90 calls of 150 markdown renders on Bun read a busy core, 5 of them ran
 * inline; with the third count, none of 90 (beside a CPU hog, 18 of 20 read it). Every further
 * count can also miss a load that is there (this process's own threads are counted before and
 * after it, the more of the two: Bun's helper threads), so there is no third count unless both
 * read one — nor a second where the first read none. 0 where nothing could be read.
 *
 * @param before The count before the look, or the sampling rounds' least (undefined: unreadable).
 * @param read Counts now.
 * @param serialMs The job's serial time (ms), which bounds the wait.
 * @returns The least count.
 *
 * @example Usage
 * ```ts
 * import { settledLoad } from "./_load.ts";
 * import assert from "node:assert/strict";
 *
 * const counts = [1, 0]; // a burst at the look's end, gone 6 ms after the count now
 * assert.equal(await settledLoad(1, () => counts.shift(), 1000), 0);
 * assert.equal(await settledLoad(0, () => 3, 1000), 0); // the count before read none
 * ```
 */
export async function settledLoad(
  before: number | undefined,
  read: () => number | undefined,
  serialMs: number,
): Promise<number> {
  const least = (...xs: (number | undefined)[]) => {
    const counts = xs.filter((x): x is number => x !== undefined);
    return counts.length > 0 ? Math.min(...counts) : 0;
  };
  // None before: the least is 0, whatever a count now (reading this process's threads' states,
  // 0.2–0.8 ms with its workers and helper threads running, of a 14 ms job on Bun).
  if (before === 0) return 0;
  let load = least(before, read());
  const wait = Math.min(LOAD_SETTLE_MS, LOAD_SETTLE_SHARE * serialMs);
  if (load > 0 && wait >= 1) {
    await new Promise((r) => setTimeout(r, wait));
    load = least(load, read());
  }
  return load;
}
