// Results computed before a run, by item index: the spans behind them, and the plain loop that
// hands them on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, task, TaskError } from "../mod.ts";
import { KnownResults, Run, Source } from "../src/engine/mod.ts";
import { inlineChunks } from "../src/engine/_local.ts";
import { workerSet } from "../src/engine/_worker_set.ts";
import { taskSpec } from "../src/task/_spec.ts";
import { fixtureModule } from "./_helpers.ts";

/** Every kept index and result, in order. */
const entries = (k: KnownResults) => {
  const out: [number, unknown][] = [];
  k.forEach((r, i) => out.push([i, r]));
  return out;
};

test("known results: writes in any order read back by index, in index order", () => {
  const k = new KnownResults();
  for (const i of [50, 25, 75, 0, 1, 2, 3, 24, 26, 99]) k.set(i, `r${i}`);
  assert.equal(k.size, 10);
  for (const i of [50, 25, 75, 0, 1, 2, 3, 24, 26, 99]) {
    assert.ok(k.has(i));
    assert.equal(k.get(i), `r${i}`);
  }
  for (const i of [4, 23, 27, 49, 51, 98, 100, -1]) {
    assert.equal(k.has(i), false, `${i}`);
    assert.equal(k.get(i), undefined);
  }
  assert.deepEqual(entries(k).map(([i]) => i), [0, 1, 2, 3, 24, 25, 26, 50, 75, 99]);
  assert.deepEqual(k.values(), entries(k).map(([, r]) => r));
});

test("known results: a result kept already is replaced, and counted once", () => {
  const k = new KnownResults();
  k.setRun(10, ["a", "b", "c"]);
  k.set(11, "B");
  k.setRun(10, ["x", "y"]); // overlaps: replaced one by one
  assert.equal(k.size, 3);
  assert.deepEqual(entries(k), [[10, "x"], [11, "y"], [12, "c"]]);
});

test("known results: a run over single results takes their place, each counted once", () => {
  const k = new KnownResults();
  k.set(50, "s50");
  k.set(25, "s25");
  k.set(10, "s10"); // the look's single items, spread over the array
  k.set(60, "s60");
  const run = Array.from({ length: 40 }, (_, j) => `r${10 + j}`); // 10–49: holds 10 and 25
  k.setRun(10, run);
  assert.equal(k.size, 42);
  assert.deepEqual(k.within(0, 100), [...Array.from({ length: 41 }, (_, j) => 10 + j), 60]);
  assert.equal(k.get(25), "r25", "the run's value");
  assert.equal(k.get(50), "s50");
  assert.equal(k.keptUntil(10), 51, "one span through 50");
  k.setRun(45, Array.from({ length: 20 }, (_, j) => `t${45 + j}`)); // overlaps the run: one by one
  assert.equal(k.size, 55);
  assert.equal(k.get(44), "r44");
  assert.equal(k.get(60), "t60");
  assert.equal(k.keptUntil(0), 0);
  assert.equal(k.keptUntil(10), 65);
});

test("known results: runs next to each other and single results between them", () => {
  const k = new KnownResults();
  k.setRun(0, [0, 1, 2]);
  k.setRun(5, [5, 6, 7]);
  k.setRun(3, [3, 4]); // fills the gap exactly
  k.set(8, 8); // extends the last run
  k.set(20, 20);
  k.set(19, 19); // just before a single result
  assert.equal(k.size, 11);
  assert.deepEqual(entries(k).map(([i, r]) => i === r), new Array(11).fill(true));
  assert.equal(k.nextFrom(0), 0);
  assert.equal(k.nextFrom(9), 19);
  assert.equal(k.nextFrom(21), -1);
  assert.deepEqual(k.within(7, 20), [7, 8, 19]);
  assert.deepEqual(k.within(9, 19), []);
});

