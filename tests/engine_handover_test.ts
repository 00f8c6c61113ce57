// Calls an async task's look left in flight go on into the run of the async executor: each item
// runs once, its result at its index, a failure as the run's own calls fail; anything other than
// an automatic async run waits for them first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execute, map, optimize, task, TaskError } from "../mod.ts";
import { KnownResults, type Settled, Source } from "../src/engine/mod.ts";
import { asyncChunks } from "../src/engine/_local.ts";
import { ConcurrencyLimiter } from "../src/engine/_concurrency_limiter.ts";
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
  assert.equal(known.inFlightCount, 3);
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

test("known results: settle waits for the calls before an index, and none after a failure", async () => {
  const known = new KnownResults();
  const one = flight(), two = flight(), five = flight();
  known.setInFlight(1, one.call);
  known.setInFlight(2, two.call);
  known.setInFlight(5, five.call); // never settles: abandoned
  const settled = known.settle(3);
  two.settle({ ok: true, value: "two" });
  one.settle({ ok: true, value: "one" });
  assert.equal(await settled, undefined);
  assert.deepEqual([known.get(1), known.get(2), known.has(5), known.inFlightCount], [
    "one",
    "two",
    false,
    0,
  ]);
  // A failure ends the wait: the call after it, which never settles, is not waited for.
  const after = new KnownResults();
  const bad = flight();
  after.setInFlight(7, bad.call);
  after.setInFlight(8, flight().call);
  bad.settle({ ok: false, error: new Error("seven") });
  assert.equal((await after.settle())?.index, 7);
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

test("async executor: known results in a row go on as one chunk, never called again", async () => {
  const known = new KnownResults();
  for (const i of [4, 2, 3, 1]) known.set(i, i * 100); // settled out of order, as a look's calls
  const called: number[] = [];
  const fn = (x: unknown) => {
    called.push(x as number);
    return Promise.resolve((x as number) * 10);
  };
  const chunks: [number, unknown[]][] = [];
  const src = new Source<unknown>([0, 1, 2, 3, 4, 5]);
  for await (const c of asyncChunks(fn, src, known, 4, { now: () => 0 }, true)) {
    chunks.push([c.start, c.results]);
  }
  assert.deepEqual(called.sort(), [0, 5]);
  assert.deepEqual(chunks.sort((a, b) => a[0] - b[0]), [[0, [0]], [1, [100, 200, 300, 400]], [5, [
    50,
  ]]]);
  // A call before them that fails: the run fails at its index.
  const again = new KnownResults();
  for (const i of [1, 2, 3]) again.set(i, i);
  const failing = (x: unknown) => x === 0 ? Promise.reject(new Error("zero")) : Promise.resolve(x);
  await assert.rejects(async () => {
    const run = asyncChunks(
      failing,
      new Source<unknown>([0, 1, 2, 3]),
      again,
      4,
      { now: () => 0 },
      true,
    );
    for await (const _ of run) { /* handed on */ }
  }, (e: unknown) => e instanceof TaskError && e.index === 0);
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

/**
 * The most calls of `fn` in flight at once while `pending` calls of the look are in flight (they
 * settle after 30 ms), and how many calls of `fn` the run made.
 */
async function peakOwn(
  pending: number,
  concurrency: number | ConcurrencyLimiter,
): Promise<{ peak: number; called: number }> {
  const known = new KnownResults();
  const flights = Array.from({ length: pending }, () => flight());
  flights.forEach((f, k) => known.setInFlight(k, f.call)); // items 0 … pending - 1
  let now = 0, peak = 0, called = 0, settled = false;
  const fn = async (x: unknown) => {
    called++;
    now++;
    if (!settled) peak = Math.max(peak, now);
    await new Promise((r) => setTimeout(r, 1));
    now--;
    return x;
  };
  const src = new Source<unknown>(Array.from({ length: pending + 12 }, (_, i) => i));
  const run = (async () => {
    for await (const _ of asyncChunks(fn, src, known, concurrency, { now: () => 0 }, false)) {
      // drain
    }
  })();
  await new Promise((r) => setTimeout(r, 30)); // the run's own calls, beside the look's
  settled = true;
  flights.forEach((f, k) => f.settle({ ok: true, value: k }));
  await run;
  return { peak, called };
}

test("async executor: the look's calls in flight count against the most calls, not the limit", async () => {
  // An adaptive limit of 2 (within 100): the run's own calls start beside the look's 3.
  const a = await peakOwn(3, new ConcurrencyLimiter({ initial: 2, max: 100, now: () => 0 }));
  assert.equal(a.called, 12, "the look's calls are not called again");
  assert.ok(a.peak >= 2, `${a.peak} calls of the run's own at once`);
  // At most 4 calls at once, 3 of them the look's: one of the run's own at a time until they
  // settle — adaptive within `maxConcurrency` 4, or a fixed concurrency of 4.
  const b = await peakOwn(3, new ConcurrencyLimiter({ initial: 4, max: 4, now: () => 0 }));
  assert.deepEqual([b.called, b.peak], [12, 1]);
  const c = await peakOwn(3, 4);
  assert.deepEqual([c.called, c.peak], [12, 1]);
});

// Two calls of 5 ms, then one of 60 ms: once half of the look's calls settled, slow ones are
// still in flight (whether they are depends on timing: what is asserted holds either way).
const items = (n: number, fail = -1): Item[] => {
  const counts = new Int32Array(new SharedArrayBuffer(4 * n));
  const done = new Int32Array(new SharedArrayBuffer(4 * n));
  return Array.from({ length: n }, (_, i) => ({
    counts,
    done,
    i,
    waitMs: i % 3 === 2 ? 60 : 5,
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
  // Item 62 is slow and among the look's first 64 calls: left in flight, then awaited by the run.
  const data = items(300, 62);
  await assert.rejects(
    execute(countWait, data, { cache: false }),
    (e: unknown) => e instanceof TaskError && e.index === 62 && /item 62 failed/.test(e.message),
  );
});

test("execute: the first call to fail ends the run, a slower one at a lower index in flight or not", async () => {
  // Item 4 fails after 5 ms, item 1 after 100 ms (both among the look's first calls, whatever
  // the timing): the look sees 4 fail while 1 is still in flight, and the run ends with 4's error
  // as the async executor's does (waiting for 1, a call that never settled held it for ever).
  const data = items(100).map((x) => ({
    ...x,
    waitMs: x.i === 1 ? 100 : 5,
    fail: x.i === 1 || x.i === 4,
  }));
  for (const options of [{}, { executor: "async" as const }]) {
    await assert.rejects(
      execute(countWait, data, { cache: false, ...options }),
      (e: unknown) => e instanceof TaskError && e.index === 4,
    );
  }
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
