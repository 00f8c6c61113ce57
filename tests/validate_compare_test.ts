// compareStrategies: ranks follow the medians, the optimizer's pick is measured among the
// configurations, the plain loop is the baseline; the default grid; argument errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertAbortWhileReading, fixtureModule } from "./_helpers.ts";
import { task } from "../src/task/task_ref.ts";
import { compareStrategies } from "../src/validate/compare_strategies.ts";
import { defaultConfigs, workerCounts } from "../src/validate/_strategy_configs.ts";
import { configLabel, sameConfig } from "../src/engine/run_config.ts";

const spin = task<number, number>(fixtureModule("tasks/basic"), "spin");

test("compareStrategies on spin(1 ms) × 60: ranks follow the medians, the pick is included", async () => {
  const c = await compareStrategies(spin, Array(60).fill(1), undefined, { repeats: 2 });
  assert.equal(c.items, 60);
  assert.ok(c.results.length >= 3);
  const inline = c.results.find((r) => r.config.executor === "inline")!;
  assert.ok(inline, "the plain loop is always measured");
  assert.ok(Math.abs(inline.speedupVsInline - 1) < 1e-12);
  for (const r of c.results) {
    assert.ok(r.runs.length >= 1 && r.runs.length <= 2);
    assert.ok(r.spreadMs[0] <= r.medianMs && r.medianMs <= r.spreadMs[1]);
    assert.ok(Math.abs(r.speedupVsInline - inline.medianMs / r.medianMs) < 1e-9);
    assert.equal(r.rank, 1 + c.results.filter((x) => x.medianMs < r.medianMs).length);
    assert.equal(r.label, configLabel(r.config));
  }
  const sorted = [...c.results].sort((a, b) => a.medianMs - b.medianMs);
  assert.equal(c.best.medianMs, sorted[0].medianMs);
  assert.equal(c.best.rank, 1);
  const pick = c.results.filter((r) => r.label === c.optimizerPick.label);
  assert.equal(pick.length, 1, "the optimizer's pick is measured exactly once");
  assert.equal(pick[0].rank, c.optimizerPick.rank);
  assert.equal(pick[0].medianMs, c.optimizerPick.medianMs);
  assert.equal(c.optimizerPick.config.executor, c.optimization.executor);
  assert.ok(c.recommendations.length >= 2);
  // The plain loop of 60 × 1 ms cannot take less than 60 ms.
  assert.ok(inline.medianMs >= 55, `inline ${inline.medianMs} ms`);
});

test("given configurations: the plain loop and the pick are added when missing", async () => {
  const c = await compareStrategies((x: number) => x * 2, [1, 2, 3, 4], [
    { executor: "workers", workers: 1, chunkSize: 2, adaptive: false },
  ], { repeats: 1 });
  assert.deepEqual(c.results[0].config, { executor: "inline" });
  assert.equal(c.results[1].label, "workers 1 × chunk 2");
  assert.equal(c.optimization.executor, "inline"); // 4 trivial items
  assert.equal(c.results.length, 2); // the pick is the plain loop, already there
  assert.equal(c.optimizerPick.label, "inline");
});

test("the default grid: worker counts, chunk sizes, no single-chunk run, async when asked", () => {
  assert.deepEqual(workerCounts(2), [1, 2]);
  assert.deepEqual(workerCounts(16), [1, 2, 3, 4, 8, 16]);
  assert.deepEqual(workerCounts(6), [1, 2, 3, 4, 6]);
  const grid = defaultConfigs(400, 2, false, 1);
  assert.deepEqual(grid.map(configLabel), [
    "inline",
    "workers 1 × chunk 25",
    "workers 1 × chunk 100",
    "workers 2 × chunk 13",
    "workers 2 × chunk 50",
    "workers 2 × chunk 200",
  ]);
  assert.equal(defaultConfigs(10, 1, true, 8).at(-1)?.executor, "async");
  assert.ok(sameConfig({ executor: "async" }, { executor: "async", concurrency: 16 }));
  assert.ok(
    !sameConfig(
      { executor: "workers", workers: 2, chunkSize: 5 },
      { executor: "workers", workers: 2, chunkSize: 5, adaptive: false },
    ),
  );
});

