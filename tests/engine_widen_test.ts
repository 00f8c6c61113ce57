// An automatic inline run that proves far slower than the optimizer measured (injected here)
// moves the items it has not pulled yet to workers; every item runs once and comes back in order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute, map, task } from "../mod.ts";
import { KnownResults, prepare, type Run, Source } from "../src/engine/mod.ts";
import { taskSpec } from "../src/task/mod.ts";
import { fixtureModule } from "./_helpers.ts";

type Counted = { counts: Int32Array; i: number; ms: number };
const countRun = task<Counted, number>(fixtureModule("tasks/basic"), "countRun");

/**
 * Run `n` items of `ms` inline, the plain loop here said to take `perItemMs` per item, with room
 * for `widenWorkers` workers.
 */
async function run(n: number, ms: number, perItemMs: number, widenWorkers?: number) {
  const pool = createPool({ maxWorkers: 2 });
  try {
    // The workers started and warm first (a worker still starting, on Deno, type-checks its
    // module: the loop here may end before it replies).
    const warm = new Int32Array(new SharedArrayBuffer(8));
    const twice = [0, 1].map((i) => ({ counts: warm, i, ms: 0 }));
    await execute(countRun, twice, { pool, workers: 2, chunkSize: 1 });
    const counts = new Int32Array(new SharedArrayBuffer(4 * n));
    const src = new Source<unknown>(Array.from({ length: n }, (_, i) => ({ counts, i, ms })));
    const resolved = {
      spec: taskSpec(countRun),
      src,
      config: {
        executor: "inline" as const,
        workers: 1,
        chunkSize: n,
        concurrency: 1,
        adaptive: true,
      },
      known: new KnownResults(),
      inlinePerItemMs: perItemMs,
      widenWorkers,
    };
    const job = prepare(countRun, resolved, { pool });
    let widened: Run | undefined;
    const parts: { start: number; results: unknown[] }[] = [];
    for await (const c of job.stream(true, (r) => (widened = r))) parts.push(c);
    parts.sort((a, b) => a.start - b.start);
    return { results: parts.flatMap((p) => p.results), counts: [...counts], widened };
  } finally {
    await pool.close();
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test("widen: a plain loop far slower than measured moves the rest of its items to workers", async () => {
  // Said to take 0.1 µs an item, each takes 1 ms: after 20 ms of it, a worker loads the task
  // (the loop goes on meanwhile) and the items left run on 2 workers.
  const r = await run(1000, 1, 1e-4, 2);
  assert.ok(r.widened, "the rest ran on workers");
  assert.deepEqual(r.results, range(1000), "every result, in order");
  assert.deepEqual(r.counts, new Array(1000).fill(1), "every item ran once");
});

test("widen: a plain loop at the pace measured stays here", async () => {
  const r = await run(100, 0.2, 1, 2);
  assert.equal(r.widened, undefined);
  assert.deepEqual(r.results, range(100));
  assert.deepEqual(r.counts, new Array(100).fill(1));
});

test("widen: without room for workers the plain loop stays here, however slow", async () => {
  const r = await run(100, 0.5, 1e-4);
  assert.equal(r.widened, undefined);
  assert.deepEqual(r.results, range(100));
});

test("widen: an ordered map whose inline run slows down hands on every result, in order", async () => {
  // Past its first 400 calls here each call takes 1 ms: the look saw only fast calls, and the run
  // may move to workers after many results were handed on (the look-ahead of the run it starts
  // counts from there; it counted from 0 and could wait for good).
  type Slow = { key: string; i: number; after: number; ms: number };
  const slowsDown = task<Slow, number>(fixtureModule("tasks/basic"), "slowsDown");
  const key = `map-${Math.random()}`;
  const items = Array.from({ length: 1200 }, (_, i) => ({ key, i, after: 400, ms: 1 }));
  const pool = createPool({ maxWorkers: 2 });
  try {
    const out: number[] = [];
    for await (const r of map(slowsDown, items, { pool, cache: false })) out.push(r);
    assert.deepEqual(out, range(1200));
  } finally {
    await pool.close();
  }
});
