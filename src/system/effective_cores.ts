/**
 * Effective cores: how many workers can run at once without being throttled; and the CPU time
 * this process may use, in cores, which a quota can leave fractional.
 *
 * @module
 */
import type { SystemInfo } from "./system_info.ts";

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

/**
 * The CPU time this process may use, in cores: the least of its logical cores, affinity cores
 * and quota, not rounded (`AMORSIZE_CPUS`, where set, is the whole figure). Effective cores
 * round a quota down, so that no worker is ever throttled; the wall time of a batch job is bound
 * by the CPU time its quota gives each period instead: under a quota of 1.5 cores on 2, two
 * workers ran 800 items of 1.3 ms of computation 1.49× faster than the plain loop (Deno), where
 * one worker cannot beat it. The optimizer considers `ceil` of this many workers, sharing this
 * much CPU.
 *
 * @param sys The probe's figures.
 * @returns Cores, at least 1 where no figure is under 1 (a quota of half a core gives 0.5).
 *
 * @example Usage
 * ```ts
 * import { cpuCapacity } from "./effective_cores.ts";
 * import assert from "node:assert/strict";
 *
 * const sources = { effectiveCores: "/sys/fs/cgroup/cpu.max" };
 * const host = { logicalCores: 4, affinityCores: 4, cpuQuota: 1.5, effectiveCores: 1, sources };
 * assert.equal(cpuCapacity(host), 1.5);
 * assert.equal(cpuCapacity({ ...host, cpuQuota: null, effectiveCores: 4 }), 4);
 * ```
 */
export function cpuCapacity(
  sys: Pick<SystemInfo, "logicalCores" | "affinityCores" | "cpuQuota" | "effectiveCores"> & {
    sources: { effectiveCores: string };
  },
): number {
  if (sys.sources.effectiveCores === "AMORSIZE_CPUS") return sys.effectiveCores;
  return Math.min(sys.logicalCores, sys.affinityCores, sys.cpuQuota ?? Infinity);
}
