import { test } from "node:test";
import assert from "node:assert/strict";
import { basename } from "node:path";
import {
  createPool,
  execute,
  type ExecuteOptions,
  map,
  optimize,
  type Progress,
  task,
  TaskError,
} from "../mod.ts";
import { Run } from "../src/engine/_run.ts";
import { Source } from "../src/engine/_source.ts";
import { workerSet } from "../src/engine/_worker_set.ts";
import { POOL_CLOSED } from "../src/engine/errors.ts";
import { reportProgress } from "../src/engine/mod.ts";
import { taskSpec } from "../src/task/_spec.ts";
import { counted } from "./fixtures/faults/tasks.ts";
import { fixtureModule } from "./_helpers.ts";

const basic = <I = number, O = number>(name: string) =>
  task<I, O>(fixtureModule("tasks/basic"), name);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test("engine: task(module, name) runs a sync export per item on workers", async () => {
  const out = await execute(basic("square"), range(50), {
    executor: "workers",
    workers: 2,
    chunkSize: 3,
  });
  assert.deepEqual(out, range(50).map((x) => x * x));
});

test("engine: task(module, name) runs an async export per item on workers", async () => {
  const out = await execute(basic("sleepy"), [5, 1, 3, 0], {
    executor: "workers",
    workers: 2,
    chunkSize: 1,
  });
  assert.deepEqual(out, [10, 2, 6, 0]);
});

test("engine: inline, async and workers executors give the same results", async () => {
  const data = range(100);
  for (const t of [basic("square"), basic("sleepy")]) {
    const input = t.name === "sleepy" ? data.map((x) => x % 3) : data;
    const results = [];
    for (const executor of ["inline", "async", "workers"] as const) {
      results.push(
        await execute(t, input, { executor, workers: 2, chunkSize: 7, concurrency: 5 }),
      );
    }
    assert.deepEqual(results[1], results[0], `${t.name}: async vs inline`);
    assert.deepEqual(results[2], results[0], `${t.name}: workers vs inline`);
  }
  // The same failure semantics: a TaskError naming the index, the original error as cause.
  for (const executor of ["inline", "async", "workers"] as const) {
    const e = await execute(basic("failOn13"), range(20), {
      executor,
      workers: 2,
      chunkSize: 4,
    }).then(() => undefined, (e) => e);
    assert.ok(e instanceof TaskError, `${executor}: ${e}`);
    assert.equal(e.index, 13, executor);
    assert.equal((e.cause as Error).name, "RangeError", executor);
  }
});

test("engine: the inline executor calls long items apart and short ones directly, with the same results", async () => {
  // Items 0–39 take at least 20 µs each (a clock wait: a loaded machine only lengthens them), so
  // the chunks after the first call the task apart (callApart); the rest are quick. Every third
  // result is a promise, and item 500 throws: both ways of calling give the same answers.
  const wait = (x: number) => {
    const end = performance.now() + (x < 40 ? 0.02 : 0);
    while (performance.now() < end) { /* busy */ }
    if (x === 500) throw new RangeError("item 500");
    return x % 3 === 0 ? Promise.resolve(x * 2) : x * 2;
  };
  const data = range(600);
  const got = await execute(wait, data.slice(0, 500), { executor: "inline" });
  assert.deepEqual(got, data.slice(0, 500).map((x) => x * 2));
  const e = await execute(wait, data, { executor: "inline" }).then(() => undefined, (e) => e);
  assert.ok(e instanceof TaskError && e.index === 500, String(e));
  assert.equal((e.cause as Error).message, "item 500");
});

/** An async task of 2 ms a call (the item plus one), and the most calls it had in flight. */
function tracked() {
  let running = 0;
  const seen = { peak: 0 };
  const call = async (x: number) => {
    running++;
    seen.peak = Math.max(seen.peak, running);
    await new Promise((r) => setTimeout(r, 2));
    running--;
    return x + 1;
  };
  return { call, seen };
}

