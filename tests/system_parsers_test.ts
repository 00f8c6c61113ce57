// The probe's parsers and walks on in-memory host files (HostFiles.fromRecord): edge cases the
// fixture trees do not cover.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HostFiles } from "../src/system/host_files.ts";
import { cgroupLevels, readCgroupPaths } from "../src/system/cgroup.ts";
import { parseCpuList } from "../src/system/cpu_list.ts";
import { parseCpuMax, readCpuQuota } from "../src/system/cpu_quota.ts";
import { readAffinity } from "../src/system/affinity.ts";
import { readLogicalCores } from "../src/system/logical_cores.ts";
import { servedByLxcfs } from "../src/system/mountinfo.ts";
import { readPhysicalCores } from "../src/system/physical_cores.ts";
import { readMeminfo, readMemoryLimit } from "../src/system/memory.ts";
import { effectiveCores } from "../src/system/effective_cores.ts";
import { parseMemoryOverride } from "../src/system/overrides.ts";

test("parseCpuList: ranges, single CPUs, white space and garbage", () => {
  assert.deepEqual([...parseCpuList(" 0-1, 4 ,6-7\n")!], [0, 1, 4, 6, 7]);
  for (const bad of ["1-", "-1", "3-1", "a", "0-99999999", "1,,2"]) {
    assert.equal(parseCpuList(bad), undefined, bad);
  }
});

test("parseCpuMax: zero or negative figures are garbage", () => {
  assert.equal(parseCpuMax("0 100000"), undefined);
  assert.equal(parseCpuMax("100000 0"), undefined);
  assert.equal(parseCpuMax("max"), undefined);
  assert.equal(parseCpuMax("50000 100000"), 0.5);
});

test("cgroupLevels: the root path and paths that leave the namespace", () => {
  assert.deepEqual(cgroupLevels("/m", "/"), ["/m"]);
  assert.deepEqual(cgroupLevels("/m", "/a/./b/"), ["/m/a/b", "/m/a", "/m"]);
  assert.deepEqual(cgroupLevels("/m", "/../../user.slice"), ["/m"]);
});

test("readCgroupPaths: mounts from mountinfo, wherever they are, from the root each shows", () => {
  const files = HostFiles.fromRecord({
    "/proc/self/cgroup": "5:cpuset:/outside\n3:memory:/k8s/pod\n0::/a/b\n",
    "/proc/self/mountinfo": [
      "22 1 0:20 / /proc rw - proc proc rw",
      // cgroup2 at a mount point of its own, with a space in its name (\\040)
      "30 1 0:26 / /my\\040cgroups rw - cgroup2 cgroup2 rw",
      // memory mounted twice at one point: the last mount is the one seen
      "31 1 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
      "32 1 0:27 /k8s /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
      // a cpuset mount that shows another subtree than the process's cgroup
      "33 1 0:28 /elsewhere /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset",
    ].join("\n"),
  });
  const paths = readCgroupPaths(files);
  assert.deepEqual(paths.v2, [["/my cgroups/a/b", "/my cgroups/a", "/my cgroups"]]);
  assert.deepEqual(paths.v1("memory"), [["/sys/fs/cgroup/memory/pod", "/sys/fs/cgroup/memory"]]);
  assert.deepEqual(paths.v1("cpuset"), []); // its limits are not this process's
  assert.deepEqual(paths.v1("cpu"), []); // not mounted
  // Without mountinfo: the conventional mount points, each from the root.
  const bare = readCgroupPaths(HostFiles.fromRecord({ "/proc/self/cgroup": "0::/a\n" }));
  assert.deepEqual(bare.v2, [
    ["/sys/fs/cgroup/a", "/sys/fs/cgroup"],
    ["/sys/fs/cgroup/unified/a", "/sys/fs/cgroup/unified"],
  ]);
});

test("v1 quota: the walk keeps the smallest level; a quota without its period is skipped, said", () => {
  const files = HostFiles.fromRecord({
    "/proc/self/cgroup": "3:cpu,cpuacct:/a/b\n",
    "/sys/fs/cgroup/cpu/a/b/cpu.cfs_quota_us": "300000\n", // 3 cores
    "/sys/fs/cgroup/cpu/a/b/cpu.cfs_period_us": "100000\n",
    "/sys/fs/cgroup/cpu/a/cpu.cfs_quota_us": "200000\n", // 2 cores
    "/sys/fs/cgroup/cpu/a/cpu.cfs_period_us": "100000\n",
    "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "10000\n", // no period: skipped
  });
  assert.deepEqual(readCpuQuota(files, readCgroupPaths(files)), {
    cores: 2,
    source: "/sys/fs/cgroup/cpu/a/cpu.cfs_quota_us",
  });
  assert.deepEqual(files.warnings, [
    "ignored /sys/fs/cgroup/cpu/cpu.cfs_quota_us: no /sys/fs/cgroup/cpu/cpu.cfs_period_us " +
    "beside it to divide it by",
  ]);
});

