// A process's first `execute` finishes its job while deciding: this thread runs the array from the
// front and the workers that loaded the task meanwhile take chunks from its end (`BackFeed`).
// Real workers; no timing asserted: every item runs once, results come back in order, a failing
// item fails the call at its index, a worker that dies leaves its chunk to this thread.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPool, execute, optimize, type Pool, task, TaskError } from "../mod.ts";
import { KnownResults, Source, startHoldMs, workerSet } from "../src/engine/mod.ts";
import { taskSpec } from "../src/task/mod.ts";
import { BackFeed } from "../src/model/_back_feed.ts";
import {
  forgone,
  hearLoads,
  learnLoad,
  lightStart,
  loadInOthers,
  taskWarmth,
} from "../src/model/_task_in_workers.ts";
import {
  lookupTaskMs,
  setOptimizerCacheHooks,
  storeTaskMs,
} from "../src/model/_optimizer_cache.ts";
import { RecentPace } from "../src/model/_recent_pace.ts";
import type { Job } from "../src/model/_job.ts";
import type { MeetItem, SpinDieItem } from "./fixtures/tasks/basic.ts";
import { fixtureModule, runFixture } from "./_helpers.ts";
import { cpuCapacity, probeSystem } from "../src/system/mod.ts";
import type { spinTag } from "./fixtures/tasks/basic.ts";

const basic = (name: string) => task(fixtureModule("tasks/basic"), name);
type Counted = { counts: Int32Array; i: number; ms: number };
const counted = (n: number, ms: number): Counted[] => {
  const counts = new Int32Array(new SharedArrayBuffer(4 * n));
  return Array.from({ length: n }, (_, i) => ({ counts, i, ms }));
};

/** The parts of a job a feed reads, over `items`, and a warm worker of `pool` holding the task. */
async function feedJob(pool: Pool, name: string, items: unknown[]) {
  const spec = taskSpec(basic(name));
  const job = { spec, src: new Source<unknown>(items), known: new KnownResults() };
  const worker = workerSet(pool).ensure(1)[0];
  // The worker loads the task first (a run of no item), as the workers of a first call have.
  await execute(basic(name), [], { pool, executor: "workers", workers: 1 });
  return { job: job as unknown as Job, worker };
}

/** Every chunk of `feed` replied, and it sends no more. */
async function drained(feed: BackFeed): Promise<void> {
  while (feed.busy) await feed.replied();
  await feed.stop();
}

test("back feed: a worker runs the array from its end down to this thread's position, each item once", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    const items = counted(300, 0.05);
    const { job, worker } = await feedJob(pool, "countRun", items);
    const front = 100; // items before it are this thread's
    const feed = new BackFeed(job, () => front, () => 0.05);
    feed.add(worker);
    await drained(feed);
    assert.equal(feed.failure, undefined);
    assert.equal(feed.back, front);
    for (let i = 0; i < items.length; i++) {
      assert.equal(job.known.has(i), i >= front, `item ${i}`);
      if (i >= front) assert.equal(job.known.get(i), i);
      assert.equal(items[0].counts[i], i >= front ? 1 : 0, `runs of item ${i}`);
    }
  } finally {
    await pool.close();
  }
});

test("back feed: a worker tried out runs one chunk from the end, timed there, and is not fed", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    const items = counted(300, 0.5);
    const { job, worker } = await feedJob(pool, "countRun", items);
    const feed = new BackFeed(job, () => 0, () => 0.5);
    const perItem = await feed.tryOut(worker);
    // About 4 ms of work at 0.5 ms an item: the last 8 items, each run once, nothing after.
    assert.equal(feed.back, 292);
    assert.equal(feed.workers.size, 0);
    assert.equal(feed.busy, false);
    assert.ok(perItem !== undefined && perItem > 0, `time per item: ${perItem}`);
    for (let i = 0; i < items.length; i++) {
      assert.equal(job.known.has(i), i >= 292, `item ${i}`);
      assert.equal(items[0].counts[i], i >= 292 ? 1 : 0, `runs of item ${i}`);
    }
    // A worker that cannot take anything: nothing left above this thread's position.
    const none = new BackFeed(job, () => 300, () => 0.5);
    assert.equal(await none.tryOut(worker), undefined);
  } finally {
    await pool.close();
  }
});

