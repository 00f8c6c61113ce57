// The suite's pure logic: scaled minimum speedups, accuracy, pass/fail rules, alternating timed
// runs with an injected clock, relative spreads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { alternateRuns, pairedRatios, relativeSpread } from "../src/measure/alternate.ts";
import { readFileSync } from "node:fs";
import {
  criteriaFailures,
  predictionAccuracy,
  scaledMinSpeedup,
  tooBusy,
} from "../src/suite/_criteria.ts";
import { formatSuite, resultLabel } from "../src/suite/_format.ts";
import type { SuiteResult } from "../src/suite/run_suite.ts";
import { fixturePath } from "./_helpers.ts";

test("suite criteria: the minimum speedup scales with log2 of the effective cores", () => {
  assert.equal(scaledMinSpeedup(1.4, 2), 1.4);
  assert.ok(Math.abs(scaledMinSpeedup(1.4, 4) - 1.8) < 1e-12);
  assert.ok(Math.abs(scaledMinSpeedup(1.4, 8) - 2.2) < 1e-12);
  assert.ok(Math.abs(scaledMinSpeedup(1.4, 3) - (1 + 0.4 * Math.log2(3))) < 1e-12);
});

test("suite criteria: one core asks for no gain, and minimums ≤ 1 are never scaled", () => {
  assert.equal(scaledMinSpeedup(1.4, 1), 1);
  assert.equal(scaledMinSpeedup(0.9, 1), 0.9);
  assert.equal(scaledMinSpeedup(0.9, 16), 0.9);
  assert.equal(scaledMinSpeedup(1, 64), 1);
  // A plain loop (speedup exactly 1, prediction 1) passes on one core.
  const inline = { predictedSpeedup: 1, actualSpeedup: 1, accuracy: 100, timeMs: 800 };
  assert.deepEqual(criteriaFailures(inline, scaledMinSpeedup(1.4, 1), 10_000), []);
});

test("suite criteria: accuracy is 1 − |a − p| / max(a, p), in percent", () => {
  assert.equal(predictionAccuracy(2, 2), 100);
  assert.equal(predictionAccuracy(2, 1), 50);
  assert.equal(predictionAccuracy(1, 2), 50);
  assert.equal(predictionAccuracy(4, 1), 25);
  assert.equal(predictionAccuracy(0, 0), 0);
});

test("suite criteria: a speedup below 80 % of the minimum fails, above it passes", () => {
  const m = (actual: number) => ({
    predictedSpeedup: actual,
    actualSpeedup: actual,
    accuracy: 100,
    timeMs: 1,
  });
  assert.deepEqual(criteriaFailures(m(1.21), 1.5, 1_000), []); // 0.8 × 1.5 = 1.2
  const f = criteriaFailures(m(1.19), 1.5, 1_000);
  assert.equal(f.length, 1);
  assert.equal(f[0], "speedup 1.19× is below 80% of the minimum 1.50× (1.20×)");
});

test("suite criteria: verdicts compare the figures as printed, never '1.20× is below 1.20×'", () => {
  const m = (actual: number, accuracy: number) => ({
    predictedSpeedup: actual,
    actualSpeedup: actual,
    accuracy,
    timeMs: 1,
  });
  // 1.1996 prints as 1.20×, the floor 0.8 × 1.5 as 1.20×: it passes; 49.96 % prints as 50.0 %.
  assert.deepEqual(criteriaFailures(m(1.1996, 49.96), 1.5, 1_000), []);
  assert.deepEqual(criteriaFailures(m(1.1949, 49.94), 1.5, 1_000), [
    "speedup 1.19× is below 80% of the minimum 1.50× (1.20×)",
    "prediction accuracy 49.9% is below 50% (predicted 1.19×, measured 1.19×)",
  ]);
});