test("v2 and v1 together (hybrid): the smaller quota wins", () => {
  const files = HostFiles.fromRecord({
    "/proc/self/cgroup": "1:cpu:/\n0::/x\n",
    "/sys/fs/cgroup/unified/x/cpu.max": "150000 100000\n", // 1.5
    "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "400000\n", // 4
    "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
  });
  assert.equal(readCpuQuota(files, readCgroupPaths(files)).cores, 1.5);
});

test("affinity: a mask wider than the CPUs online is narrowed to them", () => {
  const files = HostFiles.fromRecord({
    "/sys/devices/system/cpu/online": "0-3\n",
    "/proc/self/status": "Cpus_allowed_list:\t0-127\n",
  });
  const logical = readLogicalCores(files, 99);
  assert.deepEqual(readAffinity(files, readCgroupPaths(files), logical), {
    cores: 4, // {0..127} ∩ {0..3}
    source: "/sys/devices/system/cpu/online", // the file that narrowed it last (docs/probe.md)
  });
});

test("affinity: an empty v1 cpuset (an unconfigured child) is no restriction", () => {
  const files = HostFiles.fromRecord({
    "/proc/self/cgroup": "2:cpuset:/child\n",
    "/proc/self/status": "Cpus_allowed_list:\t0-1\n",
    "/sys/fs/cgroup/cpuset/child/cpuset.effective_cpus": "\n",
    "/sys/fs/cgroup/cpuset/cpuset.effective_cpus": "0-1\n",
  });
  const logical = { cores: 2, source: "runtime", cpus: undefined };
  assert.deepEqual(readAffinity(files, readCgroupPaths(files), logical), {
    cores: 2,
    source: "/proc/self/status",
  });
  assert.deepEqual(files.warnings, []);
});

test("physical cores: cpuinfo with only 'cpu cores' per package; then the fallback", () => {
  const block = (cpu: number, pkg: number) =>
    `processor\t: ${cpu}\nphysical id\t: ${pkg}\ncpu cores\t: 3\n\n`;
  const files = HostFiles.fromRecord({ "/proc/cpuinfo": block(0, 0) + block(1, 1) });
  const logical = { cores: 12, source: "/proc/cpuinfo", cpus: undefined };
  assert.deepEqual(readPhysicalCores(files, logical), { cores: 6, source: "/proc/cpuinfo" }); // 2×3
  const arm = HostFiles.fromRecord({ "/proc/cpuinfo": "processor\t: 0\nBogoMIPS\t: 50.00\n" });
  assert.deepEqual(readPhysicalCores(arm, { cores: 1, source: "x", cpus: undefined }), {
    cores: 1,
    source: "fallback",
  });
});

test("physical cores: a missing topology file falls back to cpuinfo", () => {
  const files = HostFiles.fromRecord({
    "/sys/devices/system/cpu/online": "0-1\n",
    "/sys/devices/system/cpu/cpu0/topology/core_id": "0\n",
    "/sys/devices/system/cpu/cpu0/topology/physical_package_id": "0\n",
    "/proc/cpuinfo": "processor\t: 0\ncore id\t: 0\n\nprocessor\t: 1\ncore id\t: 0\n",
  });
  const logical = readLogicalCores(files, 8);
  assert.deepEqual(readPhysicalCores(files, logical), { cores: 1, source: "/proc/cpuinfo" });
});

test("physical cores: cores numbered from 0 in each cluster of one package (arm64) count apart; threads of a core once", () => {
  const topology = (cpu: number, cluster: number, core: number) => ({
    [`/sys/devices/system/cpu/cpu${cpu}/topology/physical_package_id`]: "0\n",
    [`/sys/devices/system/cpu/cpu${cpu}/topology/cluster_id`]: `${cluster}\n`,
    [`/sys/devices/system/cpu/cpu${cpu}/topology/core_id`]: `${core}\n`,
  });
  // An RK3588's 8 cores: clusters 0, 1 and 2 of 4, 2 and 2 cores, each numbered from 0.
  const clusters = [0, 0, 0, 0, 1, 1, 2, 2], cores = [0, 1, 2, 3, 0, 1, 0, 1];
  const arm = HostFiles.fromRecord(Object.assign(
    { "/sys/devices/system/cpu/online": "0-7\n" },
    ...clusters.map((c, cpu) => topology(cpu, c, cores[cpu])),
  ));
  assert.deepEqual(readPhysicalCores(arm, readLogicalCores(arm, 8)), {
    cores: 8,
    source: "/sys/devices/system/cpu/cpu*/topology",
  });
  // Two threads of each of 2 cores in one cluster: 2 cores.
  const smt = HostFiles.fromRecord(Object.assign(
    { "/sys/devices/system/cpu/online": "0-3\n" },
    ...[0, 1, 0, 1].map((core, cpu) => topology(cpu, 0, core)),
  ));
  assert.equal(readPhysicalCores(smt, readLogicalCores(smt, 4)).cores, 2);
});

