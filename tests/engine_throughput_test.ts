// The workers' throughput behind a change of course, with scripted reply times.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Throughput } from "../src/engine/_throughput.ts";

/** Replies of `workers` workers, each every `everyMs` with `items`, all at the same times. */
function waves(workers: number, rounds: number, everyMs: number, items: number): Throughput {
  const t = new Throughput();
  for (let k = 0; k <= rounds; k++) {
    for (let w = 0; w < workers; w++) t.reply(w, items, k * everyMs);
  }
  return t;
}

test("throughput: workers replying together are timed each on its own (waves are not pauses)", () => {
  // Four workers, 4 items every 2 ms each: 8 items per ms. Over the run's replies in turn, the
  // waits read [2, 0, 0, 0, 2, …] and leaving out the longest read the rate far higher.
  assert.equal(waves(4, 3, 2, 4).itemsPerMs(), 8);
  assert.equal(waves(2, 3, 2, 4).itemsPerMs(), 4);
});

test("throughput: one pause of every worker's replies is left out", () => {
  const t = new Throughput();
  for (const at of [0, 2, 4, 64, 66]) for (const w of ["a", "b"]) t.reply(w, 4, at);
  // Each worker: stretches of 2, 2, 60 and 2 ms for 4 items; the 60 ms one is left out.
  assert.equal(t.itemsPerMs(), 4);
  assert.equal(t.leastStretches, 4);
});

test("throughput: workers that are slow throughout read slow", () => {
  const slow = waves(2, 4, 10, 4);
  assert.equal(slow.itemsPerMs(), 0.8);
  // Uneven workers: each counts at its own rate.
  const t = new Throughput();
  for (let k = 0; k <= 4; k++) {
    t.reply("fast", 4, k);
    t.reply("slow", 4, 4 * k);
  }
  assert.equal(t.itemsPerMs(), 4 + 1);
});

test("throughput: counts of workers and of stretches; nothing measured before a second reply", () => {
  const t = new Throughput();
  assert.equal(t.itemsPerMs(), 0);
  assert.equal(t.leastStretches, 0);
  t.reply("a", 4, 0);
  t.reply("b", 4, 1);
  assert.equal(t.workers, 2);
  assert.equal(t.leastStretches, 0);
  assert.equal(t.itemsPerMs(), 0);
  t.reply("a", 4, 2);
  assert.equal(t.leastStretches, 0, "b has not replied again");
  assert.equal(t.itemsPerMs(), 2, "a alone: 4 items in 2 ms, nothing left out of one stretch");
  t.reply("b", 2, 3);
  assert.equal(t.leastStretches, 1);
});
