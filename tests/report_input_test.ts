// The report's argument checks, its chart arithmetic, and the contrast of its text colours.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { renderReport } from "../mod.ts";
import type { ReportOptimization } from "../mod.ts";
import { historyData, runLabels } from "../src/report/_history_data.ts";
import { breakdownParts } from "../src/report/breakdown_chart.ts";
import { CARD, contrastRatio, PAGE, SERIES } from "../src/report/_palette.ts";
import { pickColoured, speedupData } from "../src/report/_speedup_data.ts";
import { intTicks, niceTicks } from "../src/report/_svg.ts";
import { fixturePath } from "./_helpers.ts";

const optimization = (): ReportOptimization =>
  JSON.parse(readFileSync(fixturePath("report/optimization_8_cores.json"), "utf8"));
const run = (speedup: number) => ({
  date: "2025-01-01",
  results: [{ workload: "w", actualSpeedup: speedup, passed: true }],
});

test("bad input throws at once, naming the field and the value", () => {
  assert.throws(() => renderReport(null as never), {
    name: "TypeError",
    message: "'input' must be an object, got null",
  });
  assert.throws(() => renderReport({}), /'input' must have 'optimization' or 'suiteHistory'/);
  assert.throws(
    () =>
      renderReport({
        optimization: optimization(),
        measured: [{ workers: 0, chunkSize: 4, speedup: 2 }],
      }),
    { name: "RangeError", message: "'measured[0].workers' must be a positive integer, got 0" },
  );
  assert.throws(
    () => renderReport({ optimization: optimization(), measured: [{ workers: 2, chunkSize: 4 }] }),
    {
      name: "TypeError",
      message: "'measured[0]' must have 'measuredMs' or 'speedup', got neither",
    },
  );
  assert.throws(
    () => renderReport({ optimization: optimization(), measuredSerialMs: -3 }),
    { name: "RangeError", message: "'measuredSerialMs' must be a positive number, got -3" },
  );
  const bad = [{ date: "d", results: [{ workload: "w", actualSpeedup: 1, passed: "yes" }] }];
  assert.throws(() => renderReport({ suiteHistory: bad as never }), {
    name: "TypeError",
    message: `'suiteHistory[0].results[0].passed' must be a boolean, got "yes"`,
  });
  assert.throws(() => renderReport({ suiteHistory: [run(1)], regressionTolerance: 1 }), {
    name: "RangeError",
    message: "'regressionTolerance' must be in [0, 1), got 1",
  });
  const opt = optimization();
  opt.profile.alternatives[3].chunkSize = 1.5;
  assert.throws(() => renderReport({ optimization: opt }), {
    name: "RangeError",
    message: "'optimization.profile.alternatives[3].chunkSize' must be a positive integer, got 1.5",
  });
  assert.throws(
    () => renderReport({ optimization: { ...opt, executor: "gpu" as never } }),
    /optimization\.executor/,
  );
});

test("speedups are the plain-loop time over each configuration's predicted time", () => {
  const opt = optimization();
  const d = speedupData(opt)!;
  assert.equal(d.maxWorkers, 8);
  assert.deepEqual(d.cap, { workers: 7, reason: "memory cap" });
  for (const [c, ps] of d.curves) {
    for (const p of ps) {
      assert.equal(p.chunkSize, c);
      assert.equal(p.speedup, opt.predictedMs.serial / p.predictedMs);
    }
  }
  // The best at each worker count is the maximum over chunk sizes.
  for (const b of d.best) {
    const all = [...d.curves.values()].flat().filter((p) => p.workers === b.workers);
    assert.equal(b.speedup, Math.max(...all.map((p) => p.speedup)));
  }
  assert.equal(d.best.length, 8);
});

test("coloured chunk sizes: the chosen one first, then spread over the sizes with curves", () => {
  const counts = new Map([[1, 8], [4, 8], [16, 8], [18, 1], [64, 8], [256, 8], [1024, 8]]);
  const sizes = [...counts.keys()];
  assert.deepEqual(pickColoured(sizes, counts, 18), [18, 1, 16, 64, 1024]);
  assert.deepEqual(pickColoured(sizes, counts), [1, 4, 64, 256, 1024]);
  assert.deepEqual(pickColoured([5], new Map([[5, 1]]), 5), [5]);
  assert.deepEqual(pickColoured([2, 3], new Map([[2, 1], [3, 1]])), [2, 3]);
});

