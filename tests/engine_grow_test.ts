// A workers run that grows: an automatic run given fewer workers than its caps while other
// processes kept cores busy takes the cores they free, once two load readings in a row saw the
// load fallen (the readings are injected here; the default reads /proc). Every item runs once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute, type Pool, task } from "../mod.ts";
import { KnownResults, prepare, Run, Source } from "../src/engine/mod.ts";
import { workerSet } from "../src/engine/_worker_set.ts";
import { taskSpec } from "../src/task/_spec.ts";
import { fixtureModule } from "./_helpers.ts";

const spinTag = task<number, string>(fixtureModule("tasks/basic"), "spinTag");

/** A pool of 3 workers, every one started and warm: a grown run's new worker takes chunks at once. */
async function warmPool(): Promise<Pool> {
  const pool = createPool({ maxWorkers: 3 });
  await execute(spinTag, [0, 0, 0, 0, 0, 0], { pool, workers: 3, chunkSize: 1 });
  return pool;
}

/**
 * `n` items of 2 ms on a run of one worker decided under a load of `load` cores, which may grow to
 * `most` workers; the load now reads as `now` gives in turn. Returns the threads that ran items.
 */
async function run(load: number, now: number[], most = 2, n = 200) {
  const pool = await warmPool();
  try {
    let k = 0;
    const r = new Run(workerSet(pool), new Source<unknown>(new Array(n).fill(2)), {
      spec: taskSpec(spinTag),
      workers: 1,
      chunkSize: 4,
      adaptive: true,
      targetChunkMs: 8,
      transfer: false,
      grow: { workers: most, load, readLoad: () => now[Math.min(k++, now.length - 1)] },
    });
    const out: string[] = [];
    for await (const c of r.chunks()) c.results.forEach((x, j) => (out[c.start + j] = x as string));
    assert.equal(out.filter((x) => typeof x === "string").length, n, "every item once");
    return { threads: new Set(out).size, grown: r.grown };
  } finally {
    await pool.close();
  }
}

const fromTo = (g: { from: number; to: number } | undefined) => g && { from: g.from, to: g.to };

test("grow: a load fallen at two readings in a row gives the run the cores it freed", async () => {
  const r = await run(1, [0]);
  assert.deepEqual(fromTo(r.grown), { from: 1, to: 2 });
  assert.ok(r.grown!.afterItems > 0 && r.grown!.afterItems < 200, `after ${r.grown!.afterItems}`);
  assert.equal(r.threads, 2, "the items ran on two workers");
});

test("grow: never past the caps nor the pool, never more than the cores freed", async () => {
  assert.deepEqual(fromTo((await run(5, [0], 2)).grown), { from: 1, to: 2 }); // the caps
  const pooled = await run(5, [0], 8);
  assert.deepEqual(fromTo(pooled.grown), { from: 1, to: 3 }); // the pool's 3 workers
  assert.equal(pooled.threads, 3);
  // Readings of 2 then 1 busy cores against 3: the lesser fall, one core, counts (then 2 again:
  // the load the run took up, no further fall).
  assert.deepEqual(fromTo((await run(3, [2, 1, 2], 8)).grown), { from: 1, to: 2 });
});

test("grow: no fall, a fall only now and then, or too few items left keep the workers", async () => {
  const seesaw = Array.from({ length: 40 }, (_, i) => i % 2);
  for (const [load, now, n] of [[1, [1], 200], [1, seesaw, 200], [1, [0], 20]] as const) {
    const r = await run(load, [...now], 2, n);
    assert.equal(r.grown, undefined, `load ${load}, readings ${now}, ${n} items`);
    assert.equal(r.threads, 1);
  }
});

test("grow: an automatic run with adaptive chunks grows; adaptive: false keeps its workers", async () => {
  for (const adaptive of [true, false]) {
    const pool = await warmPool();
    try {
      const resolved = {
        spec: taskSpec(spinTag),
        src: new Source<unknown>(new Array(200).fill(2)),
        config: {
          executor: "workers" as const,
          workers: 1,
          chunkSize: 4,
          concurrency: 1,
          adaptive,
        },
        known: new KnownResults(),
        grow: { workers: 2, load: 1, readLoad: () => 0 },
      };
      let theRun: Run | undefined;
      const job = prepare(spinTag, resolved, { pool });
      for await (const _ of job.stream(false, (r) => (theRun = r))) { /* drain */ }
      assert.equal(theRun!.grown !== undefined, adaptive, `adaptive: ${adaptive}`);
    } finally {
      await pool.close();
    }
  }
});
