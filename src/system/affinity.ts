/**
 * Affinity cores: the CPUs this process may run on: `Cpus_allowed_list` of `/proc/self/status`,
 * narrowed by the cgroup cpuset (v2 `cpuset.cpus.effective`, v1 `cpuset.effective_cpus`) and by
 * the CPUs online.
 *
 * @module
 */
import type { CgroupPaths } from "./cgroup.ts";
import { parseCpuList } from "./cpu_list.ts";
import type { HostFiles } from "./host_files.ts";
import type { LogicalCores } from "./logical_cores.ts";

/** The affinity cores and the file that narrowed them most. */
export interface AffinityCores {
  cores: number;
  source: string;
}

const _EXPECTED = 'expected a CPU list such as "0-3,8"';

/**
 * Count the CPUs this process may run on. Each set found narrows the previous one (a set that
 * would leave none is ignored); the source is the file that narrowed it last. With no file at
 * all, the logical count is used (source `"fallback"`).
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { readCgroupPaths } from "./cgroup.ts";
 * import { readAffinity } from "./affinity.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/proc/self/status": "Name:\tdeno\nCpus_allowed_list:\t0-7\n",
 *   "/sys/fs/cgroup/cpuset.cpus.effective": "3\n",
 * });
 * const logical = { cores: 8, source: "/sys/devices/system/cpu/online", cpus: undefined };
 * assert.deepEqual(readAffinity(files, readCgroupPaths(files), logical), {
 *   cores: 1,
 *   source: "/sys/fs/cgroup/cpuset.cpus.effective",
 * });
 * ```
 */
export function readAffinity(
  files: HostFiles,
  paths: CgroupPaths,
  logical: LogicalCores,
): AffinityCores {
  let cpus: Set<number> | undefined;
  let source = "fallback";
  const narrow = (next: Set<number> | undefined, from: string | undefined) => {
    if (!next || next.size === 0) return;
    const both = cpus ? new Set([...cpus].filter((c) => next.has(c))) : next;
    if (both.size === 0 || (cpus && both.size === cpus.size)) return;
    cpus = both;
    if (from) source = from;
  };
  const status = _allowedList(files);
  narrow(status, "/proc/self/status");
  const cpuset = _cpuset(files, paths);
  narrow(cpuset?.cpus, cpuset?.source);
  if (cpus) narrow(logical.cpus && new Set(logical.cpus), logical.source);
  if (!cpus) return { cores: logical.cores, source };
  // Logical CPUs counted without their numbers (no online list): no more than those (a mask of
  // 0-63 on two CPUs read 64).
  if (!logical.cpus && cpus.size > logical.cores) {
    return { cores: logical.cores, source: logical.source };
  }
  return { cores: cpus.size, source };
}

function _allowedList(files: HostFiles): Set<number> | undefined {
  const path = "/proc/self/status";
  const text = files.read(path);
  if (text === undefined) return undefined;
  const line = /^Cpus_allowed_list:(.*)$/m.exec(text);
  if (!line) {
    files.warn(path, `ignored ${path}: it has no "Cpus_allowed_list:" line`);
    return undefined;
  }
  const cpus = parseCpuList(line[1]);
  if (!cpus || cpus.size === 0) {
    files.garbage(path, `expected "Cpus_allowed_list: <CPU list>"`, line[0]);
  }
  return cpus;
}

/** The nearest cpuset (leaf first) of v2, else of v1. */
function _cpuset(
  files: HostFiles,
  paths: CgroupPaths,
): { cpus: Set<number>; source: string } | undefined {
  const candidates = [
    ...paths.v2.flatMap((dirs) => dirs.map((dir) => `${dir}/cpuset.cpus.effective`)),
    ...paths.v1("cpuset").flatMap((dirs) =>
      dirs.flatMap((dir) => [
        `${dir}/cpuset.effective_cpus`,
        `${dir}/cpuset.cpus`,
      ])
    ),
  ];
  for (const path of candidates) {
    const text = files.read(path);
    if (text === undefined) continue;
    const cpus = parseCpuList(text);
    if (!cpus) files.garbage(path, _EXPECTED);
    else if (cpus.size > 0) return { cpus, source: path };
  }
  return undefined;
}
