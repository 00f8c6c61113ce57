import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute, map, optimize, runtime, task, TaskError } from "../mod.ts";
import { fixtureModule } from "./_helpers.ts";

const basic = <I = number, O = number>(name: string) =>
  task<I, O>(fixtureModule("tasks/basic"), name);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const squares = (n: number) => range(n).map((x) => x * x);
const W = { executor: "workers", workers: 2, chunkSize: 4 } as const;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function* numbers(n: number) {
  for (let i = 0; i < n; i++) yield i;
}

async function* asyncNumbers(n: number) {
  for (let i = 0; i < n; i++) {
    if (i % 7 === 0) await new Promise((r) => setTimeout(r, 0));
    yield i;
  }
}

test("map: arrays, iterables and async iterables, in input order", async () => {
  const sources: [string, () => Iterable<number> | AsyncIterable<number>][] = [
    ["array", () => range(50)],
    ["Set", () => new Set(range(50))],
    ["generator", () => numbers(50)],
    ["async generator", () => asyncNumbers(50)],
  ];
  for (const executor of ["workers", "inline", "async"] as const) {
    for (const [what, make] of sources) {
      const out = await collect(map(basic("square"), make(), { ...W, executor }));
      assert.deepEqual(out, squares(50), `${what} on ${executor}`);
    }
  }
  assert.deepEqual(await collect(map(basic("square"), [], W)), []);
  assert.deepEqual(await execute(basic("square"), asyncNumbers(30), W), squares(30));
});

test("map: an infinite async source, take N then break: the run stops, the pool stays usable", async () => {
  const pool = createPool({ maxWorkers: 2 });
  for (const executor of ["workers", "inline", "async"] as const) {
    let pulled = 0, closed = false;
    const forever = async function* () {
      try {
        for (let i = 0;; i++) {
          pulled++;
          if (i % 16 === 0) await new Promise((r) => setTimeout(r, 0));
          yield i;
        }
      } finally {
        closed = true;
      }
    };
    const got: number[] = [];
    for await (const y of map(basic("square"), forever(), { ...W, executor, pool })) {
      got.push(y);
      if (got.length === 100) break;
    }
    assert.deepEqual(got, squares(100), executor);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(closed, `${executor}: the source's return ran`);
    const after = pulled;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(pulled, after, `${executor}: nothing pulled after the break`);
    assert.ok(pulled < 5000, `${executor}: pulled ${pulled} items for 100 results (bounded)`);
  }
  // A sync infinite generator as well.
  const got: number[] = [];
  for await (const y of map(basic("square"), numbers(Infinity), { ...W, pool })) {
    got.push(y);
    if (got.length === 10) break;
  }
  assert.deepEqual(got, squares(10));
  assert.deepEqual(await execute(basic("square"), range(30), { ...W, pool }), squares(30));
  await pool.close();
});

test("map: ordered: false yields in completion order", async () => {
  // The items finish in the order the test allows: each waits for a shared counter to reach its
  // turn, and the counter is raised only when a result has been yielded (no timing involved).
  const pool = createPool({ maxWorkers: 4 });
  await pool.warm(4);
  const inTurn = basic<{ gate: SharedArrayBuffer; turn: number }, number>("inTurn");
  const forced = [
    { executor: "workers", workers: 4, chunkSize: 1, pool },
    { executor: "async", concurrency: 4 },
  ] as const;
  for (const opts of forced) {
    const gate = new SharedArrayBuffer(4);
    const counter = new Int32Array(gate);
    const got: number[] = [];
    const items = [3, 2, 1, 0].map((turn) => ({ gate, turn }));
    for await (const y of map(inTurn, items, { ...opts, ordered: false })) {
      got.push(y);
      Atomics.store(counter, 0, got.length);
    }
    assert.deepEqual(got, [0, 1, 2, 3], opts.executor);
  }
  const sleeps = [400, 300, 200, 100];
  const ordered = await collect(
    map(basic("sleepy"), sleeps, { executor: "workers", workers: 4, chunkSize: 1, pool }),
  );
  assert.deepEqual(ordered, [800, 600, 400, 200]);
  await pool.close();
});

test("map: on a task error, yields the results before the failing item, then throws", async () => {
  for (const executor of ["workers", "inline", "async"] as const) {
    const got: number[] = [];
    const e = await (async () => {
      for await (const y of map(basic("failOn13"), range(40), { ...W, executor })) got.push(y);
    })().then(() => undefined, (e: unknown) => e);
    assert.ok(e instanceof TaskError, `${executor}: ${e}`);
    assert.equal(e.index, 13);
    assert.equal((e.cause as Error).message, "thirteen is unlucky");
    assert.deepEqual(got, range(13), executor);
  }
});