test("back feed: known items are skipped, and a failing item stops the feed at its index", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    const items = Array.from({ length: 200 }, (_, i) => ({ ms: 0.01, fail: i === 120 }));
    const { job, worker } = await feedJob(pool, "work", items);
    job.known.set(199, "kept"); // ran elsewhere already
    const feed = new BackFeed(job, () => 0, () => 0.01);
    feed.add(worker);
    await drained(feed);
    assert.equal(feed.failure?.index, 120);
    assert.equal(feed.failure?.kind, "task");
    assert.match(feed.failure!.error.message, /failing as asked/);
    assert.equal(job.known.get(199), "kept");
    assert.equal(job.known.has(120), false);
    assert.ok(job.known.size > 1, "the items before it ran");
    job.known.forEach((r, i) => assert.equal(r, i === 199 ? "kept" : 0.01, `item ${i}`));
  } finally {
    await pool.close();
  }
});

test("back feed: an item no worker receives intact is not sent, and stops the feed at its index", async () => {
  // A class instance: structured clone would turn it into a plain object without a word, and the
  // worker's result for it came back as the item's (a wrong one: its methods were gone).
  class Order {
    ms = 0.01;
    fail = false;
  }
  const pool = createPool({ maxWorkers: 1 });
  try {
    const items = Array.from({ length: 200 }, (_, i) => i === 150 ? new Order() : { ms: 0.01 });
    const { job, worker } = await feedJob(pool, "work", items);
    const feed = new BackFeed(job, () => 0, () => 0.01);
    feed.add(worker);
    await drained(feed);
    assert.equal(feed.failure?.index, 150);
    assert.equal(feed.failure?.kind, "clone");
    assert.match(
      feed.failure!.error.message,
      /^Item 150 cannot be sent to a worker: it is .*Order/,
    );
    assert.equal(job.known.has(150), false, "the item was not run on a worker");
    assert.ok(job.known.size > 0, "the items after it ran");
    job.known.forEach((r, i) => assert.equal(r, 0.01, `item ${i}`));
  } finally {
    await pool.close();
  }
});

test("back feed: a worker that dies leaves its chunk's items to this thread", async () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-feed-"));
  const pool = createPool({ maxWorkers: 1 });
  try {
    const items: SpinDieItem[] = Array.from(
      { length: 60 },
      (_, i) => ({ i, dir, dieAt: 50, ms: 0 }),
    );
    const { job, worker } = await feedJob(pool, "spinDieInWorker", items);
    const feed = new BackFeed(job, () => 0, () => 0.01);
    feed.add(worker);
    await drained(feed);
    assert.equal(feed.lost, true);
    assert.equal(feed.failure, undefined);
    assert.equal(job.known.has(50), false, "the item its worker died on is unknown");
    job.known.forEach((r, i) => assert.equal(r, i * 10));
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("back feed: a worker fed while it loads the task runs its chunks once loaded; one that cannot load leaves them here", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    // Large items: fed as the worker starts, the chunks wait in it behind the load.
    const items = Array.from({ length: 4 }, () => ({ ms: 1 }));
    const spec = taskSpec(basic("work"));
    const job = { spec, src: new Source<unknown>(items), known: new KnownResults() };
    const worker = workerSet(pool).ensure(1)[0];
    assert.equal(worker.specs.has(spec.key), false, "not loaded yet");
    const feed = new BackFeed(job as unknown as Job, () => 0, () => 30);
    feed.add(worker);
    await drained(feed);
    assert.equal(feed.failure, undefined);
    assert.equal(feed.unloaded, false);
    assert.equal(job.known.size, 4);
    job.known.forEach((r) => assert.equal(r, 1));
    // A module that cannot load in a worker: no failure of the job, its items left here.
    const other = { ...job, spec: taskSpec(task(fixtureModule("tasks/main_only"), "render")) };
    other.known = new KnownResults();
    const stuck = new BackFeed(other as unknown as Job, () => 0, () => 30);
    stuck.add(worker);
    await drained(stuck);
    assert.equal(stuck.failure, undefined);
    assert.equal(stuck.unloaded, true);
    assert.equal(stuck.lost, true);
    assert.equal(other.known.size, 0);
  } finally {
    await pool.close();
  }
});

