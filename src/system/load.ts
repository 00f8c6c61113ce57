/**
 * The machine's load as amorsize sees it: runnable threads right now (`procs_running` of
 * /proc/stat), an instant count, where the OS gives it.
 *
 * @module
 */
import { runtime } from "../runtime/mod.ts";
import type { SystemInfo } from "./system_info.ts";
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
 * runnable threads (counted just before and just after, the larger count). The threads of
 * `loadTids` are not this process's own here: pool workers that run other calls' chunks take
 * cores as other processes do. Where this process's threads cannot be read, `fallbackOwn` are
 * taken as its own. 0 at once where the machine runs one thread, the reading one. `undefined`
 * where /proc/stat is unreadable.
 *
 * The machine's count alone, less a fixed allowance for this runtime's helpers, read 1–2 busy
 * cores on an idle machine right after the calling thread had parsed documents on Bun: its JIT
 * and GC threads ran then (3–4 runnable threads of this process, every one the machine counted).
 *
 * @param loadTids Thread ids of this process that count as load (pool workers of other calls).
 * @param fallbackOwn Threads of this process taken as runnable where they cannot be read.
 * @param stat The stat file (a fixture in tests).
 * @param root The proc directory of this process (a fixture in tests).
 * @returns The count, or undefined.
 *
 * @example Usage
 * ```ts
 * import { otherRunnableThreads } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const n = otherRunnableThreads(new Set(), 2);
 * assert.ok(n === undefined || n >= 0);
 * ```
 */
export function otherRunnableThreads(
  loadTids: ReadonlySet<string>,
  fallbackOwn: number,
  stat = "/proc/stat",
  root = "/proc/self",
): number | undefined {
  if (onlyThisThread(stat)) return 0;
  const before = ownRunnable(loadTids, root);
  const running = runnableThreads(stat);
  if (running === undefined) return undefined;
  const after = before === undefined ? undefined : ownRunnable(loadTids, root);
  return Math.max(0, running - ownOr(before, after, fallbackOwn));
}

/**
 * Whether the machine runs one thread only: the one reading (then nothing else is runnable, and
 * this process's threads need not be read: a few hundred microseconds with a pool of workers).
 */
function onlyThisThread(stat: string): boolean {
  const n = runnableThreads(stat);
  return n !== undefined && n <= 1;
}

/** This process's runnable threads, leaving out `loadTids`; undefined where unreadable. */
function ownRunnable(loadTids: ReadonlySet<string>, root: string): number | undefined {
  return runnableThreadIds(root)?.filter((tid) => !loadTids.has(tid)).length;
}

/** This process's own runnable threads from two counts, else `fallback`. */
function ownOr(before: number | undefined, after: number | undefined, fallback: number): number {
  return before === undefined || after === undefined ? fallback : Math.max(before, after);
}

/**
 * Cores of this process kept busy by other processes (and by pool workers running other calls'
 * chunks), read on the calling thread: {@linkcode externalLoadNow}, the share that competes for
 * this process's cores ({@linkcode competingLoad}), at most its effective cores. `undefined`
 * where unreadable.
 *
 * @param host The CPUs online, those this process may run on, its quota and effective cores.
 * @param loadTids Thread ids of this process that count as load (pool workers of other calls).
 * @returns Busy cores, or undefined.
 *
 * @example Usage
 * ```ts
 * import { busyCoresNow } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const host = { logicalCores: 2, affinityCores: 2, cpuQuota: null, effectiveCores: 2 };
 * const b = busyCoresNow(host);
 * assert.ok(b === undefined || (b >= 0 && b <= 2));
 * ```
 */
export function busyCoresNow(
  host: Pick<SystemInfo, "logicalCores" | "affinityCores" | "cpuQuota" | "effectiveCores">,
  loadTids: ReadonlySet<string> = new Set(),
): number | undefined {
  const load = externalLoadNow(loadTids);
  return load === undefined ? undefined : Math.min(host.effectiveCores, competingLoad(load, host));
}

/**
 * Runnable threads of other processes (and pool workers running other calls' chunks), read on
 * the calling thread while no measurement of its own runs: the smallest of three readings of
 * `procs_running`, less this process's own runnable threads counted before and after them (see
 * {@linkcode otherRunnableThreads}; two where they cannot be read: this thread and one of the
 * runtime's helpers; uncapped, see {@linkcode busyCoresNow}); 0 at once where the machine runs
 * one thread, the reading one. `undefined` where unreadable.
 *
 * @param loadTids Thread ids of this process that count as load (pool workers of other calls).
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
  loadTids: ReadonlySet<string> = new Set(),
  stat = "/proc/stat",
  root = "/proc/self",
): number | undefined {
  if (onlyThisThread(stat)) return 0;
  const before = ownRunnable(loadTids, root);
  let least = Infinity;
  for (let k = 0; k < 3; k++) {
    const n = runnableThreads(stat);
    if (n === undefined) return undefined;
    least = Math.min(least, n);
  }
  const after = before === undefined ? undefined : ownRunnable(loadTids, root);
  return Math.max(0, least - ownOr(before, after, 2));
}

/**
 * Of `others` runnable threads counted on the whole machine (`procs_running` is not per cgroup or
 * CPU set), those that take cores from this process: the share on the CPUs it may run on (an
 * even spread: a count of the machine cannot say where they run), less the CPUs of that set its
 * quota leaves to others (a quota of 2 cores on 64 CPUs competes only once 62 are busy). A
 * container of 2 cores on a machine of 64 with 41 runnable threads read 2 of 2 cores busy.
 * Unchanged where the process may use every CPU and has no quota.
 *
 * @param others Runnable threads of other processes (see {@linkcode externalLoadNow}).
 * @param host The CPUs online, those this process may run on, and its quota.
 * @returns The threads that compete with this process for its cores.
 *
 * @example Usage
 * ```ts
 * import { competingLoad } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const pod = { logicalCores: 64, affinityCores: 64, cpuQuota: 2 };
 * assert.equal(competingLoad(41, pod), 0); // 23 CPUs idle: the quota's 2 are among them
 * assert.equal(competingLoad(63, pod), 1);
 * assert.equal(competingLoad(8, { logicalCores: 8, affinityCores: 2, cpuQuota: null }), 2);
 * assert.equal(competingLoad(3, { logicalCores: 2, affinityCores: 2, cpuQuota: null }), 3);
 * ```
 */
export function competingLoad(
  others: number,
  host: Pick<SystemInfo, "logicalCores" | "affinityCores" | "cpuQuota">,
): number {
  const online = Math.max(1, host.logicalCores);
  const mayUse = Math.max(1, Math.min(online, host.affinityCores));
  const onMine = others * (mayUse / online);
  const spare = host.cpuQuota === null ? 0 : Math.max(0, mayUse - Math.ceil(host.cpuQuota));
  return Math.max(0, onMine - spare);
}
