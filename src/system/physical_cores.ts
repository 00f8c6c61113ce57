/**
 * Physical cores: distinct (package, core) pairs, so that hyper-threads count once.
 *
 * @module
 */
import { parseCpuinfo } from "./cpuinfo.ts";
import type { HostFiles } from "./host_files.ts";
import type { LogicalCores } from "./logical_cores.ts";

/** The physical cores and where the count came from. */
export interface PhysicalCores {
  cores: number;
  source: string;
}

/** The source named for the sysfs topology. */
const _TOPOLOGY_SOURCE = "/sys/devices/system/cpu/cpu*/topology";

/**
 * Count the physical cores: the distinct `physical_package_id` + `core_id` pairs (with
 * `die_id` and `cluster_id` where given) under `/sys/devices/system/cpu/cpu<N>/topology/` for
 * every online CPU, else the distinct
 * `physical id` + `core id` pairs of `/proc/cpuinfo` (or its `cpu cores` per package), else the
 * logical count (source `"fallback"`). A count above the logical count is not taken (`cpu cores`
 * of a package of 16 where cpuinfo lists 2 of its CPUs said 16 physical cores on 2 logical).
 *
 * @param files The host files.
 * @param logical The logical cores (their CPU numbers say which topology directories to read).
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { readPhysicalCores } from "./physical_cores.ts";
 * import assert from "node:assert/strict";
 *
 * const block = (cpu: number, core: number) =>
 *   `processor\t: ${cpu}\nphysical id\t: 0\ncore id\t\t: ${core}\ncpu cores\t: 2\n\n`;
 * const files = HostFiles.fromRecord({
 *   "/proc/cpuinfo": block(0, 0) + block(1, 1) + block(2, 0) + block(3, 1),
 * });
 * const logical = { cores: 4, source: "/proc/cpuinfo", cpus: undefined };
 * assert.deepEqual(readPhysicalCores(files, logical), { cores: 2, source: "/proc/cpuinfo" });
 * ```
 */
export function readPhysicalCores(files: HostFiles, logical: LogicalCores): PhysicalCores {
  // A count above the logical CPUs describes more than this host's CPUs (a `cpu cores` of the
  // whole package where only some of its CPUs are listed): it is no count of these.
  const fits = (n: number | undefined): n is number => n !== undefined && n <= logical.cores;
  const fromTopology = logical.cpus && _fromTopology(files, logical.cpus);
  if (fits(fromTopology)) return { cores: fromTopology, source: _TOPOLOGY_SOURCE };
  const fromCpuinfo = _fromCpuinfo(files);
  if (fits(fromCpuinfo)) return { cores: fromCpuinfo, source: "/proc/cpuinfo" };
  return { cores: logical.cores, source: "fallback" };
}

function _fromTopology(files: HostFiles, cpus: number[]): number | undefined {
  const pairs = new Set<string>();
  for (const cpu of cpus) {
    const ids: string[] = [];
    for (const name of ["physical_package_id", "die_id", "cluster_id", "core_id"]) {
      const path = `/sys/devices/system/cpu/cpu${cpu}/topology/${name}`;
      const text = files.read(path);
      // A die's or a cluster's number, where the kernel gives one, tells cores apart too: an
      // arm64 device tree numbers cores from 0 in each cluster of one package (an 8-core chip of
      // three clusters read 4 cores by package and core alone). Threads of a core share both.
      if (text === undefined && (name === "die_id" || name === "cluster_id")) continue;
      if (text === undefined) return undefined;
      if (!/^-?\d+$/.test(text.trim())) {
        files.garbage(path, "expected an integer");
        return undefined;
      }
      ids.push(text.trim());
    }
    pairs.add(ids.join(":"));
  }
  return pairs.size > 0 ? pairs.size : undefined;
}

function _fromCpuinfo(files: HostFiles): number | undefined {
  const text = files.read("/proc/cpuinfo");
  if (text === undefined) return undefined;
  const blocks = parseCpuinfo(text);
  const pairs = new Set<string>();
  const perPackage = new Map<string, number>();
  for (const b of blocks) {
    const pkg = b["physical id"] ?? "0";
    if (b["core id"] !== undefined) pairs.add(`${pkg}:${b["core id"]}`);
    const cores = Number(b["cpu cores"]);
    if (Number.isInteger(cores) && cores > 0) perPackage.set(pkg, cores);
  }
  if (pairs.size > 0) return pairs.size;
  const total = [...perPackage.values()].reduce((s, n) => s + n, 0);
  return total > 0 ? total : undefined;
}