test("back feed: a worker holding a chunk takes another only where every other thread still has an item", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    // Three items, the first run here already: the worker takes the last; a second chunk in
    // flight (the middle item) would leave this thread none while the worker runs both in turn.
    const items = Array.from({ length: 3 }, () => ({ ms: 1 }));
    const { job, worker } = await feedJob(pool, "work", items);
    job.known.set(0, "here");
    const feed = new BackFeed(job, () => 0, () => 30);
    feed.add(worker); // its chunks are claimed at once
    assert.equal(feed.back, 2, "only the last item claimed");
    await drained(feed);
    // This thread never took the middle item here: the worker took it once its chunk replied.
    assert.equal(feed.failure, undefined);
    assert.deepEqual([0, 1, 2].map((i) => job.known.get(i)), ["here", 1, 1]);
    // With more items left, the worker holds two chunks at once.
    const many = await feedJob(pool, "work", Array.from({ length: 8 }, () => ({ ms: 1 })));
    const more = new BackFeed(many.job, () => 0, () => 30);
    more.add(many.worker);
    assert.equal(more.back, 6, "two items claimed");
    await drained(more);
    assert.equal(many.job.known.size, 8);
  } finally {
    await pool.close();
  }
});

// A fresh pool per call: no worker holds the task, as on a process's first call. 1,500 items of
// 1 ms of wall time each (busy): long enough for a worker that loads the task in milliseconds to
// take part, whatever the load; the assertions hold wherever each item ran.

test("worker start: the time it holds the calling thread is timed", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    await Promise.all(workerSet(pool).ensure(1).map((w) => w.ready));
    const held = startHoldMs();
    assert.ok(held !== undefined && held >= 0, `held ${held} ms`);
  } finally {
    await pool.close();
  }
});

test("first call: every item runs once, its result in order", async () => {
  const pool = createPool();
  try {
    const items = counted(1500, 1);
    const out = await execute(basic("countRun"), items, { pool, cache: false });
    assert.deepEqual(out, items.map((x) => x.i));
    assert.deepEqual([...new Set(items[0].counts)], [1], "each item ran once");
  } finally {
    await pool.close();
  }
});

/**
 * Where a process's first `execute` (a fresh pool) ran `count` items that each spin `waitMs` here
 * until a worker ran one (see `meetWorker`): "here" or "worker", by item.
 */
async function meetRuns(count: number, waitMs: number): Promise<string[]> {
  const pool = createPool();
  try {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const items: MeetItem[] = Array.from({ length: count }, () => ({ flag, waitMs }));
    // `minSpeedup: 1`: what is tested is how the workers started are fed, not whether they start
    // (on Deno under two CPU hogs each start held this thread 76–132 ms, and under 1 s of work
    // the default's margin was not met).
    const options = { pool, cache: false, minSpeedup: 1 };
    return await execute(basic("meetWorker"), items, options) as string[];
  } finally {
    await pool.close();
  }
}

test("first call: a few large items are fed to a worker as it starts, however little work is left", async () => {
  // Three items, each spinning here until a worker ran one (at most 300 ms): the look's first
  // item runs here alone (no worker yet), and is large. The work left (600 ms at its pace, under
  // the second that feeding small items needs) still goes to the worker as it loads the task:
  // where it did not, every item ran here.
  const out = await meetRuns(3, 300);
  assert.ok(out.includes("worker"), `where the items ran: ${out}`);
});

test("first call: a task that runs warm in a worker is fed to it under a second of work left", async () => {
  // Sixty items of 15 ms here (under the 20 ms of large ones), until a worker ran one: under a
  // second of work, which a task that runs cold in a fresh worker does not feed; this one's first
  // chunk there ran at once. Where the workers were not fed, every item ran here.
  const out = await meetRuns(60, 15);
  assert.ok(out.includes("worker"), `where the items ran: ${out}`);
});

