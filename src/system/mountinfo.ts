/**
 * The mounts of this process's mount namespace, as `/proc/self/mountinfo` lists them.
 *
 * @module
 */
import type { HostFiles } from "./host_files.ts";

/** One mount of `/proc/self/mountinfo`. */
export interface Mount {
  /** The device (`major:minor`): mounts of one file system (one cgroup hierarchy) share it. */
  device: string;
  /** The part of the file system the mount shows (`/` for all of it). */
  root: string;
  /** Where it is mounted. */
  point: string;
  /** The file system's type (`cgroup2`, `cgroup`, `fuse.lxcfs`, …). */
  type: string;
  /** The mount's source (`lxcfs`, `cgroup2`, a device, …). */
  source: string;
  /** The file system's own options (for a v1 cgroup hierarchy: its controllers among them). */
  superOptions: string[];
}

/**
 * The mounts of `/proc/self/mountinfo` (fields: id, parent, device, root, mount point, options,
 * optional fields, `-`, type, source, super options), in order, their paths' octal escapes
 * (`\040` for a space) decoded; undefined where the file cannot be read. Lines of another shape
 * are skipped.
 *
 * @param files The host files.
 * @returns The mounts, or undefined.
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { readMounts } from "./mountinfo.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/proc/self/mountinfo":
 *     "30 25 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n" +
 *     "31 25 0:60 /proc/cpuinfo /proc/cpuinfo rw - fuse.lxcfs lxcfs rw,allow_other\n",
 * });
 * assert.deepEqual(readMounts(files)?.map((m) => [m.point, m.type]), [
 *   ["/sys/fs/cgroup", "cgroup2"],
 *   ["/proc/cpuinfo", "fuse.lxcfs"],
 * ]);
 * assert.equal(readMounts(HostFiles.fromRecord({})), undefined);
 * ```
 */
export function readMounts(files: HostFiles): Mount[] | undefined {
  const text = files.read("/proc/self/mountinfo");
  if (text === undefined) return undefined;
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(" ");
    const dash = fields.indexOf("-", 6);
    if (dash < 0 || fields.length < dash + 4) continue;
    mounts.push({
      device: fields[2],
      root: unescape(fields[3]),
      point: unescape(fields[4]),
      type: fields[dash + 1],
      source: fields[dash + 2],
      superOptions: fields[dash + 3].split(","),
    });
  }
  return mounts;
}

/**
 * Whether LXCFS serves `path` (a FUSE file system that stands in for `/proc` and `/sys` files in
 * a container, with figures of the container's own): mounted at it or at a folder above it.
 *
 * @param files The host files.
 * @param path The file's path.
 * @returns Whether its text comes from LXCFS.
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { servedByLxcfs } from "./mountinfo.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/proc/self/mountinfo":
 *     "1219 1196 0:60 /sys/devices/system/cpu /sys/devices/system/cpu rw - fuse.lxcfs lxcfs rw\n",
 * });
 * assert.equal(servedByLxcfs(files, "/sys/devices/system/cpu/online"), true);
 * assert.equal(servedByLxcfs(files, "/proc/self/status"), false);
 * ```
 */
export function servedByLxcfs(files: HostFiles, path: string): boolean {
  return (readMounts(files) ?? []).some((m) =>
    (m.type === "fuse.lxcfs" || (m.type === "fuse" && m.source === "lxcfs")) &&
    (path === m.point || path.startsWith(m.point.endsWith("/") ? m.point : `${m.point}/`))
  );
}

/** A mountinfo path field, its octal escapes (`\040` for a space) decoded. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
