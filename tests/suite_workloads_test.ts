// The standard workloads: names, module tasks loadable by workers, data generators, and the task
// functions themselves (called directly: logic only).
import { test } from "node:test";
import assert from "node:assert/strict";
import { getStandardWorkloads } from "../src/suite/workloads.ts";
import * as tasks from "../src/suite/_workload_tasks.ts";

test("suite workloads: five seed patterns with unique names", () => {
  const specs = getStandardWorkloads();
  assert.deepEqual(specs.map((s) => s.name), [
    "cpu-intensive",
    "mixed",
    "memory-intensive",
    "fast-function",
    "variable-time",
  ]);
  for (const s of specs) {
    assert.ok(s.description.length > 10, s.name);
    assert.ok(s.minSpeedup > 0 && s.maxTimeMs > 0, s.name);
  }
});

test("suite workloads: tasks are module references to _workload_tasks with the build's extension", () => {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  for (const s of getStandardWorkloads()) {
    const t = s.task as { kind: string; module: string; name: string };
    assert.equal(t.kind, "module", s.name);
    assert.ok(t.module.endsWith(`/src/suite/_workload_tasks${ext}`), t.module);
    assert.equal(typeof (tasks as Record<string, unknown>)[t.name], "function", t.name);
  }
});

test("suite workloads: data() makes `size` items, fresh each call", () => {
  for (const s of getStandardWorkloads()) {
    const a = s.data(), b = s.data();
    assert.equal(a.length, s.size, s.name);
    assert.notEqual(a, b);
    assert.deepEqual(a.slice(0, 3), b.slice(0, 3));
  }
});

test("suite workloads: each getStandardWorkloads() call returns new specs", () => {
  const a = getStandardWorkloads();
  a[0].minSpeedup = 99;
  assert.notEqual(getStandardWorkloads()[0].minSpeedup, 99);
});

test("suite workload tasks: results are deterministic", async () => {
  assert.equal(tasks.fast(12), 144);
  assert.equal(tasks.variableTime(4), 14); // 0 + 1 + 4 + 9
  assert.equal(tasks.cpuIntensive(1_000), tasks.cpuIntensive(1_000));
  assert.equal(tasks.memoryIntensive(5_000), tasks.memoryIntensive(5_000));
  assert.equal(await tasks.mixed({ n: 2, ms: 0 }), 168); // primes in [2, 1002)
});

test("suite workloads: the variable-time items span three orders of magnitude", () => {
  const items = getStandardWorkloads()[4].data() as number[];
  const max = Math.max(...items), min = Math.min(...items);
  assert.ok(max / min > 500);
});
