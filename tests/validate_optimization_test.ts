// validateOptimization and quickValidate: fields and their relations on a small real job, the
// forced configuration, the check of an inline refusal, the time budget, argument errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertAbortWhileReading, fixtureModule } from "./_helpers.ts";
import { task } from "../src/task/task_ref.ts";
import type { TaskError } from "../src/engine/errors.ts";
import type { OptimizationResult } from "../src/model/optimization.ts";
import { validateOptimization } from "../src/validate/validate_optimization.ts";
import { quickValidate } from "../src/validate/quick_validate.ts";
import { compareStrategies } from "../src/validate/compare_strategies.ts";
import { materialize, spreadSample } from "../src/validate/_materialize.ts";

const spin = task<number, number>(fixtureModule("tasks/basic"), "spin");

/** A decision made up for the test (no optimizer run). */
function decision(over: Partial<OptimizationResult<number>>): OptimizationResult<number> {
  const base = {
    executor: "workers" as const,
    workers: 2,
    chunkSize: 5,
    concurrency: 1,
    predictedSpeedup: 1.5,
    predictedMs: { serial: 30, chosen: 20 },
    reason: "made up",
    warnings: [],
    profile: {
      sampledItems: 0,
      sampledIn: "none" as const,
      alternatives: [],
      caps: { cores: 2, memory: Infinity, nested: Infinity, threads: Infinity },
      optimizeMs: 0,
    },
    data: [],
    cacheHit: false,
    explain: () => "made up",
  };
  return { ...base, ...over };
}

test("validateOptimization on spin(1 ms) × 60: fields and relations hold", async () => {
  const v = await validateOptimization(spin, Array(60).fill(1), { repeats: 2 });
  assert.equal(v.items, 60);
  assert.equal(v.runs.serial.length, 2);
  assert.equal(v.runs.optimized.length, 2);
  assert.ok(v.serialMs > 0 && v.optimizedMs > 0);
  assert.ok(v.accuracy >= 0 && v.accuracy <= 1);
  const { actualSpeedup: a, predictedSpeedup: p } = v;
  assert.ok(Math.abs(a - v.serialMs / v.optimizedMs) < 1e-9);
  assert.ok(Math.abs(v.accuracy - (1 - Math.abs(a - p) / Math.max(a, p))) < 1e-9);
  assert.equal(p, v.optimization.predictedSpeedup);
  assert.ok(v.spread.serial[0] <= v.serialMs && v.serialMs <= v.spread.serial[1]);
  assert.ok(v.spread.optimized[0] <= v.optimizedMs && v.optimizedMs <= v.spread.optimized[1]);
  assert.equal(v.config.executor, v.optimization.executor);
  // A plain loop of 60 × 1 ms cannot take less than 60 ms.
  assert.ok(v.serialMs >= 55, `serial ${v.serialMs} ms`);
  assert.ok(Array.isArray(v.recommendations) && Array.isArray(v.warnings));
});

test("a given workers decision is run as it is, and the accuracy uses its prediction", async () => {
  const v = await validateOptimization((x: number) => x + 1, [1, 2, 3, 4, 5, 6], {
    optimization: decision({}),
    repeats: 3,
  });
  assert.deepEqual(v.config, { executor: "workers", workers: 2, chunkSize: 5 });
  assert.equal(v.predictedSpeedup, 1.5);
  const a = v.actualSpeedup;
  assert.ok(Math.abs(v.accuracy - (1 - Math.abs(a - 1.5) / Math.max(a, 1.5))) < 1e-9);
  // 6 trivial items on workers are far slower than the loop (unless a preempted loop made the
  // loop look slow: the measured speedup decides what is said, never the test's expectation).
  const said = v.recommendations.join("\n");
  if (a < 1) assert.match(said, /slower than the plain loop/);
  if (a < 1.5 * 0.75) assert.match(said, /optimistic/);
});

test("an inline refusal is checked against the refused worker configuration", async () => {
  const breakdown = {
    workers: 2,
    chunkSize: 3,
    totalMs: 10,
    startMs: 5,
    serialMs: 1,
    computeMs: 3,
    imbalanceMs: 1,
    dispatchMs: 0.1,
    chunks: 2,
  };
  const opt = decision({
    executor: "inline",
    workers: 1,
    chunkSize: 6,
    predictedSpeedup: 1,
    profile: { ...decision({}).profile, breakdown },
  });
  const v = await validateOptimization((x: number) => x * 3, [1, 2, 3, 4, 5, 6], {
    optimization: opt,
    repeats: 2,
  });
  assert.deepEqual(v.config, { executor: "inline" });
  assert.equal(v.optimizedMs, v.serialMs); // the same configuration: measured once
  assert.equal(v.actualSpeedup, 1);
  assert.equal(v.accuracy, 1);
  assert.deepEqual(v.alternative?.config, { executor: "workers", workers: 2, chunkSize: 3 });
  assert.ok(v.alternative!.medianMs > 0);
  assert.ok(Math.abs(v.alternative!.speedup - v.serialMs / v.alternative!.medianMs) < 1e-9);
  assert.match(v.recommendations[0], /refus/);
});

