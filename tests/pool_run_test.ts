// pool.run(task, item): one call on a worker of the pool, with the errors, abort and timeout of
// execute (real workers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChunkTimeoutError, createPool, execute, task, TaskError } from "../mod.ts";
import { workerSet } from "../src/engine/mod.ts";
import { taskSpec } from "../src/task/mod.ts";
import { fixtureModule } from "./_helpers.ts";

const basic = fixtureModule("tasks/basic");
const square = task<number, number>(basic, "square");
const failOn13 = task<number, number>(basic, "failOn13");
const sleepy = task<number, number>(basic, "sleepy");
const spin = task<number, number>(basic, "spin");
const meet = task<{ flags: Int32Array; i: number; waitMs: number }, boolean>(basic, "meet");

/** The rejection of `p` (or undefined when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

test("pool.run: a module task and an inline function, one item each, many at once", async () => {
  const pool = createPool({ maxWorkers: 2 });
  try {
    assert.equal(await pool.run(square, 7), 49);
    assert.equal(await pool.run((x: number) => x + 1, 41), 42);
    const all = await Promise.all(Array.from({ length: 12 }, (_, i) => pool.run(square, i)));
    assert.deepEqual(all, Array.from({ length: 12 }, (_, i) => i * i));
    assert.ok(pool.size <= 2, `${pool.size} workers`);
  } finally {
    await pool.close();
  }
});

test("pool.run and one-worker runs at once share the pool's workers, not its first one", async () => {
  // spinTag returns a tag of the worker's own: two calls started together on a pool of two
  // workers, each busy for 200 ms, run on both (they all queued on the first one).
  const spinTag = task<number, string>(basic, "spinTag");
  const pool = createPool({ maxWorkers: 2 });
  try {
    await pool.warm(2);
    const [a, b] = await Promise.all([pool.run(spinTag, 200), pool.run(spinTag, 200)]);
    assert.notEqual(a, b, "two calls on one worker");
    const opts = { pool, executor: "workers" as const, workers: 1, chunkSize: 1 };
    const runs = await Promise.all([execute(spinTag, [200], opts), execute(spinTag, [200], opts)]);
    assert.notEqual(runs[0][0], runs[1][0], "two runs on one worker");
    // A cold pool starts a second worker for the second call rather than queue it.
    const cold = createPool({ maxWorkers: 2 });
    try {
      const [c, d] = await Promise.all([cold.run(spinTag, 200), cold.run(spinTag, 200)]);
      assert.notEqual(c, d);
      assert.equal(cold.size, 2);
    } finally {
      await cold.close();
    }
  } finally {
    await pool.close();
  }
});

test("pool.run: a throwing task fails as execute does (TaskError, index 0); the pool goes on", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    const e = await rejection(pool.run(failOn13, 13));
    const viaExecute = await rejection(
      execute(failOn13, [13], { executor: "workers", workers: 1, pool }),
    );
    assert.ok(e instanceof TaskError, String(e));
    assert.equal(e.index, 0);
    assert.equal(e.message, viaExecute?.message);
    assert.match(e.message, /thirteen is unlucky/);
    assert.equal(await pool.run(failOn13, 12), 12);
  } finally {
    await pool.close();
  }
});

test("pool.run: timeoutMs fails the call with a ChunkTimeoutError; the pool stays usable", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    const e = await rejection(pool.run(sleepy, 2_000, { timeoutMs: 50 }));
    assert.ok(e instanceof ChunkTimeoutError, String(e));
    assert.equal(await pool.run(square, 3), 9);
  } finally {
    await pool.close();
  }
});

test("pool.run: a reply that arrived while this thread was held past timeoutMs is no timeout", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    // The worker holds the task first: its load is no part of the limit below.
    assert.equal(await pool.run(meet, { flags: new Int32Array(1), i: 0, waitMs: 0 }), false);
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const call = pool.run(meet, { flags, i: 0, waitMs: 10_000 }, { timeoutMs: 1_000 });
    // The worker raises its flag and waits for this thread's; this thread raises it and stays
    // busy past the limit, so the reply waits in the queue behind the timer that ran out.
    const t = performance.now();
    while (Atomics.load(flags, 0) === 0 && performance.now() - t < 10_000) {
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(Atomics.load(flags, 0), 1, "the worker started the item");
    Atomics.store(flags, 1, 1);
    const held = performance.now();
    while (performance.now() - held < 1_200) { /* held */ }
    assert.equal(await call, true);
  } finally {
    await pool.close();
  }
});

test("pool.run: an abort rejects with the signal's AbortError; an aborted signal fails at once", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    const ac = new AbortController();
    const call = rejection(pool.run(spin, 1_000, { signal: ac.signal }));
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    assert.equal((await call)?.name, "AbortError");
    const started = pool.startedCount;
    const early = await rejection(pool.run(square, 2, { signal: AbortSignal.abort() }));
    assert.equal(early?.name, "AbortError");
    assert.equal(pool.startedCount, started, "no worker started for an aborted call");
    assert.equal(await pool.run(square, 4), 16);
  } finally {
    await pool.close();
  }
});

test("pool.run: bad options and tasks are refused at once", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    await assert.rejects(pool.run(square, 1, { timeout: 5 } as never), {
      name: "TypeError",
      message: `'options' has no option "timeout"; did you mean "timeoutMs"?`,
    });
    await assert.rejects(pool.run(square, 1, { timeoutMs: -1 }), {
      name: "RangeError",
      message: /'timeoutMs' must be a positive number, got -1/,
    });
    await assert.rejects(pool.run(42 as never, 1), TypeError);
    assert.equal(pool.startedCount, 0);
  } finally {
    await pool.close();
  }
  // As execute words it.
  await assert.rejects(pool.run(square, 1), {
    name: "TypeError",
    message: "The pool is closed: create a new one with createPool()",
  });
  await assert.rejects(execute(square, [1], { pool }), {
    name: "TypeError",
    message: "'pool' is closed: create a new one with createPool()",
  });
});

test("pool: the workers holding a task are counted (a run on fewer is a cold one)", async () => {
  const pool = createPool({ maxWorkers: 2 });
  try {
    const set = workerSet(pool);
    const key = taskSpec(square).key;
    assert.equal(set.holding(key), 0);
    await execute(square, [1, 2, 3, 4], { pool, workers: 2, chunkSize: 1 });
    assert.equal(set.holding(key), 2);
    assert.equal(set.holding(taskSpec(spin).key), 0, "another task");
  } finally {
    await pool.close();
  }
});
