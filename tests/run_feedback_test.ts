import { test } from "node:test";
import assert from "node:assert/strict";
import {
  corrections,
  keepRuns,
  loadChanged,
  MAX_RUNS,
  repick,
  retryOf,
  type RunRecord,
  STALE_RUNS,
  STALE_SHARE,
  staleOf,
  TRIAL_MS,
  TRIAL_SHARE,
  trialOf,
  workersGain,
} from "../src/model/run_feedback.ts";
import { type Alternative, decide } from "../src/model/decide.ts";
import { decideLimits, modelBase } from "./_helpers.ts";

const alt = (
  executor: Alternative["executor"],
  workers: number,
  predictedMs: number,
  rejected?: string,
): Alternative => ({
  executor,
  workers,
  chunkSize: 10,
  concurrency: executor === "async" ? 32 : 1,
  predictedMs,
  rejected,
});

test("corrections: lower median per executor, bounded, 1 without runs", () => {
  const runs: RunRecord[] = [
    { executor: "workers", predictedMs: 100, measuredMs: 120 },
    { executor: "workers", predictedMs: 200, measuredMs: 200 },
    { executor: "inline", predictedMs: 50, measuredMs: 1000 },
    { executor: "workers", predictedMs: 0, measuredMs: 10 }, // no prediction: ignored
  ];
  const c = corrections(runs);
  assert.equal(c.workers, 1); // of 1.2 and 1.0, the faster: noise only adds time
  assert.equal(
    corrections([...runs, { executor: "workers", predictedMs: 100, measuredMs: 150 }]).workers,
    1.2,
  );
  assert.equal(c.inline, 4); // 20× is bounded
  assert.equal(c.async, 1);
  assert.deepEqual(corrections([]), { inline: 1, async: 1, workers: 1 });
});

test("corrections: a cold workers run does not count, and cannot keep the job off workers", () => {
  // A process's first run on workers that loaded the task during it (markdown: predicted 68 ms,
  // measured 215): counted, the plain loop won every later decision, and no warm workers run came.
  const alts = [alt("inline", 1, 120), alt("workers", 2, 68)];
  const cold: RunRecord = { executor: "workers", predictedMs: 68, measuredMs: 215, cold: true };
  const inline: RunRecord = { executor: "inline", predictedMs: 120, measuredMs: 122 };
  const c = corrections([cold, inline, inline]);
  assert.equal(c.workers, 1);
  assert.equal(repick(alts, c, 1.2, 400).choice.executor, "workers");
  // Counted, it would have: the same run, warm.
  const warm = corrections([{ ...cold, cold: undefined }, inline, inline]);
  assert.equal(repick(alts, warm, 1.2, 400).choice.executor, "inline");
});

test("corrections: a plain loop never run takes the workers' measured gain, and keeps the job on workers", () => {
  // A heavy-tailed job whose look timed its short items: both predictions low, only the workers'
  // corrected by their runs (1.5×); the plain loop, uncorrected, came within minSpeedup of them.
  const alts = [alt("inline", 1, 62), alt("workers", 2, 36), alt("workers", 1, 70)];
  const run = (extra: Partial<RunRecord> = {}): RunRecord => ({
    executor: "workers",
    predictedMs: 36,
    measuredMs: 54,
    computeMs: 105,
    ...extra,
  });
  assert.equal(repick(alts, corrections([run()]), 1.2, 500).choice.executor, "inline");
  const c = corrections([run()], alts);
  assert.equal(c.inlineFromWorkers, true);
  assert.equal(c.workers, 1.5);
  assert.ok(Math.abs(c.inline * 62 - (105 / 54) * 54) < 1e-9, "the gain times the workers' time");
  assert.equal(repick(alts, c, 1.2, 500).choice.executor, "workers");
  assert.equal(trialOf(alts, c, [run()], repick(alts, c, 1.2, 500).choice, 500), undefined);
  // Workers that gained little by their own measure: the plain loop is the choice, or tried.
  const little = corrections([run({ computeMs: 57 })], alts);
  assert.equal(repick(alts, little, 1.2, 500).choice.executor, "inline");
  // A warm plain-loop run, a cold workers run, or no figure: the factors as measured.
  const plain: RunRecord = { executor: "inline", predictedMs: 62, measuredMs: 93 };
  assert.equal(corrections([run(), plain], alts).inline, 1.5);
  assert.equal(corrections([run({ cold: true })], alts).inlineFromWorkers, undefined);
  assert.equal(corrections([run({ computeMs: undefined })], alts).inline, 1);
});