test("first call: a task that runs cold in a worker is not fed under a second of work left", async () => {
  // 150 items of 2 ms here (300 ms): the first worker to hold the task runs one chunk of about
  // 4 ms of work (two items), timed there at ten times the pace here, and is fed no more. Where it
  // was fed, the worker ran far more than that chunk.
  const pool = createPool();
  try {
    const items = new Array(150).fill(2);
    const out = await execute(basic("coldInWorker"), items, { pool, cache: false });
    assert.equal(out.length, 150);
    const there = out.filter((x) => x === "worker").length;
    assert.ok(there <= 2, `items run in a worker: ${there}`);
  } finally {
    await pool.close();
  }
});

test("first call: an item near the end that throws fails the call at its index", async () => {
  const pool = createPool();
  try {
    const items = Array.from({ length: 1500 }, (_, i) => ({ ms: 1, fail: i === 1490 }));
    const e = await execute(basic("work"), items, { pool, cache: false }).catch((e) => e);
    assert.ok(e instanceof TaskError, String(e));
    assert.equal(e.index, 1490);
  } finally {
    await pool.close();
  }
});

test("first call: a worker that dies on an item near the end loses nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-feed-"));
  const pool = createPool();
  try {
    const items: SpinDieItem[] = Array.from(
      { length: 1500 },
      (_, i) => ({ i, dir, dieAt: 1495, ms: 1 }),
    );
    const out = await execute(basic("spinDieInWorker"), items, { pool, cache: false });
    assert.deepEqual(out, items.map((x) => x.i * 10));
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("light start: a start that holds this thread little, of a task with nothing to load, is judged before the pace holds", () => {
  // Each runtime's start hold (Bun 1 ms, Node 2, Deno 45; see `startHold`) and a task's load in a
  // worker (twice its import here, until one was timed), against the work left here.
  const left = 96; // ms: 1,850 items of 52 µs
  assert.equal(lightStart(1, 1.4, left), true); // Bun, a module of its own
  assert.equal(lightStart(2, 1.4, left), true); // Node
  assert.equal(lightStart(45, 0, left), false); // Deno: its constructor's hold
  assert.equal(lightStart(45, 0, 100_000), false); // …however long the job
  // Libraries to load: never light, however long the job (they load beside this thread).
  assert.equal(lightStart(1, 6, 100_000), false);
  assert.equal(lightStart(1, 4, 100_000), true);
  // Under a 20th of the work left only.
  assert.equal(lightStart(1, 1.4, 50), true); // 2.4 ms of 2.5
  assert.equal(lightStart(1, 1.4, 46), false); // of 2.3
});

test("forgone: the calls of a job that stayed here for the load's sake add up to the load, then start again", () => {
  // A task whose module takes ~1.9 s to load in a worker, a job that two workers holding it run
  // in half its 110 ms: each call leaves 55 ms on the table; the 35th pays for the load, and the
  // 36th loads it.
  const key = `forgone-test-${Math.random()}`;
  let calls = 0;
  while (!forgone(key, 55, 1900)) calls++;
  assert.equal(calls, Math.ceil(1900 / 55));
  assert.equal(forgone(key, 55, 1900), false, "counted again, from the call that loaded it");
  const other = `${key}-other`;
  assert.equal(forgone(other, 2000, 1900), false, "one call alone, however long");
  assert.equal(forgone(other, 10, 1900), true, "the next call loads it");
});

test("RecentPace: a pace that moves is not judged, however two short windows agree", () => {
  // A library's first XML parses of a process, in windows of 20 ms (ms per item × items), then
  // its warm pace: measured on Node, slices of 1 ms as the items run here.
  const cold: [number, number][] = [
    [3.35, 7],
    [5.59, 5],
    [7.18, 4],
    [1.46, 14],
    [2.69, 8],
    [1.19, 17],
  ];
  const pace = new RecentPace(20, 16);
  pace.add(12, 1); // the first, cold item
  const seen: boolean[] = [];
  for (const [ms, items] of cold) {
    for (let k = 0; k < items; k++) {
      pace.add(ms, 1);
      seen.push(pace.holds(0.2));
    }
  }
  assert.ok(!seen.includes(true), "held while the pace moved from 7 to 1 ms an item");
  let held = 0;
  for (let k = 0; k < 35 * 3; k++) {
    pace.add(0.58, 1);
    if (pace.holds(0.2)) held ||= k + 1;
  }
  assert.ok(held > 0, "a pace of 0.58 ms an item holds");
  assert.ok(pace.perItemMs < 0.6, `judged at the warm pace, got ${pace.perItemMs}`);
  // Two windows of a few items alike hold only with the fewest items of a window.
  const few = new RecentPace(20);
  few.add(10, 1);
  for (let k = 0; k < 14; k++) few.add(3, 1);
  assert.equal(few.holds(0.2), true);
});

test("hearLoads: a load of the task started for the next calls is heard by a caller that never lets the event loop turn", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    const spec = taskSpec(basic("square"));
    const job = { spec, pool, cores: 1, src: new Source<unknown>([]), o: { cache: false } };
    const set = workerSet(pool);
    loadInOthers(job as unknown as Job, undefined, 1);
    // Calls awaited one after another: only microtasks run between them, and the reply of the
    // load waits however long they go on.
    const until = performance.now() + 300;
    while (performance.now() < until) await Promise.resolve();
    assert.equal(set.holding(spec.key), 0, "not heard without a turn of the event loop");
    const deadline = performance.now() + 20_000;
    while (set.holding(spec.key) === 0 && performance.now() < deadline) {
      await hearLoads(job as unknown as Job);
    }
    assert.equal(set.holding(spec.key), 1);
  } finally {
    await pool.close();
  }
});

