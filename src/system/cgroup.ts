/**
 * Which cgroup this process is in (`/proc/self/cgroup`), where the hierarchies are mounted, and
 * the walk from a cgroup up to the root of its mount that keeps the tightest limit.
 *
 * @module
 */
import type { HostFiles } from "./host_files.ts";

/** Mount points of the unified (v2) hierarchy: pure v2, then the hybrid layout's `unified/`. */
export const V2_MOUNTS = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"];

/** Mount points of the v1 hierarchies, by controller. */
export const V1_MOUNTS: Record<string, string[]> = {
  cpu: ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuacct,cpu"],
  cpuset: ["/sys/fs/cgroup/cpuset"],
  memory: ["/sys/fs/cgroup/memory"],
};

/** This process's cgroup paths: the unified (v2) one and one per v1 controller. */
export interface CgroupPaths {
  /** The path from the `0::` line (`"/"` when there is none). */
  v2: string;
  /** The path of a v1 controller (`"/"` when it is not listed). */
  v1(controller: string): string;
}

/**
 * Read `/proc/self/cgroup` (lines `id:controllers:path`). A missing or garbled file gives `"/"`
 * for every hierarchy, so that the limits at the mount roots are still found.
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { readCgroupPaths } from "./cgroup.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/proc/self/cgroup": "4:memory:/job\n1:cpu,cpuacct:/docker/1f\n0::/app\n",
 * });
 * const paths = readCgroupPaths(files);
 * assert.equal(paths.v2, "/app");
 * assert.equal(paths.v1("cpu"), "/docker/1f");
 * assert.equal(paths.v1("cpuset"), "/");
 * ```
 */
export function readCgroupPaths(files: HostFiles): CgroupPaths {
  const file = "/proc/self/cgroup";
  const text = files.read(file) ?? "";
  let v2 = "/";
  const v1 = new Map<string, string>();
  for (const line of text.split("\n").filter((l) => l.trim() !== "")) {
    const m = /^(\d+):([^:]*):(\/.*)$/.exec(line.trim());
    if (!m) {
      files.garbage(file, 'expected lines "id:controllers:/path"');
      continue;
    }
    if (m[1] === "0" && m[2] === "") v2 = m[3];
    else for (const c of m[2].split(",")) v1.set(c, m[3]);
  }
  return { v2, v1: (controller) => v1.get(controller) ?? "/" };
}

/**
 * The directories from a cgroup up to the root of its mount, leaf first. A path that climbs out
 * of the mount (`/../x`, seen inside cgroup namespaces) gives the mount root alone.
 *
 * @example Usage
 * ```ts
 * import { cgroupLevels } from "./cgroup.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(cgroupLevels("/sys/fs/cgroup", "/a/b"), [
 *   "/sys/fs/cgroup/a/b",
 *   "/sys/fs/cgroup/a",
 *   "/sys/fs/cgroup",
 * ]);
 * assert.deepEqual(cgroupLevels("/sys/fs/cgroup", "/../x"), ["/sys/fs/cgroup"]);
 * ```
 */
export function cgroupLevels(mount: string, path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) return [mount];
  const levels: string[] = [];
  for (let n = parts.length; n >= 0; n--) {
    levels.push([mount, ...parts.slice(0, n)].join("/"));
  }
  return levels;
}

/** The tightest limit found by {@linkcode smallestLimit}. */
export interface LimitFound {
  /** The smallest limit, or `null` when every file read said "no limit". */
  value: number | null;
  /** The file that gave `value` (for `null`: the first file read); `undefined` if none was read. */
  source: string | undefined;
}

/**
 * Read `name` in every directory of `dirs` and keep the smallest limit. `parse` returns a number,
 * `null` for "no limit", or `undefined` for garbage (the file is then ignored with a warning).
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { cgroupLevels, smallestLimit } from "./cgroup.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/sys/fs/cgroup/a/b/memory.max": "max\n",
 *   "/sys/fs/cgroup/a/memory.max": "1024\n",
 * });
 * const parse = (t: string) => (t.trim() === "max" ? null : Number(t));
 * const found = smallestLimit(files, cgroupLevels("/sys/fs/cgroup", "/a/b"), "memory.max", {
 *   parse,
 *   expected: "a number or max",
 * });
 * assert.deepEqual(found, { value: 1024, source: "/sys/fs/cgroup/a/memory.max" });
 * ```
 */
export function smallestLimit(
  files: HostFiles,
  dirs: string[],
  name: string,
  format: { parse: (text: string) => number | null | undefined; expected: string },
): LimitFound {
  const found: LimitFound = { value: null, source: undefined };
  for (const dir of dirs) {
    const path = `${dir}/${name}`;
    const text = files.read(path);
    if (text === undefined) continue;
    const value = format.parse(text);
    if (value === undefined) {
      files.garbage(path, format.expected);
      continue;
    }
    if (value !== null && (found.value === null || value < found.value)) {
      found.value = value;
      found.source = path;
    }
    found.source ??= path;
  }
  return found;
}