test("repick: corrected predictions move the choice, and back when the evidence turns", () => {
  const alts = [alt("inline", 1, 100), alt("workers", 2, 55), alt("workers", 4, 40, "core cap")];
  const none = { inline: 1, async: 1, workers: 1 };
  const first = repick(alts, none, 1.2, 100);
  assert.equal(first.choice.workers, 2); // the rejected 4-worker row never comes back
  assert.equal(first.serialMs, 100);
  // Workers measured 1.6× slower than predicted: 88 ms vs 100 ms is below 1.2×: inline.
  assert.equal(repick(alts, { ...none, workers: 1.6 }, 1.2, 100).choice.executor, "inline");
  // The plain loop measured slower too: workers again.
  assert.equal(
    repick(alts, { inline: 1.5, async: 1, workers: 1.6 }, 1.2, 100).choice.executor,
    "workers",
  );
});

test("repick: async alternatives are corrected by their own factor; one worker never wins", () => {
  const alts = [alt("inline", 1, 100), alt("workers", 1, 10), alt("async", 0, 30)];
  const c = repick(alts, { inline: 1, async: 1, workers: 1 }, 1.2, 100);
  assert.equal(c.choice.executor, "async");
  assert.equal(
    repick(alts, { inline: 1, async: 4, workers: 1 }, 1.2, 100).choice.executor,
    "inline",
  );
});

test("loadChanged: a quarter of the cores and at least one core", () => {
  assert.equal(loadChanged(0, 0.9, 2), false);
  assert.equal(loadChanged(0, 1, 2), true);
  assert.equal(loadChanged(3, 9, 2), false); // both saturate the 2 cores
  assert.equal(loadChanged(2, 5, 16), false);
  assert.equal(loadChanged(2, 6, 16), true);
});

test("keepRuns: the newest runs of each executor, so that a correction once measured stays", () => {
  // Kept as the newest five of all, an inline run tried once fell out after five runs on
  // workers: its correction went back to 1 and the repick tried the plain loop again.
  const inline: RunRecord = { executor: "inline", predictedMs: 100, measuredMs: 170 };
  const workers = (k: number): RunRecord => ({
    executor: "workers",
    predictedMs: 60,
    measuredMs: 100 + k,
  });
  let runs = keepRuns([], inline);
  for (let k = 0; k < 2 * MAX_RUNS; k++) runs = keepRuns(runs, workers(k));
  assert.deepEqual(runs, [inline, ...[5, 6, 7, 8, 9].map(workers)]);
  const c = corrections(runs);
  assert.equal(c.inline, 1.7);
  const alts = [alt("inline", 1, 100), alt("workers", 2, 60)];
  assert.equal(repick(alts, c, 1.2, 100).choice.executor, "workers"); // 170 against 107
});