test("suite criteria: over the time limit and below 50 % accuracy fail, each with a line", () => {
  const f = criteriaFailures(
    {
      predictedSpeedup: 3,
      actualSpeedup: 1.2,
      accuracy: predictionAccuracy(3, 1.2),
      timeMs: 2_500,
    },
    1.2,
    2_000,
  );
  assert.deepEqual(f, [
    "took 2500 ms, over the limit of 2000 ms",
    "prediction accuracy 40.0% is below 50% (predicted 3.00×, measured 1.20×)",
  ]);
  // Not validated: only the time counts.
  const opt = { predictedSpeedup: 3, actualSpeedup: null, accuracy: null, timeMs: 10 };
  assert.deepEqual(criteriaFailures(opt, 5, 2_000), []);
});

test("suite alternate: runs alternate A B, B A, A B and every time is kept in order", async () => {
  let clock = 0;
  const order: string[] = [];
  const cost = { a: 10, b: 4 };
  const fn = (k: "a" | "b") => () => {
    order.push(k);
    clock += cost[k]++;
    return Promise.resolve();
  };
  const p = await alternateRuns(fn("a"), fn("b"), 3, () => clock);
  assert.deepEqual(order, ["a", "b", "b", "a", "a", "b"]);
  assert.deepEqual(p.a, [10, 11, 12]);
  assert.deepEqual(p.b, [4, 5, 6]);
  assert.deepEqual(pairedRatios(p), [10 / 4, 11 / 5, 12 / 6]);
});

test("suite alternate: the relative spread is (max − min) / median", () => {
  assert.equal(relativeSpread([10]), 0);
  assert.equal(relativeSpread([]), 0);
  assert.equal(relativeSpread([9, 10, 12]), 0.3);
  assert.equal(relativeSpread([0, 0, 0]), 0);
});

test("suite criteria: too busy for a verdict from half the cores' worth of other threads", () => {
  assert.equal(tooBusy(null, 2), false); // unknown load: a failure stays a failure
  assert.equal(tooBusy(0.5, 2), false);
  assert.equal(tooBusy(1, 2), true);
  assert.equal(tooBusy(1, 1), true);
  assert.equal(tooBusy(3, 8), false);
  assert.equal(tooBusy(4, 8), true);
});

test("suite table: explains its columns; busy workloads are no verdict, not FAIL", () => {
  const base = JSON.parse(readFileSync(fixturePath("suite/baseline.json"), "utf8")) as SuiteResult;
  const [a, b, ...rest] = base.results;
  const failing = ["speedup 0.85× is below 80% of the minimum 1.40× (1.12×)"];
  const suite: SuiteResult = {
    ...base,
    passed: false,
    results: [
      { ...a, passed: false, verdict: "busy", externalLoad: 2, failures: failing },
      { ...b, passed: false, verdict: "fail", externalLoad: 0, failures: failing },
      ...rest,
    ],
  };
  const text = formatSuite(suite);
  assert.match(text, /^workload .* load +result$/m);
  assert.match(text, /^predicted, actual: speedup over a plain loop/m);
  assert.match(text, /docs\/suite\.md/);
  assert.match(text, new RegExp(`^${a.workload} .* 2\\.0 +busy$`, "m"));
  assert.match(text, new RegExp(`^${b.workload} .* FAIL$`, "m"));
  assert.match(text, /^no verdict, the machine was busy:$/m);
  assert.match(
    text,
    new RegExp(`^  ${a.workload}: other processes kept 2\\.0 threads runnable`, "m"),
  );
  assert.match(text, new RegExp(`^failures:\\n  ${b.workload}: speedup 0\\.85×`, "m"));
  assert.match(
    text,
    new RegExp(`${rest.length} of ${suite.results.length} workloads passed, 1 without a verdict`),
  );
  assert.equal(resultLabel(suite.results[0]), "busy");
  assert.equal(resultLabel(suite.results[1]), "FAIL");
  // Results saved before the verdict existed: not passed is FAIL.
  const { verdict: _v, ...old } = suite.results[0];
  assert.equal(resultLabel(old), "FAIL");
});
