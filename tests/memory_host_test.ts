// The engine under a real cgroup memory limit (needs root and a writable cgroup memory controller;
// skipped elsewhere): a process of this runtime in a cgroup of its own, whose workers would pass
// the limit together.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtime } from "../mod.ts";
import { cgroupV2Controllers, fixtureModule } from "./_helpers.ts";

/** A new cgroup of the memory controller limited to `mb` MiB, or why there is none. */
function memoryGroup(mb: number): string {
  if (process.getuid?.() !== 0) return "not root";
  const name = `amorsize-memory-${process.pid}`;
  const v1 = "/sys/fs/cgroup/memory";
  const v2 = "/sys/fs/cgroup";
  try {
    const isV1 = existsSync(join(v1, "cgroup.procs"));
    if (!isV1 && !/\bmemory\b/.test(cgroupV2Controllers())) return "no cgroup memory controller";
    const dir = join(isV1 ? v1 : v2, name);
    mkdirSync(dir);
    writeFileSync(join(dir, isV1 ? "memory.limit_in_bytes" : "memory.max"), String(mb * 2 ** 20));
    // No swap to fall back on: past the limit, the kernel kills.
    const swap = join(dir, isV1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max");
    if (existsSync(swap)) writeFileSync(swap, isV1 ? String(mb * 2 ** 20) : "0");
    return dir;
  } catch (e) {
    return `no writable cgroup: ${(e as Error).message}`;
  }
}

const rt = runtime();
test(
  "under a real memory limit, workers that would pass it together fail alone, and the process lives",
  {
    skip: !rt.workerHeapLimits && `${rt.name}'s workers take no heap limit (docs/engine.md)`,
  },
  (t) => {
    const limitMb = 512;
    const dir = memoryGroup(limitMb);
    if (!dir.startsWith("/")) return t.skip(dir);
    try {
      const script = fileURLToPath(fixtureModule("memory_limited"));
      const args = rt.name === "deno" ? ["run", "-A", script] : [script];
      const quoted = [process.execPath, ...args, String(limitMb)].map((a) => `'${a}'`).join(" ");
      // The shell joins the cgroup, then becomes the process (its workers start in the cgroup too).
      const res = spawnSync("sh", ["-c", `echo $$ > '${dir}/cgroup.procs' && exec ${quoted}`], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 120_000,
      });
      assert.equal(res.status, 0, `exit ${res.status} (${res.signal}): ${res.stderr}`);
      const r = JSON.parse(res.stdout.trim().split("\n").pop()!);
      assert.equal(r.small, true, "workers within their share run every item");
      assert.match(r.large, /^WorkerCrashError: A worker died twice .*memory/);
      assert.match(r.large, /its share of the room left under the cgroup's memory limit/);
    } finally {
      rmdirSync(dir);
    }
  },
);
