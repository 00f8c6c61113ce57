import { test } from "node:test";
import assert from "node:assert/strict";
import { ChunkSizer } from "../src/engine/_chunk_sizer.ts";

const sizer = (initial: number, adaptive = true, workers = 2, targetMs = 200) =>
  new ChunkSizer({ initial, adaptive, workers, targetMs });

test("chunk sizer: starts from the given size", () => {
  assert.equal(sizer(37).next(undefined), 37);
  assert.equal(sizer(37).next(1_000_000), 37);
});

test("chunk sizer: grows toward the target, at most doubling per chunk", () => {
  const s = sizer(10);
  const sizes = [s.next(undefined)];
  for (let k = 0; k < 12; k++) {
    const n = s.next(undefined);
    s.record(n, n * 1); // 1 ms per item: the target of 200 ms is 200 items
    sizes.push(s.next(undefined));
  }
  assert.deepEqual(sizes.slice(0, 6), [10, 20, 40, 80, 160, 200]);
  for (let k = 1; k < sizes.length; k++) assert.ok(sizes[k] <= 2 * sizes[k - 1], `${sizes}`);
  assert.equal(sizes.at(-1), 200, "settles on the target");
});

test("chunk sizer: shrinks toward the target, at most halving per chunk", () => {
  const s = sizer(400);
  const sizes = [s.next(undefined)];
  for (let k = 0; k < 6; k++) {
    const n = s.next(undefined);
    s.record(n, n * 10); // 10 ms per item: the target is 20 items
    sizes.push(s.next(undefined));
  }
  assert.deepEqual(sizes, [400, 200, 100, 50, 25, 20, 20]);
});

test("chunk sizer: smooths the per-item time (first sample as is, then 0.8 old + 0.2 new)", () => {
  const s = sizer(10);
  s.record(10, 10);
  assert.equal(s.perItemMs, 1);
  s.record(10, 60);
  assert.ok(Math.abs(s.perItemMs! - 2) < 1e-9);
});

test("chunk sizer: guided shrink near the end leaves work for every worker", () => {
  const s = sizer(200, true, 2);
  s.record(200, 200); // 1 ms per item: size stays 200
  assert.equal(s.next(100_000), 200, "far from the end: the full size");
  assert.equal(s.next(400), 100, "400 left over 2 workers: at most 400 / (2 * 2)");
  assert.equal(s.next(40), 10);
  // Never below the floor of 2 ms of work per chunk (here 2 items at 1 ms each).
  assert.equal(s.next(3), 2);
  assert.equal(s.next(1), 2, "the source simply returns fewer");
});

test("chunk sizer: adaptive false keeps the size exactly", () => {
  const s = sizer(64, false, 4);
  for (const ms of [0.01, 1000, 5, 0]) {
    s.record(64, ms);
    assert.equal(s.next(undefined), 64);
    assert.equal(s.next(10), 64, "no guided shrink either");
  }
});

test("chunk sizer: ~10 ms of short chunks in flight per worker (2 to 8), one long chunk", () => {
  const s = sizer(10, false);
  assert.equal(s.inflightPerWorker(), 2, "unknown yet");
  s.record(10, 1); // 1 ms chunks: 8 (at most)
  assert.equal(s.inflightPerWorker(), 8);
  const mid = sizer(10, false);
  mid.record(10, 4); // 4 ms chunks: 3 keep 12 ms queued
  assert.equal(mid.inflightPerWorker(), 3);
  const most = sizer(10, false);
  most.record(10, 30); // 30 ms chunks: 2
  assert.equal(most.inflightPerWorker(), 2);
  const long = sizer(10, false);
  long.record(10, 1000); // 100 ms chunks
  assert.equal(long.inflightPerWorker(), 1);
});

test("chunk sizer: ignores empty or invalid records", () => {
  const s = sizer(10);
  s.record(0, 5);
  s.record(5, NaN);
  assert.equal(s.perItemMs, undefined);
  assert.equal(s.next(undefined), 10);
});
