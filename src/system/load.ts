/**
 * The machine's load as amorsize sees it: runnable threads right now (`procs_running` of
 * /proc/stat), an instant count, where the OS gives it.
 *
 * @module
 */
import { runtime } from "../runtime/mod.ts";

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
 * Runnable threads of this process now: the threads of /proc/self/task in state `R` (the calling
 * thread, its workers, the runtime's JIT-compiler and GC helpers); `undefined` where unreadable.
 *
 * @param root The proc directory of this process (a fixture in tests).
 * @returns The count, or undefined.
 *
 * @example Usage
 * ```ts
 * import { ownRunnableThreads } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const n = ownRunnableThreads();
 * assert.ok(n === undefined || n >= 1); // this thread runs while it reads
 * ```
 */
export function ownRunnableThreads(root = "/proc/self"): number | undefined {
  const rt = runtime();
  const tids = rt.listDir(`${root}/task`);
  if (!tids || tids.length === 0) return undefined;
  let running = 0, read = 0;
  for (const tid of tids) {
    const stat = rt.readTextFile(`${root}/task/${tid}/stat`);
    if (!stat.ok) continue; // the thread ended meanwhile
    read++;
    // The state follows the command name, which may hold spaces and parentheses.
    if (stat.text.charAt(stat.text.lastIndexOf(")") + 2) === "R") running++;
  }
  return read > 0 ? running : undefined;
}

/**
 * Runnable threads of other processes now: `procs_running` of /proc/stat less this process's own
 * (counted just before and just after, the larger count). Where this process's threads cannot
 * be read, `ownFallback` of them are assumed. `undefined` where /proc/stat is unreadable.
 *
 * The machine's count alone, less a fixed allowance for this runtime's helpers, read 1–2 busy
 * cores on an idle machine right after the calling thread had parsed documents on Bun: its JIT
 * and GC threads ran then (3–4 runnable threads of this process, every one the machine counted).
 *
 * @param ownFallback Threads of this process assumed runnable where they cannot be read.
 * @param stat The stat file (a fixture in tests).
 * @param root The proc directory of this process (a fixture in tests).
 * @returns The count, or undefined.
 *
 * @example Usage
 * ```ts
 * import { otherRunnableThreads } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const n = otherRunnableThreads(2);
 * assert.ok(n === undefined || n >= 0);
 * ```
 */
export function otherRunnableThreads(
  ownFallback: number,
  stat = "/proc/stat",
  root = "/proc/self",
): number | undefined {
  const before = ownRunnableThreads(root);
  const running = runnableThreads(stat);
  if (running === undefined) return undefined;
  const after = before === undefined ? undefined : ownRunnableThreads(root);
  const own = before === undefined || after === undefined ? ownFallback : Math.max(before, after);
  return Math.max(0, running - own);
}

/**
 * Cores kept busy by other processes, read on the calling thread: the smallest of three instant
 * readings of {@linkcode otherRunnableThreads}, at most `cores`. `undefined` where unreadable.
 *
 * @param cores Cores this process may use.
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
export function busyCoresNow(cores: number): number | undefined {
  const load = externalLoadNow();
  return load === undefined ? undefined : Math.min(cores, load);
}

/**
 * Runnable threads of other processes, read on the calling thread: the smallest of three instant
 * readings of {@linkcode otherRunnableThreads} (uncapped; see {@linkcode busyCoresNow}). Where
 * this process's threads cannot be read, two are assumed (this thread and one of the runtime's
 * helpers). `undefined` where unreadable.
 *
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
export function externalLoadNow(stat = "/proc/stat", root = "/proc/self"): number | undefined {
  let least: number | undefined;
  for (let k = 0; k < 3; k++) {
    const n = otherRunnableThreads(2, stat, root);
    if (n === undefined) return undefined;
    least = Math.min(least ?? n, n);
  }
  return least;
}
