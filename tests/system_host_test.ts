// probeSystem() on this real machine (root "/"), and under Deno without any permission.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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
    assert.match(info.warnings[0], /\/proc\/self\/cgroup/);
    assert.match(info.warnings[0], /-A/);
  },
);

const setpriv = spawnSync("setpriv", ["--version"], { encoding: "utf8" }).status === 0;
const root = process.getuid?.() === 0;

test(
  "a cgroup file the OS refuses is named in a warning, with no advice about Deno's flags",
  {
    skip: deno === undefined || !setpriv || !root
      ? "needs node_modules/.bin/deno, setpriv and root (to run the probe as another user)"
      : false,
  },
  (t) => {
    // A quota of 1.5 cores in a file of mode 000, read as user 65534: the OS says EACCES, which
    // no permission flag mends (it was reported as Deno's permissions, "Run Deno with -A").
    // Under a directory user 65534 may enter (the test runner's own temporary directory is
    // private to root).
    const enterable = (d: string): boolean =>
      (statSync(d).mode & 0o001) !== 0 && (dirname(d) === d || enterable(dirname(d)));
    const base = [tmpdir(), "/tmp"].find(enterable);
    if (base === undefined) return t.skip("no temporary directory that user 65534 may enter");
    const dir = mkdtempSync(join(base, "amorsize-denied-"));
    try {
      const files: Record<string, string> = {
        "proc/self/cgroup": "0::/app\n",
        "sys/devices/system/cpu/online": "0-7\n",
        "sys/fs/cgroup/app/cpu.max": "150000 100000\n",
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, "root", path)), { recursive: true });
        writeFileSync(join(dir, "root", path), text);
      }
      mkdirSync(join(dir, "deno"));
      chmodSync(dir, 0o755);
      chmodSync(join(dir, "deno"), 0o777);
      chmodSync(join(dir, "root/sys/fs/cgroup/app/cpu.max"), 0);
      const script = join(repoRoot(), "tests", "fixtures", "probe_root.ts");
      const res = spawnSync(
        "setpriv",
        ["--reuid=65534", "--regid=65534", "--clear-groups", deno!, "run", "-A", "--no-check"]
          .concat([script, join(dir, "root")]),
        {
          encoding: "utf8",
          env: { ...env, DENO_DIR: join(dir, "deno"), HOME: dir },
          stdio: ["ignore", "pipe", "pipe"],
          timeout: 60_000,
        },
      );
      if (res.status !== 0 && /Permission denied|EACCES/i.test(res.stderr) && !res.stdout) {
        return t.skip(`this checkout is not readable by user 65534: ${res.stderr.slice(0, 200)}`);
      }
      assert.equal(res.status, 0, res.stderr);
      const info = JSON.parse(res.stdout);
      assert.equal(info.cpuQuota, null); // unknown: the file could not be read
      assert.equal(info.warnings.length, 1, JSON.stringify(info.warnings));
      assert.match(info.warnings[0], /^ignored \/sys\/fs\/cgroup\/app\/cpu\.max: .*denied/i);
      assert.doesNotMatch(info.warnings[0], /Run Deno|--allow/); // (the temporary name may hold "-A")
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