test("engine: the async executor keeps at most `concurrency` calls in flight", async () => {
  const { call, seen } = tracked();
  const out = await execute(call, range(40), { executor: "async", concurrency: 4 });
  assert.deepEqual(out, range(40).map((x) => x + 1));
  assert.equal(seen.peak, 4);
});

test("engine: a concurrency alone forces the async executor: at most that many calls in flight, execute and map", async () => {
  // Without an executor it was ignored: the automatic mode chose its own, 256 in flight, where the
  // caller bounded the calls to a rate-limited service at 4.
  const run = tracked();
  assert.deepEqual(
    await execute(run.call, range(300), { concurrency: 4 }),
    range(300).map((x) => x + 1),
  );
  assert.equal(run.seen.peak, 4);
  const mapped: number[] = [];
  const stream = tracked();
  for await (const y of map(stream.call, range(100), { concurrency: 3 })) mapped.push(y);
  assert.deepEqual(mapped, range(100).map((x) => x + 1));
  assert.equal(stream.seen.peak, 3);
});

test("engine: a self-contained inline function runs on workers", async () => {
  const out = await execute(
    (x: number) => {
      const twice = (y: number) => 2 * y;
      return twice(x) + 1;
    },
    range(10),
    { executor: "workers", workers: 2, chunkSize: 2 },
  );
  assert.deepEqual(out, range(10).map((x) => 2 * x + 1));
});

test("engine: methods of every form run on workers as inline functions", async () => {
  // A method's source is its definition (`async f(x) {…}`, `"a-b"(x) {…}`, `new(x) {…}`): not an
  // expression, so it is rebuilt inside an object literal.
  const methods = {
    plain(x: number) {
      return x + 1;
    },
    async later(x: number) {
      return await Promise.resolve(x + 1);
    },
    "kebab-name"(x: number) {
      return x + 1;
    },
    new(x: number) {
      return x + 1;
    },
    ["comp" + "uted"](x: number) {
      return x + 1;
    },
  };
  for (const [name, fn] of Object.entries(methods)) {
    const out = await execute(fn as (x: number) => number | Promise<number>, range(6), {
      executor: "workers",
      workers: 2,
      chunkSize: 2,
    });
    assert.deepEqual(out, range(6).map((x) => x + 1), name);
  }
});

/** Inline functions whose closure variables bear the names of a worker's own globals. */
function shadowing() {
  const self = { k: range(3).length };
  const name = ["b", "o", "b"].join(""); // not a literal: transpilers may inline a constant
  const close = (a: number, b: number) => Math.abs(a - b) < 0.5;
  return {
    byName: (x: number) => `${name}-${x}`,
    bySelf: (x: number) => x * self.k,
    byClose: (x: number) => close(x, 1),
  };
}

test("engine: an inline function that is not self-contained fails at the first chunk", async () => {
  const factor = range(3).length; // not a literal: transpilers may inline a constant
  const usesThis = function (this: { k: number }, x: number) {
    return this.k * x;
  };
  const cases: [string, (x: number) => unknown, RegExp][] = [
    ["closure", (x: number) => x * factor, /uses "factor" from outside itself/],
    ["this", usesThis as (x: number) => number, /uses `this`/],
    ["import", (x: number) => basename(String(x)), /uses "basename" from outside itself/],
    // Closure variables named as a worker's own globals (Deno's `name`, `close`; Bun's `self`):
    // they resolved to those there ("amorsize-1", a worker that closed itself, NaN).
    ["worker global", shadowing().byName, /uses (a name|"name") from outside itself/],
    ["worker global", shadowing().bySelf, /uses (a name|"self") from outside itself/],
    ["worker global", shadowing().byClose, /uses (a name|"close") from outside itself/],
  ];
  for (const [what, fn, detail] of cases) {
    const e = await execute(fn, range(10), { executor: "workers", workers: 2, chunkSize: 5 })
      .then(() => undefined, (e) => e);
    assert.ok(e instanceof TaskError, `${what}: ${e}`);
    assert.equal(e.index, 0, what);
    assert.match(e.message, /Inline task is not self-contained/, what);
    assert.match(e.message, detail, what);
    assert.match(e.message, /task\(import\.meta\.url, "name"\)/, what);
  }
});