test("bad configurations throw at once, naming the entry", async () => {
  const f = (x: number) => x;
  await assert.rejects(compareStrategies(f, [1], [{ executor: "gpu" } as never]), {
    name: "TypeError",
    message: `'configs[0].executor' must be one of "inline", "async", "workers", got "gpu"`,
  });
  await assert.rejects(
    compareStrategies(f, [1], [{ executor: "inline" }, { executor: "workers", workers: 0 }]),
    { name: "RangeError", message: "'configs[1].workers' must be a positive integer, got 0" },
  );
  await assert.rejects(compareStrategies(f, [1], "inline" as never), /'configs' must be an array/);
  // A misspelt key ran the defaults unnoticed.
  await assert.rejects(
    compareStrategies(f, [1], [{ executor: "workers", worker: 2 } as never]),
    { name: "TypeError", message: `'configs[0]' has no option "worker"; did you mean "workers"?` },
  );
  await assert.rejects(compareStrategies(f, [], undefined), /at least one item/);
  await assert.rejects(compareStrategies(f, [1], undefined, { repeats: 1.5 }), /'repeats'/);
});

test("a budget that ends before every configuration ran once throws a TimeoutError", async () => {
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) { /* busy */ }
    return ms;
  };
  await assert.rejects(
    compareStrategies(busy, [10, 10], [{ executor: "inline" }, { executor: "async" }], {
      timeoutMs: 1,
      optimization: { executor: "inline", profile: { caps: { cores: 1 } } } as never,
    }),
    { name: "TimeoutError", message: /'timeoutMs' \(1 ms\) ran out/ },
  );
});

test("timeoutMs bounds the optimizer's sampling: a task that never settles is a TimeoutError", async () => {
  // The optimizer ran without the budget: a Promise that never settles held it forever.
  const never = (_x: number) => new Promise<number>(() => {});
  await assert.rejects(
    compareStrategies(never, [1, 2, 3], [{ executor: "async" }], { timeoutMs: 300, repeats: 1 }),
    { name: "TimeoutError" },
  );
});

test("an abort while an async iterable is read rejects at once; an aborted signal reads nothing", async () => {
  // The data were read whole before the signal was looked at: a source waiting for its next
  // item held the call forever after the abort, and an aborted signal drained a one-shot source.
  await assertAbortWhileReading((data, signal) =>
    compareStrategies(spin, data, undefined, { signal })
  );
});

test("the configurations must agree: one whose results differ throws, naming it and the index", async () => {
  const negate = task<number, number>(fixtureModule("tasks/basic"), "negate4InWorker");
  const items = Array.from({ length: 10 }, (_, i) => i);
  const onWorkers = { executor: "workers" as const, workers: 2, chunkSize: 3 };
  const configs = [{ executor: "inline" as const }, onWorkers];
  // The counts matched, so the comparison used to rank a configuration that gave wrong results.
  await assert.rejects(compareStrategies(negate, items, configs, { repeats: 1 }), (e: Error) => {
    assert.equal(
      e.message.split(". ")[0],
      `${configLabel(onWorkers)} gave a different result than inline for the item at index 4: ` +
        "got -4, expected 4",
    );
    assert.match(e.message, /checkResults: false/);
    return true;
  });
  const c = await compareStrategies(negate, items, configs, { repeats: 1, checkResults: false });
  assert.equal(c.items, 10);
  await assert.rejects(
    compareStrategies(negate, items, configs, { checkResults: "yes" as unknown as boolean }),
    { name: "TypeError", message: `'checkResults' must be a boolean, got "yes"` },
  );
  // Values as they cross threads: dates, maps, sets, NaN and -0 agree with their clones.
  const shapes = (x: number) => ({
    d: new Date(x),
    m: new Map([[x, new Set([x])]]),
    b: new Uint8Array([x]),
    n: NaN,
    z: -0,
  });
  const ok = await compareStrategies(shapes, items, configs, { repeats: 1 });
  assert.ok(ok.results.some((r) => r.label === configLabel(onWorkers)));
});
