/**
 * The machine's load as amorsize sees it: runnable threads right now (`procs_running` of
 * /proc/stat), an instant count, where the OS gives it.
 *
 * @module
 */
import { runtime } from "../runtime/mod.ts";
import { runnableThreadIds } from "./thread_cpu.ts";

/**
 * Runnable threads on the machine now (`procs_running` of /proc/stat; this process's running
 * threads included); `undefined` where unreadable.
 *
 * @param path The stat file (a fixture in tests).
 * @returns The count, or undefined.
 *
 * @example Usage
 * ```ts
 * import { runnableThreads } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const n = runnableThreads();
 * assert.ok(n === undefined || n >= 1); // this thread runs while it reads
 * ```
 */
export function runnableThreads(path = "/proc/stat"): number | undefined {
  const r = runtime().readTextFile(path);
  if (!r.ok) return undefined;
  const m = /^procs_running\s+(\d+)/m.exec(r.text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Runnable threads of other processes now: `procs_running` of /proc/stat less this process's own
 * runnable threads (counted just before and just after, the larger count) and `ours` more. The
 * threads of `poolTids` (pool workers) are not this process's own here: a pool worker runs
 * another call's chunks (they take cores as other processes do), or one of the caller's own
 * measurement, which `ours` counts. Where this process's threads cannot be read, `ours` + 2 are
 * taken as its own (this thread and one of the runtime's helpers). `undefined` where /proc/stat is
 * unreadable.
 *
 * The machine's count alone, less a fixed allowance for this runtime's helpers, read 1–2 busy
 * cores on an idle machine right after the calling thread had parsed documents on Bun: its JIT
 * and GC threads ran then (3–4 runnable threads of this process, every one the machine counted).
 *
 * @param ours Pool workers running for the caller now (a sampling worker, workers starting).
 * @param poolTids Thread ids of the pool's workers.
 * @param stat The stat file (a fixture in tests).
 * @param root The proc directory of this process (a fixture in tests).
 * @returns The count, or undefined.
 *
 * @example Usage
 * ```ts
 * import { otherRunnableThreads } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const n = otherRunnableThreads(0);
 * assert.ok(n === undefined || n >= 0);
 * ```
 */
export function otherRunnableThreads(
  ours: number,
  poolTids: ReadonlySet<string> = new Set(),
  stat = "/proc/stat",
  root = "/proc/self",
): number | undefined {
  const before = ownRunnable(poolTids, root);
  const running = runnableThreads(stat);
  if (running === undefined) return undefined;
  const after = before === undefined ? undefined : ownRunnable(poolTids, root);
  return Math.max(0, running - ownOr(before, after, ours));
}

/** This process's runnable threads, leaving out `poolTids`; undefined where unreadable. */
function ownRunnable(poolTids: ReadonlySet<string>, root: string): number | undefined {
  return runnableThreadIds(root)?.filter((tid) => !poolTids.has(tid)).length;
}

/** This process's own runnable threads from two counts, or the fallback for `ours`. */
function ownOr(before: number | undefined, after: number | undefined, ours: number): number {
  return before === undefined || after === undefined ? ours + 2 : Math.max(before, after) + ours;
}

/**
 * Cores kept busy by other processes (and by pool workers running other calls' chunks), read on
 * the calling thread: {@linkcode externalLoadNow}, at most `cores`. `undefined` where unreadable.
 *
 * @param cores Cores this process may use.
 * @param poolTids Thread ids of the pool's workers.
 * @returns Busy cores, or undefined.
 *
 * @example Usage
 * ```ts
 * import { busyCoresNow } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const b = busyCoresNow(2);
 * assert.ok(b === undefined || (b >= 0 && b <= 2));
 * ```
 */
export function busyCoresNow(
  cores: number,
  poolTids: ReadonlySet<string> = new Set(),
): number | undefined {
  const load = externalLoadNow(poolTids);
  return load === undefined ? undefined : Math.min(cores, load);
}

/**
 * Runnable threads of other processes (and pool workers running other calls' chunks), read on
 * the calling thread while no measurement of its own runs: the smallest of three readings of
 * `procs_running`, less this process's own runnable threads counted before and after them (see
 * {@linkcode otherRunnableThreads}; uncapped, see {@linkcode busyCoresNow}). `undefined` where
 * unreadable.
 *
 * @param poolTids Thread ids of the pool's workers.
 * @param stat The stat file (a fixture in tests).
 * @param root The proc directory of this process (a fixture in tests).
 * @returns The count, or undefined.
 *
 * @example Usage
 * ```ts
 * import { externalLoadNow } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const l = externalLoadNow();
 * assert.ok(l === undefined || l >= 0);
 * ```
 */
export function externalLoadNow(
  poolTids: ReadonlySet<string> = new Set(),
  stat = "/proc/stat",
  root = "/proc/self",
): number | undefined {
  const before = ownRunnable(poolTids, root);
  let least = Infinity;
  for (let k = 0; k < 3; k++) {
    const n = runnableThreads(stat);
    if (n === undefined) return undefined;
    least = Math.min(least, n);
  }
  const after = before === undefined ? undefined : ownRunnable(poolTids, root);
  return Math.max(0, least - ownOr(before, after, 0));
}
