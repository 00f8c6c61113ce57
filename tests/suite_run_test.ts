// runPerformanceBenchmark and runPerformanceSuite on small workloads: the shape and logic of the
// results (never their timings), failures that are reported instead of thrown, saving to history.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { task } from "../src/task/task_ref.ts";
import { median } from "../src/measure/statistics.ts";
import { runPerformanceBenchmark } from "../src/suite/run_benchmark.ts";
import { runPerformanceSuite } from "../src/suite/run_suite.ts";
import type { WorkloadSpec } from "../src/suite/workloads.ts";
import { listResults, loadResult } from "../src/store/history.ts";
import { comparePerformanceResults } from "../src/suite/compare_results.ts";
import { VERSION } from "../src/version.ts";
import { fixtureModule } from "./_helpers.ts";

const basic = (name: string) => task(fixtureModule("tasks/basic"), name);
const spec = (over: Partial<WorkloadSpec>): WorkloadSpec => ({
  name: "squares",
  description: "squares of 200 numbers",
  task: basic("square"),
  data: () => Array.from({ length: 200 }, (_, i) => i),
  size: 200,
  minSpeedup: 0.9,
  maxTimeMs: 30_000,
  ...over,
});

test("suite benchmark: a refused workload (inline): speedup exactly 1, and passes", async () => {
  // One item: the optimizer's look runs it, so the answer is inline whatever the machine's load
  // (for 200 tiny items a loaded machine can make workers look worth it).
  const one = spec({ data: () => [7], size: 1, description: "the square of one number" });
  const r = await runPerformanceBenchmark(one, { repeats: 2 });
  assert.equal(r.workload, "squares");
  assert.equal(r.recommendation?.executor, "inline");
  assert.equal(r.predictedSpeedup, 1);
  assert.equal(r.actualSpeedup, 1);
  assert.equal(r.accuracy, 100);
  assert.equal(r.items, 1);
  assert.equal(r.samples?.serialMs.length, 2);
  assert.deepEqual(r.samples?.optimizedMs, r.samples?.serialMs); // the same configuration
  assert.equal(r.spread?.speedup, 0);
  assert.ok(r.optimizeMs > 0);
  assert.ok(r.effectiveCores >= 1);
  assert.equal(r.minSpeedup, 0.9);
  assert.deepEqual(r.failures, []);
  assert.equal(r.passed, true);
});

test("suite benchmark: forced workers are timed alternately; the speedup is the ratio of medians", async () => {
  // 24 items of 15 ms busy work; whatever the optimizer picks, the figures must agree.
  const r = await runPerformanceBenchmark(
    spec({ name: "spin", task: basic("spin"), data: () => Array(24).fill(15), size: 24 }),
    { repeats: 3 },
  );
  assert.ok(r.recommendation !== null);
  assert.equal(r.samples?.serialMs.length, 3);
  assert.equal(r.samples?.optimizedMs.length, 3);
  assert.equal(r.serialMs, median(r.samples!.serialMs));
  assert.equal(r.optimizedMs, median(r.samples!.optimizedMs));
  if (r.recommendation.executor === "inline") assert.equal(r.actualSpeedup, 1);
  else assert.equal(r.actualSpeedup, r.serialMs! / r.optimizedMs!);
  for (const v of Object.values(r.spread!)) assert.ok(v >= 0);
  assert.ok(r.accuracy! >= 0 && r.accuracy! <= 100);
  assert.equal(r.passed, r.failures.length === 0);
});

test("suite benchmark: validate false only optimizes", async () => {
  const r = await runPerformanceBenchmark(spec({}), { validate: false });
  assert.equal(r.actualSpeedup, null);
  assert.equal(r.samples, null);
  assert.equal(r.spread, null);
  assert.equal(r.passed, true);
});

test("suite benchmark: a task that throws fails the workload, it is not thrown", async () => {
  const r = await runPerformanceBenchmark(spec({ name: "bad", task: basic("failOn13") }), {
    repeats: 1,
  });
  assert.equal(r.passed, false);
  assert.equal(r.failures.length, 1);
  assert.match(r.failures[0], /threw .*13|thirteen/);
  const gen = await runPerformanceBenchmark(
    spec({
      data: () => {
        throw new Error("no data today");
      },
    }),
  );
  assert.deepEqual(gen.failures, ["data threw Error: no data today"]);
});