test("learnLoad: a task's load timed in a fresh worker is kept, and a later process's estimate of it is that load", async () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-load-"));
  const hooks = setOptimizerCacheHooks({ dir: join(dir, "cache"), loadsDir: join(dir, "loads") });
  const pool = createPool({ maxWorkers: 1 });
  const jobOf = (name: string, cache?: boolean) =>
    ({
      spec: taskSpec(basic(name)),
      pool,
      cores: 1,
      src: new Source<unknown>([]),
      o: { cache },
    }) as unknown as Job;
  try {
    // A worker loads the task: its load is timed and stored.
    const loading = jobOf("hexOf");
    loadInOthers(loading, undefined, 1);
    const deadline = performance.now() + 20_000;
    let kept: number | undefined;
    while (kept === undefined && performance.now() < deadline) {
      await hearLoads(loading);
      kept = await lookupTaskMs("load", loading.spec.key);
    }
    assert.equal(typeof kept, "number", "the load was stored");
    assert.ok(kept! >= 0);
    // A task this process never loaded in a worker (as a process of its own would see it): the
    // stored load is its estimate once read, in place of one from the import here.
    const fresh = jobOf("spinTag");
    await storeTaskMs("load", fresh.spec.key, 60_000);
    assert.notEqual(taskWarmth(fresh).loadMs, 60_000);
    await learnLoad(fresh);
    assert.equal(taskWarmth(fresh).loadMs, 60_000);
    // With the cache off, nothing is read.
    const off = jobOf("sumArray", false);
    await storeTaskMs("load", off.spec.key, 60_000);
    await learnLoad(off);
    assert.notEqual(taskWarmth(off).loadMs, 60_000);
  } finally {
    await pool.close();
    setOptimizerCacheHooks(hooks);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a process's first execute of a job its look runs whole, or too small for workers on any cores, does not probe the system; a later one that needs it does", () => {
  assert.deepEqual(runFixture("first_execute_probe"), {
    moduleSmall: 20,
    afterModule: false,
    small: 20,
    afterSmall: false,
    one: [9],
    afterOne: false,
    afterMany: true,
    many: 2000,
  });
});

/**
 * Run `body` with a store of its own for the optimizer cache and the tasks' timings, and a pool of
 * two workers; both are put back and closed after it.
 */