test("the time budget stops after the first round and says so", async () => {
  const spinInline = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) { /* busy */ }
    return ms;
  };
  const v = await validateOptimization(spinInline, [5, 5, 5], {
    optimization: decision({ executor: "inline", predictedSpeedup: 1 }),
    repeats: 3,
    timeoutMs: 1,
  });
  assert.equal(v.runs.serial.length, 1);
  assert.match(v.warnings.join("\n"), /1 of 3 rounds/);
});

test("quickValidate: a task's failure names its item in the caller's data, not in the sample", async () => {
  // 200 of 300 items spread evenly: the sample's item 100 is the data's item 150.
  const data = Array.from({ length: 300 }, (_, i) => i);
  const throwOn150 = (x: number) => {
    if (x === 150) throw new RangeError(`bad ${x}`);
    return x;
  };
  await assert.rejects(quickValidate(throwOn150, data, { repeats: 1 }), (e: TaskError) => {
    assert.equal(e.name, "TaskError");
    assert.equal(e.index, 150);
    assert.match(e.message, /^Task failed on item 150: bad 150$/);
    return true;
  });
});

test("validateOptimization, quickValidate and compareStrategies: a task that calls process.exit on the calling thread fails the call, never the process", async () => {
  // Their plain loop ran it on this thread unguarded: the process ended with code 7, no output.
  const exitOn5 = (x: number) => {
    // deno-lint-ignore no-explicit-any
    if (x === 5) (globalThis as any).process.exit(7);
    return x;
  };
  const data = Array.from({ length: 10 }, (_, i) => i);
  const calls = [
    () => validateOptimization(exitOn5, data, { repeats: 1 }),
    () => quickValidate(exitOn5, data, { repeats: 1 }),
    () => compareStrategies(exitOn5, data, undefined, { repeats: 1 }),
  ];
  for (const call of calls) {
    // (On a worker, such a call ends only that worker.)
    await assert.rejects(call(), (e: Error) => {
      assert.match(`${e.name}: ${e.message}`, /TaskError: .*item 5: .*exit\(7\)|WorkerCrashError/);
      return true;
    });
  }
});

test("quickValidate measures an evenly spread sample", async () => {
  const data = Array.from({ length: 1000 }, (_, i) => i);
  const v = await quickValidate((x: number) => x * 2, data, { maxItems: 40, repeats: 1 });
  assert.equal(v.items, 40);
  assert.match(v.warnings[0], /40 of 1000 items/);
  assert.ok(v.accuracy >= 0 && v.accuracy <= 1);
  await assert.rejects(
    quickValidate((x: number) => x, data, { optimization: decision({}) } as never),
    TypeError,
  );
});

test("sampling and materialising helpers", async () => {
  assert.deepEqual(spreadSample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((x) => 10 * x), 5), {
    sample: [10, 30, 50, 70, 90],
    at: [1, 3, 5, 7, 9],
  });
  assert.deepEqual(spreadSample([1, 2], 5), { sample: [1, 2], at: [0, 1] });
  const gen = function* () {
    for (let i = 0;; i++) yield i;
  };
  const m = await materialize(gen(), 4);
  assert.deepEqual(m.items, [0, 1, 2, 3]);
  assert.match(m.truncated!, /first 4 items/);
  const a = await materialize((async function* () {
    yield 7;
    yield 8;
  })());
  assert.deepEqual(a.items, [7, 8]);
  assert.equal(a.truncated, undefined);
});

test("bad arguments throw at once, naming the argument", async () => {
  const f = (x: number) => x;
  await assert.rejects(validateOptimization(f, []), {
    name: "RangeError",
    message: "'data' must hold at least one item, got 0 items",
  });
  await assert.rejects(validateOptimization(f, [1], { repeats: 0 }), {
    name: "RangeError",
    message: "'repeats' must be a positive integer, got 0",
  });
  await assert.rejects(validateOptimization(f, [1], { maxItems: -3 }), /'maxItems'.*-3/);
  await assert.rejects(validateOptimization(f, [1], { timeoutMs: 0 }), /'timeoutMs'/);
  // 2^31 ms wrapped to 1 ms in the timer, and the measured runs timed out at once.
  await assert.rejects(validateOptimization(f, [1], { timeoutMs: 2 ** 31 }), {
    name: "RangeError",
    message: /'timeoutMs' must be at most 2147483647 ms/,
  });
  // A stand-in for optimize()'s result was read deep inside and failed with the runtime's error.
  await assert.rejects(validateOptimization(f, [1], { optimization: {} as never }), {
    name: "TypeError",
    message: "'optimization' must be the result of optimize(), got an object",
  });
  await assert.rejects(validateOptimization(f, null as never), /'data' must be/);
  await assert.rejects(validateOptimization(42 as never, [1]), /'task'/);
});

