// probeSystem() against the fake roots under tests/fixtures/: every expected value is worked out
// by hand from the fixture files (the arithmetic is in the comments).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { probeSystem } from "../src/system/probe_system.ts";
import { cpuCapacity } from "../src/system/effective_cores.ts";
import { runtime } from "../src/runtime/detect.ts";
import { fixturePath } from "./_helpers.ts";
import { memoryWorkerCap, threadWorkerCap } from "../src/model/_inputs.ts";
import { RUNTIME_THREADS } from "../src/system/mod.ts";
import type { Overheads, SampleProfile } from "../src/measure/mod.ts";

const GiB = 1024 ** 3;
const probe = (name: string, env: Record<string, string> = {}) =>
  probeSystem({ root: fixturePath(name), env });

test("cgroup v2 quota 150000/100000 on 4 CPUs gives 1.5 cores and 1 effective core", async () => {
  const info = await probe("cgroup_v2_quota");
  assert.equal(info.logicalCores, 4); // online "0-3"
  assert.equal(info.cpuQuota, 1.5); // 150000 / 100000
  assert.equal(info.effectiveCores, 1); // floor(min(4, 4, 1.5)) = floor(1.5)
  assert.equal(info.affinityCores, 4); // no /proc/self/status: the logical count
  assert.equal(info.sources.cpuQuota, "/sys/fs/cgroup/cpu.max");
  assert.equal(info.sources.effectiveCores, "/sys/fs/cgroup/cpu.max");
  assert.equal(info.sources.logicalCores, "/sys/devices/system/cpu/online");
  assert.equal(info.sources.affinityCores, "fallback");
  assert.deepEqual(info.warnings, []);
});

test("cpuCapacity keeps the fraction of a quota that effective cores round down", async () => {
  assert.equal(cpuCapacity(await probe("cgroup_v2_quota")), 1.5); // min(4, 4, 150000 / 100000)
  assert.equal(cpuCapacity(await probe("cgroup_v2_max")), 4); // no quota: the 4 CPUs online
  // AMORSIZE_CPUS is the whole figure, whatever the quota.
  assert.equal(cpuCapacity(await probe("cgroup_v2_quota", { AMORSIZE_CPUS: "6" })), 6);
});

test("cgroup v1 mounted from a subtree (mountinfo root /docker/abc): the process's own cgroup is found below it", async () => {
  const info = await probe("cgroup_v1_mount_subtree");
  // /proc/self/cgroup says /docker/abc/system.slice/app.service; the mounts show /docker/abc, so
  // the cgroup is <mount>/system.slice/app.service: quota 50000 / 100000 = 0.5 there, under the
  // mount root's 400000 / 100000 = 4 (and -1, none, on system.slice between them).
  assert.equal(info.cpuQuota, 0.5);
  assert.equal(info.effectiveCores, 1); // at least one core
  assert.equal(
    info.sources.cpuQuota,
    "/sys/fs/cgroup/cpu,cpuacct/system.slice/app.service/cpu.cfs_quota_us",
  );
  assert.equal(info.memory.limitBytes, 1 * GiB); // 1073741824 at the leaf, 4 GiB at the root
  assert.equal(
    info.sources["memory.limitBytes"],
    "/sys/fs/cgroup/memory/system.slice/app.service/memory.limit_in_bytes",
  );
});

test("cgroup v1 mounted from above the process's cgroup namespace (root /..): a warning, not a silent 'no quota'", async () => {
  const info = await probe("cgroup_v1_above_namespace");
  // /proc/self/cgroup says / (the namespace's root); the cpu mount shows the hierarchy from one
  // level above it (/..): the process's cgroup is some child of the mount point (app/, quota 0.5),
  // which no file names. The memory mount's root is the namespace's: its limit is read.
  assert.equal(info.cpuQuota, null); // not read: app/ (0.5) cannot be placed
  assert.equal(info.sources.cpuQuota, "fallback");
  assert.equal(info.memory.limitBytes, 0.5 * GiB); // 536870912
  assert.equal(info.warnings.length, 1, info.warnings.join("\n"));
  assert.match(
    info.warnings[0],
    /^cgroup mounts show their hierarchy from above this process's cgroup namespace \(\/sys\/fs\/cgroup\/cpu,cpuacct from \/\.\.\): .* not read/,
  );
});