test("map: a non-cloneable result: the results before it, then the error", async () => {
  const got: unknown[] = [];
  const e = await (async () => {
    for await (const y of map(basic<number, unknown>("badResult"), range(12), W)) got.push(y);
  })().then(() => undefined, (e: unknown) => e);
  assert.ok(e instanceof TaskError, String(e));
  assert.equal(e.index, 5);
  assert.match(e.message, /Result of item 5 cannot be sent back.*function/);
  assert.deepEqual(got, range(5));
});

test("map: bad options throw when iteration starts, naming the option", async () => {
  const it = map(basic("square"), [1], { workers: 0 });
  await assert.rejects(it.next(), /'workers' must be a positive integer, got 0/);
  // Options that are not an object: read before the check, null failed with "Cannot read
  // properties of null (reading 'ordered')".
  for (const [bad, shown] of [[null, "null"], [5, "5"], [[], "an empty array"]] as const) {
    await assert.rejects(map(basic("square"), [1], bad as never).next(), {
      name: "TypeError",
      message: `'options' must be an object, got ${shown}`,
    });
  }
});

test("map: streaming many small items keeps memory bounded", async () => {
  const pool = createPool({ maxWorkers: 2 });
  await pool.warm(2);
  const n = 100_000;
  const opts = { executor: "workers", workers: 2, chunkSize: 64, pool } as const;
  let pulled = 0;
  function* items(n: number) {
    for (let i = 0; i < n; i++) {
      pulled++;
      yield { i, name: `item-${i}`, payload: [i, i + 1, i + 2] };
    }
  }
  // Warm up the JIT and the heaps of the three threads (their first growth is not streaming's).
  for await (const _ of map(basic<unknown, unknown>("identity"), items(50_000), opts)) { /**/ }
  pulled = 0;
  const rss0 = runtime().memory().rssBytes!;
  let count = 0, peak = rss0, sum = 0, ahead = 0;
  for await (const r of map(basic<unknown, { i: number }>("identity"), items(n), opts)) {
    sum += r.i;
    ahead = Math.max(ahead, pulled - ++count);
    if (count % 5000 === 0) peak = Math.max(peak, runtime().memory().rssBytes!);
  }
  // What map holds is bounded by what it pulls ahead of the consumer (docs/engine.md, "Streaming
  // and memory"): at most 8 chunks of at most 1024 items in flight per worker (the adaptive chunk
  // size grows past the 64 asked) and, for an ordered consumer, a look-ahead of 4 × workers
  // chunks: 24 576 items here, a quarter of the source. RSS is printed, not asserted: Node's V8
  // lets garbage grow the heap by 14–92 MB over this stream before a major GC (measured), about
  // what keeping every result does.
  const growth = (peak - rss0) / 2 ** 20;
  console.log(
    `map over ${n} items: ${ahead} items pulled ahead at most, RSS growth ` +
      `${growth.toFixed(1)} MB`,
  );
  assert.equal(count, n);
  assert.equal(sum, (n * (n - 1)) / 2);
  assert.ok(ahead <= (8 + 4) * 1024 * 2, `map pulled ${ahead} items ahead of the consumer`);
  await pool.close();
});

test("map, automatic: a task that fails while the optimizer decides fails as a run does", async () => {
  // Items of about 0.05 ms, from item 3 on failing: the optimizer's look runs items spread over
  // the array and its helpers run items from its end, so the failure it meets lies past items
  // that never ran.
  const failFrom3 = (x: number) => {
    const end = performance.now() + 0.05;
    while (performance.now() < end) { /* spin */ }
    if (x >= 3) throw new RangeError(`failing from 3, at ${x}`);
    return x;
  };
  const pool = createPool({ maxWorkers: 2 });
  // In input order: every result before the first failing item, then its error (an ordered map
  // yielded none and named an item sampling met, e.g. 137).
  const got: number[] = [];
  const e = await (async () => {
    for await (const y of map(failFrom3, range(400), { pool })) got.push(y);
  })().then(() => undefined, (e: unknown) => e);
  assert.ok(e instanceof TaskError, String(e));
  assert.equal(e.index, 3);
  assert.deepEqual(got, range(3));
  // In completion order: the results computed before the failing item, then its error (none
  // were yielded: item 0, which the look runs early, was lost).
  const failOn5 = (x: number) => {
    const end = performance.now() + 0.05;
    while (performance.now() < end) { /* spin */ }
    if (x === 5) throw new RangeError(`failing at 5`);
    return x;
  };
  const some: number[] = [];
  const e2 = await (async () => {
    for await (const y of map(failOn5, range(400), { pool, ordered: false })) some.push(y);
  })().then(() => undefined, (e: unknown) => e);
  assert.ok(e2 instanceof TaskError, String(e2));
  assert.equal(e2.index, 5);
  // Item 0 comes whether the look met the failure or ended before it (on a loaded machine, after
  // its first single items): the results computed while deciding are yielded first, not with the
  // run's chunk that holds them (that chunk, holding items 0 and 5, failed whole and took item 0
  // with it). Unless the look's first item, drawn at random from the first half of the array
  // (1 time in 200), was item 5 itself: then nothing ran before the failure, and nothing comes.
  assert.ok(some.includes(0) || some.length === 0, `got ${some}`);
  assert.ok(some.every((x) => x !== 5 && Number.isInteger(x)), `got ${some}`);
  assert.equal(new Set(some).size, some.length);
  // No worker is left running: the pool runs a next job and closes.
  assert.deepEqual(await execute((x: number) => x + 1, [1, 2, 3], { pool, ...W }), [2, 3, 4]);
  await pool.close();
  assert.equal(pool.size, 0);
});

