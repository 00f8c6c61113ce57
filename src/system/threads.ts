/**
 * Threads: the cgroup limit on the threads and processes of this process's cgroup (v2 and v1
 * `pids.max`, the tightest level up to the root) and the room left under it (each limited level's
 * `pids.max` less its `pids.current`). Every worker is a thread of this process: a container of
 * `--pids-limit 64` on 32 cores cannot start 32 of them beside its own threads, and where the
 * system refuses a thread that a runtime starts for itself (Deno's and Bun's helper threads), the
 * runtime may abort the whole process.
 *
 * @module
 */
import { type CgroupPaths, readCgroupPaths } from "./cgroup.ts";
import { smallestLimit } from "./cgroup_limit.ts";
import { HostFiles } from "./host_files.ts";
import { runtime } from "../runtime/mod.ts";

/** One thread figure and where it came from. */
export interface ThreadFigure {
  /** Threads; `null` = no limit. */
  count: number | null;
  source: string;
}

/**
 * Threads left to the runtime itself under a pids limit: the workers of a pool stop short of it
 * (libuv's thread pool of 4, which the first file or DNS call starts, and the helper threads the
 * runtimes start on their own: Bun's first worker brought 2 more threads, Deno's 1).
 */
export const RUNTIME_THREADS = 8;

/**
 * Parse a `pids.max` file: a count, `null` for `max`, or `undefined` for garbage.
 *
 * @example Usage
 * ```ts
 * import { parsePidsLimit } from "./threads.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parsePidsLimit("64\n"), 64);
 * assert.equal(parsePidsLimit("max\n"), null);
 * assert.equal(parsePidsLimit("-1"), undefined);
 * ```
 */
export function parsePidsLimit(text: string): number | null | undefined {
  const t = text.trim();
  if (t === "max") return null;
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/** The cgroup directories that may hold `pids.max`: the unified hierarchy's and v1 `pids`'. */
function pidsLevels(paths: CgroupPaths): string[][] {
  return [...paths.v2, ...paths.v1("pids")];
}

/**
 * The cgroup limit on threads: the smallest `pids.max` over every level from the process's
 * cgroup up to the mount root, of the unified (v2) hierarchy and of the v1 `pids` controller.
 * Source `"fallback"` when no file was read.
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { readCgroupPaths } from "./cgroup.ts";
 * import { readThreadLimit } from "./threads.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/proc/self/cgroup": "0::/job\n",
 *   "/sys/fs/cgroup/job/pids.max": "64\n",
 *   "/sys/fs/cgroup/pids.max": "max\n",
 * });
 * assert.deepEqual(readThreadLimit(files, readCgroupPaths(files)), {
 *   count: 64,
 *   source: "/sys/fs/cgroup/job/pids.max",
 * });
 * ```
 */
export function readThreadLimit(files: HostFiles, paths: CgroupPaths): ThreadFigure {
  const format = { parse: parsePidsLimit, expected: 'expected a count or "max"' };
  let best: ThreadFigure = { count: null, source: "fallback" };
  for (const dirs of pidsLevels(paths)) {
    const f = smallestLimit(files, dirs, "pids.max", format);
    if (f.value !== null && (best.count === null || f.value < best.count)) {
      best = { count: f.value, source: f.source! };
    } else if (best.source === "fallback" && f.source) best = { count: null, source: f.source };
  }
  return best;
}

/**
 * The threads this process may still start under its cgroup limits: at every level with a
 * `pids.max`, that limit less the level's `pids.current` (the threads and processes of it and
 * the cgroups below it); the least of them. `null` (source `"fallback"`) where no level has both.
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { readCgroupPaths } from "./cgroup.ts";
 * import { readThreadRoom } from "./threads.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/proc/self/cgroup": "0::/job\n",
 *   "/sys/fs/cgroup/job/pids.max": "64\n",
 *   "/sys/fs/cgroup/job/pids.current": "40\n",
 * });
 * assert.deepEqual(readThreadRoom(files, readCgroupPaths(files)), {
 *   count: 24,
 *   source: "/sys/fs/cgroup/job/pids.current",
 * });
 * ```
 */
export function readThreadRoom(files: HostFiles, paths: CgroupPaths): ThreadFigure {
  return roomIn(files, pidsLevels(paths).flat());
}

/** The least room under the `pids.max` of the cgroup directories `dirs` (see `readThreadRoom`). */
function roomIn(files: HostFiles, dirs: string[]): ThreadFigure {
  let best: ThreadFigure = { count: null, source: "fallback" };
  for (const dir of dirs) {
    const text = files.read(`${dir}/pids.max`);
    const limit = text === undefined ? null : parsePidsLimit(text) ?? null;
    if (limit === null) continue;
    const path = `${dir}/pids.current`;
    const current = files.read(path);
    if (current === undefined) continue;
    if (!/^\s*\d+\s*$/.test(current)) {
      files.garbage(path, "expected a count");
      continue;
    }
    const room = Math.max(0, limit - Number(current));
    if (best.count === null || room < best.count) best = { count: room, source: path };
  }
  return best;
}

/** The cgroup directories of this process that have a `pids.max` (found once: see `threadRoomNow`). */
let limitedDirs: string[] | undefined;

/**
 * The threads this process may still start under its cgroup limits, read now (see
 * `readThreadRoom`); `null` where no limit is found or the files cannot be read. The levels
 * with a limit are found at the first call; later calls read only theirs (a host without a
 * limit reads nothing more).
 *
 * @example Usage
 * ```ts
 * import { threadRoomNow } from "./threads.ts";
 * import assert from "node:assert/strict";
 *
 * const room = threadRoomNow();
 * assert.ok(room === null || room >= 0);
 * ```
 */
export function threadRoomNow(): number | null {
  const rt = runtime();
  const files = new HostFiles("/", (path) => rt.readTextFile(path));
  limitedDirs ??= pidsLevels(readCgroupPaths(files)).flat().filter((dir) => {
    const text = files.read(`${dir}/pids.max`);
    return text !== undefined && typeof parsePidsLimit(text) === "number";
  });
  return limitedDirs.length === 0 ? null : roomIn(files, limitedDirs).count;
}
