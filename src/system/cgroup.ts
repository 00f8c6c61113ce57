/**
 * Which cgroup this process is in (`/proc/self/cgroup`), where the hierarchies are mounted, and
 * the directories from a cgroup up to the root of its mount.
 *
 * @module
 */
import type { HostFiles } from "./host_files.ts";
import { type Mount, readMounts } from "./mountinfo.ts";

/** Conventional mount points of the unified (v2) hierarchy: pure v2, then the hybrid `unified/`. */
const V2_MOUNTS = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"];

/** Conventional mount points of the v1 hierarchies, by controller (`cpu` with `cpuacct` too). */
const V1_MOUNTS: Record<string, string[]> = {
  cpu: ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuacct,cpu"],
  cpuset: ["/sys/fs/cgroup/cpuset"],
  memory: ["/sys/fs/cgroup/memory"],
  pids: ["/sys/fs/cgroup/pids"],
};

/**
 * This process's cgroups as directories: for the unified (v2) hierarchy and for each v1
 * controller, one list per mount of that hierarchy, each from the process's cgroup (leaf) up to
 * the root of the mount.
 */
export interface CgroupPaths {
  /** The unified (v2) hierarchy's directories, one list per mount. */
  v2: string[][];
  /** A v1 controller's directories, one list per mount of its hierarchy. */
  v1(controller: string): string[][];
}

/** A mount of a cgroup hierarchy: its root within the hierarchy, and where it is mounted. */
interface CgroupMount {
  root: string;
  point: string;
}

/**
 * Read `/proc/self/cgroup` (lines `id:controllers:path`) and `/proc/self/mountinfo`. The path of a
 * cgroup is relative to its hierarchy's root; a mount may show a subtree of the hierarchy (its
 * root field, e.g. `/docker/1f` where a container's view of the host's cgroups is bind-mounted),
 * so the directory on disk is the mount point joined with the path less that root. Without a
 * readable mountinfo that lists cgroup mounts, the conventional mount points are taken, each
 * showing its hierarchy from the root. A hierarchy that the cgroup file gives no path for (the
 * file missing or garbled) is read at the roots of its mounts, so that their limits are still
 * found.
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { readCgroupPaths } from "./cgroup.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/proc/self/cgroup": "4:memory:/job\n1:cpu,cpuacct:/docker/1f/app\n0::/app\n",
 *   "/proc/self/mountinfo":
 *     "30 25 0:26 /docker/1f /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n" +
 *     "31 25 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
 * });
 * const paths = readCgroupPaths(files);
 * assert.deepEqual(paths.v2, [["/sys/fs/cgroup/unified/app", "/sys/fs/cgroup/unified"]]);
 * assert.deepEqual(paths.v1("cpu"), [
 *   ["/sys/fs/cgroup/cpu,cpuacct/app", "/sys/fs/cgroup/cpu,cpuacct"],
 * ]);
 * assert.deepEqual(paths.v1("memory"), []); // not mounted
 * ```
 */
export function readCgroupPaths(files: HostFiles): CgroupPaths {
  const file = "/proc/self/cgroup";
  const text = files.read(file) ?? "";
  let v2: string | undefined;
  const v1 = new Map<string, string>();
  for (const line of text.split("\n").filter((l) => l.trim() !== "")) {
    // Only the line's end is trimmed: a path may end in a space.
    const m = /^(\d+):([^:]*):(\/.*)$/.exec(line.replace(/\r$/, ""));
    if (!m) {
      files.garbage(file, 'expected lines "id:controllers:/path"', line);
      continue;
    }
    if (m[1] === "0" && m[2] === "") v2 = m[3];
    else for (const c of m[2].split(",")) v1.set(c, m[3]);
  }
  const mounts = readCgroupMounts(files);
  // `given`: the path a line of /proc/self/cgroup gave (else "/", which no warning is about).
  // Without a path for the hierarchy (no line for it, or no readable file), the limits at each
  // mount's root: a mount showing a subtree (`/docker/1f`, Docker on v1) read none from "/".
  const dirs = (list: CgroupMount[], given: string | undefined, hierarchy: string) => {
    const found = list.flatMap((mount) => {
      const rel = given !== undefined ? withinRoot(given, mount.root) : above(mount)
        ? undefined // (its root is not this process's namespace's: see `warnAboveNamespace`)
        : "/";
      return rel === undefined ? [] : [cgroupLevels(mount.point, rel)];
    });
    if (given !== undefined) unplaced(files, file, given, hierarchy, list, found.length > 0);
    return found;
  };
  const conventional = (points: string[]) => points.map((point) => ({ root: "/", point }));
  return {
    v2: dirs(mounts ? mounts.v2 : conventional(V2_MOUNTS), v2, "cgroup2"),
    v1: (controller) =>
      dirs(
        mounts ? mounts.v1.get(controller) ?? [] : conventional(V1_MOUNTS[controller] ?? []),
        v1.get(controller),
        controller,
      ),
  };
}

/**
 * The cgroup mounts of `/proc/self/mountinfo` (see `readMounts`), by hierarchy: `cgroup2` mounts,
 * and `cgroup` mounts by each controller of their super options. Undefined where the file cannot
 * be read or lists no cgroup mount. A mount point mounted over again counts once, as its last
 * mount (the one visible).
 */
