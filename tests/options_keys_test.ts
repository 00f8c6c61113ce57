// Unknown option keys are refused at once with a TypeError naming the key and the closest known
// one, wherever the public API takes options (a typo such as `{ worker: 2 }` used to be ignored
// silently: automatic mode ran instead of two workers).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  cacheStats,
  comparePerformanceResults,
  compareStrategies,
  createPool,
  execute,
  listResults,
  loadResult,
  map,
  optimize,
  probeSystem,
  quickValidate,
  renderReport,
  runPerformanceBenchmark,
  runPerformanceSuite,
  tune,
  validateOptimization,
  validateSystem,
} from "../mod.ts";

const double = (x: number) => x * 2;
const hint = (key: string, near: string, name = "options") => ({
  name: "TypeError",
  message: `'${name}' has no option "${key}"; did you mean "${near}"?`,
});

test("options: execute and map name the unknown key and the closest known one", async () => {
  await assert.rejects(execute(double, [1], { worker: 2 } as never), hint("worker", "workers"));
  await assert.rejects(
    execute(double, [1], { chunksize: 2 } as never),
    hint("chunksize", "chunkSize"),
  );
  await assert.rejects(async () => {
    for await (const _ of map(double, [1], { order: false } as never)) { /* nothing */ }
  }, hint("order", "ordered"));
  // Nothing close: the known options are listed.
  await assert.rejects(execute(double, [1], { colour: "red" } as never), {
    name: "TypeError",
    message: /^'options' has no option "colour"; the options are adaptive, cache, chunkSize, /,
  });
  // Every known option is still accepted.
  const out = await execute(double, [1, 2], {
    executor: "inline",
    ordered: true,
    timeoutMs: 10_000,
    transfer: false,
    adaptive: true,
    targetChunkMs: 100,
    onProgress: () => {},
    signal: new AbortController().signal,
  });
  assert.deepEqual(out, [2, 4]);
});

test("options: optimize, createPool, tune, probeSystem", async () => {
  await assert.rejects(
    optimize(double, [1], { minSpeedUp: 2 } as never),
    hint("minSpeedUp", "minSpeedup"),
  );
  assert.throws(() => createPool({ maxWorker: 2 } as never), hint("maxWorker", "maxWorkers"));
  await assert.rejects(
    tune(double, [1, 2], { strategie: "grid" } as never),
    hint("strategie", "strategy"),
  );
  await assert.rejects(
    tune(double, [1, 2], { space: { worker: [1] } } as never),
    hint("worker", "workers", "space"),
  );
  await assert.rejects(probeSystem({ roots: "/" } as never), hint("roots", "root"));
});

test("options: validation, comparison and the system check", async () => {
  await assert.rejects(
    validateOptimization(double, [1], { repeat: 1 } as never),
    hint("repeat", "repeats"),
  );
  await assert.rejects(
    quickValidate(double, [1], { maxItem: 5 } as never),
    hint("maxItem", "maxItems"),
  );
  await assert.rejects(
    compareStrategies(double, [1], undefined, { timeout: 5 } as never),
    hint("timeout", "timeoutMs"),
  );
  await assert.rejects(validateSystem({ timeout: 5 } as never), hint("timeout", "timeoutMs"));
});

test("options: the history and the decision cache", async () => {
  await assert.rejects(listResults({ kinds: "suite" } as never), hint("kinds", "kind"));
  await assert.rejects(loadResult("20250314T092653127Z-4f1c2a9b", { directory: "/tmp" } as never), {
    name: "TypeError",
    message: `'options' has no option "directory"; did you mean "dir"?`,
  });
  await assert.rejects(cacheStats({ dirs: "/tmp" } as never), hint("dirs", "dir"));
});

test("options: the suite, comparisons and the report", async () => {
  await assert.rejects(runPerformanceSuite({ repeat: 1 } as never), hint("repeat", "repeats"));
  const spec = {
    name: "tiny",
    description: "three doublings",
    task: double,
    data: () => [1, 2, 3],
    size: 3,
    minSpeedup: 0.1,
    maxTimeMs: 10_000,
  };
  await assert.rejects(
    runPerformanceBenchmark(spec, { validated: false } as never),
    hint("validated", "validate"),
  );
  const run = {
    format: "amorsize-suite",
    schema: 1,
    version: "0.0.0",
    runtime: { name: "deno", version: "2" },
    system: {
      effectiveCores: 2,
      logicalCores: 2,
      physicalCores: 2,
      cpuQuota: null,
      memoryTotalBytes: 1,
      memoryLimitBytes: null,
    },
    date: "2026-01-01",
    options: { validate: true, repeats: 1 },
    passed: true,
    results: [],
  };
  assert.throws(
    () => comparePerformanceResults(run as never, run as never, { treshold: 0.1 } as never),
    hint("treshold", "threshold"),
  );
  const history = [{
    date: "2026-01-01",
    results: [{ workload: "w", actualSpeedup: 2, passed: true }],
  }];
  assert.throws(
    () => renderReport({ suiteHistory: history, titel: "x" } as never),
    hint("titel", "title", "input"),
  );
});
