// The recommendations of validateOptimization and compareStrategies, from made-up measurements.
import { test } from "node:test";
import assert from "node:assert/strict";
import { recommend, type RecommendInput } from "../src/validate/_recommend.ts";
import { compareAdvice } from "../src/validate/_strategy_configs.ts";

function input(
  over: Partial<RecommendInput>,
  profile: Record<string, unknown> = {},
): RecommendInput {
  return {
    optimization: { executor: "workers", profile } as never,
    actual: 1.8,
    predicted: 1.9,
    serialMs: 400,
    optimizedMs: 222,
    predictedSerialMs: 400,
    predictedOptimizedMs: 210,
    serialSpread: 1.05,
    optimizedSpread: 1.1,
    firstOptimizedMs: 230,
    ...over,
  };
}

test("within 25 % and worth it: nothing to say", () => {
  assert.deepEqual(recommend(input({})), []);
});

test("slower than the loop, or marginal, is said first", () => {
  const slow = recommend(input({ actual: 0.8, predicted: 0.85 }));
  assert.match(slow[0], /slower than the plain loop \(0\.80×\): run this job inline/);
  assert.match(recommend(input({ actual: 1.1, predicted: 1.15 }))[0], /marginal/);
});

test("optimistic: direction, then serialisation, heterogeneity and contention", () => {
  const breakdown = { totalMs: 100, serialMs: 50, startMs: 0 };
  const sample = { perItemMs: { cv: 0.9 } };
  const r = recommend(
    input({ actual: 1.2, predicted: 1.9, optimizedMs: 333, optimizedSpread: 2 }, {
      breakdown,
      sample,
    }),
  );
  assert.match(r[0], /optimistic by 37 %: measured 1\.20× against 1\.90× predicted/);
  assert.match(r.join("\n"), /serialisation/);
  assert.match(r.join("\n"), /heterogeneity/);
  assert.match(r.join("\n"), /contention/);
});

test("optimistic because the plain loop beat its estimate", () => {
  const r = recommend(input({ actual: 1.2, predicted: 1.9, serialMs: 260, optimizedMs: 216 }));
  assert.match(r.join("\n"), /plain loop ran 35 % faster than the sample suggested/);
});

test("pessimistic: warm workers and a heavier loop are named", () => {
  const r = recommend(
    input({ actual: 2.6, predicted: 1.6, serialMs: 600, optimizedMs: 230, firstOptimizedMs: 290 }, {
      breakdown: { totalMs: 250, serialMs: 5, startMs: 40 },
    }),
  );
  assert.match(r[0], /pessimistic by 63 %/);
  assert.match(r.join("\n"), /counted 40\.0 ms to start workers.*first run took 290\.0 ms/);
  assert.match(r.join("\n"), /plain loop ran 50 % slower/);
});

test("an inline decision: the refusal is confirmed or questioned", () => {
  const inline = { optimization: { executor: "inline", profile: {} } as never };
  assert.match(
    recommend(
      input({ ...inline, alternative: { label: "workers 2 × chunk 5", speedup: 1.6 } }),
    )[0],
    /refused, but workers 2 × chunk 5 measured 1\.60× faster/,
  );
  assert.match(
    recommend(input({ ...inline, alternative: { label: "workers 2", speedup: 0.7 } }))[0],
    /The refusal held/,
  );
  assert.match(recommend(input(inline))[0], /Inline was chosen/);
});

test("comparison advice: fastest, efficiency, configurations to avoid, the pick's rank", () => {
  const row = (label: string, executor: string, workers: number, ms: number, rank: number) => ({
    label,
    config: { executor, workers } as never,
    medianMs: ms,
    spreadMs: [ms * 0.9, ms * 1.1] as [number, number],
    speedupVsInline: 100 / ms,
    rank,
  });
  const inline = row("inline", "inline", 1, 100, 3);
  const w2 = row("workers 2", "workers", 2, 55, 1);
  const w1 = row("workers 1", "workers", 1, 140, 4);
  const w2b = row("workers 2 b", "workers", 2, 60, 2);
  const advice = compareAdvice([inline, w2, w1, w2b], w2, w2b);
  assert.match(
    advice[0],
    /Fastest: workers 2, 1\.82× the plain loop \(efficiency 91 %.*near-linear/,
  );
  assert.match(advice[1], /Avoid .*: workers 1$/);
  assert.match(advice[2], /ranked 2 of 4, 9 % slower than the fastest \(within the spread/);
  const alone = row("inline", "inline", 1, 100, 1);
  const loopBest = compareAdvice([alone], alone, alone);
  assert.match(loopBest[0], /plain loop was fastest/);
  assert.match(loopBest[1], /was the fastest/);
});
