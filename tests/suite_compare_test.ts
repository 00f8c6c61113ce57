// comparePerformanceResults on synthetic suite results and deno bench reports (no timing here).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { comparePerformanceResults } from "../src/suite/compare_results.ts";
import type { SuiteResult } from "../src/suite/run_suite.ts";
import { fixturePath } from "./_helpers.ts";

const file = (name: string) => fixturePath(`suite/${name}`);
const json = (name: string) => JSON.parse(readFileSync(file(name), "utf8"));

/** A minimal suite result: workload → [actual speedup, relative spread of the speedup]. */
function run(figures: Record<string, [number | null, number]>): SuiteResult {
  return {
    format: "amorsize-suite",
    schema: 1,
    runtime: { name: "deno", version: "2.9.6" },
    system: { effectiveCores: 2 },
    results: Object.entries(figures).map(([workload, [actualSpeedup, speedup]]) => ({
      workload,
      actualSpeedup,
      spread: actualSpeedup === null ? null : { serial: 0, optimized: 0, speedup },
    })),
  } as unknown as SuiteResult;
}

test("suite compare: a drop beyond the threshold and both spreads is a regression", () => {
  const c = comparePerformanceResults(run({ a: [2, 0.05] }), run({ a: [1.5, 0.05] }));
  assert.equal(c.kind, "suite");
  assert.equal(c.regressions.length, 1);
  const e = c.regressions[0];
  assert.equal(e.workload, "a");
  assert.equal(e.metric, "actualSpeedup");
  assert.equal(e.baseline, 2);
  assert.equal(e.current, 1.5);
  assert.equal(e.changePct, -25);
  assert.equal(e.better, "higher");
  assert.deepEqual(e.spread, { baseline: 0.05, current: 0.05 });
  assert.deepEqual([c.improvements, c.unchanged, c.missing, c.new], [[], [], [], []]);
});

test("suite compare: a rise beyond threshold and spreads is an improvement", () => {
  const c = comparePerformanceResults(run({ a: [1.2, 0.02] }), run({ a: [1.5, 0.02] }));
  assert.equal(c.improvements.length, 1);
  assert.equal(Math.round(c.improvements[0].changePct), 25);
  assert.equal(c.regressions.length, 0);
});

test("suite compare: a change within the threshold is unchanged, not noise", () => {
  const c = comparePerformanceResults(run({ a: [2, 0] }), run({ a: [1.85, 0] }));
  assert.equal(c.unchanged.length, 1);
  assert.equal(c.unchanged[0].withinNoise, false);
});

test("suite compare: a change beyond the threshold but within either run's spread does not flap", () => {
  // -25 % (2 → 1.5): above the 10 % threshold, but the baseline's range is 0.3 × 2 = 0.6.
  const noisyBase = comparePerformanceResults(run({ a: [2, 0.3] }), run({ a: [1.5, 0.05] }));
  assert.equal(noisyBase.regressions.length, 0);
  assert.equal(noisyBase.unchanged[0].withinNoise, true);
  // ... or only the current run did (range 0.4 × 1.5 = 0.6, more than the 0.5 drop).
  const noisyCur = comparePerformanceResults(run({ a: [2, 0.05] }), run({ a: [1.5, 0.4] }));
  assert.equal(noisyCur.regressions.length, 0);
  assert.equal(noisyCur.unchanged[0].withinNoise, true);
  // Same for improvements.
  const up = comparePerformanceResults(run({ a: [1.5, 0.4] }), run({ a: [2, 0.01] }));
  assert.equal(up.improvements.length, 0);
});

test("suite compare: spreads are compared in the figure's units, not relative to each run", () => {
  // An inline baseline (exactly 1, no spread) against workers at 0.22× whose pairs ranged
  // 0.10–0.36: 120 % of its own small median, yet the whole range is far below 1.
  const c = comparePerformanceResults(run({ f: [1, 0] }), run({ f: [0.22, 1.2] }));
  assert.deepEqual(c.regressions.map((e) => e.workload), ["f"]);
  assert.equal(c.regressions[0].withinNoise, false);
});

test("suite compare: the threshold option moves the line", () => {
  const base = run({ a: [2, 0.01] }), cur = run({ a: [1.7, 0.01] }); // -15 %
  assert.equal(comparePerformanceResults(base, cur).regressions.length, 1);
  assert.equal(comparePerformanceResults(base, cur, { threshold: 0.2 }).regressions.length, 0);
  assert.equal(comparePerformanceResults(base, cur, { threshold: 0.2 }).threshold, 0.2);
});