test("the breakdown's critical path adds up to the predicted total", () => {
  const b = optimization().profile.breakdown!;
  const { path, main, fill, messages, clone } = breakdownParts(b);
  const sum = path.reduce((s, p) => s + p.ms, 0);
  assert.ok(Math.abs(sum - b.totalMs) < 1e-9, `${sum} vs ${b.totalMs}`);
  assert.ok(Math.abs(fill + messages - b.dispatchMs) < 1e-9);
  assert.ok(Math.abs(clone + messages - b.serialMs) < 1e-9);
  assert.equal(main[0].from, b.startMs + fill); // the main thread works alongside the compute
  // When the main thread bounds the run, it takes the compute's place on the path.
  const bound = breakdownParts({
    ...b,
    serialMs: 300,
    computeMs: 100,
    totalMs: 104 + 1 + 300 + 2,
    imbalanceMs: 2,
    dispatchMs: 20,
  });
  assert.deepEqual(bound.path.map((p) => p.key), ["start", "dispatch", "serial", "imbalance"]);
  assert.equal(bound.fill, 1);
});

test("regressions: a failed run, a flagged run, or a drop beyond the tolerance", () => {
  const runs = [run(3), run(2.8), run(2.0), run(2.1)];
  runs[3].results[0].passed = false;
  const d = historyData(runs, 0.1);
  assert.deepEqual(d.regressions.map((r) => [r.run, r.why]), [
    [2, "29% below the previous run"],
    [3, "failed its checks"],
  ]);
  const flagged = historyData([run(2), {
    ...run(2),
    results: [{ ...run(2).results[0], regression: true }],
  }]);
  assert.deepEqual(flagged.regressions.map((r) => r.why), ["flagged by the suite"]);
  // The previous run is the previous one that measured a speedup.
  const gap = [run(3), {
    date: "x",
    results: [{ workload: "w", actualSpeedup: null, passed: true }],
  }, run(2)];
  assert.deepEqual(historyData(gap).regressions.map((r) => r.run), [2]);
});

test("run labels and ticks", () => {
  assert.deepEqual(runLabels(["2025-03-10T02:00:00Z", "2025-03-11T02:00:00Z"]), [
    "2025-03-10",
    "2025-03-11",
  ]);
  assert.deepEqual(runLabels(["2025-03-10T02:00:00Z", "2025-03-10T14:30:00Z", "nightly #7"]), [
    "2025-03-10 02:00",
    "2025-03-10 14:30",
    "nightly #7",
  ]);
  assert.deepEqual(niceTicks(4.2, 5), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(niceTicks(1012, 4), [0, 250, 500, 750, 1000, 1250]);
  assert.deepEqual(intTicks(1, 8, 12), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(intTicks(1, 64, 10), [1, 10, 20, 30, 40, 50, 60]);
  assert.deepEqual(intTicks(0, 5, 10), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(intTicks(1, 1), [1]);
});

test("every text colour reaches 4.5:1 on the page and the cards", () => {
  const html = renderReport({
    optimization: optimization(),
    suiteHistory: JSON.parse(readFileSync(fixturePath("report/suite_history.json"), "utf8")),
  });
  const colours = new Set<string>();
  for (const m of html.matchAll(/<text [^>]*fill="(#[0-9a-f]{6})"/gi)) colours.add(m[1]);
  for (const m of html.matchAll(/(?:^|[;{])color:(#[0-9a-f]{6})/gim)) colours.add(m[1]);
  assert.ok(colours.size >= 3, [...colours].join());
  for (const c of [...colours, ...SERIES]) {
    for (const bg of [PAGE, CARD]) {
      assert.ok(contrastRatio(c, bg) >= 4.5, `${c} on ${bg}: ${contrastRatio(c, bg).toFixed(2)}`);
    }
  }
  assert.doesNotMatch(html, /<text (?![^>]*fill=)/); // no text left to the default colour
});

test("regressions need a previous run: a failed first run is listed as such, not as one", () => {
  const first = run(0.8);
  first.results[0].passed = false;
  const d = historyData([first], 0.1);
  assert.deepEqual(d.regressions, []);
  assert.deepEqual(d.failedFirst, [{ run: 0, workload: "w", speedup: 0.8 }]);
  const html = renderReport({ suiteHistory: [first] });
  assert.match(html, /One run: no regressions, which need a previous run to compare with\./);
  assert.match(html, /1 workload\(s\) failed their checks in their first run/);
  assert.doesNotMatch(html, /regression\(s\)|class="regression"/);
  // The same failure after a run that passed is a regression.
  const again = historyData([run(1.5), first], 0.1);
  assert.deepEqual(again.regressions.map((r) => r.why), [
    "failed its checks; 47% below the previous run",
  ]);
  assert.deepEqual(again.failedFirst, []);
});
