import { test } from "node:test";
import assert from "node:assert/strict";
import { busyCoresNow, externalLoadNow, runnableThreads } from "../src/system/load.ts";
import { fixturePath } from "./_helpers.ts";

test("runnableThreads: procs_running of a stat file; undefined where unreadable", () => {
  assert.equal(runnableThreads(fixturePath("load/stat")), 5);
  assert.equal(runnableThreads(fixturePath("no/such/stat")), undefined);
});

test("busyCoresNow: capped at the cores; externalLoadNow: never negative", () => {
  for (const cores of [1, 2, 64]) {
    const b = busyCoresNow(cores);
    assert.ok(b === undefined || (b >= 0 && b <= cores), `${b} of ${cores}`);
  }
  const l = externalLoadNow();
  assert.ok(l === undefined || l >= 0);
});
