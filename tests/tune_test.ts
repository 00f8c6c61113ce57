// tune on real runs: the grid and Bayesian searches, the optimizer's pick and its predictions,
// per-trial time limits, abort, budget, progress and argument checks. Only logic is asserted
// (which trials ran, in what order, how they ended), never how fast they ran.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute, task, tune } from "../mod.ts";
import type { TuneProgress, TuneTrial } from "../mod.ts";
import { assertAbortWhileReading, fixtureModule } from "./_helpers.ts";

const basic = fixtureModule("tasks/basic");
const square = task<number, number>(basic, "square");
const sleepy = task<number, number>(basic, "sleepy");
const work = task<{ ms: number }, number>(basic, "work");
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const key = (t: TuneTrial) => JSON.stringify(t.config);

function checkTrials(trials: TuneTrial[]) {
  assert.equal(new Set(trials.map(key)).size, trials.length, "no configuration twice");
  for (const t of trials) {
    if (t.error === undefined) {
      assert.ok(Number.isFinite(t.medianMs) && t.medianMs > 0);
      assert.ok(t.spreadMs[0] <= t.medianMs && t.medianMs <= t.spreadMs[1]);
    } else {
      assert.equal(t.medianMs, Infinity);
    }
  }
}

test("tune grid: each configuration once, the pick first, best the minimum", async () => {
  const progress: TuneProgress[] = [];
  const r = await tune(square, range(300), {
    strategy: "grid",
    space: { workers: [1, 2], chunkSizes: [50, 300] },
    repeats: 2,
    onProgress: (p) => progress.push(p),
  });
  assert.equal(r.strategy, "grid");
  assert.equal(r.stoppedBecause, "exhausted");
  assert.deepEqual(r.trials[0].config, r.optimizerPick.config);
  // inline + 2 workers × 2 chunk sizes (+ the pick when it is none of them; square on 300 items
  // is tiny, so the optimizer answers inline).
  const pick = r.optimizerPick.config;
  const inGrid = pick.executor === "inline" || [50, 300].includes(pick.chunkSize);
  const size = inGrid ? 5 : 6;
  assert.equal(r.spaceSize, size);
  assert.equal(r.evaluations, size);
  checkTrials(r.trials);
  const min = Math.min(...r.trials.map((t) => t.medianMs));
  assert.equal(r.best.medianMs, min);
  // repeats 2 each, then the three fastest twice more (alternating confirmation).
  assert.ok(r.trials.every((t) => t.runs === 2 || t.runs === 4));
  assert.equal(r.trials.filter((t) => t.runs === 4).length, 3);
  assert.ok(r.optimizerPick.gapPct >= 0);
  assert.deepEqual(progress.map((p) => p.evaluations), range(size).map((i) => i + 1));
  assert.ok(progress.every((p) => p.planned === size && p.bestMs <= p.trial.medianMs));
  // Worker predictions exist exactly when the optimizer measured workers (else a warning says so).
  const unmeasured = r.warnings.some((w) => /without measuring workers/.test(w));
  for (const t of r.trials.filter((t) => t.config.executor === "workers")) {
    assert.equal(Number.isNaN(t.predictedMs), unmeasured);
  }
});

test("tune: worker configurations carry the optimizer's model prediction", async () => {
  // 400 calls: more than the optimizer's look runs (at most maxConcurrency, 256), so that it
  // decides with a model whatever it measured (a job its look ran whole may answer "inline").
  const r = await tune(sleepy, new Array(400).fill(2), {
    strategy: "grid",
    space: { executors: ["async", "workers"], workers: [1], chunkSizes: [100] },
    repeats: 1,
  });
  assert.ok(r.trials.length >= 2);
  checkTrials(r.trials);
  const workers = r.trials.filter((t) => t.config.executor === "workers");
  assert.ok(workers.length >= 1);
  // A prediction, unless the optimizer decided without measuring workers (load can send it
  // there: a look whose calls seemed to compute, a job then too small) — and then it says so.
  const unmeasured = r.warnings.some((w) => /without measuring workers/.test(w));
  for (const t of workers) {
    assert.ok(unmeasured ? Number.isNaN(t.predictedMs) : t.predictedMs > 0, JSON.stringify(t));
  }
  // Whether the optimizer's own pick lies in this small space depends on what it measured (load
  // can change it): that warning may come; no other may.
  assert.deepEqual(
    r.warnings.filter((w) => !/outside the space|without measuring workers/.test(w)),
    [],
  );
});