test("repick: uncorrected, it takes the configuration the decision took, ties broken alike", () => {
  // 600 items of 1 ms, warm workers: many chunk sizes are predicted within 2 % of the fastest.
  const m = {
    ...modelBase,
    n: 600,
    mainPerItemMs: 0.01,
    workerPerItemMs: 0.01,
    chunkMs: 0.05,
    roundTripMs: 0.1,
    adaptive: true,
  };
  const d = decide(m, decideLimits);
  assert.equal(d.executor, "workers");
  const fastest = d.alternatives.filter((a) => a.executor === "workers" && a.workers === 2)
    .sort((a, b) => a.predictedMs - b.predictedMs)[0];
  assert.notEqual(fastest.chunkSize, d.chunkSize, "a tie the decision broke");
  const { choice } = repick(d.alternatives, { inline: 1, async: 1, workers: 1 }, 1.2, 600);
  assert.deepEqual([choice.workers, choice.chunkSize], [d.workers, d.chunkSize]);
  // Corrected (workers measured 1.3× their prediction), still the same configuration.
  const slower = repick(d.alternatives, { inline: 1, async: 1, workers: 1.3 }, 1.2, 600).choice;
  assert.deepEqual([slower.workers, slower.chunkSize], [d.workers, d.chunkSize]);
});

test("trialOf: an executor never measured and predicted close to the choice is tried once", () => {
  const none = { inline: 1, async: 1, workers: 1 };
  const ran = (executor: RunRecord["executor"], predictedMs: number, measuredMs: number) => ({
    executor,
    predictedMs,
    measuredMs,
  });
  // Inline decided, workers predicted just short of minSpeedup: tried once.
  const alts = [alt("inline", 1, 30), alt("workers", 2, 28), alt("workers", 1, 20)];
  const inlineRun = ran("inline", 30, 31);
  assert.equal(trialOf(alts, none, [inlineRun], alts[0], 100)?.workers, 2); // never one worker
  // Once the workers ran, no trial: both corrections stand.
  const both = [inlineRun, ran("workers", 28, 20)];
  assert.equal(trialOf(alts, corrections(both), both, alts[0], 100), undefined);
  // Workers chosen; the plain loop predicted within TRIAL_SHARE of them is tried, not beyond.
  const w = [alt("inline", 1, 45), alt("workers", 2, 31)];
  const workersRun = [ran("workers", 31, 31)];
  assert.equal(trialOf(w, none, workersRun, w[1], 100)?.executor, "inline");
  const far = [alt("inline", 1, 31 * TRIAL_SHARE * 1.01), alt("workers", 2, 31)];
  assert.equal(trialOf(far, none, workersRun, far[1], 100), undefined);
  // A job predicted over TRIAL_MS is not tried: its sample was in proportion.
  const long = [alt("inline", 1, 1.1 * TRIAL_MS), alt("workers", 2, TRIAL_MS + 1)];
  assert.equal(trialOf(long, none, [ran("workers", 1, 1)], long[1], 100), undefined);
  // The untried executor's own correction would apply (none: 1); rejected rows never come back.
  const capped = [alt("inline", 1, 30), alt("workers", 4, 20, "core cap")];
  assert.equal(trialOf(capped, none, [inlineRun], capped[0], 100), undefined);
});

test("trialOf: the plain loop is tried once where the workers' runs gained little by their own compute", () => {
  const none = { inline: 1, async: 1, workers: 1 };
  // A plain loop predicted from a cold look at 2× the workers' time: never tried by prediction.
  const w = [alt("inline", 1, 56), alt("workers", 2, 28)];
  const run = (computeMs: number, extra: Partial<RunRecord> = {}): RunRecord => ({
    executor: "workers",
    predictedMs: 28,
    measuredMs: 25,
    computeMs,
    ...extra,
  });
  assert.equal(trialOf(w, none, [run(50)], w[1], 100), undefined, "gained 2×: no trial");
  // The workers' compute was 1.2× the run's wall time: two workers gained 1.2× at most.
  assert.equal(trialOf(w, none, [run(30)], w[1], 100)?.executor, "inline");
  assert.equal(workersGain([run(30), run(50), run(32)]), 32 / 25, "the median");
  // Cold runs (workers loading the task) and runs without the figure say nothing.
  assert.equal(trialOf(w, none, [run(30, { cold: true })], w[1], 100), undefined);
  assert.equal(trialOf(w, none, [run(30, { computeMs: undefined })], w[1], 100), undefined);
  // Once the plain loop ran, both corrections stand: no trial.
  const both = [run(30), { executor: "inline" as const, predictedMs: 56, measuredMs: 21 }];
  assert.equal(trialOf(w, corrections(both), both, w[1], 100), undefined);
  // Over TRIAL_MS, as for any trial: none.
  const long = [alt("inline", 1, 2 * TRIAL_MS), alt("workers", 2, TRIAL_MS + 1)];
  assert.equal(trialOf(long, none, [run(30)], long[1], 100), undefined);
});

