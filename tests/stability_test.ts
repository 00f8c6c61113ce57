import { test } from "node:test";
import assert from "node:assert/strict";
import type { Alternative, Decision } from "../src/model/decide.ts";
import {
  forgetDecisions,
  forgetRecall,
  keepPrevious,
  RECALL_MOST,
  RECALL_OFF,
  recallDecision,
  recalledRan,
  rememberDecision,
  rememberedPace,
  SWITCH_MARGIN,
} from "../src/model/_stability.ts";
import type { OptimizationProfile } from "../src/model/optimization.ts";
import { sampleInWorker } from "../src/measure/sample.ts";
import { KnownResults, Source, workerSet } from "../src/engine/mod.ts";
import { createPool, execute, optimize, task } from "../mod.ts";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { taskSpec } from "../src/task/_spec.ts";
import { fixtureModule } from "./_helpers.ts";

const alts = (workersMs: number, serialMs = 100): Alternative[] => [
  { executor: "inline", workers: 1, chunkSize: 100, concurrency: 1, predictedMs: serialMs },
  { executor: "workers", workers: 1, chunkSize: 10, concurrency: 1, predictedMs: 50 },
  { executor: "workers", workers: 2, chunkSize: 10, concurrency: 1, predictedMs: workersMs },
];
const decision = (executor: "inline" | "workers", workersMs: number): Decision => ({
  executor,
  workers: executor === "workers" ? 2 : 1,
  chunkSize: 10,
  concurrency: 1,
  predictedMs: executor === "workers" ? workersMs : 100,
  serialMs: 100,
  predictedSpeedup: executor === "workers" ? 100 / workersMs : 1,
  reason: executor,
  alternatives: alts(workersMs),
});

test("stability: near the threshold the previous executor is kept; a clear change wins", () => {
  forgetDecisions();
  rememberDecision("job", 1000, 0, decision("workers", 80));
  // Now workers are predicted 86 ms (1.16× < minSpeedup 1.2): inline by the numbers, but the
  // previous executor is within the margin: kept.
  const near = keepPrevious("job", 1000, 0, 2, decision("inline", 86));
  assert.equal(near.executor, "workers");
  assert.equal(near.workers, 2); // never the one-worker row
  assert.match(near.reason, /previous call/);
  // Workers predicted slower than the plain loop: never kept.
  assert.equal(keepPrevious("job", 1000, 0, 2, decision("inline", 105)).executor, "inline");
  // Another job, another size octave: no memory.
  assert.equal(keepPrevious("other", 1000, 0, 2, decision("inline", 86)).executor, "inline");
  assert.equal(keepPrevious("job", 4000, 0, 2, decision("inline", 86)).executor, "inline");
});

test("stability: a load change lets the decision change at once", () => {
  forgetDecisions();
  rememberDecision("job", 1000, 0, decision("workers", 80));
  assert.equal(keepPrevious("job", 1000, 2, 2, decision("inline", 86)).executor, "inline");
  // A load left uncounted (the plain loop chosen where it could not matter) reads no change,
  // either side: the margin holds (kept as no load, a later count of a busy core read as a change).
  rememberDecision("job", 1000, undefined, decision("workers", 80));
  assert.equal(keepPrevious("job", 1000, 2, 2, decision("inline", 86)).executor, "workers");
  rememberDecision("job", 1000, 0, decision("workers", 80));
  assert.equal(keepPrevious("job", 1000, undefined, 2, decision("inline", 86)).executor, "workers");
  // The margin: inline remembered, workers now predicted clearly better than inline.
  forgetDecisions();
  rememberDecision("job", 1000, 0, decision("inline", 90));
  const clear = decision("workers", 100 / (SWITCH_MARGIN + 0.2));
  assert.equal(keepPrevious("job", 1000, 0, 2, clear).executor, "workers");
  const close = decision("workers", 100 / (SWITCH_MARGIN - 0.05));
  assert.equal(keepPrevious("job", 1000, 0, 2, close).executor, "inline");
});