test("cgroup v2 mounted from a subtree: the limit of the process's cgroup below the mount root", async () => {
  const info = await probe("cgroup_v2_mount_subtree");
  // 0::/system.slice/docker-abc.scope/app, the mount's root /system.slice/docker-abc.scope: the
  // cgroup is /sys/fs/cgroup/app (100000 / 100000 = 1 core), under the mount root's 4.
  assert.equal(info.cpuQuota, 1);
  assert.equal(info.effectiveCores, 1);
  assert.equal(info.sources.cpuQuota, "/sys/fs/cgroup/app/cpu.max");
});

test("cgroup v2 cpu.max 'max' means no quota", async () => {
  const info = await probe("cgroup_v2_max");
  assert.equal(info.cpuQuota, null);
  assert.equal(info.effectiveCores, 4); // online "0-3", nothing smaller
  assert.equal(info.sources.cpuQuota, "/sys/fs/cgroup/cpu.max");
  assert.equal(info.sources.effectiveCores, "/sys/devices/system/cpu/online");
});

test("nested cgroup v2: the smaller limit at the leaf wins; cpu.weight is ignored", async () => {
  const info = await probe("cgroup_v2_nested_leaf");
  assert.equal(info.logicalCores, 8); // online "0-7"
  assert.equal(info.cpuQuota, 2); // leaf 200000/100000 = 2 < parent 400000/100000 = 4
  assert.equal(info.effectiveCores, 2); // floor(min(8, 8, 2))
  assert.equal(info.sources.cpuQuota, "/sys/fs/cgroup/app/worker/cpu.max");
});

test("nested cgroup v2: a smaller limit higher up wins over the leaf", async () => {
  const info = await probe("cgroup_v2_nested_parent");
  assert.equal(info.cpuQuota, 2.5); // parent 250000/100000 = 2.5 < leaf 300000/100000 = 3
  assert.equal(info.effectiveCores, 2); // floor(2.5)
  assert.equal(info.sources.cpuQuota, "/sys/fs/cgroup/app/cpu.max");
  // memory: leaf max 4 GiB, leaf high "max", parent max "max", parent high 1073741824 = 1 GiB
  assert.equal(info.memory.limitBytes, 1 * GiB);
  assert.equal(info.sources["memory.limitBytes"], "/sys/fs/cgroup/app/memory.high");
  assert.equal(info.memory.totalBytes, 8 * GiB); // MemTotal 8388608 kB × 1024
});

test("cgroup v1 quota at the mount root (path absent under the mount); shares ignored", async () => {
  const info = await probe("cgroup_v1_quota");
  assert.equal(info.cpuQuota, 0.5); // 50000 / 100000
  assert.equal(info.effectiveCores, 1); // floor(0.5) = 0, raised to the minimum of 1
  assert.equal(info.sources.cpuQuota, "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us");
  assert.equal(info.memory.limitBytes, 512 * 1024 ** 2); // 536870912 = 512 × 1024²
  assert.equal(info.sources["memory.limitBytes"], "/sys/fs/cgroup/memory/memory.limit_in_bytes");
  assert.equal(info.memory.totalBytes, 4 * GiB); // MemTotal 4194304 kB × 1024
  assert.deepEqual(info.warnings, []);
});