test("retryOf: an executor measured once, slower than predicted, that would be the choice runs once more", () => {
  // 16 items of 1 ms: workers predicted 9 ms, one run measured 20 (a one-off: seven fresh
  // decisions' first runs on workers measured 0.94–1.21×); the plain loop won every later call.
  const alts = [alt("inline", 1, 14), alt("workers", 2, 9), alt("workers", 1, 12)];
  const slow: RunRecord = { executor: "workers", predictedMs: 9, measuredMs: 20 };
  const inline: RunRecord = { executor: "inline", predictedMs: 14, measuredMs: 13 };
  let runs = [slow, inline];
  let c = corrections(runs);
  const { choice } = repick(alts, c, 1.2, 16);
  assert.equal(choice.executor, "inline");
  const again = retryOf(alts, c, runs, choice, 1.2, 16);
  assert.equal(again?.executor, "workers");
  assert.equal(again?.workers, 2, "never one worker");
  assert.equal(again?.predictedMs, 20, "its corrected prediction");
  // Run again at its prediction: the faster of the two stands, and workers win again.
  runs = [...runs, { executor: "workers", predictedMs: 9, measuredMs: 9.5 }];
  c = corrections(runs);
  assert.equal(repick(alts, c, 1.2, 16).choice.executor, "workers");
  assert.equal(retryOf(alts, c, runs, repick(alts, c, 1.2, 16).choice, 1.2, 16), undefined);
  // Run again as slow: confirmed, no third run.
  const twice = [slow, inline, { ...slow, measuredMs: 19 }];
  const ct = corrections(twice);
  assert.equal(repick(alts, ct, 1.2, 16).choice.executor, "inline");
  assert.equal(retryOf(alts, ct, twice, alts[0], 1.2, 16), undefined);
  // The plain loop alike: once slow (a pause), workers chosen since; it runs once more.
  const w = [alt("inline", 1, 20), alt("workers", 2, 18)];
  const both: RunRecord[] = [
    { executor: "inline", predictedMs: 20, measuredMs: 30 },
    { executor: "workers", predictedMs: 18, measuredMs: 18 },
  ];
  const cw = corrections(both);
  assert.equal(repick(w, cw, 1.2, 100).choice.executor, "workers");
  assert.equal(retryOf(w, cw, both, w[1], 1.2, 100)?.executor, "inline");
});

test("retryOf: not for a cold run, a faster one, one that loses anyway, nor over TRIAL_MS", () => {
  const alts = [alt("inline", 1, 14), alt("workers", 2, 9)];
  const inline: RunRecord = { executor: "inline", predictedMs: 14, measuredMs: 13 };
  const cold: RunRecord = { executor: "workers", predictedMs: 9, measuredMs: 20, cold: true };
  // A cold run does not count (the correction is 1: workers are the choice anyway).
  assert.equal(
    retryOf(alts, corrections([cold, inline]), [cold, inline], alts[0], 1.2, 16),
    undefined,
  );
  // Faster than predicted: nothing to check.
  const fast: RunRecord = { executor: "workers", predictedMs: 9, measuredMs: 8 };
  assert.equal(retryOf(alts, corrections([fast]), [fast], alts[0], 1.2, 16), undefined);
  // Uncorrected it would lose too (predicted 1.1× faster, under minSpeedup): no rerun.
  const close = [alt("inline", 1, 10), alt("workers", 2, 9)];
  const slow: RunRecord = { executor: "workers", predictedMs: 9, measuredMs: 20 };
  assert.equal(retryOf(close, corrections([slow]), [slow], close[0], 1.2, 16), undefined);
  // A long job: as for any trial, none.
  const long = [alt("inline", 1, 2 * TRIAL_MS), alt("workers", 2, TRIAL_MS)];
  const ran: RunRecord = { executor: "workers", predictedMs: TRIAL_MS, measuredMs: 2.5 * TRIAL_MS };
  assert.equal(retryOf(long, corrections([ran]), [ran], long[0], 1.2, 16), undefined);
});

