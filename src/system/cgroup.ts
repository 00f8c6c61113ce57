/**
 * Which cgroup this process is in (`/proc/self/cgroup`), where the hierarchies are mounted, and
 * the directories from a cgroup up to the root of its mount.
 *
 * @module
 */
import type { HostFiles } from "./host_files.ts";

/**
 * Mount points of the unified (v2) hierarchy: pure v2, then the hybrid layout's `unified/`.
 *
 * @example Usage
 * ```ts
 * import { V2_MOUNTS } from "./cgroup.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(V2_MOUNTS[0], "/sys/fs/cgroup");
 * ```
 */
export const V2_MOUNTS = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"];

/**
 * Mount points of the v1 hierarchies, by controller (`cpu` is often co-mounted with `cpuacct`).
 *
 * @example Usage
 * ```ts
 * import { V1_MOUNTS } from "./cgroup.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(V1_MOUNTS.cpu.includes("/sys/fs/cgroup/cpu,cpuacct"));
 * ```
 */
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
      files.garbage(file, 'expected lines "id:controllers:/path"', line);
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