test("cgroup v1 quota -1 and the 2^63 memory sentinel mean no limits", async () => {
  const info = await probe("cgroup_v1_unlimited");
  assert.equal(info.cpuQuota, null);
  assert.equal(info.memory.limitBytes, null); // 9223372036854771712 ≥ 2^60
  assert.equal(info.sources.cpuQuota, "/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
  assert.equal(
    info.sources["memory.limitBytes"],
    "/sys/fs/cgroup/memory/process_api/2b9a/memory.limit_in_bytes",
  );
  assert.equal(info.logicalCores, 2); // online "0-1"
  assert.equal(info.affinityCores, 2); // Cpus_allowed_list "0-1", cpuset "0-1"
  assert.equal(info.effectiveCores, 2);
  assert.equal(info.memory.totalBytes, 25325268992); // 24731708 kB × 1024
  assert.equal(info.memory.availableBytes, 25021562880); // 24435120 kB × 1024
  assert.equal(info.memory.swapUsedBytes, 0); // SwapTotal 0 − SwapFree 0
});

test("an affinity of 1 CPU on an 8-CPU host gives 1 effective core", async () => {
  const info = await probe("affinity_one_cpu");
  assert.equal(info.logicalCores, 8); // online "0-7"
  assert.equal(info.affinityCores, 1); // Cpus_allowed_list "5"
  assert.equal(info.effectiveCores, 1); // min(8, 1)
  assert.equal(info.sources.affinityCores, "/proc/self/status");
  assert.equal(info.sources.effectiveCores, "/proc/self/status");
});

test("a cgroup v2 cpuset of 1 CPU narrows an affinity of 8", async () => {
  const info = await probe("cpuset_one_cpu");
  assert.equal(info.affinityCores, 1); // {0..7} ∩ {3} = {3}
  assert.equal(info.effectiveCores, 1);
  assert.equal(info.sources.affinityCores, "/sys/fs/cgroup/pod/cpuset.cpus.effective");
});

test("CPUs offline narrow an affinity of 8 to 6, and say so", async () => {
  const info = await probe("offline_cpus");
  assert.equal(info.logicalCores, 6); // online "0-1,4-7"
  assert.equal(info.affinityCores, 6); // {0..7} ∩ {0,1,4,5,6,7}
  assert.equal(info.sources.affinityCores, "/sys/devices/system/cpu/online"); // it narrowed last
});

test("LXCFS's online list, numbered from 0, is counted, not matched against the affinity mask", async () => {
  const info = await probe("lxcfs_cfs_pinned");
  // LXCFS (mounted over /sys/devices/system/cpu) writes "0-2": the container's 3 CPUs under its
  // quota (300000 / 100000), renumbered from 0; the kernel's mask is 2-5. Matched, {2..5} ∩ {0..2}
  // read one core; counted, the affinity is min(4, 3) and the quota 3.
  assert.equal(info.logicalCores, 3);
  assert.equal(info.sources.logicalCores, "/sys/devices/system/cpu/online (LXCFS)");
  assert.equal(info.affinityCores, 3);
  assert.equal(info.cpuQuota, 3);
  assert.equal(info.effectiveCores, 3);
  assert.deepEqual(info.warnings, []);
});

test("cgroup v2 mounted twice, here and from above the namespace (the host's, for an agent): the limits here, no warning", async () => {
  const info = await probe("cgroup_v2_host_bind");
  // /sys/fs/cgroup shows the namespace's root (/), /host/sys/fs/cgroup the same hierarchy (device
  // 0:26) from /../../..: the host's view, none of this process's limits.
  assert.equal(info.cpuQuota, 2); // 200000 / 100000
  assert.equal(info.memory.limitBytes, 1 * GiB);
  assert.deepEqual(info.warnings, []);
});

test("cgroup v1 mounted from a subtree, no /proc/self/cgroup: the limits at the mounts' roots", async () => {
  const info = await probe("cgroup_v1_no_cgroup_file");
  // No path for either hierarchy: each mount's root (/docker/abc) is read, 150000 / 100000 = 1.5
  // and 1 GiB; from "/", which lies outside those mounts, nothing was read.
  assert.equal(info.cpuQuota, 1.5);
  assert.equal(info.sources.cpuQuota, "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us");
  assert.equal(info.memory.limitBytes, 1 * GiB);
});

test("cgroup v2 memory.max gives the limit; meminfo gives total, available and swap", async () => {
  const info = await probe("memory_v2_limit");
  assert.equal(info.memory.limitBytes, 2 * GiB); // 2147483648; memory.high "max"
  assert.equal(info.sources["memory.limitBytes"], "/sys/fs/cgroup/job/memory.max");
  assert.equal(info.memory.totalBytes, 16 * GiB); // 16777216 kB × 1024
  assert.equal(info.memory.availableBytes, 12 * GiB); // 12582912 kB × 1024
  assert.equal(info.memory.swapUsedBytes, 1 * GiB); // (2097152 − 1048576) kB × 1024
  assert.equal(info.sources["memory.totalBytes"], "/proc/meminfo");
});

test("available memory is the room left under the cgroup limits, not the limit: v2", async () => {
  // The pod's limit is 2 GiB and its cgroups use 2040528896 bytes, 40528896 of them inactive file
  // cache: 147483648 bytes left, though the host has 12 GiB available and the leaf no limit.
  const info = await probe("memory_v2_used");
  assert.equal(info.memory.limitBytes, 2 * GiB);
  assert.equal(info.memory.availableBytes, 2147483648 - (2040528896 - 40528896));
  assert.equal(info.sources["memory.availableBytes"], "/sys/fs/cgroup/pod/memory.current");
  // The memory cap of the worker count follows: one worker of 100 MiB, not sixteen.
  const o = { workerMemoryBytes: 100 * 2 ** 20 } as Overheads;
  const profile = { inputBytes: 0, outputBytes: 0 } as SampleProfile;
  assert.equal(memoryWorkerCap(info, o, profile, 100), 1);
  assert.equal(memoryWorkerCap(await probe("memory_v2_limit"), o, profile, 100), 16);
});

test("available memory is the room left under the cgroup limits, not the limit: v1", async () => {
  // 512 MiB limit, 500000000 bytes used of which 20000000 inactive file cache (`total_…`: the
  // hierarchy's, not the cgroup's own `inactive_file`).
  const info = await probe("memory_v1_used");
  assert.equal(info.memory.availableBytes, 536870912 - (500000000 - 20000000));
  assert.equal(
    info.sources["memory.availableBytes"],
    "/sys/fs/cgroup/memory/memory.usage_in_bytes",
  );
});

test("the limit on threads: the tightest pids.max up the hierarchy, and the room left under it (v2)", async () => {
  // The pod allows 64 threads and processes and holds 50; its app's own level has no limit.
  const info = await probe("threads_v2");
  assert.deepEqual(info.threads, { limit: 64, room: 14 });
  assert.equal(info.sources["threads.limit"], "/sys/fs/cgroup/pod/pids.max");
  assert.equal(info.sources["threads.room"], "/sys/fs/cgroup/pod/pids.current");
  // Each worker is a thread; the runtime keeps some: 14 − 8 more workers beside 2 running.
  assert.equal(threadWorkerCap(info.threads.limit, info.threads.room, 2), 2 + 14 - RUNTIME_THREADS);
  assert.equal(threadWorkerCap(info.threads.limit, 5, 0), 0);
  assert.equal(threadWorkerCap(null, null, 3), Infinity);
});

test("the limit on threads under cgroup v1: the pids controller's own hierarchy", async () => {
  const info = await probe("threads_v1");
  assert.deepEqual(info.threads, { limit: 100, room: 3 });
  assert.equal(info.sources["threads.limit"], "/sys/fs/cgroup/pids/job/pids.max");
  assert.equal(info.sources["threads.room"], "/sys/fs/cgroup/pids/job/pids.current");
});

test("a container at or over its memory limit has no room: a warning, and one worker at most", async () => {
  // memory.max 1 GiB, memory.current 1.1 GiB: the room was 0, dropped as unknown by the worker
  // cap, which then took the limit alone (17 workers of ~50 MB).
  const info = await probe("memory_v2_full");
  assert.equal(info.memory.availableBytes, 0);
  assert.ok(info.warnings.some((w) => /No memory is left under the cgroup limit/.test(w)));
  const o = { workerMemoryBytes: 50 * 2 ** 20 } as Overheads;
  const profile = { inputBytes: 0, outputBytes: 0 } as SampleProfile;
  assert.equal(memoryWorkerCap(info, o, profile, 100), 1);
  // A usage file that holds no number: a warning naming it, and the host's figure.
  const garbled = await probe("memory_v2_garbled_usage");
  assert.ok(garbled.warnings.some((w) => w.includes("/sys/fs/cgroup/job/memory.current")));
  assert.equal(garbled.sources["memory.availableBytes"], "/proc/meminfo");
});

test("cgroup v1: the limit of ancestors hidden from a container (hierarchical_memory_limit)", async () => {
  // The visible cgroup says unlimited; memory.stat says 512 MiB over the hierarchy.
  const info = await probe("memory_v1_hierarchical");
  assert.equal(info.memory.limitBytes, 536870912);
  assert.equal(info.sources["memory.limitBytes"], "/sys/fs/cgroup/memory/memory.stat");
  assert.equal(info.memory.availableBytes, 536870912 - 300000000);
  assert.deepEqual(info.warnings, []);
});

test("cgroup v2 memory.max 'max' means no limit", async () => {
  const info = await probe("memory_v2_max");
  assert.equal(info.memory.limitBytes, null);
  assert.equal(info.sources["memory.limitBytes"], "/sys/fs/cgroup/job/memory.max");
});

test("8 logical CPUs on 4 cores (sysfs topology) give 4 physical cores", async () => {
  const info = await probe("topology_8_4");
  assert.equal(info.logicalCores, 8); // online "0-7"
  assert.equal(info.physicalCores, 4); // core_id 0,1,2,3,0,1,2,3 on package 0: 4 pairs
  assert.equal(info.sources.physicalCores, "/sys/devices/system/cpu/cpu*/topology");
});

test("/proc/cpuinfo alone: 2 sockets × 2 cores × 2 threads", async () => {
  const info = await probe("cpuinfo_2_sockets");
  assert.equal(info.logicalCores, 8); // 8 processor blocks
  assert.equal(info.physicalCores, 4); // (physical id, core id) ∈ {0,1} × {0,1}
  assert.equal(info.sources.logicalCores, "/proc/cpuinfo");
  assert.equal(info.sources.physicalCores, "/proc/cpuinfo");
});

test("physical cores are never more than the logical CPUs: a package's 'cpu cores' over 2 of its CPUs", async () => {
  const info = await probe("cpuinfo_package_cores");
  // online "0-1"; cpuinfo lists those 2 CPUs, each "cpu cores : 16" of package 0 and no core id:
  // 16 physical cores on 2 logical was reported. No count fits, so the logical count stands.
  assert.equal(info.logicalCores, 2);
  assert.equal(info.physicalCores, 2);
  assert.equal(info.sources.physicalCores, "fallback");
  assert.equal(info.effectiveCores, 2);
});

test("an empty root falls back silently", async () => {
  const info = await probe("empty_root");
  const rt = runtime();
  assert.equal(info.logicalCores, rt.hardwareConcurrency());
  assert.equal(info.physicalCores, info.logicalCores);
  assert.equal(info.affinityCores, info.logicalCores);
  assert.equal(info.cpuQuota, null);
  assert.equal(info.effectiveCores, info.logicalCores);
  assert.equal(info.memory.limitBytes, null);
  assert.equal(info.memory.swapUsedBytes, null);
  assert.deepEqual(info.sources, {
    logicalCores: "runtime",
    physicalCores: "fallback",
    affinityCores: "fallback",
    cpuQuota: "fallback",
    effectiveCores: "runtime",
    "memory.totalBytes": "runtime",
    "memory.availableBytes": "runtime",
    "memory.limitBytes": "fallback",
    "memory.swapUsedBytes": "unavailable",
    "threads.limit": "fallback",
    "threads.room": "fallback",
  });
  assert.deepEqual(info.threads, { limit: null, room: null });
  assert.deepEqual(info.warnings, []);
});

test("garbage in every file is ignored with a warning naming each file, never a throw", async () => {
  const info = await probe("garbage");
  assert.equal(info.logicalCores, runtime().hardwareConcurrency());
  assert.equal(info.cpuQuota, null);
  assert.equal(info.memory.limitBytes, null);
  assert.equal(info.sources.logicalCores, "runtime");
  assert.equal(info.sources.physicalCores, "fallback");
  assert.equal(info.sources.affinityCores, "fallback");
  assert.equal(info.sources.cpuQuota, "fallback");
  assert.equal(info.sources["memory.totalBytes"], "runtime");
  const named = [
    "/proc/self/cgroup",
    "/sys/devices/system/cpu/online",
    "/proc/cpuinfo",
    "/proc/self/status",
    "/proc/meminfo",
    "/sys/fs/cgroup/cpu.max",
    "/sys/fs/cgroup/cpuset.cpus.effective",
    "/sys/fs/cgroup/memory.max",
    "/sys/fs/cgroup/memory.high",
    "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
    "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
    "/sys/fs/cgroup/cpuset/cpuset.effective_cpus",
    "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    "/sys/fs/cgroup/pids.max",
    "/sys/fs/cgroup/pids/pids.current",
  ];
  for (const file of named) {
    assert.equal(
      info.warnings.filter((w) => w.startsWith(`ignored ${file}:`)).length,
      1,
      `one warning for ${file} in ${JSON.stringify(info.warnings, null, 1)}`,
    );
  }
  assert.equal(info.warnings.length, named.length);
});

test("AMORSIZE_CPUS overrides the effective cores; AMORSIZE_MEMORY the limit", async () => {
  const info = await probe("cgroup_v2_quota", { AMORSIZE_CPUS: "6", AMORSIZE_MEMORY: "1.5G" });
  assert.equal(info.effectiveCores, 6);
  assert.equal(info.cpuQuota, 1.5); // still reported
  assert.equal(info.sources.effectiveCores, "AMORSIZE_CPUS");
  assert.equal(info.memory.limitBytes, 1610612736); // 1.5 × 1024³
  assert.equal(info.sources["memory.limitBytes"], "AMORSIZE_MEMORY");
  // More than the 4 CPUs online: taken, and said.
  assert.deepEqual(info.warnings, [
    "AMORSIZE_CPUS=6 is more than the 4 CPUs this process may run on: workers past them share " +
    "those CPUs",
  ]);
  assert.deepEqual((await probe("cgroup_v2_quota", { AMORSIZE_CPUS: "4" })).warnings, []);
  const kib = await probe("empty_root", { AMORSIZE_MEMORY: "512k" });
  assert.equal(kib.memory.limitBytes, 524288); // 512 × 1024
  const plain = await probe("empty_root", { AMORSIZE_MEMORY: "1048576", AMORSIZE_CPUS: "" });
  assert.equal(plain.memory.limitBytes, 1048576);
  assert.equal(plain.sources.effectiveCores, "runtime"); // empty = unset
});

test("invalid overrides throw a RangeError naming the variable and the value", async () => {
  await assert.rejects(probe("empty_root", { AMORSIZE_CPUS: "abc" }), {
    name: "RangeError",
    message: `'AMORSIZE_CPUS' must be a positive integer, got "abc"`,
  });
  await assert.rejects(probe("empty_root", { AMORSIZE_CPUS: "0" }), RangeError);
  await assert.rejects(probe("empty_root", { AMORSIZE_CPUS: "1.5" }), RangeError);
  await assert.rejects(probe("empty_root", { AMORSIZE_MEMORY: "-1G" }), {
    name: "RangeError",
    message: /^'AMORSIZE_MEMORY' must be .* got "-1G"$/,
  });
  await assert.rejects(probe("empty_root", { AMORSIZE_MEMORY: "12X" }), RangeError);
  // A bare fraction of a byte was 1 byte; Kubernetes' "Mi" was refused.
  await assert.rejects(probe("empty_root", { AMORSIZE_MEMORY: "1.5" }), RangeError);
  const k8s = await probe("empty_root", { AMORSIZE_MEMORY: "512Mi" });
  assert.equal(k8s.memory.limitBytes, 512 * 2 ** 20);
  await assert.rejects(probeSystem({ root: "" }), TypeError);
});

test("bad probe options throw a TypeError naming them: env must be an object of strings", async () => {
  // A number as an override's value failed with "value.trim is not a function"; `env: null`, a
  // string or an array were taken silently (the process's environment, or none), `root: null` too.
  const root = fixturePath("empty_root");
  await assert.rejects(probeSystem({ root, env: { AMORSIZE_CPUS: 4 as unknown as string } }), {
    name: "TypeError",
    message: "'env.AMORSIZE_CPUS' must be a string, got 4",
  });
  for (const env of [null, 5, "AMORSIZE_CPUS=2", ["AMORSIZE_CPUS=2"]]) {
    await assert.rejects(
      probeSystem({ root, env: env as unknown as Record<string, string> }),
      { name: "TypeError", message: /^'env' must be an object, got / },
      JSON.stringify(env),
    );
  }
  await assert.rejects(probeSystem({ root: null as unknown as string, env: {} }), {
    name: "TypeError",
    message: "'root' must be a non-empty path, got null",
  });
  // Other variables in env are no concern of the probe's.
  const info = await probeSystem({
    root,
    env: { AMORSIZE_CPUS: "3", OTHER: 1 as unknown as string },
  });
  assert.equal(info.effectiveCores, 3);
});

test("a cpu.max whose number overflows a double is garbage, not an infinite quota", async () => {
  const root = mkdtempSync(join(tmpdir(), "amorsize-cpumax-"));
  cpSync(fixturePath("cgroup_v2_quota"), root, { recursive: true });
  const file = readdirSync(join(root, "sys/fs/cgroup"), { recursive: true })
    .map(String).find((f) => f.endsWith("cpu.max"))!;
  writeFileSync(join(root, "sys/fs/cgroup", file), `${"9".repeat(400)} 100000\n`);
  const info = await probeSystem({ root, env: {} });
  assert.equal(info.cpuQuota, null);
  assert.ok(Number.isFinite(info.effectiveCores));
  assert.ok(info.warnings.some((w) => w.includes("cpu.max")), info.warnings.join("; "));
});

/** A fake root holding `files` (path → text). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "amorsize-tree-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, dirname(path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test("a memory limit equal to MemTotal is a limit (LXCFS shows the limit as the total)", async () => {
  const root = tree({
    "proc/meminfo": "MemTotal: 2097152 kB\nMemAvailable: 1048576 kB\n",
    "proc/self/cgroup": "0::/\n",
    "sys/fs/cgroup/memory.max": "2147483648\n",
  });
  const info = await probeSystem({ root, env: {} });
  assert.equal(info.memory.limitBytes, 2 * GiB);
  assert.equal(info.sources["memory.limitBytes"], "/sys/fs/cgroup/memory.max");
});

test("affinity cores are no more than the logical CPUs counted without an online list", async () => {
  const root = tree({
    "proc/cpuinfo": "processor\t: 0\n\nprocessor\t: 1\n",
    "proc/self/status": "Name:\tx\nCpus_allowed_list:\t0-63\n",
  });
  const info = await probeSystem({ root, env: {} });
  assert.equal(info.logicalCores, 2);
  assert.equal(info.affinityCores, 2);
});

test("a cgroup outside its namespace, or under no mount, is said in a warning; its limits are not taken silently", async () => {
  const mountinfo = (root: string) =>
    `30 25 0:26 ${root} /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n`;
  // /../x: the process entered the namespace but not its cgroups: the limits at the mount root
  // are the namespace's (read, with a warning).
  const outside = await probeSystem({
    root: tree({
      "proc/self/mountinfo": mountinfo("/"),
      "proc/self/cgroup": "0::/../../system.slice/x.service\n",
      "sys/fs/cgroup/cpu.max": "100000 100000\n",
    }),
    env: {},
  });
  assert.equal(outside.cpuQuota, 1);
  assert.equal(outside.warnings.length, 1, outside.warnings.join("\n"));
  assert.match(outside.warnings[0], /cgroup \/\.\.\/\.\.\/system\.slice\/x\.service .* outside/);
  // A mount of a deleted cgroup shows no subtree holding the process's: nothing read, said so.
  const unplaced = await probeSystem({
    root: tree({
      "proc/self/mountinfo": mountinfo("/docker/abc//deleted"),
      "proc/self/cgroup": "0::/\n",
      "sys/fs/cgroup/cpu.max": "100000 100000\n",
    }),
    env: {},
  });
  assert.equal(unplaced.cpuQuota, null);
  assert.equal(unplaced.warnings.length, 1, unplaced.warnings.join("\n"));
  assert.match(
    unplaced.warnings[0],
    /cgroup2 cgroup \/ .* under no mount of that hierarchy .* not read/,
  );
  // A mount that holds the process's cgroup: no warning (the fixtures' layouts too).
  const placed = await probeSystem({
    root: tree({
      "proc/self/mountinfo": mountinfo("/docker/abc"),
      "proc/self/cgroup": "0::/docker/abc\n",
      "sys/fs/cgroup/cpu.max": "100000 100000\n",
    }),
    env: {},
  });
  assert.equal(placed.cpuQuota, 1);
  assert.deepEqual(placed.warnings, []);
  // No line of /proc/self/cgroup for the hierarchy (or no file): nothing placed, nothing said.
  const unsaid = await probeSystem({
    root: tree({
      "proc/self/mountinfo": mountinfo("/docker/abc"),
      "sys/fs/cgroup/cpu.max": "100000 100000\n",
    }),
    env: {},
  });
  assert.deepEqual(unsaid.warnings, []);
});

test("odd host files: a path ending in a space, a v1 quota without its period, status without Cpus_allowed_list", async () => {
  const info = await probeSystem({
    root: tree({
      "proc/self/cgroup": "0::/a \n",
      "sys/fs/cgroup/a /cpu.max": "200000 100000\n",
      "proc/self/status": "Name:\tx\nState:\tR\n",
    }),
    env: {},
  });
  assert.equal(info.cpuQuota, 2); // read in "/sys/fs/cgroup/a " (the space kept)
  assert.deepEqual(info.warnings, [
    'ignored /proc/self/status: it has no "Cpus_allowed_list:" line',
  ]);
  const v1 = await probeSystem({
    root: tree({
      "proc/self/cgroup": "4:cpu,cpuacct:/\n",
      "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "50000\n",
    }),
    env: {},
  });
  assert.equal(v1.cpuQuota, null);
  assert.equal(v1.warnings.length, 1, v1.warnings.join("\n"));
  assert.match(v1.warnings[0], /cpu\.cfs_quota_us: no .*cpu\.cfs_period_us beside it/);
});
