// The optimizer in a real cgroup with a CPU quota of 1.5 cores (needs root, a writable cgroup CPU
// controller and 2 CPUs; skipped elsewhere): `amorsize optimize` as a real process in it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { cliCommand, repoRoot } from "./_cli.ts";
import { probeSystem } from "../src/system/probe_system.ts";
import { cgroupV2Controllers, fixtureModule } from "./_helpers.ts";

/** A new cgroup of the CPU controller with a quota of 1.5 cores, or why there is none. */
function quotaGroup(): { dir: string; version: 1 | 2 } | string {
  if (process.getuid?.() !== 0) return "not root";
  const name = `amorsize-quota-${process.pid}`;
  const v2 = "/sys/fs/cgroup";
  const v2Controllers = cgroupV2Controllers();
  const v1 = ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"].find((d) =>
    existsSync(join(d, "cpu.cfs_quota_us"))
  );
  try {
    if (v1) {
      const dir = join(v1, name);
      mkdirSync(dir);
      writeFileSync(join(dir, "cpu.cfs_period_us"), "100000");
      writeFileSync(join(dir, "cpu.cfs_quota_us"), "150000");
      return { dir, version: 1 };
    }
    if (/\bcpu\b/.test(v2Controllers)) {
      const dir = join(v2, name);
      mkdirSync(dir);
      writeFileSync(join(dir, "cpu.max"), "150000 100000");
      return { dir, version: 2 };
    }
  } catch (e) {
    return `no writable cgroup: ${(e as Error).message}`;
  }
  return "no cgroup CPU controller";
}

test("under a real CPU quota of 1.5 cores, optimize takes two workers sharing it", async (t) => {
  const host = await probeSystem();
  if (Math.min(host.logicalCores, host.affinityCores) < 2) return t.skip("fewer than 2 CPUs");
  if (host.cpuQuota !== null) return t.skip("this process already runs under a quota");
  const group = quotaGroup();
  if (typeof group === "string") return t.skip(group);
  try {
    const { cmd, args } = cliCommand();
    const task = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;
    const quoted = [cmd, ...args, "optimize", task, "--range", "50", "--json"]
      .map((a) => `'${a}'`).join(" ");
    // The shell joins the cgroup, then becomes the CLI (its workers start in the cgroup too).
    const res = spawnSync("sh", ["-c", `echo $$ > '${group.dir}/cgroup.procs' && exec ${quoted}`], {
      cwd: repoRoot(),
      encoding: "utf8",
      env: { ...process.env, AMORSIZE_CPUS: "", AMORSIZE_MEMORY: "" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
    assert.equal(res.status, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.equal(out.profile.system.cpuQuota, 1.5);
    assert.equal(out.profile.system.effectiveCores, 1); // rounded down: never throttled
    // Two workers, sharing the CPU time of 1.5 cores (one alone cannot beat the plain loop).
    assert.equal(out.profile.caps.cores, 2);
  } finally {
    rmdirSync(group.dir);
  }
});