test("known results: a slice of kept results, across adjacent runs, as a copy", () => {
  const k = new KnownResults();
  const run = [10, 11, 12, 13];
  k.setRun(10, run);
  k.setRun(14, [14, 15]);
  k.set(20, 20);
  assert.deepEqual(k.slice(11, 13), [11, 12]);
  assert.deepEqual(k.slice(10, 14), [10, 11, 12, 13]);
  assert.notEqual(k.slice(10, 14), run, "a copy, not the run itself");
  assert.deepEqual(k.slice(12, 16), [12, 13, 14, 15], "across two adjacent runs");
  assert.equal(k.slice(12, 17), undefined, "16 is not kept");
  assert.equal(k.slice(8, 11), undefined, "before the first");
  assert.equal(k.slice(12, 12), undefined, "empty");
  const into = new Array(22).fill("none");
  assert.equal(k.copyTo(into, 12, 17), false, "16 is not kept");
  assert.ok(into.every((x) => x === "none"), "nothing written where one is not kept");
  assert.equal(k.copyTo(into, 11, 16), true);
  assert.deepEqual(into.slice(10, 17), ["none", 11, 12, 13, 14, 15, "none"]);
  assert.equal(k.keptUntil(10), 16, "through both runs");
  assert.equal(k.keptUntil(13), 16);
  assert.equal(k.keptUntil(16), 16, "not kept: itself");
  assert.equal(k.keptUntil(5), 5);
  assert.equal(k.keptUntil(20), 21);
  assert.equal(new KnownResults().keptUntil(3), 3);
});

test("known results: values spread over the kept ones", () => {
  const k = new KnownResults();
  k.setRun(0, Array.from({ length: 100 }, (_, i) => i));
  k.setRun(1000, Array.from({ length: 100 }, (_, i) => 1000 + i));
  const some = k.values(10);
  assert.equal(some.length, 10);
  assert.deepEqual(some, [0, 20, 40, 60, 80, 1000, 1020, 1040, 1060, 1080]);
  assert.equal(k.values(1000).length, 200);
});