function readCgroupMounts(
  files: HostFiles,
): { v2: CgroupMount[]; v1: Map<string, CgroupMount[]> } | undefined {
  const all = readMounts(files);
  if (all === undefined) return undefined;
  const last = new Map<string, Mount>();
  for (const m of all) {
    if (m.type !== "cgroup" && m.type !== "cgroup2") continue;
    last.delete(m.point); // re-inserted last: a later mount over the same point shadows it
    last.set(m.point, m);
  }
  // A hierarchy mounted both from this process's cgroup namespace and from above it (the host's
  // cgroups bind-mounted for an agent: `/host/sys/fs/cgroup` showing `/../../..`): the mount from
  // above is the host's view, none of this process's limits; left out, with no warning.
  const placed = new Set([...last.values()].filter((m) => !above(m)).map((m) => m.device));
  for (const [point, m] of last) if (above(m) && placed.has(m.device)) last.delete(point);
  if (last.size === 0) return undefined;
  warnAboveNamespace(files, "/proc/self/mountinfo", last);
  const v2: CgroupMount[] = [];
  const v1 = new Map<string, CgroupMount[]>();
  for (const [point, m] of last) {
    const mount = { root: m.root, point };
    if (m.type === "cgroup2") v2.push(mount);
    else {
      for (const c of m.superOptions) {
        if (!v1.has(c)) v1.set(c, []);
        v1.get(c)!.push(mount);
      }
    }
  }
  return { v2, v1 };
}

/**
 * Warn (once per hierarchy and path) where this process's cgroup `path` in `hierarchy`
 * (`"cgroup2"`, or a v1 controller) cannot be placed in the mounts `list` of that hierarchy: it
 * climbs out of its cgroup namespace (`/../x`: a process that entered the namespace but not its
 * cgroups; the limits read are the namespace root's, not surely its own), or no mount shows it (a
 * mount of another subtree, or of a deleted cgroup: that hierarchy's limits are not read). Mounts
 * from above the namespace have their own warning (see `warnAboveNamespace`).
 */
function unplaced(
  files: HostFiles,
  file: string,
  path: string,
  hierarchy: string,
  list: CgroupMount[],
  found: boolean,
): void {
  if (list.length === 0 || list.some(above)) return;
  const where = `${hierarchy} cgroup ${path} (${file})`;
  if (path.split("/").includes("..")) {
    files.warn(
      `${file} ${hierarchy} ${path}`,
      `this process's ${where} lies outside its cgroup namespace: the limits read at ` +
        `${list.map((m) => m.point).join(", ")} are the namespace's, which may not bound this ` +
        "process (AMORSIZE_CPUS and AMORSIZE_MEMORY can set them)",
    );
  } else if (!found) {
    files.warn(
      `${file} ${hierarchy} ${path}`,
      `this process's ${where} is under no mount of that hierarchy (` +
        `${list.map((m) => `${m.point} shows ${m.root}`).join(", ")}): its limits there are ` +
        "not read (AMORSIZE_CPUS and AMORSIZE_MEMORY can set them)",
    );
  }
}

/** The controllers whose limits the probe reads (v1), or a cgroup2 mount. */
const LIMITS = new Set(["cpu", "cpuset", "memory"]);

/**
 * Warn of cgroup mounts whose root lies above this process's cgroup namespace (`/..`: mounted
 * before `unshare -C`, or bind-mounted into a container with a namespace of its own). Paths in
 * `/proc/self/cgroup` are relative to the namespace's root, whose place under such a mount no file
 * tells: its limits cannot be found (a quota of 0.5 cores read "none", silently).
 */
function warnAboveNamespace(files: HostFiles, file: string, mounts: Map<string, Mount>): void {
  const from = [...mounts].filter(([, m]) =>
    above(m) && (m.type === "cgroup2" || m.superOptions.some((c) => LIMITS.has(c)))
  ).map(([point, m]) => `${point} from ${m.root}`);
  if (from.length === 0) return;
  files.warn(
    file,
    `cgroup mounts show their hierarchy from above this process's cgroup namespace ` +
      `(${from.join(", ")}): this process's cgroups cannot be found there, so their CPU ` +
      "quota, cpuset and memory limit are not read (AMORSIZE_CPUS and AMORSIZE_MEMORY can set them)",
  );
}

/** Whether a mount shows its hierarchy from above this process's cgroup namespace (`/..`). */
function above(m: { root: string }): boolean {
  return m.root.split("/").includes("..");
}

/**
 * A cgroup's path relative to a mount's root (`"/"` for the root itself), or undefined where the
 * cgroup lies outside the subtree that the mount shows (its limits are not this process's). A path
 * that climbs out of a cgroup namespace (`/../x`) is kept for `cgroupLevels`.
 */
function withinRoot(path: string, root: string): string | undefined {
  const r = root.replace(/\/+$/, "");
  if (r === "" || path.split("/").includes("..")) return path;
  if (path === r) return "/";
  return path.startsWith(`${r}/`) ? path.slice(r.length) : undefined;
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
