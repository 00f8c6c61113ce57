/**
 * Effective cores: how many workers can run at once without being throttled.
 *
 * @module
 */

/** A core count (or a quota in cores, `null` = none) and where it came from. */
export interface CoreFigure {
  cores: number | null;
  source: string;
}

/**
 * `floor(min(logical, affinity, quota))`, at least 1; the source is the figure that bound it
 * (the first, in the order given, that reached the minimum).
 *
 * Why floor and not ceil (Go 1.25, Java, .NET and loky round up): a quota of 1.5 cores gives one
 * worker, which is never throttled; two workers would use 2 cores' worth of time per period,
 * exhaust the quota 25 % before the period ends and stall together until the next one, which shows
 * as tail latency (automaxprocs' measurements). Rounding down is the conservative side, as in
 * Rust's `available_parallelism`, libuv and automaxprocs; the part of a core left unused is small
 * next to the cost of throttling, and the optimizer searches worker counts below this bound anyway,
 * so it never needs the bound to be generous.
 *
 * @param figures The logical cores, the affinity cores and the quota, in that order.
 *
 * @example Usage
 * ```ts
 * import { effectiveCores } from "./effective_cores.ts";
 * import assert from "node:assert/strict";
 *
 * const got = effectiveCores([
 *   { cores: 8, source: "/sys/devices/system/cpu/online" },
 *   { cores: 8, source: "/proc/self/status" },
 *   { cores: 1.5, source: "/sys/fs/cgroup/cpu.max" },
 * ]);
 * assert.deepEqual(got, { cores: 1, source: "/sys/fs/cgroup/cpu.max" });
 * ```
 */
export function effectiveCores(figures: CoreFigure[]): { cores: number; source: string } {
  let best: { cores: number; source: string } | undefined;
  for (const f of figures) {
    if (f.cores !== null && (best === undefined || f.cores < best.cores)) {
      best = { cores: f.cores, source: f.source };
    }
  }
  if (!best) throw new TypeError("'figures' must hold at least one core count, got none");
  return { cores: Math.max(1, Math.floor(best.cores)), source: best.source };
}