async function withStoreAndPool(prefix: string, body: (pool: Pool) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const hooks = setOptimizerCacheHooks({ dir: join(dir, "cache"), loadsDir: join(dir, "loads") });
  const pool = createPool({ maxWorkers: 2 });
  try {
    await body(pool);
  } finally {
    await pool.close();
    setOptimizerCacheHooks(hooks);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `spinTag` of a module instance of its own (the query), and the tag of this thread's instance. */
async function spinTagOf(query: string) {
  const url = `${fixtureModule("tasks/basic")}?${query}`;
  const here = (await import(url) as { spinTag: typeof spinTag }).spinTag(0);
  return { t: task<number, string>(url, "spinTag"), here };
}

/** Whether the optimizer may start two workers here (the CPU time rounded up, as it counts). */
const twoCores = async () => Math.ceil(cpuCapacity(await probeSystem())) >= 2;

test("a look that times large items keeps their time for later processes", async () => {
  // A module instance of its own (the query): no earlier call of this process looked at it.
  const t = task<number, number>(`${fixtureModule("tasks/basic")}?large-kept`, "spin");
  await withStoreAndPool("amorsize-items-", async (pool) => {
    const out = await execute(t, [25, 25, 25], { cache: true, pool });
    assert.deepEqual(out, [25, 25, 25]);
    // Kept without being waited for: read until it is there. A busy loop of 25 ms never times
    // under 25 ms.
    const deadline = performance.now() + 20_000;
    let kept: number | undefined;
    while (kept === undefined && performance.now() < deadline) {
      kept = await lookupTaskMs("item", taskSpec(t).key);
      if (kept === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(kept !== undefined && kept >= 25, `kept ${kept}`);
  });
});

test("items an earlier process found large are fed to a worker from the end beside the look's first; the time is corrected", async () => {
  const { t, here } = await spinTagOf("early-start");
  const two = await twoCores();
  await withStoreAndPool("amorsize-early-", async (pool) => {
    await storeTaskMs("item", taskSpec(t).key, 100);
    // Eight items of no time, which the look alone would run all here: the last ones went to a
    // worker started before the look, from the array's end; this thread ran the first.
    const tags = await execute(t, new Array(8).fill(0), { cache: true, pool });
    assert.equal(tags.length, 8);
    assert.equal(tags[0], here);
    if (two) assert.notEqual(tags[7], here, "the last item ran in a worker");
    else assert.deepEqual(tags, new Array(8).fill(here));
    // The look timed them small: later processes start no worker early.
    const deadline = performance.now() + 20_000;
    let kept = await lookupTaskMs("item", taskSpec(t).key);
    while (kept === 100 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      kept = await lookupTaskMs("item", taskSpec(t).key);
    }
    assert.ok(kept !== undefined && kept < 20, `kept ${kept}`);
  });
});

test("items an earlier process found large: an item that throws in the worker fed from the end fails the call at its index", async () => {
  const t = task<number, number>(`${fixtureModule("tasks/basic")}?early-throw`, "failOn13");
  await withStoreAndPool("amorsize-early-throw-", async (pool) => {
    await storeTaskMs("item", taskSpec(t).key, 100);
    const data = [1, 2, 3, 4, 5, 6, 13];
    await assert.rejects(execute(t, data, { cache: true, pool }), (e) => {
      assert.ok(e instanceof TaskError, String(e));
      assert.equal(e.index, 6);
      return true;
    });
  });
});

test("without a stored time, a job its look runs whole starts no worker", async () => {
  const { t, here } = await spinTagOf("no-early-start");
  await withStoreAndPool("amorsize-none-", async (pool) => {
    const tags = await execute(t, new Array(8).fill(0), { cache: true, pool });
    assert.deepEqual(tags, new Array(8).fill(here));
    assert.equal(pool.size, 0);
  });
});

test("a worker started early that cannot load the task: it runs here, and optimize says why", async () => {
  const t = task<string, string>(`${fixtureModule("tasks/main_only")}?early`, "render");
  const two = await twoCores();
  await withStoreAndPool("amorsize-early-load-", async (pool) => {
    await storeTaskMs("item", taskSpec(t).key, 100);
    const docs = Array.from({ length: 8 }, (_, i) => `# Doc ${i}`);
    const r = await optimize(t, docs, { cache: true, pool });
    assert.equal(r.executor, "inline");
    if (two) {
      assert.ok(
        r.warnings.some((w) => /cannot load .*in a worker/i.test(w)),
        `${r.reason}\n${r.warnings.join("\n")}`,
      );
    }
    const out = await execute(t, docs, { cache: true, pool });
    assert.match(out[7], /<h1>Doc 7<\/h1>/);
  });
});
