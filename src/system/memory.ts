/**
 * Memory: total, available and swap in use from `/proc/meminfo`; the cgroup limit from v2
 * `memory.max` / `memory.high` or v1 `memory.limit_in_bytes`, the tightest level up to the root,
 * and the room left under the limits (each level's limit less what its cgroups use).
 *
 * @module
 */
import { type CgroupPaths, readCgroupPaths } from "./cgroup.ts";
import { smallestLimit } from "./cgroup_limit.ts";
import { HostFiles } from "./host_files.ts";
import { runtime } from "../runtime/mod.ts";

/** One memory figure in bytes and where it came from. */
export interface MemoryFigure {
  bytes: number | null;
  source: string;
}

/** Limits at or above 2^60 bytes are "unlimited" sentinels (v1 prints 2^63 rounded to a page). */
const _UNLIMITED = 2 ** 60;

/**
 * Read `MemTotal`, `MemAvailable` and swap in use (`SwapTotal - SwapFree`) from `/proc/meminfo`,
 * in bytes. A figure the file does not give is `undefined`.
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { readMeminfo } from "./memory.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/proc/meminfo": "MemTotal: 4 kB\nMemAvailable: 3 kB\nSwapTotal: 2 kB\nSwapFree: 1 kB\n",
 * });
 * assert.deepEqual(readMeminfo(files), { total: 4096, available: 3072, swapUsed: 1024 });
 * ```
 */
export function readMeminfo(
  files: HostFiles,
): { total?: number; available?: number; swapUsed?: number } {
  const path = "/proc/meminfo";
  const text = files.read(path);
  if (text === undefined) return {};
  const kb = new Map<string, number>();
  for (const m of text.matchAll(/^(\w+):\s+(\d+)\s*kB\s*$/gm)) kb.set(m[1], Number(m[2]) * 1024);
  const total = kb.get("MemTotal");
  if (total === undefined || total <= 0) {
    files.garbage(path, 'expected "MemTotal: <n> kB"');
    return {};
  }
  const available = kb.get("MemAvailable") ??
    (kb.has("MemFree")
      ? kb.get("MemFree")! + (kb.get("Buffers") ?? 0) + (kb.get("Cached") ?? 0)
      : undefined);
  const swapTotal = kb.get("SwapTotal");
  const swapFree = kb.get("SwapFree");
  const swapUsed = swapTotal !== undefined && swapFree !== undefined
    ? Math.max(0, swapTotal - swapFree)
    : undefined;
  return { total, available, swapUsed };
}

/**
 * Parse a cgroup memory limit file: bytes, `null` for `max` or an "unlimited" sentinel, or
 * `undefined` for garbage.
 *
 * @example Usage
 * ```ts
 * import { parseMemoryLimit } from "./memory.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseMemoryLimit("2147483648\n"), 2147483648);
 * assert.equal(parseMemoryLimit("max\n"), null);
 * assert.equal(parseMemoryLimit("9223372036854771712\n"), null);
 * assert.equal(parseMemoryLimit("abc"), undefined);
 * ```
 */
export function parseMemoryLimit(text: string): number | null | undefined {
  const t = text.trim();
  if (t === "max") return null;
  if (!/^\d+$/.test(t)) return undefined;
  return Number(t) >= _UNLIMITED ? null : Number(t);
}

/**
 * The v1 `hierarchical_memory_limit` of a `memory.stat` text (the least limit of the cgroup and its
 * ancestors, also those above a container's view): bytes, `null` for none or an "unlimited"
 * sentinel or no such line, `undefined` where its value is garbled.
 */
function hierarchicalLimit(stat: string): number | null | undefined {
  const m = /^hierarchical_memory_limit\s+(\S+)\s*$/m.exec(stat);
  return m ? parseMemoryLimit(m[1]) : null;
}

/**
 * The cgroup memory limit of this process: the smallest of v2 `memory.max` and `memory.high` and
 * v1 `memory.limit_in_bytes` over every level from the cgroup up to the root. A limit above
 * `totalBytes` restricts nothing and counts as none (one equal to it is kept: LXCFS shows the
 * limit as the total). Source `"fallback"` when no file was read.
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { readCgroupPaths } from "./cgroup.ts";
 * import { readMemoryLimit } from "./memory.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/proc/self/cgroup": "0::/job\n",
 *   "/sys/fs/cgroup/job/memory.max": "2147483648\n",
 *   "/sys/fs/cgroup/job/memory.high": "max\n",
 * });
 * assert.deepEqual(readMemoryLimit(files, readCgroupPaths(files), 8 * 2 ** 30), {
 *   bytes: 2147483648,
 *   source: "/sys/fs/cgroup/job/memory.max",
 * });
 * ```
 */
export function readMemoryLimit(
  files: HostFiles,
  paths: CgroupPaths,
  totalBytes: number | null,
): MemoryFigure {
  const format = { parse: parseMemoryLimit, expected: 'expected a number of bytes or "max"' };
  const found = [
    ...paths.v2.flatMap((dirs) =>
      ["memory.max", "memory.high"].map((name) => smallestLimit(files, dirs, name, format))
    ),
    ...paths.v1("memory").flatMap((dirs) => [
      smallestLimit(files, dirs, "memory.limit_in_bytes", format),
      // The limit of the ancestors too, which a container's view of the hierarchy hides.
      smallestLimit(files, dirs, "memory.stat", {
        parse: hierarchicalLimit,
        expected: 'expected "hierarchical_memory_limit <bytes>"',
      }),
    ]),
  ];
  let best: MemoryFigure = { bytes: null, source: "fallback" };
  for (const f of found) {
    const bytes = f.value !== null && totalBytes !== null && f.value > totalBytes ? null : f.value;
    if (bytes !== null && (best.bytes === null || bytes < best.bytes)) {
      best = { bytes, source: f.source! };
    } else if (best.source === "fallback" && f.source) {
      best = { bytes: best.bytes, source: f.source };
    }
  }
  return best;
}