test("tune auto: grid up to 12 configurations, Bayesian above, within maxConfigs", async () => {
  const small = await tune(square, range(200), {
    space: { workers: [1], chunkSizes: [10, 100] },
    repeats: 1,
  });
  assert.equal(small.strategy, "grid");
  const big = await tune(square, range(512), {
    space: { workers: [1, 2], chunkSizes: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] },
    repeats: 1,
    maxConfigs: 6,
  });
  assert.equal(big.strategy, "bayesian");
  // 2 × 10 worker configurations + inline, + the optimizer's pick when it is not among them.
  assert.ok(big.spaceSize === 21 || big.spaceSize === 22, `space ${big.spaceSize}`);
  assert.ok(big.evaluations <= 6);
  assert.ok(["maxConfigs", "converged"].includes(big.stoppedBecause), big.stoppedBecause);
  assert.deepEqual(big.trials[0].config, big.optimizerPick.config, "seeded with the pick");
  checkTrials(big.trials);
});

test("tune: a run over timeoutMs fails its trial and the pool keeps working", async () => {
  const items = [...new Array(99).fill({ ms: 0.01 }), { ms: 3000 }];
  const r = await tune(work, items, {
    strategy: "grid",
    space: { executors: ["workers"], workers: [1], chunkSizes: [10] },
    timeoutMs: 300,
    repeats: 2,
  });
  // workers 1 × chunk 10, and the optimizer's pick when it chose workers (else it is left out);
  // none when its sampling ran into the 3 s item (then it made no pick, and says so).
  const noPick = r.warnings.some((w) => /^The optimizer made no pick: .*time limit/.test(w));
  const outside = !noPick && r.optimizerPick.config.executor !== "workers";
  assert.equal(r.trials.length, outside || noPick ? 1 : r.spaceSize);
  assert.ok(r.trials.some((t) => t.config.workers === 1 && t.config.chunkSize === 10));
  for (const t of r.trials) {
    assert.equal(t.medianMs, Infinity);
    assert.match(t.error ?? "", /time limit of 300 ms/);
  }
  assert.ok(Number.isNaN(r.optimizerPick.gapPct), "nothing finished: no gap");
  assert.match(r.warnings[0], /^Every configuration tried failed .*time limit of 300 ms/);
  assert.equal(r.warnings.some((w) => /outside the space/.test(w)), outside);
  const out = await execute(square, range(8), { executor: "workers", workers: 1, chunkSize: 4 });
  assert.deepEqual(out, range(8).map((x) => x * x));
});

test("tune: abort returns the trials so far; aborting before any trial rejects", async () => {
  const ctl = new AbortController();
  const r = await tune(square, range(200), {
    strategy: "grid",
    space: { workers: [1, 2], chunkSizes: [10, 20, 50] },
    repeats: 1,
    signal: ctl.signal,
    onProgress: (p) => p.evaluations === 2 && ctl.abort(),
  });
  assert.equal(r.stoppedBecause, "aborted");
  assert.equal(r.evaluations, 2);
  const gone = AbortSignal.abort(new Error("stop now"));
  await assert.rejects(tune(square, range(10), { signal: gone }), /stop now/);
});

test("tune: a spent budget stops after the first trial", async () => {
  const r = await tune(square, range(200), {
    strategy: "grid",
    space: { workers: [1, 2], chunkSizes: [10, 20] },
    budgetMs: 0.001,
    repeats: 1,
  });
  assert.equal(r.stoppedBecause, "budget");
  assert.equal(r.evaluations, 1);
});