test("engine: a native or bound function is refused by name, never a blank one", async () => {
  const cases: [(x: number) => unknown, RegExp][] = [
    [Math.sqrt, /Inline task "sqrt" is a native or bound function/],
    [((x: number) => x).bind(null), /Inline task "bound anonymous" is a native or bound/],
  ];
  for (const [fn, re] of cases) {
    const e = await execute(fn, range(10), { executor: "workers", workers: 2 }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(e instanceof TypeError, String(e));
    assert.match(e.message, re);
    assert.match(e.message, /\(x\) => Math\.sqrt\(x\)/, "says what runs instead");
  }
  // What the message says runs, automatic mode included.
  const roots = await execute((x: number) => Math.sqrt(x), [4, 9], { executor: "workers" });
  assert.deepEqual(roots, [2, 3]);
  assert.deepEqual(await execute((s: string) => JSON.parse(s), ["[1]", "2"]), [[1], 2]);
});

test("engine: a missing module, a missing export or a non-function export fails clearly", async () => {
  const missing = new URL("./fixtures/tasks/no_such_module.js", import.meta.url);
  const cases: [ReturnType<typeof basic>, RegExp[]][] = [
    [task(missing, "square"), [/Cannot load task module/, /no_such_module\.js/, /"square"/]],
    [basic("noSuchExport"), [/has no export "noSuchExport"/, /tasks\/basic\.(ts|js)/]],
    [basic("notAFunction"), [/Export "notAFunction"/, /is not a function \(got number\)/]],
  ];
  for (const [t, patterns] of cases) {
    for (const executor of ["workers", "inline"] as const) {
      const e = await execute(t, [1, 2, 3], { executor, workers: 2, chunkSize: 1 })
        .then(() => undefined, (e) => e);
      assert.ok(e instanceof Error, `${t.name} on ${executor}: resolved`);
      for (const p of patterns) assert.match(e.message, p, `${t.name} on ${executor}`);
      assert.ok(e.message.includes(t.module), `${e.message} names ${t.module}`);
    }
  }
});

test("engine: bad options throw TypeError/RangeError naming the option, before any work", async () => {
  const pool = createPool({ maxWorkers: 2 });
  const cases: [Record<string, unknown>, ErrorConstructor, RegExp][] = [
    [{ workers: 0 }, RangeError, /'workers' must be a positive integer, got 0/],
    [{ chunkSize: -1 }, RangeError, /'chunkSize' must be a positive integer, got -1/],
    [{ chunkSize: NaN }, RangeError, /'chunkSize' must be a positive integer, got NaN/],
    [{ workers: 1.5 }, RangeError, /'workers' must be a positive integer, got 1\.5/],
    [{ executor: "gpu" }, TypeError, /'executor' must be one of .*got "gpu"/],
    [{ concurrency: 0 }, RangeError, /'concurrency' must be a positive integer, got 0/],
    [{ timeoutMs: -5 }, RangeError, /'timeoutMs' must be a positive number, got -5/],
    [{ chunkSize: "8" }, TypeError, /'chunkSize' must be a positive integer, got "8"/],
    [{ onProgress: 1 }, TypeError, /'onProgress' must be a function, got 1/],
    [{ signal: {} }, TypeError, /'signal' must be an AbortSignal/],
  ];
  for (const [bad, E, re] of cases) {
    await assert.rejects(
      execute(basic("square"), [1, 2, 3], { executor: "workers", workers: 2, pool, ...bad }),
      (e: Error) => e instanceof E && re.test(e.message),
      JSON.stringify(bad),
    );
  }
  assert.equal(pool.startedCount, 0, "no worker was started");
  await pool.close();
  // A heap too small for a worker to start (Deno aborted the whole process under 6 MiB).
  assert.throws(
    () => createPool({ workerHeapMb: 4 }),
    (e: Error) =>
      e instanceof RangeError && /'workerHeapMb' must be an integer >= 16, got 4/.test(e.message),
  );
});

test("engine: an optimize result's executor, workers and chunk size run as they are, async included", async () => {
  // optimize answers the async executor with workers: 0; handed to execute, that was a
  // RangeError ("'workers' must be a positive integer, got 0").
  const sleepy = async (x: number) => {
    await new Promise((r) => setTimeout(r, 5));
    return x * 2;
  };
  const data = range(60);
  const r = await optimize(sleepy, data, { cache: false });
  const forced = {
    executor: r.executor,
    workers: r.workers,
    chunkSize: r.chunkSize,
    concurrency: r.concurrency,
  };
  assert.deepEqual(await execute(sleepy, data, forced), data.map((x) => x * 2));
  const out: number[] = [];
  for await (const y of map(sleepy, data, forced)) out.push(y);
  assert.deepEqual(out, data.map((x) => x * 2));
  for (const executor of ["async", "inline"] as const) {
    assert.deepEqual(await execute(sleepy, [1, 2], { executor, workers: 0 }), [2, 4], executor);
  }
  // No workers for the workers executor is still refused.
  await assert.rejects(
    execute(sleepy, [1], { executor: "workers", workers: 0 }),
    /'workers' must be a positive integer, got 0/,
  );
});

test("engine: a pool starts its workers once and reuses them across calls", async () => {
  const pool = createPool({ maxWorkers: 2 });
  const opts = { executor: "workers", workers: 2, chunkSize: 5, pool } as const;
  assert.deepEqual(await execute(basic("square"), range(40), opts), range(40).map((x) => x * x));
  assert.equal(pool.startedCount, 2);
  assert.deepEqual(await execute(basic("square"), range(40), opts), range(40).map((x) => x * x));
  assert.deepEqual(await execute((x: number) => -x, range(40), opts), range(40).map((x) => -x));
  assert.equal(pool.startedCount, 2, "the second and third calls started no worker");
  assert.equal(pool.size, 2);
  await pool.close();
  assert.equal(pool.closed, true);
  assert.equal(pool.size, 0);
  await assert.rejects(execute(basic("square"), [1], opts), /closed/);
});

test("engine: pool[Symbol.asyncDispose]() closes the pool", async () => {
  const pool = createPool({ maxWorkers: 1 });
  await execute(basic("square"), [1, 2], { executor: "workers", workers: 1, pool });
  assert.equal(pool.size, 1);
  await pool[Symbol.asyncDispose]();
  assert.equal(pool.closed, true);
  assert.equal(pool.size, 0);
});

test("engine: close() during a run fails the run promptly", async () => {
  const pool = createPool({ maxWorkers: 2 });
  const run = execute(basic("spin"), [2000, 2000, 2000], {
    executor: "workers",
    workers: 2,
    chunkSize: 1,
    pool,
  });
  const settled = run.then(() => undefined, (e: Error) => e);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  await pool.close();
  assert.match(String(await settled), /The pool is closed/);
  assert.ok(performance.now() - t0 < 1000);
});

test("engine: close() while the optimizer decides fails the run, as it fails a run in progress", async () => {
  // The pool closes when the optimizer pulls item 3 of the data: it read the closed pool as
  // "workers cannot start here" and the whole job then ran on the calling thread.
  const busy = task<{ ms: number; v: number }, number>(fixtureModule("faults/tasks"), "busyMs");
  for (const call of ["execute", "map"] as const) {
    const pool = createPool({ maxWorkers: 2 });
    let pulled = 0;
    const items = function* () {
      for (let i = 0; i < 300; i++) {
        if (i === 3) void pool.close();
        pulled++;
        yield { ms: 5, v: i };
      }
    };
    const run = call === "execute" ? execute(busy, items(), { pool, cache: false }) : (async () => {
      for await (const _ of map(busy, items(), { pool, cache: false }));
    })();
    await assert.rejects(run, { message: POOL_CLOSED }, call);
    assert.ok(pulled < 300, `${call}: the job was not run after the close (${pulled} pulled)`);
  }
});

test("engine: close() while the first call runs items here and workers load fails it at once", async () => {
  // A process's first automatic execute on a fresh pool runs the array here while workers start
  // and load the task (then run chunks from its end): it went on until every item had run here,
  // about 2 s of work after a close at 50 ms.
  const n = 40_000;
  const data = Array.from({ length: n }, (_, v) => ({ ms: 0.05, v }));
  const pool = createPool({ maxWorkers: 2 });
  const t = task<{ ms: number; v: number }, number>(
    fixtureModule("faults/tasks"),
    "countedBusyMs",
  );
  counted.calls = 0;
  const run = execute(t, data, { pool, cache: false });
  setTimeout(() => void pool.close(), 50);
  await assert.rejects(run, { message: POOL_CLOSED });
  assert.ok(counted.calls < n / 2, `${counted.calls} of ${n} items ran here after the close`);
});

test("engine: more than one chunk in flight per worker when chunks are short", async () => {
  const pool = createPool({ maxWorkers: 2 });
  const run = new Run(workerSet(pool), new Source<unknown>(range(400)), {
    spec: taskSpec(basic("square")),
    workers: 2,
    chunkSize: 2,
    adaptive: false,
    targetChunkMs: 200,
    transfer: false,
  });
  const out: number[] = [];
  for await (const c of run.chunks()) {
    c.results.forEach((r, k) => (out[c.start + k] = r as number));
  }
  assert.deepEqual(out, range(400).map((x) => x * x));
  assert.ok(
    run.peakInflight >= 2 && run.peakInflight <= 8,
    `2 to 8 chunks queued on a worker at once (${run.peakInflight})`,
  );
  await pool.close();
});

test("engine: results come back in input order whatever the completion order", async () => {
  const data = [40, 0, 30, 0, 20, 0, 10, 0];
  const out = await execute(basic("sleepy"), data, {
    executor: "workers",
    workers: 2,
    chunkSize: 1,
  });
  assert.deepEqual(out, data.map((x) => 2 * x));
});

test("engine: transfer moves typed arrays to the workers and back", async () => {
  const make = () =>
    Array.from({ length: 4 }, (_, k) => Float64Array.from(range(1000), (x) => x + k));
  const inputs = make();
  const out = await execute(basic<Float64Array, Float64Array>("doubleArray"), inputs, {
    executor: "workers",
    workers: 2,
    chunkSize: 1,
    transfer: true,
  });
  for (const a of inputs) assert.equal(a.byteLength, 0, "the input was moved (detached)");
  const expected = make();
  out.forEach((r, k) => {
    assert.ok(r instanceof Float64Array);
    assert.deepEqual(Array.from(r), Array.from(expected[k], (x) => 2 * x));
  });
  // Without transfer the inputs are copied and stay usable.
  const kept = make();
  await execute(basic<Float64Array, Float64Array>("doubleArray"), kept, {
    executor: "workers",
    workers: 2,
    chunkSize: 1,
  });
  assert.equal(kept[0].byteLength, 8000);
  assert.equal(kept[0][1], 1);
});

test("engine: automatic progress goes on from deciding's: done and elapsed never go back, one final report", async () => {
  // Deciding reports the items it ran ("optimize"), then the run its chunks ("run"): the run's
  // count restarted under deciding's (187 then 157 on Bun), its clock from zero, and the final
  // report came twice.
  // A fresh pool each time: a process's first call runs items here while workers load.
  const n = 3000;
  for (let round = 0; round < 3; round++) {
    const calls: Progress[] = [];
    const pool = createPool({ maxWorkers: 2 });
    try {
      await execute(basic("spin"), Array(n).fill(0.1), {
        cache: false,
        pool,
        onProgress: (p) => calls.push({ ...p }),
      });
    } finally {
      await pool.close();
    }
    if (round === 0) {
      console.log(`progress: ${calls.filter((p) => p.phase === "optimize").length} while deciding`);
    }
    assert.ok(calls.length >= 1);
    for (let k = 1; k < calls.length; k++) {
      const [a, b] = [calls[k - 1], calls[k]];
      assert.ok(b.done >= a.done, `done ${a.phase}:${a.done} then ${b.phase}:${b.done}`);
      assert.ok(b.elapsedMs >= a.elapsedMs, `elapsed ${a.elapsedMs} then ${b.elapsedMs}`);
    }
    assert.equal(calls.at(-1)!.done, n);
    assert.equal(calls.filter((p) => p.phase === "run" && p.done === n).length, 1, "one final");
  }
});

test("engine: an async onProgress that rejects fails the call, never the process", async () => {
  // Its Promise was left unhandled: the process ended (Deno, Node, Bun).
  const failing = async (_p: Progress) => {
    await Promise.resolve();
    throw new Error("progress sink failed");
  };
  // The call fails at its next report after the rejection (a rejection of its final report is
  // dropped): a forced run of 100 chunks reports its first chunk and its end at least.
  const forced: ExecuteOptions = { executor: "workers", workers: 2, chunkSize: 10 };
  await assert.rejects(
    execute(basic("spin"), Array(1000).fill(0.02), { ...forced, onProgress: failing }),
    { message: "progress sink failed" },
  );
  // Automatic: deciding reports too; whichever report meets the rejection, the call fails with
  // it or completes (a single report), and the process goes on.
  const auto = await execute(basic("spin"), Array(1000).fill(0.02), {
    cache: false,
    onProgress: failing,
  }).then((r) => r.length, (e: Error) => e.message);
  assert.ok(auto === 1000 || auto === "progress sink failed", String(auto));
});

test("engine: an async onProgress shared by two calls fails only the call whose report it rejected", async () => {
  // The rejection was kept by callback: a concurrent call's next report could throw the other's.
  const sink = async (p: Progress) => {
    await Promise.resolve();
    if (p.total === 1000) throw new Error("sink refused the first call");
  };
  const a = { done: 1, total: 1000, elapsedMs: 1 };
  const b = { done: 1, total: 1200, elapsedMs: 1 };
  const sinkA = {}, sinkB = {};
  reportProgress(sink, a, false, sinkA);
  await new Promise((r) => setTimeout(r, 0));
  reportProgress(sink, b, false, sinkB); // not the other call's rejection
  assert.throws(() => reportProgress(sink, a, false, sinkA), { message: /first call/ });
  // Two runs at once, one callback: the first fails, the second completes.
  const forced: ExecuteOptions = { executor: "workers", workers: 2, chunkSize: 10 };
  const [first, second] = await Promise.allSettled([
    execute(basic("spin"), Array(1000).fill(0.02), { ...forced, onProgress: sink }),
    execute(basic("spin"), Array(1200).fill(0.02), { ...forced, onProgress: sink }),
  ]);
  assert.equal(first.status, "rejected");
  assert.match(String((first as PromiseRejectedResult).reason), /first call/);
  assert.equal(second.status, "fulfilled", String((second as PromiseRejectedResult).reason));
  assert.equal((second as PromiseFulfilledResult<unknown[]>).value.length, 1200);
});

test("engine: onProgress is called per chunk, at most ~20 times a second", async () => {
  const calls: Progress[] = [];
  const t0 = performance.now();
  const n = 200;
  await execute(basic("spin"), Array(n).fill(10), {
    executor: "workers",
    workers: 2,
    chunkSize: 1,
    adaptive: false,
    onProgress: (p) => calls.push(p),
  });
  const seconds = (performance.now() - t0) / 1000;
  console.log(`onProgress: ${calls.length} calls over ${seconds.toFixed(2)} s`);
  assert.ok(seconds > 0.8, `the run took ${seconds} s`);
  assert.ok(calls.length >= 2, `${calls.length} calls`);
  assert.ok(calls.length <= 25 * Math.max(1, seconds), `${calls.length} calls in ${seconds} s`);
  const last = calls.at(-1)!;
  assert.equal(last.done, n);
  assert.equal(last.total, n);
  for (let k = 1; k < calls.length; k++) {
    assert.ok(calls[k].done >= calls[k - 1].done);
    assert.ok(calls[k].elapsedMs >= calls[k - 1].elapsedMs);
  }
});
