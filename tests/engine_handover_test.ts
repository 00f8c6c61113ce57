// Calls an async task's look left in flight go on into the run of the async executor: each item
// runs once, its result at its index, a failure as the run's own calls fail; anything other than
// an automatic async run waits for them first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execute, map, optimize, task, TaskError } from "../mod.ts";
import { KnownResults, type Settled, Source } from "../src/engine/mod.ts";
import { asyncChunks } from "../src/engine/_local.ts";
import { fixtureModule } from "./_helpers.ts";

const basic = fixtureModule("tasks/basic");
type Item = { counts: Int32Array; i: number; waitMs: number; fail?: boolean; done?: Int32Array };
const countWait = task<Item, number>(basic, "countWait");

/** A call in flight that settles when `settle` is called. */
function flight(): { call: Promise<Settled>; settle: (x: Settled) => void } {
  let settle!: (x: Settled) => void;
  const call = new Promise<Settled>((r) => (settle = r));
  return { call, settle };
}

test("known results: calls in flight settle into results, the lowest failing index first", async () => {
  const known = new KnownResults();
  known.set(0, "zero");
  const a = flight(), b = flight(), c = flight();
  known.setInFlight(3, a.call);
  known.setInFlight(1, b.call);
  known.setInFlight(2, c.call);
  assert.equal(known.inFlightCount, 3);
  assert.equal(known.size, 1, "calls in flight are not results yet");
  assert.equal(known.has(1), false);
  assert.equal(known.inFlight(1), b.call);
  const settled = known.settle();
  a.settle({ ok: false, error: new Error("three") });
  c.settle({ ok: false, error: new Error("two") });
  b.settle({ ok: true, value: "one" });
  const f = await settled;
  assert.equal(f?.index, 2);
  assert.equal((f?.error as Error).message, "two");
  assert.equal(known.inFlightCount, 0);
  assert.deepEqual([known.get(0), known.get(1), known.has(2), known.has(3)], [
    "zero",
    "one",
    false,
    false,
  ]);
});

test("async executor: calls in flight are awaited at their index, never called again", async () => {
  const known = new KnownResults();
  const slow = flight();
  known.set(0, 100);
  known.setInFlight(1, slow.call);
  const called: number[] = [];
  const fn = (x: unknown) => {
    called.push(x as number);
    return Promise.resolve((x as number) * 10);
  };
  const src = new Source<unknown>([0, 1, 2, 3, 4]);
  const got = new Map<number, unknown>();
  const run = (async () => {
    for await (const c of asyncChunks(fn, src, known, 2, { now: () => performance.now() }, true)) {
      c.results.forEach((r, k) => got.set(c.start + k, r));
    }
  })();
  await new Promise((r) => setTimeout(r, 5));
  assert.ok(!got.has(1), "the call in flight is not settled yet");
  slow.settle({ ok: true, value: "in flight" });
  await run;
  assert.deepEqual(called.sort(), [2, 3, 4]);
  assert.deepEqual([...got].sort((a, b) => a[0] - b[0]).map(([, r]) => r), [
    100,
    "in flight",
    20,
    30,
    40,
  ]);
});

test("async executor: a call in flight that failed fails the run at its index", async () => {
  const known = new KnownResults();
  known.setInFlight(2, Promise.resolve({ ok: false, error: new Error("late failure") }));
  const fn = (x: unknown) => Promise.resolve(x);
  const src = new Source<unknown>([0, 1, 2, 3]);
  await assert.rejects(
    (async () => {
      for await (
        const _ of asyncChunks(fn, src, known, 4, {
          now: () => performance.now(),
        }, true)
      ) {
        // drain
      }
    })(),
    (e: unknown) => e instanceof TaskError && e.index === 2 && /late failure/.test(e.message),
  );
});

// Calls of 5 ms and of 60 ms alternate: once half of the look's calls settled, slow ones are
// still in flight (whether they are depends on timing: what is asserted holds either way).
const items = (n: number, fail = -1): Item[] => {
  const counts = new Int32Array(new SharedArrayBuffer(4 * n));
  const done = new Int32Array(new SharedArrayBuffer(4 * n));
  return Array.from({ length: n }, (_, i) => ({
    counts,
    done,
    i,
    waitMs: i % 2 ? 60 : 5,
    fail: i === fail,
  }));
};

test("execute: an I/O-bound job runs every item once, in order, calls in flight included", async () => {
  const data = items(300);
  const out = await execute(countWait, data, { cache: false });
  assert.deepEqual(out, data.map((x) => x.i));
  assert.deepEqual([...data[0].counts], data.map(() => 1), "each item called once");
});

test("map: an I/O-bound job hands on every result once, in input order", async () => {
  const data = items(200);
  const out: number[] = [];
  for await (const r of map(countWait, data, { cache: false })) out.push(r);
  assert.deepEqual(out, data.map((x) => x.i));
  assert.deepEqual([...data[0].counts], data.map(() => 1), "each item called once");
});

test("execute: a slow call that fails fails the job with its index", async () => {
  const data = items(300, 151);
  await assert.rejects(
    execute(countWait, data, { cache: false }),
    (e: unknown) => e instanceof TaskError && e.index === 151 && /item 151 failed/.test(e.message),
  );
});

test("optimize: no call of the look is left in flight when it returns", async () => {
  const data = items(300);
  await optimize(countWait, data, { cache: false });
  const { counts, done } = data[0];
  for (let i = 0; i < data.length; i++) {
    assert.equal(done![i], counts[i], `item ${i}: called ${counts[i]}, finished ${done![i]}`);
  }
  assert.ok(counts.some((c) => c > 0), "the look ran calls");
});
