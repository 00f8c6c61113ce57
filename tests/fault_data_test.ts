// Faults of data sources, streaming and a pool's life: what a caller sees when its data, its
// consumer or another call on the same pool misbehaves. Real workers, on Deno, Bun and Node.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute, optimize, task } from "../mod.ts";
import { fixtureModule, sleep } from "./_helpers.ts";

const basic = fixtureModule("tasks/basic");
const faultTasks = fixtureModule("faults/tasks");
const settle = <T>(p: Promise<T>) => p.then((v) => v, (e: unknown) => e as Error);

test("fault: an aborted call on a shared pool does not fail another call whose inputs were transferred", async () => {
  // One worker: the second call's chunk was queued behind the first's, the abort terminated that
  // worker, and the moved buffer went with it: a WorkerCrashError ("terminated") though no worker
  // crashed. Now a chunk whose inputs move waits for a worker that holds no other call's chunk.
  const pool = createPool({ maxWorkers: 1 });
  try {
    const ac = new AbortController();
    const slow = settle(
      pool.run(task<number, number>(basic, "sleepy"), 5_000, { signal: ac.signal }),
    );
    const moved = settle(
      pool.run(task<ArrayBuffer, number>(faultTasks, "byteLength"), new ArrayBuffer(16), {
        transfer: true,
      }),
    );
    await sleep(100); // both calls sent
    ac.abort();
    assert.equal((await slow as Error).name, "AbortError");
    assert.equal(await moved, 16);
  } finally {
    await pool.close();
  }
});

test("fault: optimize's signal does not reach the data it hands back", async () => {
  // The re-chained async source kept watching optimize's signal: aborting it once optimize had
  // returned (its step was over) failed a later execute(task, result.data) with an AbortError.
  async function* numbers() {
    for (let i = 0; i < 100; i++) yield i;
  }
  const ac = new AbortController();
  const double = (x: number) => 2 * x;
  const r = await optimize(double, numbers(), { signal: ac.signal, cache: false });
  ac.abort();
  const out = await execute(double, r.data, { executor: "inline" });
  assert.deepEqual(out, Array.from({ length: 100 }, (_, i) => 2 * i));
});