test("suite compare: missing and new workloads are listed by name", () => {
  const c = comparePerformanceResults(
    run({ a: [2, 0], b: [1, 0] }),
    run({ a: [2, 0], c: [1, 0] }),
  );
  assert.deepEqual(c.missing, ["b"]);
  assert.deepEqual(c.new, ["c"]);
  assert.equal(c.unchanged.length, 1);
});

test("suite compare: workloads without a measured speedup are missing and noted", () => {
  const c = comparePerformanceResults(
    run({ a: [2, 0], b: [1, 0] }),
    run({ a: [2, 0], b: [null, 0] }),
  );
  assert.deepEqual(c.missing, ["b"]);
  assert.match(c.notes.join("\n"), /no comparable figure .*: b/);
  const back = comparePerformanceResults(run({ b: [null, 0] }), run({ b: [1, 0] }));
  assert.deepEqual(back.new, []); // present in the baseline, only not measured there
});

test("suite compare: fixture files with a regression, an improvement, noise, missing and new", () => {
  const c = comparePerformanceResults(file("baseline.json"), file("current_regressed.json"));
  assert.deepEqual(c.regressions.map((e) => e.workload), ["cpu-intensive"]);
  assert.equal(Math.round(c.regressions[0].changePct), -33);
  assert.deepEqual(c.improvements.map((e) => e.workload), ["variable-time"]);
  assert.deepEqual(c.unchanged.map((e) => [e.workload, e.withinNoise]), [
    ["mixed", true],
    ["fast-function", false],
  ]);
  assert.deepEqual(c.missing, ["memory-intensive"]);
  assert.deepEqual(c.new, ["extra"]);
  const same = comparePerformanceResults(file("baseline.json"), file("current_same.json"));
  assert.equal(same.regressions.length + same.improvements.length, 0);
});

test("suite compare: objects and files give the same answer", () => {
  const a = comparePerformanceResults(json("baseline.json"), json("current_regressed.json"));
  const b = comparePerformanceResults(file("baseline.json"), file("current_regressed.json"));
  assert.deepEqual(a, b);
});

test("suite compare: a history entry of kind suite is read through its payload", () => {
  const entry = {
    schema: 1,
    library: "amorsize",
    id: "20250101T000000000Z-00000000",
    kind: "suite",
    name: "deno",
    savedAt: "2025-01-01T00:00:00.000Z",
    payload: json("baseline.json"),
  };
  const c = comparePerformanceResults(
    entry as unknown as SuiteResult,
    file("current_regressed.json"),
  );
  assert.deepEqual(c.regressions.map((e) => e.workload), ["cpu-intensive"]);
  assert.throws(
    () => comparePerformanceResults({ ...entry, kind: "validation" } as never, entry as never),
    /baseline is a history entry of kind "validation", not a suite result/,
  );
});

test("suite compare: runs of other runtimes or machines get a note", () => {
  const other = json("current_same.json");
  other.runtime = { name: "bun", version: "1.4.4" };
  other.system.effectiveCores = 8;
  const c = comparePerformanceResults(json("baseline.json"), other);
  assert.match(
    c.notes.join("\n"),
    /different runtimes: baseline deno 2\.9\.6, current bun 1\.4\.4/,
  );
  assert.match(c.notes.join("\n"), /2 effective cores in the baseline, 8 now/);
});

test("suite compare: deno bench --json reports compare avg ns/iter, lower is better", () => {
  const c = comparePerformanceResults(
    file("deno_bench_baseline.json"),
    file("deno_bench_current.json"),
  );
  assert.equal(c.kind, "deno-bench");
  assert.deepEqual(c.regressions.map((e) => e.workload), ["engine_bench.ts: squares/workers"]);
  const r = c.regressions[0];
  assert.equal(r.metric, "avg ns/iter");
  assert.equal(r.better, "lower");
  assert.equal(r.changePct, 50);
  // (p75 − min) / avg of the baseline: (620 000 − 560 000) / 600 000
  assert.ok(Math.abs(r.spread.baseline - 0.1) < 1e-9);
  // 4.8 µs → 3 µs, same file name in another checkout: an improvement.
  assert.deepEqual(c.improvements.map((e) => e.workload), ["engine_bench.ts: parse"]);
  assert.deepEqual(c.unchanged.map((e) => [e.workload, e.withinNoise]), [
    ["engine_bench.ts: squares/inline", false],
    ["engine_bench.ts: squares/noisy", true],
  ]);
  assert.deepEqual(c.new, []); // the failed bench has no figure
  assert.match(c.notes.join("\n"), /engine_bench\.ts: broken/);
});

