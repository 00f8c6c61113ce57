/**
 * The cgroup CPU quota, in cores: v2 `cpu.max` and v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`,
 * the tightest level from this process's cgroup up to the root. `cpu.weight` and `cpu.shares`
 * are relative weights, not limits, and are ignored (as Java and libuv now do).
 *
 * @module
 */
import type { CgroupPaths } from "./cgroup.ts";
import { smallestLimit } from "./cgroup_limit.ts";
import type { HostFiles } from "./host_files.ts";

/** A CPU quota in cores (`null` = none) and the file that set it. */
export interface CpuQuota {
  cores: number | null;
  source: string | undefined;
}

/**
 * Parse a v2 `cpu.max` (`"<quota> <period>"` or `"max <period>"`): cores, `null` for `max`, or
 * `undefined` for garbage.
 *
 * @example Usage
 * ```ts
 * import { parseCpuMax } from "./cpu_quota.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseCpuMax("150000 100000\n"), 1.5);
 * assert.equal(parseCpuMax("max 100000\n"), null);
 * assert.equal(parseCpuMax("lots of garbage"), undefined);
 * assert.equal(parseCpuMax(`${"9".repeat(400)} 100000`), undefined);
 * ```
 */
export function parseCpuMax(text: string): number | null | undefined {
  const m = /^(max|\d+)\s+(\d+)$/.exec(text.trim());
  if (!m || Number(m[2]) <= 0) return undefined;
  if (m[1] === "max") return null;
  const cores = Number(m[1]) / Number(m[2]);
  return cores > 0 && Number.isFinite(cores) ? cores : undefined; // digits past a double: garbage
}

/**
 * Find the CPU quota of this process's cgroups: v2 levels and v1 levels alike, keeping the
 * smallest. A v1 quota of -1 means none; a v1 quota counts only with its period.
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { readCgroupPaths } from "./cgroup.ts";
 * import { readCpuQuota } from "./cpu_quota.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/proc/self/cgroup": "0::/app\n",
 *   "/sys/fs/cgroup/app/cpu.max": "300000 100000\n",
 *   "/sys/fs/cgroup/cpu.max": "250000 100000\n",
 * });
 * // 300000/100000 = 3 cores at the leaf, 250000/100000 = 2.5 above it: 2.5 wins.
 * assert.deepEqual(readCpuQuota(files, readCgroupPaths(files)), {
 *   cores: 2.5,
 *   source: "/sys/fs/cgroup/cpu.max",
 * });
 * ```
 */
export function readCpuQuota(files: HostFiles, paths: CgroupPaths): CpuQuota {
  let best: CpuQuota = { cores: null, source: undefined };
  const keep = (cores: number | null, source: string | undefined) => {
    if (cores !== null && (best.cores === null || cores < best.cores)) best = { cores, source };
    else if (best.source === undefined) best = { cores: best.cores, source };
  };
  for (const dirs of paths.v2) {
    const found = smallestLimit(files, dirs, "cpu.max", {
      parse: parseCpuMax,
      expected: 'expected "<quota> <period>" or "max <period>"',
    });
    keep(found.value, found.source);
  }
  for (const dirs of paths.v1("cpu")) {
    for (const dir of dirs) {
      const v1 = _readV1Level(files, dir);
      if (v1) keep(v1.cores, v1.source);
    }
  }
  return best;
}

function _readV1Level(files: HostFiles, dir: string): CpuQuota | undefined {
  const quotaPath = `${dir}/cpu.cfs_quota_us`;
  const periodPath = `${dir}/cpu.cfs_period_us`;
  const quotaText = files.read(quotaPath);
  if (quotaText === undefined) return undefined;
  const periodText = files.read(periodPath);
  const quota = /^-?\d+$/.test(quotaText.trim()) ? Number(quotaText) : NaN;
  const period = periodText !== undefined && /^\d+$/.test(periodText.trim())
    ? Number(periodText)
    : NaN;
  const quotaOk = quota === -1 || (quota > 0 && Number.isFinite(quota));
  if (!quotaOk) files.garbage(quotaPath, "expected -1 or a positive number of microseconds");
  if (periodText !== undefined && !(period > 0 && Number.isFinite(period))) {
    files.garbage(periodPath, "expected a positive number of microseconds");
  }
  // A quota without its period (the kernel always has both) cannot be read as cores; a period
  // denied or unreadable has its own warning.
  if (periodText === undefined && quotaOk && quota !== -1 && files.missing(periodPath)) {
    files.warn(quotaPath, `ignored ${quotaPath}: no ${periodPath} beside it to divide it by`);
  }
  if (!quotaOk) return undefined;
  if (quota === -1) return { cores: null, source: quotaPath };
  if (!(period > 0 && Number.isFinite(period))) return undefined;
  return { cores: quota / period, source: quotaPath };
}
