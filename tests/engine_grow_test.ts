// A workers run that grows: an automatic run given fewer workers than its caps (other processes
// kept cores busy at the decision) takes more once cores have been idle at two readings in a row
// (the readings are injected here; the default reads /proc). Every item runs once, in order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute, task } from "../mod.ts";
import { Run } from "../src/engine/_run.ts";
import { Source } from "../src/engine/_source.ts";
import { workerSet } from "../src/engine/_worker_set.ts";
import { taskSpec } from "../src/task/_spec.ts";
import { fixtureModule } from "./_helpers.ts";

const spinTag = task<number, string>(fixtureModule("tasks/basic"), "spinTag");

/**
 * 120 items of 2 ms on a run of one worker that may grow to `most` (the pool holds 3, warm), the
 * idle cores read as `idle` gives them in turn; returns the threads that ran items and the run.
 */
async function run(idle: number[], most = 2) {
  const pool = createPool({ maxWorkers: 3 });
  try {
    // Every worker started and warm first: a grown run's new worker takes chunks at once.
    await execute(spinTag, [0, 0, 0, 0, 0, 0], { pool, workers: 3, chunkSize: 1 });
    let k = 0;
    const r = new Run(workerSet(pool), new Source<unknown>(new Array(120).fill(2)), {
      spec: taskSpec(spinTag),
      workers: 1,
      chunkSize: 4,
      adaptive: true,
      targetChunkMs: 8,
      transfer: false,
      grow: { workers: most, cores: 4, idleCores: () => idle[Math.min(k++, idle.length - 1)] },
    });
    const out: string[] = [];
    for await (const c of r.chunks()) c.results.forEach((x, j) => (out[c.start + j] = x as string));
    assert.equal(out.filter((x) => typeof x === "string").length, 120, "every item once");
    return { threads: new Set(out).size, grown: r.grown };
  } finally {
    await pool.close();
  }
}

test("grow: idle cores at two readings in a row give the run another worker", async () => {
  const r = await run([1]);
  assert.deepEqual(r.grown && { from: r.grown.from, to: r.grown.to }, { from: 1, to: 2 });
  assert.ok(r.grown!.afterItems > 0 && r.grown!.afterItems < 120, `after ${r.grown!.afterItems}`);
  assert.equal(r.threads, 2, "the items ran on two workers");
});

test("grow: never past the caps, whatever the idle cores", async () => {
  const r = await run([3], 2);
  assert.equal(r.grown?.to, 2);
  assert.equal(r.threads, 2);
});

test("grow: no idle core, or one only now and then, keeps the run's workers", async () => {
  for (const idle of [[0], [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0]]) {
    const r = await run(idle);
    assert.equal(r.grown, undefined, `idle ${idle}`);
    assert.equal(r.threads, 1);
  }
});