/**
 * The room left under this process's cgroup memory limits (bytes): at every level from its cgroup
 * up to the root that has a limit (v2 `memory.max` or `memory.high`, v1 `memory.limit_in_bytes`),
 * the limit less what that level's cgroups use (v2 `memory.current`, v1 `memory.usage_in_bytes`)
 * less their inactive file cache (the kernel reclaims it before it kills: `inactive_file` or v1
 * `total_inactive_file` of `memory.stat`); the least of them. The limit alone is no room: a
 * container of 2 GiB that already uses 1.9 GiB has 0.1 GiB left, and the host's `MemAvailable`
 * (not per cgroup) says nothing of it. `null` (source `"fallback"`) where no level has both a
 * limit and a usage read.
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { readCgroupPaths } from "./cgroup.ts";
 * import { readMemoryRoom } from "./memory.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/proc/self/cgroup": "0::/job\n",
 *   "/sys/fs/cgroup/job/memory.max": "2147483648\n",
 *   "/sys/fs/cgroup/job/memory.current": "2040528896\n",
 *   "/sys/fs/cgroup/job/memory.stat": "anon 1940000000\ninactive_file 40000000\n",
 * });
 * assert.deepEqual(readMemoryRoom(files, readCgroupPaths(files)), {
 *   bytes: 2147483648 - (2040528896 - 40000000),
 *   source: "/sys/fs/cgroup/job/memory.current",
 * });
 * ```
 */
export function readMemoryRoom(files: HostFiles, paths: CgroupPaths): MemoryFigure {
  return roomIn(files, memoryLevels(paths));
}

/** One cgroup level's memory files: its limits, its usage and its inactive file cache. */
interface MemoryLevel {
  dir: string;
  limits: string[];
  usage: string;
  inactive: string;
}

/** The memory levels of a process's cgroups, from each leaf up to the root of its mount. */
function memoryLevels(paths: CgroupPaths): MemoryLevel[] {
  return [
    ...paths.v2.flatMap((dirs) =>
      dirs.map((dir) => ({
        dir,
        limits: ["memory.max", "memory.high"],
        usage: "memory.current",
        inactive: "inactive_file",
      }))
    ),
    ...paths.v1("memory").flatMap((dirs) =>
      dirs.map((dir) => ({
        dir,
        limits: ["memory.limit_in_bytes", "memory.stat"],
        usage: "memory.usage_in_bytes",
        inactive: "total_inactive_file",
      }))
    ),
  ];
}

/** The limits a level sets (bytes; none where it sets none). */
function levelLimits(files: HostFiles, level: MemoryLevel): number[] {
  return level.limits.map((name) => {
    const text = files.read(`${level.dir}/${name}`);
    const parse = name === "memory.stat" ? hierarchicalLimit : parseMemoryLimit;
    return text === undefined ? null : parse(text) ?? null;
  }).filter((x): x is number => x !== null);
}

/** The least room over `levels` (see `readMemoryRoom`). */
function roomIn(files: HostFiles, levels: readonly MemoryLevel[]): MemoryFigure {
  let best: MemoryFigure = { bytes: null, source: "fallback" };
  for (const level of levels) {
    const limits = levelLimits(files, level);
    if (limits.length === 0) continue;
    const usagePath = `${level.dir}/${level.usage}`;
    const usageText = files.read(usagePath);
    if (usageText === undefined) continue;
    const used = /^\s*\d+\s*$/.test(usageText) ? Number(usageText) : undefined;
    if (used === undefined) {
      files.garbage(usagePath, "expected a number of bytes");
      continue;
    }
    const stat = files.read(`${level.dir}/memory.stat`) ?? "";
    const m = new RegExp(`^${level.inactive}\\s+(\\d+)\\s*$`, "m").exec(stat);
    const inactive = m ? Math.min(Number(m[1]), used) : 0;
    const room = Math.max(0, Math.min(...limits) - (used - inactive));
    if (best.bytes === null || room < best.bytes) best = { bytes: room, source: usagePath };
  }
  return best;
}

/** This process's memory levels that set a limit, found once (see `memoryRoomNow`). */
let limitedLevels: MemoryLevel[] | undefined;

/**
 * The room left under this process's cgroup memory limits now (bytes; see
 * {@linkcode readMemoryRoom}), or `null` where no level has a limit. Read live, for each worker
 * started: the probe's figure is the room on a process's first call. The levels with a limit are
 * found at the first call (as `threadRoomNow` finds those with a thread limit); later calls read
 * only theirs, and a host without a limit reads nothing more.
 *
 * @example Usage
 * ```ts
 * import { memoryRoomNow } from "./memory.ts";
 * import assert from "node:assert/strict";
 *
 * const room = memoryRoomNow();
 * assert.ok(room === null || room >= 0);
 * ```
 */
export function memoryRoomNow(): number | null {
  const rt = runtime();
  const files = new HostFiles("/", (path) => rt.readTextFile(path));
  limitedLevels ??= memoryLevels(readCgroupPaths(files)).filter((level) =>
    levelLimits(files, level).length > 0
  );
  return limitedLevels.length === 0 ? null : roomIn(files, limitedLevels).bytes;
}
