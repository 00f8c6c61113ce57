// Faults of what tasks do and of the pool they run on, found by using the library as a demanding
// user would: each test names what the caller saw before and checks what it sees now. Runs on
// Deno, Bun and Node.
import { Buffer } from "node:buffer";
import { gunzipSync } from "node:zlib";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute, type ExecuteOptions, task, TaskError } from "../mod.ts";
import { workerSet } from "../src/engine/_worker_set.ts";
import { KnownResults, prepare, Source } from "../src/engine/mod.ts";
import { taskSpec } from "../src/task/mod.ts";
import { failedOn, type Job } from "../src/model/_job.ts";
import { anatomy, fixtureModule, sleep } from "./_helpers.ts";

const settle = <T>(p: Promise<T>) => p.then(() => undefined, (e: unknown) => e as Error);

/** What `p` settled with, or "pending" when it has not within `ms` (a hang, not a slow run). */
const within = (p: Promise<Error | undefined>, ms: number) => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"pending">((r) => (timer = setTimeout(() => r("pending"), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
};

test("fault task: closing a pool fails the runs waiting for one of its workers", async () => {
  // Run A fills the pool's one worker (two chunks in flight, whose items never settle); run B and
  // a pool.run wait for a free worker. Closing the pool failed A, and B and the pool.run never
  // settled on any runtime: no chunk of theirs was on a worker to be failed, and nothing woke them.
  const pool = createPool({ maxWorkers: 1 });
  const never = (_x: number) => new Promise<number>(() => {});
  const opts = { pool, executor: "workers" as const, workers: 1, chunkSize: 1, adaptive: false };
  const a = settle(execute(never, [1, 2, 3], opts));
  while ((workerSet(pool).live[0]?.inflight.length ?? 0) < 2) await sleep(5);
  const b = settle(execute((x: number) => x, [1], opts));
  const c = settle(pool.run((x: number) => x, 1));
  await sleep(20); // both are waiting for the worker now (had they not started, they fail too)
  await pool.close();
  const closed = /^The pool is closed/;
  assert.match(String((await a)?.message), closed);
  for (const [name, p] of [["execute", b], ["pool.run", c]] as const) {
    const e = await within(p, 20_000);
    assert.notEqual(e, "pending", `${name} never settled`);
    assert.ok(e instanceof Error, `${name}: ${String(e)}`);
    assert.match(e.message, closed, name);
  }
});

test("fault task: a task's error reads the same from every executor: class, cause chain, errors, code", async () => {
  // On workers the TaskError's cause kept only name, message and stack: a TypeError arrived as a
  // plain Error, its `code` (and any field), its cause chain and an AggregateError's errors were
  // gone, so `e.cause.code === "E_SAVE"` held on the inline and async executors (and in automatic
  // mode when it ran here) but not on workers, on Deno, Bun and Node.
  const rich = task<number, number>(fixtureModule("faults/errors"), "throwRich");
  const pool = createPool({ maxWorkers: 1 });
  try {
    for (let item = 0; item <= 5; item++) {
      const seen: Record<string, unknown> = {};
      for (const executor of ["inline", "async", "workers"] as const) {
        const e = await settle(execute(rich, [item], { executor, workers: 1, pool }));
        assert.ok(e instanceof TaskError, `${executor}, item ${item}: ${String(e)}`);
        seen[executor] = anatomy(e.cause);
      }
      assert.deepEqual(seen.workers, seen.inline, `item ${item}`);
      assert.deepEqual(seen.async, seen.inline, `item ${item}`);
    }
    const e = await settle(execute(rich, [0], { executor: "workers", workers: 1, pool }));
    const cause = e?.cause as Error & { code?: string; cause?: Error & { cause?: unknown } };
    assert.equal(cause.code, "E_SAVE");
    assert.ok(cause.cause?.cause instanceof RangeError);
  } finally {
    await pool.close();
  }
});

test("fault task: an Error's own fields that are not enumerable (zod's issues) reach the caller", async () => {
  // zod's ZodError keeps its `issues` in an own property that is not enumerable: on workers
  // the TaskError's cause had none (`e.cause.issues` undefined), on Deno, Bun and Node, where
  // the inline executor handed the error over with them.
  const schema = task<number, number>(fixtureModule("faults/errors"), "throwSchema");
  const pool = createPool({ maxWorkers: 1 });
  try {
    for (const executor of ["inline", "workers"] as const) {
      const e = await settle(execute(schema, [0, 1, 2], { executor, workers: 1, pool }));
      assert.ok(e instanceof TaskError, `${executor}: ${String(e)}`);
      assert.equal(e.index, 1);
      const cause = e.cause as Error & { issues?: unknown };
      assert.equal(cause.name, "SchemaError", executor);
      assert.deepEqual(cause.issues, [{ path: ["age"], code: "invalid_type" }], executor);
      assert.equal(Object.keys(cause).includes("issues"), false, `${executor}: not enumerable`);
    }
  } finally {
    await pool.close();
  }
});

test("fault task: an Error or Date whose own fields structured clone drops is named, item or result", async () => {
  // Structured clone copies an Error's message, stack and built-in name, and a Date's time, never
  // the fields set on them: a `code` on an Error returned as a value arrived as undefined, a
  // name of its own as "Error", a Date's field was gone, with no word, on Deno, Bun and Node (and
  // an automatic run returned both kinds in one array). Now a TaskError names the value.
  const errors = fixtureModule("faults/errors");
  const forced = { executor: "workers", workers: 1, chunkSize: 1 } as const;
  const cases = [
    ["errorValue", [3], /Result of item 0 .*an Error whose own property "code" would be lost/],
    ["errorValue", [2], /Result of item 0 .*an Error whose own property "name" would be lost/],
    ["zonedDate", [1], /Result of item 0 .*a Date whose own property "zone" would be lost/],
  ] as const;
  for (const [name, items, message] of cases) {
    const e = await settle(execute(task<number, Error>(errors, name), [...items], forced));
    assert.ok(e instanceof TaskError, `${name}: ${String(e)}`);
    assert.match(e.message, message);
  }
  const items = [new Error("plain"), Object.assign(new TypeError("coded"), { code: "E_T" })];
  const codeOf = task<Error, string>(errors, "codeOf");
  const sent = await settle(execute(codeOf, items, { ...forced, chunkSize: 2 }));
  assert.ok(sent instanceof TaskError, String(sent));
  assert.equal(sent.index, 1);
  assert.match(sent.message, /Item 1 cannot be sent .*a TypeError whose own property "code"/);
  // Errors and Dates without fields of their own travel as before.
  assert.deepEqual(await execute(codeOf, [new TypeError("t")], forced), ["TypeError undefined"]);
  // Whatever automatic mode decides, every result keeps its fields.
  const out = await execute(task<number, Error>(errors, "errorValue"), [1, 3, 5], { cache: false });
  assert.deepEqual(out.map((e) => (e as Error & { code?: string }).code), ["E1", "E3", "E5"]);
});

test("fault task: an Error result's cause arrives with it, or the result is named where the clone drops it", async () => {
  // Bun's structured clone drops an Error's cause (Deno's and Node's keep it): an Error returned
  // with its cause arrived on Bun without one, with no word. A cause that is a class instance
  // arrived as a plain object on Deno and Node.
  const errors = fixtureModule("faults/errors");
  const keeps = structuredClone(new Error("", { cause: 1 })).cause === 1;
  const withCause = task<number, Error>(errors, "errorWithCause");
  const forced = { executor: "workers", workers: 1, chunkSize: 1 } as const;
  const plain = await settle(
    execute(withCause, [1], forced).then((r) => {
      assert.equal(r[0].cause, "why 1");
    }),
  );
  if (keeps) assert.equal(plain, undefined);
  else {
    assert.ok(plain instanceof TaskError, String(plain));
    assert.match(
      plain.message,
      /Result of item 0 .*an Error whose own property "cause" would be lost/,
    );
  }
  const instance = await settle(execute(withCause, [2], forced));
  assert.ok(instance instanceof TaskError, String(instance));
  assert.match(instance.message, keeps ? /class Reason/ : /own property "cause"/);
});

test("fault task: a class of its own named as a built-in one (Immutable.js's Map) is told apart", async () => {
  // "it is an instance of class Map (its methods would be lost)" read as if a Map could not be
  // sent to a worker, where built-in Maps travel: the class was Immutable.js's own Map.
  const t = task<number, object>(fixtureModule("faults/tasks"), "immutableMap");
  const e = await settle(execute(t, [1], { executor: "workers", workers: 1 }));
  assert.ok(e instanceof TaskError, String(e));
  assert.match(e.message, /class Map, a class of its own, not the built-in Map \(its methods/);
  // A built-in class that cannot travel whole is named as it is.
  const agg = await settle(
    execute((x: number) => new AggregateError([x], "all"), [1], {
      executor: "workers",
      workers: 1,
    }),
  );
  assert.ok(agg instanceof TaskError, String(agg));
  assert.match(agg.message, /it is an instance of class AggregateError \(its methods/);
});

test("fault task: a value structured clone refuses deep inside an item or a result is named with its path", async () => {
  // Past the quick look, the message was the clone's own: Deno and Node quoted the source of the
  // function found (decimal.js's instances hold their constructor), Bun said "The object can not
  // be cloned.", neither what nor where.
  const forced = { executor: "workers", workers: 1 } as const;
  const report = task<number, unknown>(fixtureModule("faults/tasks"), "report");
  const back = await settle(execute(report, [1, 2], forced));
  assert.ok(back instanceof TaskError, String(back));
  assert.match(
    back.message,
    /^Task failed on item 0: Result of item 0 cannot be sent back from the worker: it is an instance of class Amount \(its methods would be lost\) at \.rows\[25\]\.v$/,
  );
  const rows = (cb?: () => number) => ({
    rows: Array.from({ length: 30 }, (_, i) => (i === 25 && cb ? { i, cb } : { i })),
  });
  const items = [
    rows(),
    rows(),
    rows(function onRow() {
      return 1;
    }),
  ];
  const sent = await settle(execute((x: unknown) => x, items, { ...forced, chunkSize: 3 }));
  assert.ok(sent instanceof TaskError, String(sent));
  assert.equal(sent.index, 2);
  assert.match(
    sent.message,
    /Item 2 cannot be sent to a worker: it is a function \(onRow\) at \.rows\[25\]\.cb$/,
  );
});

test("fault task: an item that throws in a worker only runs on the calling thread, and the answer says so", async () => {
  // The optimizer took a task's failure on an item sampled in a worker as the job's: automatic
  // execute failed with a TaskError for an item the calling thread computes (a task that needs
  // the main thread), and optimize answered "inline" with no warning. The item is called here
  // now: the failure stands only where it fails here too.
  const job = (fn: (x: unknown) => unknown) =>
    ({
      spec: { kind: "module", key: "k" },
      src: new Source<unknown>([10, 11, 12, 13]),
      o: {},
      known: new KnownResults(),
      warnings: [] as string[],
      limits: { now: () => performance.now() },
      fn,
    }) as unknown as Job;
  const failure = { index: 2, kind: "task" as const, error: new Error("needs the main thread") };
  const here = job((x) => (x as number) * 2);
  const end = await failedOn(here, failure);
  assert.equal(end.failure, undefined);
  assert.equal(end.decision.executor, "inline");
  assert.match(end.decision.reason, /^Inline: the task throws in a worker only \(item 2: needs/);
  assert.deepEqual(here.warnings, [
    "The task threw on item 2 in a worker (needs the main thread) but not on the calling " +
    "thread: it runs inline on the calling thread",
  ]);
  assert.equal(here.known.get(2), 24); // its result is kept: the run does not call it again
  const everywhere = job(() => {
    throw new Error("bad item");
  });
  const fails = await failedOn(everywhere, failure);
  assert.equal(fails.failure, failure);
  assert.match(fails.decision.reason, /^Inline: item 2 threw: needs the main thread/);
});

test("fault task: a thrown or returned revoked Proxy, or one whose trap throws, is a TaskError naming its item", async () => {
  // `e instanceof Error` throws on a revoked Proxy (and where a getPrototypeOf trap throws): the
  // inline executor rejected with that TypeError ("Cannot perform 'getPrototypeOf' on a proxy
  // that has been revoked", no item named); on workers the worker's report of the failure threw,
  // uncaught, and the chunk ran again, then "A worker died twice while running items 0..0".
  // Returned, reading its `then` threw outside the async executor's guard.
  const f = task<number, number>(fixtureModule("faults/tasks"), "throwProxy");
  const runs = [
    { executor: "inline" },
    { executor: "async" },
    { executor: "workers", workers: 1 },
    {},
  ] as const;
  for (const options of runs) {
    for (const item of [1, 2]) {
      const e = await settle(execute(f, [0, item, 3], { ...options, cache: false }));
      const label = `${JSON.stringify(options)} item ${item}`;
      assert.ok(e instanceof TaskError, `${label}: ${e}`);
      assert.equal(e.index, 1, label);
      assert.match(e.message, /A non-Error value was thrown/, label);
    }
    // A result whose `then` cannot be read: the async executor rejected with the bare TypeError.
    const r = task<number, unknown>(fixtureModule("faults/tasks"), "returnRevoked");
    const e = await settle(execute(r, [0, 1, 3], { ...options, cache: false }));
    assert.ok(e instanceof TaskError, `${JSON.stringify(options)} result: ${e}`);
    assert.equal(e.index, 1);
  }
});

test("fault task: a Buffer item or result, or one inside an item or a result, is a Buffer on arrival", async () => {
  // Structured clone delivers a Buffer as a plain Uint8Array: in a worker, buffer.toString("utf8")
  // read "108,105,110,101,32,48" where the calling thread read "line 0"; a Buffer result (node:zlib)
  // came back as a Uint8Array, and an automatic run returned Buffers (the items the optimizer ran
  // here) and Uint8Arrays (from workers) in one array. An item or a result that is a Buffer is
  // made a Buffer again over the same bytes, as is one in its arrays and plain objects (it was
  // refused as a class instance: a task that returns { name, gz: Buffer } could not use workers);
  // one in a Map or a Set is refused, with its index.
  const faults = fixtureModule("faults/tasks");
  const forced = { executor: "workers", workers: 2, chunkSize: 3 } as const;
  const items = Array.from({ length: 8 }, (_, i) => Buffer.from(`line ${i}`));
  const upper = task<Buffer, string>(faults, "upperText");
  assert.deepEqual(await execute(upper, items, forced), items.map((_, i) => `LINE ${i}`));
  const gzip = task<number, Buffer>(faults, "gzipDigits");
  const data = Array.from({ length: 64 }, (_, i) => i);
  const back = await execute(gzip, data, forced);
  assert.ok(back.every((b) => Buffer.isBuffer(b)), "every result is a Buffer");
  assert.deepEqual(
    back.map((b) => gunzipSync(b).toString()),
    data.map((x) => String(x).repeat(100)),
  );
  // Whatever automatic mode decides, every result is what the task returned: a Buffer.
  const out = await execute(gzip, data, { cache: false });
  assert.ok(out.every((b) => Buffer.isBuffer(b)), "every result is a Buffer");
  // Nested in arrays and objects, in every chunk: Buffers on both sides.
  const inItems = items.map((b) => ({ b }));
  const inner = await execute(task<{ b: Buffer }, string>(faults, "upperTextIn"), inItems, forced);
  assert.deepEqual(inner, items.map((_, i) => `LINE ${i}`));
  const lists = items.map((b, i) => ({ list: [b, Buffer.from(`extra ${i}`)] }));
  const texts = await execute(
    task<{ list: Buffer[] }, { text: string; b: Buffer }[]>(faults, "upperTextsIn"),
    lists,
    forced,
  );
  texts.forEach((pairs, i) => {
    assert.deepEqual(pairs.map((p) => p.text), [`LINE ${i}`, `EXTRA ${i}`]);
    assert.ok(pairs.every((p) => Buffer.isBuffer(p.b)), "every nested result is a Buffer");
    assert.equal(pairs[1].b.toString(), `extra ${i}`);
  });
  const nested = await execute(task<number, { gz: Buffer }>(faults, "gzipInObject"), data, forced);
  assert.deepEqual(
    nested.map((o) => gunzipSync(o.gz).toString()),
    data.map((x) => String(x).repeat(100)),
  );
  assert.ok(nested.every((o) => Buffer.isBuffer(o.gz)), "every nested result is a Buffer");
  // In a Map: the item or the result is named.
  const inMap = items.map((b) => new Map([["b", b]]));
  const sent = await settle(execute(task<unknown, string>(faults, "upperTextIn"), inMap, forced));
  assert.ok(sent instanceof TaskError, String(sent));
  assert.equal(sent.index, 0);
  assert.match(
    sent.message,
    /Item 0 cannot be sent to a worker: .*class Buffer, a subclass of Uint8Array.*not in a Map/,
  );
  const mapped = await settle(
    execute(task<number, unknown>(faults, "gzipInMap"), [1, 2, 3], forced),
  );
  assert.ok(mapped instanceof TaskError, String(mapped));
  assert.match(mapped.message, /Result of item 0 cannot be sent back .* class Buffer, a subclass/);
});

test("fault task: a symbol-keyed property of an item or a result is named, never dropped", async () => {
  // Structured clone drops symbol-keyed properties without a word: a worker read the tag of
  // every item as missing, and results came back without theirs, where the plain loop kept them.
  const faults = fixtureModule("faults/tasks");
  const tag = Symbol.for("amorsize.test.tag");
  const forced = { executor: "workers", workers: 2, chunkSize: 2 } as const;
  const items = Array.from({ length: 6 }, () => ({ ms: 0, [tag]: 5 }));
  const sent = await settle(execute(task<object, number>(faults, "readTag"), items, forced));
  assert.ok(sent instanceof TaskError, String(sent));
  assert.equal(sent.index, 0);
  assert.match(
    sent.message,
    /Item 0 cannot be sent to a worker: it is an object with a symbol-keyed property \(Symbol\(amorsize\.test\.tag\)\)/,
  );
  const addTag = task<number, Record<symbol, number>>(faults, "addTag");
  const back = await settle(execute(addTag, [0, 0, 0, 0], forced));
  assert.ok(back instanceof TaskError, String(back));
  assert.match(back.message, /Result of item 0 cannot be sent back .* symbol-keyed property/);
  // Whatever automatic mode decides, every result keeps its tag (items of 2 ms: workers pay).
  const out = await execute(addTag, new Array(200).fill(2), { cache: false });
  assert.ok(out.every((o) => o[tag] === 7), "every result keeps its symbol-keyed property");
});

test("fault task: an automatic run whose values cannot travel runs them here, as the plain loop would", async () => {
  // A result no worker can send back (a class instance) at item 1,500 of 2,000: the optimizer's
  // sample did not meet it, it said workers, and automatic execute failed with a TaskError where
  // the plain loop returned every result. Now the run hands that chunk's items from there on, and
  // the rest, to this thread. A forced worker run still fails, naming the item.
  const faults = fixtureModule("faults/tasks");
  const priceAt = task<{ ms: number; i: number; bad: number; throwAt?: number }, unknown>(
    faults,
    "priceAt",
  );
  const items = Array.from({ length: 2000 }, (_, i) => ({ ms: 0.3, i, bad: 1500 }));
  for (let call = 0; call < 2; call++) {
    const out = await execute(priceAt, items, { cache: false });
    assert.equal(out.length, 2000);
    const price = out[1500] as { twice(): number };
    assert.equal(price.twice(), 3000, "the result arrives whole, methods and all");
    assert.ok(out.every((x, i) => i === 1500 || x === i), "every other result is its index");
  }
  const failing = items.map((x) => ({ ...x, throwAt: 1501 }));
  const e = await settle(execute(priceAt, failing, { cache: false }));
  assert.ok(e instanceof TaskError, String(e));
  assert.equal(e.index, 1501, "a failure among the items run here names its index in the input");
  const forced = await settle(execute(priceAt, items, { executor: "workers", workers: 2 }));
  assert.ok(forced instanceof TaskError, String(forced));
  assert.equal(forced.index, 1500);
  // An item no worker can receive (a class instance) deep in the array, likewise.
  const mod = await import(faults.href);
  const mixed = items.map((x) => (x.i === 1777 ? new mod.Price(5) : x));
  const priced = await execute(task<unknown, number>(faults, "priced"), mixed, { cache: false });
  assert.ok(priced.every((x, i) => x === (i === 1777 ? 10 : i)), "every result as here");
});

test("fault task: items an automatic run hands to this thread run once: results the optimizer kept are not computed again", async () => {
  // Chunks of 8: the one of items 40–47 holds a class instance at 42 (no worker receives it
  // intact), and the optimizer kept the results of 44 and 46. The calling thread runs 42–47 but
  // for those two: they ran a second time here, and their kept results were replaced.
  class Counted {
    constructor(readonly counts: Int32Array, readonly i: number, readonly ms: number) {}
  }
  const n = 64;
  const counts = new Int32Array(new SharedArrayBuffer(4 * n));
  const items = Array.from(
    { length: n },
    (_, i) => i === 42 ? new Counted(counts, i, 0) : { counts, i, ms: 0 },
  );
  const countRun = task(fixtureModule("tasks/basic"), "countRun");
  const pool = createPool({ maxWorkers: 2 });
  try {
    const known = new KnownResults();
    known.set(44, "kept");
    known.set(46, "kept");
    const resolved = {
      spec: taskSpec(countRun),
      src: new Source<unknown>(items),
      config: { executor: "workers" as const, workers: 2, chunkSize: 8, concurrency: 1 },
      known,
      inlinePerItemMs: 1000, // the plain loop here is slow: only values that cannot travel come back
    };
    const parts: { start: number; results: unknown[] }[] = [];
    for await (
      const c of prepare(
        countRun,
        { ...resolved, config: { ...resolved.config, adaptive: false } },
        { pool },
      ).stream(true)
    ) {
      parts.push(c);
    }
    const results = parts.sort((a, b) => a.start - b.start).flatMap((p) => p.results);
    assert.deepEqual(results, items.map((_, i) => (i === 44 || i === 46 ? "kept" : i)));
    assert.deepEqual([...counts], items.map((_, i) => (i === 44 || i === 46 ? 0 : 1)), "runs");
  } finally {
    await pool.close();
  }
});

test("fault task: with transfer, a buffer that cannot move (WebAssembly memory) is copied, item or result", async () => {
  // transfer: true listed every buffer an item or a result views; one that no runtime may move
  // (a WebAssembly.Memory's, Deno's node:buffer pool) made Deno and Bun refuse the message: the
  // run failed with "Item 0 cannot be sent to a worker: it is not cloneable (… not
  // transferable)", though Node copied it and ran. Now such a message goes again, copied.
  const forced = { executor: "workers", workers: 2, chunkSize: 2, transfer: true } as const;
  // Each item views a memory of its own (views of one buffer in different chunks are copied).
  const memories = Array.from({ length: 4 }, () => new WebAssembly.Memory({ initial: 1 }));
  const items = memories.map((m, i) => new Uint8Array(m.buffer, 0, 4).fill(i));
  const sums = await execute(
    task<Uint8Array, number>(fixtureModule("faults/tasks"), "byteSum"),
    items,
    forced,
  );
  assert.deepEqual(sums, [0, 4, 8, 12]);
  assert.equal(items[3].byteLength, 4, "the caller's memory stays");
  const views = await execute(
    task<number, Uint8Array>(fixtureModule("faults/tasks"), "wasmBytes"),
    [1, 2, 3],
    forced,
  );
  assert.deepEqual(views.map((v) => [...v]), [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]);
  // A buffer of its own still moves.
  const own = new Uint8Array([1, 2, 3]);
  assert.deepEqual(
    await execute(
      task<Uint8Array, number>(fixtureModule("faults/tasks"), "byteSum"),
      [own],
      forced,
    ),
    [
      6,
    ],
  );
  assert.equal(own.byteLength, 0, "moved, as transfer: true asks");
});

test("fault task: an item that is a revoked Proxy is a TaskError naming it, in any chunk and encoding", async () => {
  // Every trap of a revoked Proxy throws. As item 40 of numbers, tuples or objects, the run
  // rejected with the bare TypeError ("Cannot perform 'IsArray' on a proxy that has been
  // revoked", no item named) from the packed and JSON encoders, from the clone path's copy of a
  // later chunk, and in automatic mode from the optimizer's look at the task's result.
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const shapes: [string, (i: number) => unknown][] = [
    ["numbers", (i) => i],
    ["tuples", (i) => [i, i]],
    ["objects", (i) => ({ i })],
  ];
  const runs: ExecuteOptions[] = [
    { executor: "workers", workers: 1, chunkSize: 16, adaptive: false },
    { executor: "workers", workers: 1, chunkSize: 16, adaptive: false, encoding: "json" },
    { executor: "workers", workers: 1, chunkSize: 16, adaptive: false, encoding: "packed" },
    { cache: false },
  ];
  const identity = task<unknown, unknown>(fixtureModule("tasks/basic"), "identity");
  for (const [shape, make] of shapes) {
    for (const options of runs) {
      const items = Array.from({ length: 64 }, (_, i) => make(i));
      items[40] = revoked();
      const e = await settle(execute(identity, items, options));
      const label = `${shape} ${JSON.stringify(options)}`;
      assert.ok(e instanceof TaskError, `${label}: ${e}`);
      assert.equal(e.index, 40, label);
    }
  }
});
