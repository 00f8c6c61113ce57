/**
 * Logical cores: the CPUs online on the host.
 *
 * @module
 */
import { parseCpuList } from "./cpu_list.ts";
import { parseCpuinfo } from "./cpuinfo.ts";
import type { HostFiles } from "./host_files.ts";
import { servedByLxcfs } from "./mountinfo.ts";

/** The logical cores, where the count came from, and the CPU numbers when they are known. */
export interface LogicalCores {
  cores: number;
  source: string;
  /**
   * The online CPU numbers (from `/sys/devices/system/cpu/online`), if that file was read and
   * gives the kernel's numbers (not where LXCFS serves it).
   */
  cpus: number[] | undefined;
}

/**
 * Count the CPUs online: `/sys/devices/system/cpu/online` (its CPU numbers too, unless LXCFS
 * serves it: see `servedByLxcfs`), else the `processor` blocks of
 * `/proc/cpuinfo`, else the runtime's `hardwareConcurrency` (source `"runtime"`). The files come
 * first so that a fixture root gives the same answer on every machine, and so that the count is
 * the host's, not already narrowed by affinity or quota as the runtimes' own figures may be.
 *
 * @param files The host files.
 * @param hardwareConcurrency The runtime's figure, used when neither file can be read.
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { readLogicalCores } from "./logical_cores.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({ "/sys/devices/system/cpu/online": "0-7\n" });
 * assert.equal(readLogicalCores(files, 2).cores, 8);
 * assert.deepEqual(readLogicalCores(HostFiles.fromRecord({}), 2), {
 *   cores: 2,
 *   source: "runtime",
 *   cpus: undefined,
 * });
 * ```
 */
export function readLogicalCores(files: HostFiles, hardwareConcurrency: number): LogicalCores {
  const onlinePath = "/sys/devices/system/cpu/online";
  const online = files.read(onlinePath);
  if (online !== undefined) {
    const cpus = parseCpuList(online);
    // LXCFS writes the container's CPUs there, numbered from 0 (with `--enable-cfs`, as many as
    // its quota), not the kernel's numbers: counted, not matched against the affinity mask (a
    // container on CPUs 2-5 under a quota of 3 CPUs read "0-2", and {2-5} ∩ {0-2} one core).
    if (cpus && cpus.size > 0 && servedByLxcfs(files, onlinePath)) {
      return { cores: cpus.size, source: `${onlinePath} (LXCFS)`, cpus: undefined };
    }
    if (cpus && cpus.size > 0) return { cores: cpus.size, source: onlinePath, cpus: [...cpus] };
    files.garbage(onlinePath, 'expected a CPU list such as "0-3,8"');
  }
  const cpuinfoPath = "/proc/cpuinfo";
  const cpuinfo = files.read(cpuinfoPath);
  if (cpuinfo !== undefined) {
    const blocks = parseCpuinfo(cpuinfo);
    if (blocks.length > 0) return { cores: blocks.length, source: cpuinfoPath, cpus: undefined };
    files.garbage(cpuinfoPath, 'expected "processor : N" blocks');
  }
  return { cores: Math.max(1, hardwareConcurrency), source: "runtime", cpus: undefined };
}