test("timeoutMs bounds the optimizer's sampling: a task that never settles is a TimeoutError", async () => {
  // The optimizer ran without the budget: a Promise that never settles held it forever.
  const never = (_x: number) => new Promise<number>(() => {});
  await assert.rejects(validateOptimization(never, [1, 2, 3], { timeoutMs: 300, repeats: 1 }), {
    name: "TimeoutError",
  });
  await assert.rejects(quickValidate(never, [1, 2, 3], { timeoutMs: 300, repeats: 1 }), {
    name: "TimeoutError",
  });
});

test("the budget does not change the decision validated: it is no limit on each call", async () => {
  // Given as the optimizer's timeoutMs, the budget turned the inline decision of a synchronous
  // task into workers ("under timeoutMs a synchronous task runs on workers"): `--timeout 60000`,
  // the default, validated another decision than none given.
  const square = (x: number) => x * x;
  const r = await validateOptimization(square, [1, 2, 3, 4, 5], { timeoutMs: 60_000, repeats: 1 });
  assert.doesNotMatch(r.optimization.reason, /under timeoutMs/, r.optimization.reason);
});

test("an abort while an async iterable is read rejects at once; an aborted signal reads nothing", async () => {
  // The data were read whole before the signal was looked at: a source waiting for its next
  // item held the call forever after the abort, and an aborted signal drained a one-shot source.
  for (const validate of [validateOptimization, quickValidate]) {
    await assertAbortWhileReading((data, signal) => validate(spin, data, { signal }));
  }
  await assert.rejects(materialize([1], undefined, 5 as never), /'signal' must be an AbortSignal/);
});

test("a bad option is named before any item of a one-shot source is read", async () => {
  // quickValidate read the data first (and a null options object failed in the runtime's own
  // words); a bad pool or optimizeOptions was named only by the optimizer, after the data were
  // read: a one-shot source was drained by a call that could never run.
  let read = 0;
  const counted = function* () {
    for (let i = 0; i < 5; i++) read++, yield i;
  };
  const bad: [string, () => Promise<unknown>, RegExp][] = [
    ["quick repeats", () => quickValidate(spin, counted(), { repeats: 0 }), /'repeats'.*got 0/],
    ["quick key", () => quickValidate(spin, counted(), { repeat: 2 } as never), /"repeat"/],
    ["quick timeoutMs", () => quickValidate(spin, counted(), { timeoutMs: -1 }), /'timeoutMs'/],
    ["quick null", () => quickValidate(spin, counted(), null as never), /'options'.*got null/],
    ["quick string", () => quickValidate(spin, counted(), "x" as never), /'options'.*got "x"/],
    ["pool", () => validateOptimization(spin, counted(), { pool: 5 as never }), /'pool'.*got 5/],
    [
      "optimizeOptions",
      () => validateOptimization(spin, counted(), { optimizeOptions: { minSpeedup: -1 } }),
      /'minSpeedup'.*got -1/,
    ],
    [
      "optimizeOptions key",
      () => validateOptimization(spin, counted(), { optimizeOptions: { sample: 1 } as never }),
      /'optimizeOptions' has no option "sample"/,
    ],
  ];
  for (const [name, call, message] of bad) {
    read = 0;
    await assert.rejects(call(), message, name);
    assert.equal(read, 0, `${name}: no item read`);
  }
});

test("quickValidate says when an iterable was read only in part", async () => {
  // The note of the data cut short was dropped: "Validated on 20 of 10000 items" read as if the
  // data held 10 000 items, the sample spread over all of them.
  const many = function* () {
    for (let i = 0; i < 10_005; i++) yield 0;
  };
  const v = await quickValidate(spin, many(), { maxItems: 20, repeats: 1 });
  assert.equal(v.items, 20);
  assert.ok(v.warnings.some((w) => /first 10000 items of the iterable/.test(w)), v.warnings.join());
  const whole = await quickValidate(spin, Array(50).fill(0), { maxItems: 20, repeats: 1 });
  assert.ok(!whole.warnings.some((w) => /first \d+ items/.test(w)));
});

test("the optimizer's configuration must give the plain loop's results", async () => {
  const negate = task<number, number>(fixtureModule("tasks/basic"), "negate4InWorker");
  const items = Array.from({ length: 10 }, (_, i) => i);
  await assert.rejects(
    validateOptimization(negate, items, { optimization: decision({}), repeats: 1 }),
    {
      message:
        /^workers 2 × chunk 5 adaptive gave a different result than inline for the item at index 4: got -4, expected 4\./,
    },
  );
  const v = await validateOptimization(negate, items, {
    optimization: decision({}),
    repeats: 1,
    checkResults: false,
  });
  assert.equal(v.items, 10);
  // An inline decision: its refused worker configuration is checked too.
  await assert.rejects(
    validateOptimization(negate, items, {
      optimization: decision({
        executor: "inline",
        workers: 1,
        profile: { ...decision({}).profile, breakdown: { workers: 2, chunkSize: 3 } as never },
      }),
      repeats: 1,
    }),
    {
      message:
        /^workers 2 × chunk 3 adaptive gave a different result than inline for the item at index 4/,
    },
  );
});
