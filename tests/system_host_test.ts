// probeSystem() on this real machine (root "/"), and under Deno without any permission.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { probeSystem } from "../src/system/probe_system.ts";
import { runtime } from "../src/runtime/detect.ts";
import { denoBinary, repoRoot } from "./_cli.ts";

// nproc honours OMP_NUM_THREADS and OMP_THREAD_LIMIT; leave them out.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith("OMP_")),
) as Record<string, string>;
const nproc = spawnSync("nproc", [], { encoding: "utf8", env });
const nprocCount = nproc.status === 0 && /^\d+\s*$/.test(nproc.stdout)
  ? Number(nproc.stdout.trim())
  : undefined;

test(
  "on this machine the probe agrees with nproc and /proc/meminfo",
  { skip: nprocCount === undefined ? "nproc is not available" : false },
  async () => {
    const info = await probeSystem({ env: {} });
    // nproc counts the CPUs this process may use (affinity; newer coreutils also apply a v2
    // quota), so it equals min(logical, affinity) or the effective cores.
    const mayUse = Math.min(info.logicalCores, info.affinityCores);
    assert.ok(
      nprocCount === mayUse || nprocCount === info.effectiveCores,
      `nproc ${nprocCount}, probe ${JSON.stringify(info)}`,
    );
    assert.ok(info.effectiveCores >= 1 && info.effectiveCores <= mayUse);
    assert.ok(info.physicalCores >= 1 && info.physicalCores <= info.logicalCores);
    const meminfo = runtime().readTextFile("/proc/meminfo");
    if (meminfo.ok) {
      const kb = /^MemTotal:\s+(\d+) kB$/m.exec(meminfo.text);
      assert.ok(kb, "MemTotal line");
      assert.equal(info.memory.totalBytes, Number(kb[1]) * 1024);
      assert.equal(info.sources["memory.totalBytes"], "/proc/meminfo");
    }
    assert.deepEqual(info.warnings, []);
  },
);

const deno = denoBinary();

test(
  "Deno without -A: the probe returns the runtime's figures and one warning, never prompts",
  { skip: deno === undefined ? "node_modules/.bin/deno is not installed" : false },
  () => {
    const script = join(repoRoot(), "tests", "fixtures", "probe_without_permissions.ts");
    const res = spawnSync(deno!, ["run", "--no-prompt", script], {
      cwd: repoRoot(),
      encoding: "utf8",
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
    assert.equal(res.status, 0, res.stderr);
    const info = JSON.parse(res.stdout);
    assert.ok(Number.isInteger(info.logicalCores) && info.logicalCores >= 1);
    assert.equal(info.effectiveCores, info.logicalCores);
    assert.equal(info.sources.logicalCores, "runtime");
    for (const figure of ["physicalCores", "affinityCores", "cpuQuota", "memory.limitBytes"]) {
      assert.equal(info.sources[figure], "fallback", figure);
    }
    assert.equal(info.cpuQuota, null);
    assert.equal(info.warnings.length, 1, JSON.stringify(info.warnings));
    assert.match(info.warnings[0], /permission denied/);
    assert.match(info.warnings[0], /\/proc\/self\/status/);
    assert.match(info.warnings[0], /-A/);
  },
);