test("recall: a remembered decision is taken again only where nothing it rests on changed", () => {
  forgetDecisions();
  const pool = {}, other = {};
  const profile: OptimizationProfile = {
    sampledItems: 10,
    sampledIn: "worker",
    alternatives: [],
    caps: { cores: 2, memory: Infinity, nested: Infinity, threads: Infinity },
    optimizeMs: 5,
  };
  const recall = (n = 1000) => ({
    n,
    items: n,
    pace: 0.1,
    basis: "2 1.2",
    pool: new WeakRef(pool),
    profile,
    warnings: ["a warning"],
  });
  rememberDecision("job", 1000, 0, decision("workers", 60), recall());
  assert.equal(rememberedPace("job", 1000, "2 1.2", pool), 0.1);
  // Another basis (cores, options), pool or number of items: nothing to take again.
  assert.equal(rememberedPace("job", 1000, "4 1.2", pool), undefined);
  assert.equal(rememberedPace("job", 1000, "2 1.2", other), undefined);
  assert.equal(rememberedPace("job", 1001, "2 1.2", pool), undefined);
  // The load changed: decided afresh.
  const take = (busy = 0, basis = "2 1.2") => recallDecision("job", 1000, basis, pool, busy, 2);
  assert.equal(take(2), undefined);
  assert.equal(take(0, "4 1.2"), undefined);
  // Else: the decision, its profile and warnings, and a reason that says so.
  const got = take()!;
  assert.equal(got.decision.executor, "workers");
  assert.equal(got.decision.workers, 2);
  assert.deepEqual(got.profile, profile);
  assert.deepEqual(got.warnings, ["a warning"]);
  // Copies, each way: what a caller changes never reaches the memory.
  assert.notEqual(got.profile, profile);
  got.profile.caps.cores = 99;
  got.decision.alternatives.length = 0;
  profile.caps.memory = 1;
  assert.equal(take()!.profile.caps.cores, 2);
  assert.equal(take()!.profile.caps.memory, Infinity);
  assert.equal(take()!.decision.alternatives.length, 3);
  profile.caps.memory = Infinity;
  assert.match(got.decision.reason, /^workers \(taken again from an earlier call of this job/);
  // `RECALL_MOST` calls in a row at most: then one decides afresh.
  for (let k = 4; k < RECALL_MOST; k++) assert.ok(take(), `call ${k + 1}`);
  assert.equal(take(), undefined);
  assert.equal(rememberedPace("job", 1000, "2 1.2", pool), undefined);
  // A fresh decision remembered starts the count again; one without what a recall needs (an
  // async task's, a stream's) is never taken again.
  rememberDecision("job", 1000, 0, decision("inline", 60), recall());
  assert.equal(take()?.decision.executor, "inline");
  rememberDecision("job", 1000, 0, decision("inline", 60));
  assert.equal(take(), undefined);
  rememberDecision("job", 1000, 0, { ...decision("inline", 60), executor: "async" }, recall());
  assert.equal(take(), undefined);
  // A recalled run that took over `RECALL_OFF` × its prediction ends the recalls, as does a run
  // on workers slower than the plain loop's prediction (100 ms here); one within both does not.
  // The share: the run's items of those the predictions were for.
  // Workers predicted 80 ms: 99 is within 1.5× of that and under the plain loop's 100; 51 for
  // half the items is under 1.5× of 40, but over the plain loop's 50.
  rememberDecision("job", 1000, 0, decision("workers", 80), recall());
  recalledRan("job", 1000, 1, 99);
  assert.ok(take());
  recalledRan("job", 1000, 0.5, 51);
  assert.equal(take(), undefined);
  rememberDecision("job", 1000, 0, decision("inline", 60), recall());
  recalledRan("job", 1000, 0.5, 50 * RECALL_OFF * 0.99); // inline predicted 100 ms in all
  assert.ok(take());
  recalledRan("job", 1000, 0.5, 50 * RECALL_OFF * 1.01);
  assert.equal(take(), undefined);
  // One far faster than predicted too: the items are not the work it was decided for.
  rememberDecision("job", 1000, 0, decision("inline", 60), recall());
  recalledRan("job", 1000, 0.5, (50 / RECALL_OFF) * 1.01);
  assert.ok(take());
  recalledRan("job", 1000, 0.5, (50 / RECALL_OFF) * 0.99);
  assert.equal(take(), undefined);
  // A call answered otherwise (too small, a trial) ends the recalls; the executor still counts
  // for `keepPrevious`.
  rememberDecision("job", 1000, 0, decision("workers", 80), recall());
  forgetRecall("job", 1000);
  assert.equal(take(), undefined);
  assert.equal(keepPrevious("job", 1000, 0, 2, decision("inline", 86)).executor, "workers");
});

test("recall: repeated executes of one job on real workers return every result in order", async () => {
  // Whether a call takes the earlier decision again rests on timings (how the first call decided,
  // the load): each call's results are checked, whichever way it went; `optimize` never takes one
  // again.
  const pool = createPool({ maxWorkers: 2 });
  try {
    const square = task<number, number>(fixtureModule("tasks/basic"), "square");
    const data = Array.from({ length: 20_000 }, (_, i) => i % 1000);
    const want = data.map((x) => x * x);
    for (let k = 0; k < 4; k++) {
      assert.deepEqual(await execute(square, data, { pool, cache: false }), want);
    }
    for (let k = 0; k < 2; k++) {
      const o = await optimize(square, data, { pool, cache: false });
      assert.doesNotMatch(o.reason, /taken again/, o.explain());
    }
  } finally {
    await pool.close();
  }
});

test("sampling grows only while it can change the decision (enough says stop)", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    const square = task<number, number>(fixtureModule("tasks/basic"), "square");
    const spec = taskSpec(square);
    const data = Array.from({ length: 100_000 }, (_, i) => i);
    const run = async (enough?: () => boolean) => {
      const s = await sampleInWorker(
        workerSet(pool).ensure(1)[0],
        spec,
        new Source<unknown>(data),
        new KnownResults(),
        1000,
        50_000,
        undefined,
        enough,
      );
      return s.profile!.sampled;
    };
    let asked = 0;
    const stopped = await run(() => (asked++, true));
    const full = await run();
    assert.equal(asked, 1, "asked once, after the first timed round");
    assert.ok(stopped < full, `stopped at ${stopped} items, ${full} without the rule`);
  } finally {
    await pool.close();
  }
});

