import { test } from "node:test";
import assert from "node:assert/strict";
import {
  busyCoresNow,
  externalLoadNow,
  otherRunnableThreads,
  ownRunnableThreads,
  runnableThreads,
} from "../src/system/load.ts";
import { fixturePath } from "./_helpers.ts";

test("runnableThreads: procs_running of a stat file; undefined where unreadable", () => {
  assert.equal(runnableThreads(fixturePath("load/stat")), 5);
  assert.equal(runnableThreads(fixturePath("no/such/stat")), undefined);
});

test("ownRunnableThreads: this process's threads in state R (names with spaces and parentheses)", () => {
  assert.equal(ownRunnableThreads(fixturePath("load/self")), 3);
  assert.equal(ownRunnableThreads(fixturePath("no/such/self")), undefined);
  const here = ownRunnableThreads();
  assert.ok(here === undefined || here >= 1, "this thread runs while it reads");
});

test("otherRunnableThreads: the machine's runnable threads less this process's own", () => {
  const stat = fixturePath("load/stat"), self = fixturePath("load/self");
  // 5 runnable on the machine, 3 of them this process's (its JIT worker among them).
  assert.equal(otherRunnableThreads(2, stat, self), 2);
  assert.equal(externalLoadNow(stat, self), 2);
  // This process's threads unreadable: the fallback count is taken for them.
  assert.equal(otherRunnableThreads(2, stat, fixturePath("no/such/self")), 3);
  assert.equal(otherRunnableThreads(9, stat, fixturePath("no/such/self")), 0);
  assert.equal(externalLoadNow(stat, fixturePath("no/such/self")), 3);
  assert.equal(otherRunnableThreads(2, fixturePath("no/such/stat"), self), undefined);
  assert.equal(externalLoadNow(fixturePath("no/such/stat"), self), undefined);
});

test("busyCoresNow: capped at the cores; externalLoadNow: never negative", () => {
  for (const cores of [1, 2, 64]) {
    const b = busyCoresNow(cores);
    assert.ok(b === undefined || (b >= 0 && b <= cores), `${b} of ${cores}`);
  }
  const l = externalLoadNow();
  assert.ok(l === undefined || l >= 0);
});
