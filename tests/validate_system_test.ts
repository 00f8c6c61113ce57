// validateSystem: every check with its figure on this machine; the health rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixturePath } from "./_helpers.ts";
import { validateSystem } from "../src/validate/validate_system.ts";
import { checkWorkers } from "../src/validate/_system_checks.ts";
import { createPool, runtime } from "../mod.ts";
import { rateHealth } from "../src/validate/health.ts";

test("validateSystem returns every check with a figure", async () => {
  const v = await validateSystem({ probe: { env: {} } });
  const names = v.checks.map((c) => c.name);
  assert.deepEqual(names, [
    "workers start and answer",
    "round trip",
    "per-chunk cost",
    "clone 1 MB Float64Array",
    "clone 10 000 small objects",
    "timer resolution",
    "probe",
    "cores for workers",
    "memory headroom",
  ]);
  for (const c of v.checks) {
    assert.equal(typeof c.passed, "boolean");
    assert.ok(c.unit.length > 0 && c.expected.length > 0 && c.detail.length > 0, c.name);
    assert.ok(["core", "measure", "soft"].includes(c.level));
  }
  const byName = Object.fromEntries(v.checks.map((c) => [c.name, c]));
  assert.equal(byName["workers start and answer"].passed, true);
  for (const n of ["round trip", "per-chunk cost", "clone 1 MB Float64Array", "timer resolution"]) {
    assert.ok(typeof byName[n].value === "number" && byName[n].value! > 0, n);
  }
  assert.equal(byName["probe"].value, v.system!.effectiveCores);
  assert.equal(v.health, rateHealth(v.checks));
});

test("the probe's warnings fail the advisory probe check only", async () => {
  const v = await validateSystem({ probe: { root: fixturePath("garbage"), env: {} } });
  const probe = v.checks.find((c) => c.name === "probe")!;
  assert.equal(probe.passed, false);
  assert.equal(probe.level, "soft");
  assert.match(probe.detail, /ignored/);
  assert.notEqual(v.health, "excellent");
});

test("the health rule: core → critical, measure → poor, soft → good, none → excellent", () => {
  const ok = { passed: true, level: "core" as const };
  const fail = (level: "core" | "measure" | "soft") => ({ passed: false, level });
  assert.equal(rateHealth([ok, ok]), "excellent");
  assert.equal(rateHealth([ok, fail("soft")]), "good");
  assert.equal(rateHealth([fail("soft"), fail("measure")]), "poor");
  assert.equal(rateHealth([fail("measure"), fail("core"), fail("soft")]), "critical");
  assert.equal(rateHealth([]), "excellent");
});

test("bad options throw at once", async () => {
  await assert.rejects(validateSystem({ timeoutMs: -1 }), {
    name: "RangeError",
    message: "'timeoutMs' must be a positive number, got -1",
  });
  await assert.rejects(validateSystem(null as never), TypeError);
  // 2^31 ms wrapped to 1 ms in the timer: no worker "answered" and the health was critical.
  await assert.rejects(validateSystem({ timeoutMs: 2 ** 31 }), {
    name: "RangeError",
    message: /'timeoutMs' must be at most 2147483647 ms .*, got 2147483648/,
  });
});

test("the workers check counts the workers that started: one, where the system refused a thread", async () => {
  const rt = runtime();
  const start = rt.startWorker;
  let started = 0;
  rt.startWorker = (url, options) => {
    if (started++ >= 1) throw new Error("EAGAIN"); // as under a cgroup's pids.max
    return start(url, options);
  };
  const pool = createPool({ maxWorkers: 2 });
  try {
    const check = await checkWorkers(pool, 60_000);
    assert.equal(check.passed, true, check.detail);
    assert.match(check.detail, /^1 worker\(s\) ready in /);
  } finally {
    rt.startWorker = start;
    await pool.close();
  }
});