test("sampling warms up and times its first round in one message", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    const square = task<number, number>(fixtureModule("tasks/basic"), "square");
    const worker = workerSet(pool).ensure(1)[0];
    let sent = 0;
    const send = worker.send.bind(worker);
    worker.send = (m) => (sent++, send(m));
    const data = Array.from({ length: 100_000 }, (_, i) => i);
    const known = new KnownResults();
    const s = await sampleInWorker(
      worker,
      taskSpec(square),
      new Source<unknown>(data),
      known,
      1000,
      50_000,
      undefined,
      () => true, // the first timed round settles it
    );
    const p = s.profile!;
    assert.equal(sent, 1, "one message: the warm-up and the first timed round");
    assert.equal(p.sampled - p.timed, 2, "two warm-up items, not timed");
    assert.ok(p.timed >= 8, `${p.timed} items timed`);
    // The worker timed only the items after the warm-up, one by one (those still warming up are
    // left out of the statistics: see the next test).
    assert.ok(p.perItemMs.n <= p.timed && p.perItemMs.n >= 4, `${p.perItemMs.n} of ${p.timed}`);
    const kept = data.filter((_, i) => known.has(i));
    assert.equal(kept.length, p.sampled);
    for (const x of kept) assert.equal(known.get(x), x * x);
  } finally {
    await pool.close();
  }
});

test("sampling times the warm pace: a fresh worker's calls still compiling are left out", async () => {
  // The task's first 6 calls in a worker take 30 ms, the later ones 0.5 ms: 2 warm-up calls, then
  // 4 slow and 4 fast ones timed. All 8 read a mean of 15 ms and a spread (CV 1) that the model
  // took for heterogeneous items; the run's many items go at the warm pace. (Spins of the wall
  // clock: a preempted call only runs longer. The fast half keeps its pace below half the slow
  // one's unless its calls lost 58 ms to other threads.)
  const pool = createPool({ maxWorkers: 1 });
  try {
    const warms = task<number, number>(fixtureModule("tasks/basic"), "warmsUp");
    const s = await sampleInWorker(
      workerSet(pool).ensure(1)[0],
      taskSpec(warms),
      new Source<unknown>(new Array(200).fill(0.5)),
      new KnownResults(),
      1000,
      10,
    );
    const p = s.profile!;
    assert.equal(p.timed, 8);
    assert.equal(p.perItemMs.n, 4, "the 4 slow calls left out");
    assert.ok(p.perItemMs.median < 10, `median ${p.perItemMs.median} ms`);
  } finally {
    await pool.close();
  }
});

test("a CPU hog running through the calls is read as load: the counts that filter bursts keep it", {
  skip: !existsSync("/proc/stat") && "no /proc/stat",
}, async () => {
  // A shell loop: runnable from start to end, unlike a burst. Each count of this process's own
  // threads can still miss it once (they are counted before and after it, the more of the two):
  // one call of three must see it.
  const hog = spawn("/bin/sh", ["-c", "while :; do :; done"], { stdio: "ignore" });
  const pool = createPool();
  try {
    await new Promise((r) => setTimeout(r, 50));
    const spin = task<number, number>(fixtureModule("tasks/basic"), "spin");
    const data = new Array(300).fill(0.5);
    // Warm workers that hold the task: on a cold pool a job this small may run here whole, its
    // items left never paying for the workers' start (no load read).
    await execute(spin, [0, 0], { executor: "workers", workers: 2, chunkSize: 1, pool });
    // (`minSpeedup: 1`: workers are chosen with no load counted, so it is counted — the plain
    // loop chosen with none is chosen under any, and counting it then is skipped.)
    const loads: string[] = [];
    for (let k = 0; k < 3; k++) {
      const o = await optimize(spin, data, { pool, cache: false, minSpeedup: 1 });
      loads.push(`${o.profile.sample?.externalLoad ?? "none"} (${o.profile.sampledIn})`);
    }
    assert.ok(loads.some((l) => Number.parseFloat(l) > 0), `loads ${loads.join(", ")}`);
  } finally {
    hog.kill("SIGKILL");
    await pool.close();
  }
});