test("tune: bad arguments throw TypeError/RangeError naming them", async () => {
  await assert.rejects(tune(square, range(3), { strategy: "x" as never }), /'strategy'/);
  await assert.rejects(tune(square, range(3), { repeats: 0 }), RangeError);
  await assert.rejects(tune(square, range(3), { budgetMs: -1 }), /'budgetMs'.*-1/);
  await assert.rejects(tune(square, range(3), { space: { workers: [0] } }), /'space.workers\[0\]'/);
  await assert.rejects(
    tune(square, range(3), { space: { executors: ["gpu" as never] } }),
    TypeError,
  );
  await assert.rejects(tune(square, []), RangeError);
  await assert.rejects(tune(42 as never, range(3)), TypeError);
  // An empty list read "must be a non-empty array, got an array" (a TypeError): got what, then?
  await assert.rejects(tune(square, range(3), { space: { workers: [] } }), {
    name: "RangeError",
    message: "'space.workers' must be a non-empty array, got an empty array",
  });
  await assert.rejects(tune(square, range(3), { space: { chunkSizes: 8 as never } }), {
    name: "TypeError",
    message: "'space.chunkSizes' must be a non-empty array, got 8",
  });
});

test("tune: a worker count beyond what the pool can start is a RangeError naming it, before any work", async () => {
  // Any count was taken: 1e9 warmed the shared pool up to 1 024 workers, then the trials ran on
  // what the pool had and reported the count asked.
  const pool = createPool({ maxWorkers: 2 });
  try {
    await assert.rejects(tune(square, range(3), { pool, space: { workers: [1, 3] } }), {
      name: "RangeError",
      message: "'space.workers[1]' must be at most 2 (the pool's maxWorkers), got 3",
    });
    assert.equal(pool.size, 0, "no worker started");
    const r = await tune(square, range(4), {
      pool,
      space: { workers: [2], chunkSizes: [2] },
      strategy: "grid",
      repeats: 1,
    });
    assert.ok(r.trials.some((t) => t.config.executor === "workers" && t.config.workers === 2));
  } finally {
    await pool.close();
  }
  await assert.rejects(tune(square, range(3), { space: { workers: [1e9] } }), {
    name: "RangeError",
    message: "'space.workers[0]' must be at most 1024 (the pool's maxWorkers), got 1000000000",
  });
});

test("tune: timeoutMs bounds the optimizer's sampling too: a task that never finishes settles", async () => {
  // The optimizer ran without the limit: a Promise that never settles, or a loop that never
  // ends, held tune in its sampling forever, before any trial. Now it makes no pick, the trials
  // run, and the plain loop (on this thread, where a run cannot be stopped) fails unrun.
  const never = (_x: number) => new Promise<number>(() => {});
  const space = { workers: [1, 2], chunkSizes: [3] };
  const r = await tune(never, range(6), { timeoutMs: 300, repeats: 1, strategy: "grid", space });
  assert.match(r.warnings[0], /^Every configuration tried failed/);
  assert.match(r.warnings[1], /^The optimizer made no pick: .*time limit.*300 ms/);
  assert.ok(Number.isNaN(r.optimizerPick.gapPct));
  checkTrials(r.trials);
  for (const t of r.trials) {
    assert.match(t.error ?? "", /time limit/);
    assert.ok(Number.isNaN(t.predictedMs));
  }
  const inline = r.trials.find((t) => t.config.executor === "inline");
  assert.equal(inline?.runs, 0, "the plain loop did not run");
  const hang = task<number, number>(basic, "hangOn3");
  const h = await tune(hang, [3, 3, 3, 3], { timeoutMs: 300, repeats: 1, strategy: "grid", space });
  assert.ok(h.trials.length >= 3);
  assert.ok(h.trials.every((t) => /time limit/.test(t.error ?? "")));
  const out = await execute(square, range(8), { executor: "workers", workers: 1, chunkSize: 4 });
  assert.deepEqual(out, range(8).map((x) => x * x));
});

test("tune: an abort while an async iterable is read rejects at once; an aborted signal reads nothing", async () => {
  // The data were read whole before the signal was looked at: a source waiting for its next
  // item held tune forever after the abort, and an aborted signal still drained a one-shot source.
  await assertAbortWhileReading((data, signal) => tune(square, data, { signal }));
});

test("tune: a bad or closed pool is named before any item is read", async () => {
  // The pool was not checked: `pool.warm is not a function`, after the data were read whole.
  let read = 0;
  const counted = function* () {
    for (let i = 0; i < 5; i++) read++, yield i;
  };
  await assert.rejects(tune(square, counted(), { pool: 5 as never }), /'pool'.*got 5/);
  const closed = createPool();
  await closed.close();
  await assert.rejects(tune(square, counted(), { pool: closed }), /'pool' is closed/);
  assert.equal(read, 0);
});
