import { test } from "node:test";
import assert from "node:assert/strict";
import {
  busyCoresNow,
  competingLoad,
  externalLoadNow,
  otherRunnableThreads,
  runnableThreads,
} from "../src/system/load.ts";
import { runnableThreadIds } from "../src/system/thread_cpu.ts";
import { fixturePath } from "./_helpers.ts";

test("runnableThreads: procs_running of a stat file; undefined where unreadable", () => {
  assert.equal(runnableThreads(fixturePath("load/stat")), 5);
  assert.equal(runnableThreads(fixturePath("no/such/stat")), undefined);
});

test("runnableThreadIds: this process's threads in state R (names with spaces and parentheses)", () => {
  assert.deepEqual(runnableThreadIds(fixturePath("load/self"))?.sort(), ["201", "203", "204"]);
  assert.equal(runnableThreadIds(fixturePath("no/such/self")), undefined);
  const here = runnableThreadIds();
  assert.ok(here === undefined || here.length >= 1, "this thread runs while it reads");
});

test("otherRunnableThreads: the machine's runnable threads less this process's own", () => {
  const stat = fixturePath("load/stat"), self = fixturePath("load/self");
  const none = new Set<string>();
  // 5 runnable on the machine, 3 of them this process's (its JIT worker among them).
  assert.equal(otherRunnableThreads(none, 2, stat, self), 2);
  assert.equal(externalLoadNow(none, stat, self), 2);
  // A pool worker (204) runs another call's chunks: it takes a core as other processes do.
  assert.equal(otherRunnableThreads(new Set(["204"]), 2, stat, self), 3);
  assert.equal(externalLoadNow(new Set(["204"]), stat, self), 3);
  // This process's threads unreadable: the fallback count is taken as its own.
  assert.equal(otherRunnableThreads(none, 2, stat, fixturePath("no/such/self")), 3);
  assert.equal(otherRunnableThreads(none, 9, stat, fixturePath("no/such/self")), 0);
  assert.equal(externalLoadNow(none, stat, fixturePath("no/such/self")), 3);
  assert.equal(otherRunnableThreads(none, 2, fixturePath("no/such/stat"), self), undefined);
  assert.equal(externalLoadNow(none, fixturePath("no/such/stat"), self), undefined);
  // One runnable thread on the machine: the reading one, whatever this process's threads read
  // (the fixture's pool workers 201, 203 and 204 are runnable there).
  const idle = fixturePath("load/stat_idle"), workers = new Set(["201", "203", "204"]);
  assert.equal(otherRunnableThreads(workers, 2, idle, self), 0);
  assert.equal(externalLoadNow(workers, idle, self), 0);
  assert.equal(externalLoadNow(workers, stat, self), 5);
});

test("busyCoresNow: capped at the cores; externalLoadNow: never negative", () => {
  for (const cores of [1, 2, 64]) {
    const host = { logicalCores: 64, affinityCores: 64, cpuQuota: null, effectiveCores: cores };
    const b = busyCoresNow(host);
    assert.ok(b === undefined || (b >= 0 && b <= cores), `${b} of ${cores}`);
  }
  const l = externalLoadNow();
  assert.ok(l === undefined || l >= 0);
});

test("competingLoad: a quota competes only for the CPUs others leave; a CPU set gets its share", () => {
  // A pod of 2 cores (quota, no CPU set) on 64 CPUs: 41 other runnable threads leave 23 idle.
  const pod = { logicalCores: 64, affinityCores: 64, cpuQuota: 2 };
  assert.equal(competingLoad(41, pod), 0);
  assert.equal(competingLoad(62, pod), 0);
  assert.equal(competingLoad(64, pod), 2);
  assert.equal(competingLoad(63, { ...pod, cpuQuota: 1.5 }), 1); // ceil(1.5) = 2 cores' room
  // A CPU set of 2 of 8 CPUs: an even share of the machine's count.
  assert.equal(competingLoad(8, { logicalCores: 8, affinityCores: 2, cpuQuota: null }), 2);
  // Every CPU and no quota: the count itself.
  assert.equal(competingLoad(3, { logicalCores: 2, affinityCores: 2, cpuQuota: null }), 3);
  assert.equal(competingLoad(0, pod), 0);
});