test("suite benchmark: malformed specs and options throw at once, naming the field", async () => {
  await assert.rejects(runPerformanceBenchmark(spec({ size: -3 })), {
    name: "RangeError",
    message: "'spec.size' must be a positive integer, got -3",
  });
  await assert.rejects(runPerformanceBenchmark(spec({ name: "" })), /'spec.name' must be/);
  await assert.rejects(runPerformanceBenchmark(spec({ task: 42 as never })), /'spec.task'/);
  await assert.rejects(runPerformanceBenchmark(spec({ data: [1] as never })), /'spec.data'/);
  await assert.rejects(runPerformanceBenchmark(spec({}), { repeats: 0 }), {
    name: "RangeError",
    message: "'repeats' must be a positive integer, got 0",
  });
  await assert.rejects(runPerformanceBenchmark(spec({}), { validate: "yes" as never }), TypeError);
  await assert.rejects(runPerformanceBenchmark(null as never), TypeError);
});

test("suite run: records version, runtime, system and date, and saves to the history", async () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-suite-"));
  const seen: string[] = [];
  const suite = await runPerformanceSuite({
    workloads: [spec({}), spec({ name: "more", size: 50, data: () => Array(50).fill(3) })],
    repeats: 1,
    save: { dir },
    onResult: (r) => seen.push(r.workload),
  });
  assert.deepEqual(seen, ["squares", "more"]);
  assert.equal(suite.format, "amorsize-suite");
  assert.equal(suite.schema, 1);
  assert.equal(suite.version, VERSION);
  assert.ok(["deno", "bun", "node"].includes(suite.runtime.name));
  assert.ok(suite.system.effectiveCores >= 1);
  assert.ok(suite.system.logicalCores >= suite.system.effectiveCores);
  assert.ok(!Number.isNaN(Date.parse(suite.date)));
  assert.deepEqual(suite.options, { validate: true, repeats: 1 });
  assert.equal(suite.passed, suite.results.every((r) => r.passed));
  const { entries } = await listResults({ dir, kind: "suite" });
  assert.deepEqual(entries.map((e) => e.id), [suite.historyId]);
  const saved = await loadResult(suite.historyId!, { dir });
  assert.equal(saved.name, suite.runtime.name);
  const payload = saved.payload as typeof suite;
  assert.equal(payload.historyId, undefined);
  assert.deepEqual(payload.results, JSON.parse(JSON.stringify(suite.results)));
  // A saved run compares with itself: nothing changed.
  const same = comparePerformanceResults(payload, payload);
  assert.equal(same.unchanged.length, 2);
});

test("suite run: a history write that fails at the end returns the result with saveError", async () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-suite-"));
  // The directory was writable before the work and is a file when the result is saved (as a
  // disk that filled up meanwhile): the error was thrown and the measured results were lost.
  const suite = await runPerformanceSuite({
    workloads: [spec({})],
    repeats: 1,
    save: { dir },
    onResult: () => {
      rmSync(dir, { recursive: true });
      writeFileSync(dir, "");
    },
  });
  assert.deepEqual(suite.results.map((r) => r.workload), ["squares"]);
  assert.equal(suite.historyId, undefined);
  assert.match(suite.saveError ?? "", /^\w*Error: /);
});

test("suite run: bad options throw at once", async () => {
  await assert.rejects(runPerformanceSuite({ workloads: "all" as never }), TypeError);
  await assert.rejects(runPerformanceSuite({ workloads: [spec({}), spec({})] }), {
    name: "RangeError",
    message: `'workloads' has the name "squares" twice`,
  });
  await assert.rejects(runPerformanceSuite({ workloads: [spec({ maxTimeMs: 0 })] }), {
    name: "RangeError",
    message: "'workloads[0].maxTimeMs' must be a positive number, got 0",
  });
  await assert.rejects(runPerformanceSuite({ save: "yes" as never }), TypeError);
});