test("known results: results written in decreasing order read back (short spans in front)", () => {
  const k = new KnownResults();
  for (let i = 999; i >= 0; i--) k.set(i, -i);
  assert.equal(k.size, 1000);
  for (let i = 0; i < 1000; i++) assert.equal(k.get(i), -i);
  assert.deepEqual(k.within(0, 1000), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(k.values(), Array.from({ length: 1000 }, (_, i) => -i));
});

test("inline executor: kept results in a row go on as one chunk, and are never computed", async () => {
  const known = new KnownResults();
  known.setRun(0, Array.from({ length: 300 }, (_, i) => -i));
  known.setRun(300, Array.from({ length: 400 }, (_, i) => -(300 + i)));
  known.set(900, "kept"); // alone, further on
  const calls: number[] = [];
  const fn = (x: unknown) => {
    calls.push(x as number);
    return x;
  };
  const src = new Source<unknown>(Array.from({ length: 1000 }, (_, i) => i));
  const chunks: { start: number; n: number }[] = [];
  const results: unknown[] = [];
  for await (const c of inlineChunks(fn, src, known, { now: () => performance.now() })) {
    chunks.push({ start: c.start, n: c.results.length });
    results.push(...c.results);
  }
  assert.deepEqual(chunks.slice(0, 2), [{ start: 0, n: 700 }, { start: 700, n: 256 }]);
  assert.equal(results.length, 1000);
  assert.deepEqual(results.slice(0, 700), Array.from({ length: 700 }, (_, i) => -i));
  assert.equal(results[900], "kept");
  assert.equal(results[950], 950);
  assert.equal(calls.length, 299, "only the items not kept ran");
  assert.ok(!calls.includes(900));
});

test("inline executor in place: kept results in a row are written in place as one chunk", async () => {
  const known = new KnownResults();
  known.setRun(0, Array.from({ length: 300 }, (_, i) => -i));
  known.set(300, -300); // single results next to the runs (the look's spread items)
  known.setRun(301, Array.from({ length: 399 }, (_, i) => -(301 + i)));
  const calls: number[] = [];
  const fn = (x: unknown) => {
    calls.push(x as number);
    return x;
  };
  const src = new Source<unknown>(Array.from({ length: 1000 }, (_, i) => i));
  const into = new Array(1000);
  const chunks: { start: number; inPlace?: number; n: number }[] = [];
  for await (const c of inlineChunks(fn, src, known, { now: () => performance.now() }, 256, into)) {
    chunks.push({ start: c.start, inPlace: c.inPlace, n: c.results.length });
  }
  assert.deepEqual(chunks[0], { start: 0, inPlace: 700, n: 0 });
  assert.deepEqual(into, Array.from({ length: 1000 }, (_, i) => i < 700 ? -i : i));
  assert.equal(calls.length, 300, "only the items not kept ran");
});

test("inline executor in place: results at their indices, kept ones copied, items given back carry theirs", async () => {
  // 1,000 items, 200–299 kept (the look's), the task returns undefined for odd items and a
  // Promise for every 97th; items 0–9 were pulled and given back (a one-shot source's way): those
  // come as results, the rest in place (kept ones too, unless a chunk holds only kept ones).
  const known = new KnownResults();
  known.setRun(200, Array.from({ length: 100 }, (_, i) => `kept ${200 + i}`));
  const calls: number[] = [];
  const fn = (x: unknown) => {
    const i = x as number;
    calls.push(i);
    if (i % 97 === 0) return Promise.resolve(-i);
    return i % 2 ? undefined : -i;
  };
  const data = Array.from({ length: 1000 }, (_, i) => i);
  const src = new Source<unknown>(data);
  src.unshift(src.takeSync(10));
  const into = new Array(1000);
  let inPlace = 0, carried = 0;
  for await (const c of inlineChunks(fn, src, known, { now: () => performance.now() }, 64, into)) {
    if (c.inPlace !== undefined) {
      assert.equal(c.results.length, 0);
      inPlace += c.inPlace;
    } else {
      for (let k = 0; k < c.results.length; k++) into[c.start + k] = c.results[k];
      carried += c.results.length;
    }
  }
  assert.equal(inPlace + carried, 1000);
  assert.ok(carried >= 10, `${carried} carried: the 10 given back at least`);
  assert.ok(inPlace > 0, "the rest in place");
  assert.equal(calls.length, 900, "the kept ones never ran");
  for (let i = 0; i < 1000; i++) {
    assert.ok(i in into, `no result at ${i}`); // an undefined result is a result, not a hole
    const want = i >= 200 && i < 300 ? `kept ${i}` : i % 97 === 0 ? -i : i % 2 ? undefined : -i;
    assert.equal(into[i], want, `item ${i}`);
  }
});

test("inline executor in place: a failing item is named by its index, the results before it delivered", async () => {
  // Items before the failing one return undefined (a result, written in place, not a hole); one
  // a Promise, so that the loop resumes after an await in the failing chunk.
  for (const failAt of [0, 1, 37, 300, 999]) {
    const fn = (x: unknown) => {
      const i = x as number;
      if (i === failAt) throw new Error(`bad ${i}`);
      return i === failAt - 1 ? Promise.resolve(undefined) : undefined;
    };
    const into = new Array(1000);
    let delivered = 0;
    const run = async () => {
      const src = new Source<unknown>(Array.from({ length: 1000 }, (_, i) => i));
      const it = inlineChunks(
        fn,
        src,
        new KnownResults(),
        { now: () => performance.now() },
        256,
        into,
      );
      for await (const c of it) delivered += c.inPlace ?? c.results.length;
    };
    const e = await run().catch((e) => e);
    assert.ok(e instanceof TaskError, `${e}`);
    assert.equal(e.index, failAt);
    assert.equal((e.cause as Error).message, `bad ${failAt}`);
    assert.equal(delivered, failAt, `results delivered before item ${failAt}`);
  }
});

test("worker run: chunks whose results are all known complete without a worker, and do not size the chunks", async () => {
  // The first 1,000 of 1,400 items of 0.2 ms are known (the optimizer's look ran them): chunks
  // of 100 over them are complete at once. Sent as holes, each came back as 100 items of no time
  // and the adaptive size doubled on it (to 4,096 items); the items the worker runs (at least
  // 0.2 ms each: 40 fill a chunk of 8 ms) never size a chunk above the first.
  const known = new KnownResults();
  known.setRun(0, Array.from({ length: 1000 }, (_, i) => `known ${i}`));
  const pool = createPool({ maxWorkers: 1 });
  try {
    const r = new Run(workerSet(pool), new Source<unknown>(new Array(1400).fill(0.2)), {
      spec: taskSpec(task<number, string>(fixtureModule("tasks/basic"), "spinTag")),
      workers: 1,
      chunkSize: 100,
      adaptive: true,
      targetChunkMs: 8,
      transfer: false,
      known,
    });
    const out: unknown[] = [];
    const sizes: number[] = [];
    for await (const c of r.chunks()) {
      c.results.forEach((x, j) => (out[c.start + j] = x));
      sizes.push(r.sizer.next(undefined));
    }
    assert.equal(out.length, 1400);
    assert.deepEqual(out.slice(0, 1000), Array.from({ length: 1000 }, (_, i) => `known ${i}`));
    assert.ok(out.slice(1000).every((x) => typeof x === "string" && !x.startsWith("known")));
    assert.ok(Math.max(...sizes) <= 100, `chunk sizes ${sizes.join(", ")}`);
  } finally {
    await pool.close();
  }
});