test("suite compare: a deno bench average pulled above p75 by its tail is judged by that range", () => {
  const report = (avg: number) => ({
    version: 1,
    runtime: "Deno/2.9.6",
    cpu: "x",
    benches: [{
      origin: "file:///b_bench.ts",
      group: null,
      name: "tiny",
      baseline: false,
      results: [{
        ok: { n: 50, min: 11, max: 4_400, avg, p75: 20, p99: 58, p995: 150, p999: 4_000 },
      }],
    }],
  });
  // +19 %: above the threshold, but within min … avg (11 … 44 ns) of the baseline.
  const c = comparePerformanceResults(report(44) as never, report(52.4) as never);
  assert.equal(c.regressions.length, 0);
  assert.equal(c.unchanged[0].withinNoise, true);
  assert.ok(Math.abs(c.unchanged[0].spread.baseline - (44 - 11) / 44) < 1e-12);
});

test("suite compare: benchOptimized's bench is one bench whatever its decision", () => {
  const bench = (name: string, avg: number) => ({
    origin: "file:///r/examples/optimized_bench.ts",
    group: "score",
    name,
    baseline: name === "inline",
    results: [{
      ok: { n: 100, min: avg, max: avg, avg, p75: avg, p99: avg, p995: avg, p999: avg },
    }],
  });
  const report = (...benches: unknown[]) => ({
    version: 1,
    runtime: "Deno/2.9.6",
    cpu: "x",
    benches,
  });
  // The decision changed from workers to inline, and the bench got 10× slower: a regression of
  // "optimized", where it was a missing bench and a new one.
  const c = comparePerformanceResults(
    report(bench("inline", 880e3), bench("optimized (workers 2 × chunk 12)", 460e3)) as never,
    report(bench("inline", 880e3), bench("optimized (inline)", 4_600e3)) as never,
  );
  assert.deepEqual(c.regressions.map((e) => e.workload), ["optimized_bench.ts: score/optimized"]);
  assert.deepEqual([c.missing, c.new], [[], []]);
  // With benchOptimized's `group` option the name holds the group's name first.
  const named = comparePerformanceResults(
    report(bench("fib: optimized (inline)", 100)) as never,
    report(bench("fib: optimized (workers 2 × chunk 4)", 100)) as never,
  );
  assert.deepEqual(named.unchanged.map((e) => e.workload), [
    "optimized_bench.ts: score/fib: optimized",
  ]);
});

test("suite compare: garbage, other schemas and other formats fail naming the file", () => {
  assert.throws(
    () => comparePerformanceResults(file("garbage.txt"), file("baseline.json")),
    (e: Error) => e.message.includes("garbage.txt") && /is not JSON/.test(e.message),
  );
  assert.throws(
    () => comparePerformanceResults(file("baseline.json"), file("schema2.json")),
    (e: Error) => e.message.includes("schema2.json") && /schema 2 is not supported/.test(e.message),
  );
  assert.throws(
    () => comparePerformanceResults(file("deno_bench_v2.json"), file("deno_bench_baseline.json")),
    (e: Error) =>
      e.message.includes("deno_bench_v2.json") && /version 2 is not supported/.test(e.message),
  );
  assert.throws(
    () => comparePerformanceResults(file("not_a_result.json"), file("baseline.json")),
    (e: Error) =>
      e.message.includes("not_a_result.json") && /not an amorsize suite result/.test(e.message),
  );
  assert.throws(
    () => comparePerformanceResults(file("no_such_file.json"), file("baseline.json")),
    /Cannot read .*no_such_file\.json/,
  );
  assert.throws(
    () => comparePerformanceResults(file("baseline.json"), file("deno_bench_baseline.json")),
    /Cannot compare a suite result with a deno-bench result/,
  );
  assert.throws(
    () => comparePerformanceResults(42 as never, file("baseline.json")),
    /baseline is not/,
  );
});

test("suite compare: a bad threshold throws at once, naming it", () => {
  const r = run({ a: [1, 0] });
  assert.throws(() => comparePerformanceResults(r, r, { threshold: -0.1 }), {
    name: "RangeError",
    message: "'threshold' must be a positive number, got -0.1",
  });
  assert.throws(() => comparePerformanceResults(r, r, { threshold: "0.1" as never }), TypeError);
  assert.throws(() => comparePerformanceResults(r, r, null as never), TypeError);
});
