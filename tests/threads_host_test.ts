// The optimizer and the engine under a real cgroup limit on threads (needs root and a writable
// cgroup pids controller; skipped elsewhere): a process of this runtime in a cgroup of its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtime } from "../mod.ts";
import { RUNTIME_THREADS } from "../src/system/mod.ts";
import { cgroupV2Controllers, fixtureModule } from "./_helpers.ts";

/** A new cgroup of the pids controller, without a limit, or why there is none. */
function pidsGroup(): string {
  if (process.getuid?.() !== 0) return "not root";
  const name = `amorsize-threads-${process.pid}`;
  const v2 = "/sys/fs/cgroup";
  const v2Controllers = cgroupV2Controllers();
  const v1 = "/sys/fs/cgroup/pids";
  try {
    const parent = existsSync(join(v1, "cgroup.procs"))
      ? v1
      : /\bpids\b/.test(v2Controllers)
      ? v2
      : undefined;
    if (!parent) return "no cgroup pids controller";
    const dir = join(parent, name);
    mkdirSync(dir);
    writeFileSync(join(dir, "pids.max"), "max");
    return dir;
  } catch (e) {
    return `no writable cgroup: ${(e as Error).message}`;
  }
}

test("under a real limit on threads, workers stop short of it and the optimizer knows", (t) => {
  const dir = pidsGroup();
  if (!dir.startsWith("/")) return t.skip(dir);
  try {
    const script = fileURLToPath(fixtureModule("threads_limited"));
    const argv = runtime().name === "deno" ? ["run", "-A", script, dir] : [script, dir];
    const quoted = [process.execPath, ...argv].map((a) => `'${a}'`).join(" ");
    // The shell joins the cgroup, then becomes the process (its workers start in the cgroup too).
    const res = spawnSync("sh", ["-c", `echo $$ > '${dir}/cgroup.procs' && exec ${quoted}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
    assert.equal(res.status, 0, res.stderr);
    const r = JSON.parse(res.stdout.trim().split("\n").pop()!);
    // The probe read the limit; the optimizer's cap leaves the runtime its threads.
    assert.equal(typeof r.system.limit, "number");
    assert.ok(r.caps.threads >= 0 && r.caps.threads <= 4, JSON.stringify(r.caps));
    assert.equal(r.warned, r.caps.threads < r.caps.cores);
    // 16 workers asked for: those that fit ran every item, exactly.
    assert.equal(r.forced.exact, true, JSON.stringify(r.forced));
    assert.ok(r.forced.workers >= 1 && r.forced.workers <= 4, `${r.forced.workers} workers`);
    // No thread left but the runtime's: a forced run says why; an automatic one runs here.
    assert.match(
      r.refused,
      new RegExp(
        `^Could not start a worker: \\d+ threads? (is|are) left under the cgroup's limit on ` +
          `threads \\(pids\\.max\\), and the last ${RUNTIME_THREADS} are kept`,
      ),
    );
    assert.equal(r.auto, true);
  } finally {
    rmdirSync(dir);
  }
});
