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
 * Cores kept busy by other processes, read on the calling thread while this process is otherwise
 * idle: the smallest of three instant readings, less this thread and one runnable thread allowed
 * for the runtime's own helpers (the same allowance as the sampling's reading), at most `cores`.
 * `undefined` where unreadable.
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
 * Runnable threads of other processes, read on the calling thread while this process is
 * otherwise idle (uncapped; see {@linkcode busyCoresNow}); `undefined` where unreadable.
 *
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
export function externalLoadNow(): number | undefined {
  const readings = [runnableThreads(), runnableThreads(), runnableThreads()];
  if (readings.some((r) => r === undefined)) return undefined;
  return Math.max(0, Math.min(...(readings as number[])) - 2);
}