test("map, automatic, in completion order: every result once, those computed while deciding first", async () => {
  // Items of about 0.02 ms: the optimizer's look and sampling compute some of them, which the
  // run's chunks then leave out. Each result must come once, and the progress count once each.
  const spin = (x: number) => {
    const end = performance.now() + 0.02;
    while (performance.now() < end) { /* spin */ }
    return x * 2;
  };
  const pool = createPool({ maxWorkers: 2 });
  for (const n of [7, 3000]) {
    const got: number[] = [];
    let done = 0;
    const onProgress = (p: { done: number }) => done = p.done;
    for await (const y of map(spin, range(n), { pool, ordered: false, onProgress })) got.push(y);
    assert.deepEqual(got.sort((a, b) => a - b), range(n).map((x) => x * 2), `${n} items`);
    assert.equal(done, n, `${n} items`);
    assert.equal(got.length, n);
  }
  await pool.close();
});

test("automatic mode: a failure or an abort while deciding lets the source clean up, as a run does", async () => {
  // The task throws on item 3, which the optimizer's look meets: the run fails while deciding,
  // and the generator's `finally` never ran (it did under every forced executor).
  const boom = (x: number) => {
    if (x === 3) throw new Error("boom");
    return x;
  };
  let closed = 0;
  function* sync() {
    try {
      for (let i = 0; i < 1000; i++) yield i;
    } finally {
      closed++;
    }
  }
  async function* later() {
    try {
      for (let i = 0; i < 1000; i++) yield i;
    } finally {
      closed++;
    }
  }
  const settle = (p: Promise<unknown>) => p.then(() => undefined, (e: Error) => e);
  assert.match(String(await settle(execute(boom, sync(), { cache: false }))), /item 3: boom/);
  assert.match(String(await settle(execute(boom, later(), { cache: false }))), /item 3: boom/);
  assert.match(String(await settle(collect(map(boom, sync(), { cache: false })))), /item 3/);
  // Aborted while deciding (an async task's calls, looked at here under a signal): the abort's
  // reason, and the source closed.
  const c = new AbortController();
  const slow = async (x: number) => {
    await new Promise((r) => setTimeout(r, 2));
    if (x === 5) c.abort(new Error("enough"));
    return x;
  };
  assert.match(
    String(await settle(execute(slow, later(), { cache: false, signal: c.signal }))),
    /enough/,
  );
  // In completion order, a consumer that stops at the first result (one the optimizer computed,
  // handed on before the run starts): the run that closes the source never started.
  const first: number[] = [];
  for await (const y of map((x: number) => x * 2, sync(), { cache: false, ordered: false })) {
    first.push(y);
    break;
  }
  assert.equal(first.length, 1);
  // (An async generator's `return()` runs once its pending `next()` settles: waited for.)
  for (let k = 0; k < 100 && closed < 5; k++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(closed, 5);
});

test("automatic mode: a source that throws while deciding is a job of the items before it, and said", async () => {
  function* twoThenThrow() {
    yield 1;
    yield 2;
    throw new Error("source failed");
  }
  const double = (x: number) => 2 * x;
  // Read as a source of unknown length, a second's work was assumed: two workers, no warning.
  const o = await optimize(double, twoThenThrow(), { cache: false });
  assert.equal(o.executor, "inline", o.reason);
  assert.ok(
    o.warnings.includes(
      "The data source threw after 2 items (source failed): the run fails there, after their " +
        "results",
    ),
    o.warnings.join("; "),
  );
  await assert.rejects(execute(double, twoThenThrow(), { cache: false }), /source failed/);
  const got: number[] = [];
  await assert.rejects(async () => {
    for await (const y of map(double, twoThenThrow(), { cache: false })) got.push(y);
  }, /source failed/);
  assert.deepEqual(got, [2, 4]);
});
