// Faults of data sources, streaming and a pool's life: what a caller sees when its data, its
// consumer or another call on the same pool misbehaves. Real workers, on Deno, Bun and Node.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute, type ExecuteOptions, map, optimize, task } from "../mod.ts";
import { fixtureModule, sleep } from "./_helpers.ts";
import { workerSet } from "../src/engine/mod.ts";
import { locateUncloneable } from "../src/engine/_cloneable.ts";

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
      pool.run(task<number, number>(basic, "sleepy"), 3_000, { signal: ac.signal }),
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

test("fault: map hands on the results of the items an async source gave while it waits for more", async () => {
  // A source of events gave 3 items, then waited for the next event: map held their results
  // until more items had come to fill a chunk (16 on the inline executor), or for good, and a
  // consumer that wanted 3 results never got them. Now a pull takes what the source has ready.
  // (Automatic mode still waits: the optimizer awaits the items of its sample.)
  const runs: [string, ExecuteOptions][] = [
    ["inline", { executor: "inline" }],
    ["async", { executor: "async" }],
    ["workers", { executor: "workers", workers: 2 }],
  ];
  for (const [label, options] of runs) {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let waited = false; // the guard released the source: the results waited for its 4th item
    const guard = setTimeout(() => {
      waited = true;
      release();
    }, 10_000);
    const events = async function* () {
      for (let i = 1; i <= 3; i++) yield i;
      await gate; // the next event has not happened yet
      yield 4;
    };
    const got: number[] = [];
    for await (const y of map((x: number) => x * x, events(), options)) {
      got.push(y);
      if (got.length === 3) break;
    }
    clearTimeout(guard);
    release();
    assert.equal(waited, false, `${label}: the 3 results waited for a 4th item`);
    assert.deepEqual(got, [1, 4, 9], label);
  }
});

test("fault: optimize hands a Set or a Map back as it is", async () => {
  // They came back re-chained as one-shot iterables: without their size, and empty when read a
  // second time.
  const double = (x: number) => 2 * x;
  const set = new Set([1, 2, 3]);
  const r = await optimize(double, set, { cache: false });
  assert.deepEqual([...r.data as Iterable<number>], [1, 2, 3]);
  assert.deepEqual([...r.data as Iterable<number>], [1, 2, 3]);
  const m = new Map([[1, "a"]]);
  assert.equal((await optimize((e: [number, string]) => e[1], m, { cache: false })).data, m);
});

test("fault: an item or a result nested too deep for the other thread to read is a TaskError naming it", async () => {
  // Deno's structured clone refuses to deserialise objects nested a few thousand deep (Node's
  // main thread too, for a worker's reply). The worker dropped a chunk it could not read and the
  // call waited forever; a reply the pool could not read was taken for a crash, the chunk ran
  // again, and the run failed with "A worker died twice". Where the runtime reads them, the
  // values arrive whole.
  const nest = (x: number) => {
    let o: Record<string, unknown> = { v: x };
    for (let i = 0; i < 3_000; i++) o = { o };
    return o;
  };
  const depth = (o: unknown) => {
    let d = 0;
    while (typeof o === "object" && o !== null && "o" in o) [o, d] = [o.o, d + 1];
    return d;
  };
  const deepAt5 = (x: number) => {
    if (x !== 5) return x;
    let o: Record<string, unknown> = { v: x };
    for (let i = 0; i < 3_000; i++) o = { o };
    return o;
  };
  const forced: ExecuteOptions = { executor: "workers", workers: 2, chunkSize: 1 };
  const guard = { ...forced, timeoutMs: 60_000 }; // a hang fails the test, not the suite
  const items = Array.from({ length: 10 }, (_, i) => i === 5 ? nest(5) : i);
  const sent = await settle(execute((x: unknown) => typeof x === "number" ? x : -1, items, guard));
  const got = await settle(execute(deepAt5, Array.from({ length: 10 }, (_, i) => i), guard));
  for (const [label, r] of [["item", sent], ["result", got]] as const) {
    if (Array.isArray(r)) {
      assert.equal(r.length, 10, label);
      if (label === "result") assert.equal(depth(r[5]), 3_000, label);
      continue;
    }
    assert.equal((r as Error).name, "TaskError", `${label}: ${(r as Error).message}`);
    // A reply holds its chunk's results together: the chunk is named, from its first item.
    const range = /items? (\d+)(?:\.\.(\d+))? cannot/i.exec((r as Error).message);
    assert.ok(range && +range[1] <= 5 && +(range[2] ?? range[1]) >= 5, (r as Error).message);
    assert.equal((r as { index?: number }).index, label === "item" ? 5 : +range[1], label);
    assert.match(
      (r as Error).message,
      /could not read|not cloneable/,
      `${label}: ${(r as Error).message}`,
    );
  }
});

test("fault: a value nested 50,000 deep is looked through once to name what cannot travel", () => {
  // Each level copied the path to it: a result nested 100,000 deep took 163 s to fail on Deno.
  let o: unknown = () => 1;
  for (let i = 0; i < 50_000; i++) o = [o];
  const why = locateUncloneable(o);
  assert.ok(why?.startsWith("a function"), why?.slice(0, 80));
  assert.ok(why?.endsWith(` at ${"[0]".repeat(50_000)}`), why?.slice(0, 80));
});

test("fault: a worker that met a message it could not read is replaced, and the next run on the pool ends", async () => {
  // On Deno a worker that had met an unreadable chunk and an unreadable reply stopped answering in
  // 4 of 6 runs (no reply, no pong): the next run whose chunk failed there waited forever.
  const pool = createPool({ maxWorkers: 1 });
  try {
    const forced: ExecuteOptions = { executor: "workers", workers: 1, chunkSize: 1, pool };
    const nest = (x: number) => {
      let o: Record<string, unknown> = { v: x };
      for (let i = 0; i < 3_000; i++) o = { o };
      return o;
    };
    const started = () => workerSet(pool).startedCount;
    await execute((x: number) => x, [1, 2], forced);
    const before = started();
    // The last item: no other chunk of the run is in flight when it fails (a run that fails with
    // chunks in flight ends its workers anyway).
    const items = Array.from({ length: 4 }, (_, i) => i === 3 ? nest(3) : i);
    const sent = await settle(execute((x: unknown) => x, items, forced));
    const deepAt3 = (x: number) => {
      if (x !== 3) return x;
      let o: Record<string, unknown> = { v: x };
      for (let i = 0; i < 3_000; i++) o = { o };
      return o;
    };
    const got = await settle(execute(deepAt3, [0, 1, 2, 3], forced));
    const last = await settle(
      execute(task<number, unknown>(basic, "classResultOn4"), [1, 2, 3, 4, 5, 6], {
        ...forced,
        timeoutMs: 30_000,
      }),
    );
    assert.equal((last as Error).name, "TaskError", String(last));
    // Each run the other thread could not read (Deno; Node for the reply) replaced the worker:
    // the next run started another.
    const unread = [sent, got].filter((r) => !Array.isArray(r)).length;
    assert.equal(started() - before, unread, `${unread} unread, ${started() - before} started`);
  } finally {
    await pool.close();
  }
});