test("staleOf: another executor measured before the choice's latest runs, predicted close, runs again", () => {
  // 20 items of 1 ms on Deno: workers measured at 1.5–1.9× in a process's first calls (workers
  // that held the task but had not compiled it hot); the plain loop won every later call.
  const alts = [alt("inline", 1, 20), alt("workers", 2, 12), alt("workers", 1, 19)];
  const slow: RunRecord = { executor: "workers", predictedMs: 12, measuredMs: 19 };
  const plain: RunRecord = { executor: "inline", predictedMs: 20, measuredMs: 19 };
  let runs: RunRecord[] = [slow, { ...slow, measuredMs: 22 }];
  const c = corrections(runs);
  const { choice } = repick(alts, c, 1.2, 20);
  assert.equal(choice.executor, "inline");
  for (let k = 0; k < STALE_RUNS; k++) {
    assert.equal(staleOf(alts, c, runs, choice, 20), undefined, `after ${k} runs of the choice`);
    runs = keepRuns(runs, plain);
  }
  const again = staleOf(alts, corrections(runs), runs, choice, 20);
  assert.equal(again?.executor, "workers");
  assert.equal(again?.workers, 2, "never one worker");
  assert.equal(again?.predictedMs, 12 * 19 / 12, "its corrected prediction");
  // Rerun and confirmed slow: the choice stands, and the next rerun comes STALE_RUNS runs later.
  runs = keepRuns(runs, { ...slow, measuredMs: 20 });
  assert.equal(staleOf(alts, corrections(runs), runs, choice, 20), undefined);
  for (let k = 0; k < STALE_RUNS; k++) runs = keepRuns(runs, plain);
  assert.equal(staleOf(alts, corrections(runs), runs, choice, 20)?.executor, "workers");
});

test("staleOf: not past STALE_SHARE, not over TRIAL_MS, cold runs are not measurements", () => {
  const plain: RunRecord = { executor: "inline", predictedMs: 20, measuredMs: 19 };
  const many = (first: RunRecord) => [first, ...new Array(STALE_RUNS).fill(plain)];
  const alts = [alt("inline", 1, 20), alt("workers", 2, 12)];
  // Measured at 2.5× its prediction: 30 ms against 19, past STALE_SHARE: no rerun.
  const far: RunRecord = { executor: "workers", predictedMs: 12, measuredMs: 30 };
  const cf = corrections(many(far));
  assert.ok(12 * cf.workers > STALE_SHARE * 20 * cf.inline);
  assert.equal(staleOf(alts, cf, many(far), alts[0], 20), undefined);
  // A long job: as for any trial, none.
  const long = [alt("inline", 1, 2 * TRIAL_MS), alt("workers", 2, TRIAL_MS)];
  const ran: RunRecord = { executor: "workers", predictedMs: TRIAL_MS, measuredMs: 1.9 * TRIAL_MS };
  const longPlain: RunRecord = {
    executor: "inline",
    predictedMs: 2 * TRIAL_MS,
    measuredMs: 2 * TRIAL_MS,
  };
  const longRuns = [ran, ...new Array(STALE_RUNS).fill(longPlain)];
  assert.equal(staleOf(long, corrections(longRuns), longRuns, long[0], 20), undefined);
  // Only a cold run of workers: not a measurement to renew (`trialOf` tries an executor never measured).
  const cold: RunRecord = { executor: "workers", predictedMs: 12, measuredMs: 19, cold: true };
  assert.equal(staleOf(alts, corrections(many(cold)), many(cold), alts[0], 20), undefined);
});
