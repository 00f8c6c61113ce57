// A workers run that changes course: when its workers prove slower than the plain loop on the
// calling thread (measured by the optimizer's look, injected here), the items not yet sent run
// here; every item runs once and comes back in order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute, task } from "../mod.ts";
import { KnownResults, prepare, type Run, Source } from "../src/engine/mod.ts";
import { taskSpec } from "../src/task/mod.ts";
import { fixtureModule } from "./_helpers.ts";

const spin = task<number, number>(fixtureModule("tasks/basic"), "spin");

/**
 * Run `n` items of `ms` on 2 workers with chunks of 4, the plain loop here said to take
 * `inlineMs` per item; `pause` blocks this thread for that many ms after the third chunk came
 * back (a garbage collection, other processes' turn on the CPU).
 */
async function run(n: number, ms: number, inlineMs: number, timeoutMs?: number, pause = 0) {
  const pool = createPool({ maxWorkers: 2 });
  try {
    // Both workers started and warm first: the window opens once every worker has replied, and
    // a worker still starting (Deno type-checks its module) would see the items gone before.
    await execute(spin, [0, 0, 0, 0], { pool, workers: 2, chunkSize: 1 });
    const src = new Source<unknown>(new Array(n).fill(ms));
    const resolved = {
      spec: taskSpec(spin),
      src,
      config: {
        executor: "workers" as const,
        workers: 2,
        chunkSize: 4,
        concurrency: 1,
        adaptive: false,
      },
      known: new KnownResults(),
      inlinePerItemMs: inlineMs,
    };
    const job = prepare(spin, resolved, { pool, timeoutMs });
    let theRun: Run | undefined;
    const parts: { start: number; results: unknown[] }[] = [];
    for await (const c of job.stream(true, (r) => (theRun = r))) {
      parts.push(c);
      if (parts.length === 3 && pause > 0) {
        const end = performance.now() + pause;
        while (performance.now() < end) { /* this thread is busy: replies wait */ }
      }
    }
    parts.sort((a, b) => a.start - b.start);
    const results = parts.flatMap((p) => p.results);
    return { results, switched: theRun!.switched };
  } finally {
    await pool.close();
  }
}

test("course: workers slower than the plain loop here hand the rest to this thread", async () => {
  // The plain loop is said to take a nanosecond per item: 4 stretches between replies once both
  // workers answered are evidence enough, and every item not yet sent then runs here.
  const r = await run(200, 0.5, 1e-6);
  assert.ok(r.switched, "the run changed course");
  assert.ok(r.switched.afterItems < 200, `after ${r.switched.afterItems} items`);
  assert.ok(r.switched.workerItemsPerMs < r.switched.inlineItemsPerMs);
  assert.deepEqual(r.results, new Array(200).fill(0.5), "every item once, in order");
});

test("course: a run stays on its workers when the plain loop here is slower", async () => {
  const r = await run(200, 0.5, 1000);
  assert.equal(r.switched, undefined);
  assert.deepEqual(r.results, new Array(200).fill(0.5));
});

test("course: with timeoutMs the run stays on workers (a call here cannot be timed out)", async () => {
  const r = await run(200, 0.5, 1e-6, 60_000);
  assert.equal(r.switched, undefined);
  assert.deepEqual(r.results, new Array(200).fill(0.5));
});

test("course: one pause of this thread is not the workers' throughput", async () => {
  // Two workers run an item of 0.5 ms each (≈ 0.25 ms per item together); the plain loop is said
  // to take 5 ms. This thread stops for 300 ms once the first chunks came back: read over the
  // time with the pause, the workers looked several times slower than the plain loop, and the run
  // changed course to it. (The rule itself is tested with scripted times in
  // engine_throughput_test.ts.)
  const r = await run(200, 0.5, 5, undefined, 300);
  assert.equal(r.switched, undefined);
  assert.deepEqual(r.results, new Array(200).fill(0.5));
});
