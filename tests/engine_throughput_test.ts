// The workers' throughput behind a change of course, with scripted reply times.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Throughput } from "../src/engine/_throughput.ts";

/** Replies of `workers` workers, each every `everyMs` with `items`, all at the same times. */
function waves(workers: number, rounds: number, everyMs: number, items: number): Throughput {
  const t = new Throughput();
  for (let k = 0; k <= rounds; k++) {
    for (let w = 0; w < workers; w++) t.reply(w, items, k * everyMs, everyMs);
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
  for (const at of [0, 2, 4, 64, 66]) for (const w of ["a", "b"]) t.reply(w, 4, at, 2);
  // Each worker: stretches of 2, 2, 60 and 2 ms for 4 items; the 60 ms one is left out.
  assert.equal(t.itemsPerMs(), 4);
  assert.equal(t.measured, 6);
});

test("throughput: replies handled late and back to back count at least the worker's own time", () => {
  // This thread stopped 300 ms; the two replies each worker sent meanwhile arrive together.
  const t = new Throughput();
  for (const w of ["a", "b"]) t.reply(w, 4, 0, 2);
  for (const w of ["a", "b"]) t.reply(w, 4, 300, 2); // the pause: left out as the slowest
  for (const w of ["a", "b"]) t.reply(w, 4, 300.001, 2); // read as 2 ms, the worker's time
  assert.equal(t.itemsPerMs(), 4);
});

test("throughput: workers that are slow throughout read slow", () => {
  assert.equal(waves(2, 4, 10, 4).itemsPerMs(), 0.8);
});

test("throughput: a worker that died no longer counts; one not measured yet runs at the others' rate", () => {
  const t = new Throughput();
  for (let k = 0; k <= 4; k++) t.reply("a", 4, 2 * k, 2);
  t.reply("b", 4, 1, 2); // replied once: no stretch of its own yet
  assert.equal(t.workers, 2);
  assert.equal(t.measured, 3);
  assert.equal(t.itemsPerMs(), 4, "a's 2 items per ms, for two workers");
  t.forget("b");
  assert.equal(t.workers, 1);
  assert.equal(t.itemsPerMs(), 2);
  t.forget("a");
  assert.equal(t.itemsPerMs(), 0);
  assert.equal(t.measured, 0);
});

test("throughput: nothing measured before a worker's second reply; empty replies do not count", () => {
  const t = new Throughput();
  assert.equal(t.itemsPerMs(), 0);
  t.reply("a", 4, 0, 2);
  assert.equal(t.itemsPerMs(), 0);
  t.reply("a", 0, 1, 0);
  assert.equal(t.measured, 0);
  t.reply("a", 4, 2, 2);
  assert.equal(t.itemsPerMs(), 0, "one stretch: it is the slowest, left out");
  t.reply("a", 4, 4, 2);
  assert.equal(t.itemsPerMs(), 2);
});