test("servedByLxcfs: LXCFS over the file or a folder above it (either type name); another FUSE mount, or a sibling path, is not", () => {
  const files = HostFiles.fromRecord({
    "/proc/self/mountinfo": [
      // A bind mount of the file (Docker: -v /var/lib/lxcfs/sys/devices/system/cpu/online:…).
      "900 800 0:60 /sys/devices/system/cpu/online /sys/devices/system/cpu/online rw - fuse.lxcfs lxcfs rw",
      // An older LXCFS, typed plain "fuse", over /proc/cpuinfo.
      "901 800 0:60 /proc/cpuinfo /proc/cpuinfo rw - fuse lxcfs rw",
      // Another FUSE file system over /proc/meminfo.
      "902 800 0:61 / /proc/meminfo rw - fuse.other other rw",
      "",
    ].join("\n"),
  });
  assert.equal(servedByLxcfs(files, "/sys/devices/system/cpu/online"), true);
  assert.equal(servedByLxcfs(files, "/proc/cpuinfo"), true);
  assert.equal(servedByLxcfs(files, "/proc/meminfo"), false);
  assert.equal(servedByLxcfs(files, "/sys/devices/system/cpu/online2"), false);
  assert.equal(servedByLxcfs(HostFiles.fromRecord({}), "/proc/cpuinfo"), false);
});

test("cgroup paths: without a path for a hierarchy, a mount from above the namespace is not read at its root", () => {
  // No /proc/self/cgroup: the cpu mount shows its hierarchy from above this namespace (/..), the
  // memory mount from its root. The memory limit is read at the root; the cpu mount's root is not
  // this process's namespace's, and is not read (with the warning that says so).
  const files = HostFiles.fromRecord({
    "/proc/self/mountinfo":
      "40 30 0:35 /.. /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n" +
      "42 30 0:37 / /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n",
  });
  const paths = readCgroupPaths(files);
  assert.deepEqual(paths.v1("cpu"), []);
  assert.deepEqual(paths.v1("memory"), [["/sys/fs/cgroup/memory"]]);
  assert.equal(files.warnings.length, 1, files.warnings.join("\n"));
  assert.match(files.warnings[0], /from above this process's cgroup namespace/);
});

test("meminfo without MemAvailable estimates it from MemFree + Buffers + Cached", () => {
  const files = HostFiles.fromRecord({
    "/proc/meminfo": "MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 5 kB\nCached: 20 kB\n",
  });
  // (10 + 5 + 20) kB × 1024 = 35840; no swap lines: swap unknown
  assert.deepEqual(readMeminfo(files), { total: 102400, available: 35840, swapUsed: undefined });
});

test("memory limit: a limit at or above the total memory is no limit", () => {
  const files = HostFiles.fromRecord({ "/sys/fs/cgroup/memory.max": "8589934592\n" });
  const paths = readCgroupPaths(files);
  assert.deepEqual(readMemoryLimit(files, paths, 4 * 2 ** 30), {
    bytes: null, // 8 GiB ≥ 4 GiB total
    source: "/sys/fs/cgroup/memory.max",
  });
  assert.equal(readMemoryLimit(files, paths, 16 * 2 ** 30).bytes, 8 * 2 ** 30);
});

test("effectiveCores: floor, at least 1, ties credited to the first figure", () => {
  const cores = (n: number | null, source: string) => ({ cores: n, source });
  assert.deepEqual(effectiveCores([cores(4, "a"), cores(4, "b"), cores(null, "c")]), {
    cores: 4,
    source: "a",
  });
  assert.deepEqual(effectiveCores([cores(4, "a"), cores(2, "b"), cores(0.2, "c")]), {
    cores: 1, // floor(0.2) = 0, raised to 1
    source: "c",
  });
});

test("parseMemoryOverride: suffixes are 1024-based and case-insensitive", () => {
  assert.equal(parseMemoryOverride("2g"), 2 * 1024 ** 3);
  assert.equal(parseMemoryOverride("2GiB"), 2 * 1024 ** 3);
  assert.equal(parseMemoryOverride("3 M"), 3 * 1024 ** 2);
  assert.equal(parseMemoryOverride("  "), undefined);
  assert.throws(() => parseMemoryOverride("0"), RangeError);
  assert.throws(() => parseMemoryOverride("0.1"), RangeError); // floor(0.1) = 0 bytes
  // A binary suffix follows a unit only: "2i" and "2iB" are no amounts (a "2Gi" mistyped).
  assert.throws(() => parseMemoryOverride("2i"), RangeError);
  assert.throws(() => parseMemoryOverride("2iB"), RangeError);
  assert.equal(parseMemoryOverride("2048B"), 2048);
  assert.equal(parseMemoryOverride("2Ki"), 2048);
});

test("HostFiles: a read error other than missing becomes one warning; reads are cached", () => {
  let reads = 0;
  const files = new HostFiles("/fake/", (path) => {
    reads++;
    return { ok: false, reason: "error", message: `EISDIR: ${path}` };
  });
  assert.equal(files.read("/proc/meminfo"), undefined);
  assert.equal(files.read("/proc/meminfo"), undefined);
  assert.equal(reads, 1);
  assert.deepEqual(files.warnings, ["ignored /proc/meminfo: EISDIR: /fake/proc/meminfo"]);
});
