// The optimizer on real workers: the decisions that cannot be wrong, workload problems answered
// with "inline" and a reason, every item run exactly once under automatic execute/map.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { createPool, execute, map, optimize, probeSystem, task } from "../mod.ts";
import { spawn, spawnSync } from "node:child_process";
import { threadSched } from "../src/system/mod.ts";
import { explainOptimization } from "../src/model/mod.ts";
import { fixtureModule, runFixture } from "./_helpers.ts";
import { cliCommand, denoBinary, repoRoot } from "./_cli.ts";

const basic = fixtureModule("tasks/basic");
const spin = task<number, number>(basic, "spin");
const square = task<number, number>(basic, "square");
const sleepy = task<number, number>(basic, "sleepy");
const touchOnce = task<{ dir: string; x: number; ms?: number }, number>(
  fixtureModule("tasks/once"),
  "touchOnce",
);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test("optimize: decided from the look, workers are predicted at their own pace, measured by its helpers", async () => {
  // 12 items of 30 ms in a worker, 90 ms on this thread: the look times one here while warm
  // workers holding the task run items beside it. The plain loop is predicted at this thread's
  // pace, the workers at theirs (within 1.25× of it): they were predicted at this thread's.
  const slower = task<number, number>(basic, "spinSlowerHere");
  const pool = createPool({ maxWorkers: 2 });
  try {
    await execute(slower, [1, 1, 1, 1], { executor: "workers", workers: 2, chunkSize: 1, pool });
    const n = 12;
    const r = await optimize(slower, new Array(n).fill(30), { cache: false, pool });
    const b = r.profile.breakdown!;
    assert.equal(r.profile.sampledIn, "main", r.explain());
    const here = r.predictedMs.serial / n, there = (b.computeMs * b.workers) / n;
    assert.ok(there < here, `workers ${there} ms an item, this thread ${here}: ${r.explain()}`);
    assert.ok(there >= here / 1.25 - 1e-9, `within 1.25×: ${there} vs ${here}`);
  } finally {
    await pool.close();
  }
});

test("optimize: a memory limit caps the workers of a decision from the look too", () => {
  // A limit of 1 MiB leaves room for one worker. Items of 30 ms are decided from the look on this
  // thread (no sample in a worker), which applied no memory cap: 2 workers, "memory none".
  const home = mkdtempSync(join(tmpdir(), "amorsize-memory-cap-"));
  try {
    const data = join(home, "items.json");
    writeFileSync(data, JSON.stringify(new Array(8).fill(30)));
    const { cmd, args } = cliCommand();
    const r = spawnSync(
      cmd,
      [...args, "optimize", `${fileURLToPath(basic)}#spin`, "--data", data, "--json"],
      {
        cwd: repoRoot(),
        encoding: "utf8",
        env: {
          ...process.env,
          AMORSIZE_CPUS: "2",
          AMORSIZE_MEMORY: "1M",
          AMORSIZE_CACHE: "0",
          AMORSIZE_HOME: home,
        },
        timeout: 120_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.profile.caps.memory, 1, `sampled in ${o.profile.sampledIn}: ${o.reason}`);
    assert.ok(o.executor !== "workers" || o.workers === 1, `${o.executor} × ${o.workers}`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("optimize: no more workers start than memory has room for, large items too", () => {
  // A limit of 1 MiB leaves room for one worker's own memory at most. Items of 30 ms start the
  // workers at once (as many as cores, 2), before the memory cap was computed: they idled.
  const env = { AMORSIZE_CPUS: "2", AMORSIZE_MEMORY: "1M", AMORSIZE_CACHE: "0" };
  const o = runFixture("memory_capped_start", [], env);
  assert.equal(o.memory, 1);
  assert.ok(o.started <= 1, `${o.started} workers started (sampled in ${o.sampledIn})`);
});

test("optimize: 1 µs × 100 items stays inline", async () => {
  const r = await optimize(square, range(100), { cache: false });
  // The look on the calling thread runs every item unless the machine's load stops it early (its
  // time budget gone); only a partial look leaves a decision that load can change.
  if (r.profile.sampledItems < 100) {
    return console.log(`partial look (${r.profile.sampledItems} items): ${r.reason}`);
  }
  assert.equal(r.executor, "inline");
  assert.match(r.reason, /^Inline: /);
  assert.match(r.explain(), /Decision: inline/);
});

test("explain: times under 10 µs read in microseconds", async () => {
  const r = await optimize((x: number) => x + 1, [1, 2, 3], { cache: false });
  // Set times, not measured ones: the format is under test.
  const sample = {
    sampled: 3,
    timed: 2,
    perItemMs: { n: 2, median: 0.0012, mean: 0.5, min: 0.001, max: 1, cv: 0 },
    cpuRatio: null,
    workloadType: "cpu" as const,
    isAsync: false,
    inputBytes: 8,
    outputBytes: 8,
    inputCloneMs: 0,
    outputCloneMs: 0.02,
    transferables: false,
    heapGrowthPerItemBytes: null,
    externalLoad: 0,
    internalThreads: 1,
  };
  const text = explainOptimization({ ...r, profile: { ...r.profile, sample } });
  assert.match(text, /per item median 1\.20 µs, mean 0\.50 ms/);
  assert.match(text, /Clone per item: in 0\.00 ms \(8 B\), out 0\.02 ms/);
  // A profile with no clone measured (a decision taken without workers in view) says so.
  const unmeasured = { ...sample, inputBytes: 0, outputBytes: 0, outputCloneMs: 0 };
  const bare = explainOptimization({ ...r, profile: { ...r.profile, sample: unmeasured } });
  assert.match(bare, /^Clone per item: not measured$/m);
  // No CPU ratio: the type is not claimed; with one, it is given with the ratio.
  assert.match(text, /CV 0\.00, CPU\/wall not measured$/m);
  const io = { ...sample, cpuRatio: 0.05, workloadType: "io" as const };
  const measured = explainOptimization({ ...r, profile: { ...r.profile, sample: io } });
  assert.match(measured, /CV 0\.00, io-bound \(CPU\/wall 0\.05\)$/m);
  // Other processes' load on the cores, as the model took it, is said where there is one.
  assert.doesNotMatch(text, /busy with other work/);
  const loaded = explainOptimization({
    ...r,
    profile: { ...r.profile, sample: { ...sample, externalLoad: 1 } },
  });
  assert.match(loaded, /^System: .*; 1 of them busy with other work$/m);
});

test("optimize: 5 ms × 400 items: a worker decision within the machine", async () => {
  // What it decides depends on measured speed and on the machine's load (another process's
  // threads take cores, a preempted spin looks less CPU-bound): assert what holds whatever the
  // load; bench/decision_quality.ts measures the choice itself.
  const cores = (await probeSystem()).effectiveCores;
  const r = await optimize(spin, new Array(400).fill(5), { cache: false });
  console.log(`decision: ${r.executor} × ${r.workers} (${r.reason})`);
  if (cores < 2) return assert.equal(r.executor, "inline");
  assert.notEqual(r.executor, "async", "a synchronous task never goes to the async executor");
  assert.ok(r.workers >= 1 && r.workers <= cores, `${r.workers} workers on ${cores} cores`);
  // Measured: in a worker, or here (the items run here while the workers load the task, or
  // large items under load, are decided from this thread's times).
  assert.notEqual(r.profile.sampledIn, "none");
  // The spin holds its thread for 5 ms of wall time: no load makes an item faster than that.
  assert.ok(r.profile.sample!.perItemMs.median > 3, "per-item time is measured");
  if (r.executor === "workers") {
    assert.ok(r.predictedSpeedup >= 1.2, `predicted ${r.predictedSpeedup}×`);
    assert.ok(r.profile.breakdown!.computeMs > 0);
  }
});

test("optimize: never more workers than the pool holds; the answer says it is the pool", async () => {
  // A pool of one worker: two workers were predicted 1.86× faster, and the run had one.
  const pool = createPool({ maxWorkers: 1 });
  try {
    const r = await optimize(spin, new Array(400).fill(5), { cache: false, pool });
    assert.equal(r.executor, "inline", r.reason);
    if ((await probeSystem()).effectiveCores >= 2) {
      assert.match(r.reason, /the pool holds one worker at most \(its maxWorkers is 1\)/);
    }
    assert.equal(pool.size, 0, "no worker started");
  } finally {
    await pool.close();
  }
  // A pool of two under maxWorkers: 1.
  const two = createPool({ maxWorkers: 2 });
  try {
    const r = await optimize(spin, new Array(400).fill(5), {
      cache: false,
      pool: two,
      maxWorkers: 1,
    });
    assert.equal(r.executor, "inline", r.reason);
    if ((await probeSystem()).effectiveCores >= 2) assert.match(r.reason, /maxWorkers is 1/);
  } finally {
    await two.close();
  }
});

test("optimize: a CPU-bound task stays CPU-bound beside CPU hogs (waiting for a CPU is not I/O)", async () => {
  // Two busy processes beside the sampling worker: its thread waits for a CPU, so CPU time falls
  // well below wall time. The time spent waiting is read from /proc/thread-self/schedstat and
  // taken out, so the task is still seen as CPU-bound. Without that reading there is no claim.
  if (threadSched() === undefined) return;
  const hogs = [0, 1].map(() => spawn("yes", { stdio: "ignore" }));
  try {
    const r = await optimize(spin, new Array(60).fill(5), { cache: false });
    const s = r.profile.sample!;
    assert.notEqual(s.workloadType, "io", `CPU/run time ${s.cpuRatio}`);
  } finally {
    for (const h of hogs) h.kill("SIGKILL");
  }
});

test("optimize: an I/O-bound async task goes to the async executor", async () => {
  const r = await optimize(sleepy, new Array(200).fill(5), { cache: false });
  // The look starts all 200 calls at once; where this thread's CPU clock reads them as computing
  // (on a loaded machine: host steal counts as CPU time), nothing is left to decide on: the answer
  // then says how they ran, with that reason (the async executor's way, overlapped). Else the
  // calls overlapped, and the async executor it is.
  if (/every item already ran/.test(r.reason)) {
    assert.equal(r.executor, "async", r.reason);
    assert.equal(r.profile.sampledItems, 200);
    return;
  }
  // Where the look's batch did not read as overlapped (beside two CPU hogs, once in a test run on
  // Node), the job is too small for workers: the async executor still, decided here.
  if (/(items left are|whole job is) small/.test(r.reason)) {
    assert.equal(r.executor, "async", r.reason);
    assert.equal(r.profile.sampledIn, "main");
    return;
  }
  assert.equal(r.executor, "async", r.explain());
  assert.ok(r.concurrency > 1);
  assert.equal(r.profile.sample!.isAsync, true);
  // Its calls overlapped in the look (a batch ran at once after the first), so it was decided
  // on the calling thread, without sampling one call at a time in a worker.
  assert.equal(r.profile.sampledIn, "main");
  assert.equal(r.profile.sample!.workloadType, "io");
  assert.ok(r.profile.sampledItems > 3, `${r.profile.sampledItems} items looked at`);
});

test("optimize: an I/O task whose first calls compile (a client met cold) is decided here, not sampled in a worker", async () => {
  // The first look's batch kept this thread busy with the client's first-time work (40 ms before
  // the first call settled, 1 ms after each of the next 80 waits): read as calls that compute, it
  // sent the job to sampling in a worker (where the client was cold again: 460–590 ms to decide
  // 300 calls of a 20 ms timer). A second batch, warm, finds the calls waiting.
  const cold = task<number, number>(basic, "coldClient");
  const r = await optimize(cold, new Array(300).fill(20), { cache: false });
  assert.equal(r.executor, "async", r.explain());
  assert.equal(r.profile.sampledIn, "main", r.explain());
});

test("optimize: calls that all waited for a client's connection are timed again once it is up", async () => {
  // The process's first call of the task sets up a connection of 60 ms that every call waits
  // for; once it is up, a call waits one turn of the event loop. The look's batch read every
  // call at about 60 ms (3,000 calls: a plain loop of 3 minutes predicted); one call timed alone
  // after it, far faster, says the batch's calls shared that wait: calls alone and a second
  // batch measure the calls as they are. (A turn of the event loop takes microseconds; on any
  // machine, however loaded, far under the 20 ms a call that would give 60 s.)
  const client = task<number, number>(basic, "connectedClient");
  const data = Array.from({ length: 3000 }, (_, i) => i);
  const r = await optimize(client, data, { cache: false });
  assert.ok(r.predictedMs.serial < 60_000, r.explain());
  const out = await execute(client, data.slice(0, 10), { cache: false });
  assert.deepEqual(out, data.slice(0, 10).map((x) => x * 2));
});

test("optimize: an async task whose look found its calls waiting starts the next look's batch at once", async () => {
  // Calls of a 20 ms timer, counted as they start: before the event loop turned once after the
  // first, and before any settled. The first look starts a first wave of 8, then (none settled
  // within 1 ms, this thread idle) the rest; the next look of the same task starts them all at
  // once, without that wait (where the first grew so: on a loaded machine its wait may find this
  // thread busy, and it grows only once a call settled).
  const seen = { started: 0, beforeTurn: 0, beforeSettle: 0, turned: false, settled: false };
  const timed = async (ms: number) => {
    if (seen.started++ === 0) setTimeout(() => (seen.turned = true), 0);
    if (!seen.turned) seen.beforeTurn++;
    if (!seen.settled) seen.beforeSettle++;
    await new Promise((r) => setTimeout(r, ms));
    seen.settled = true;
    return ms;
  };
  const data = new Array(100).fill(20);
  await optimize(timed, data, { cache: false });
  const first = { ...seen };
  Object.assign(seen, {
    started: 0,
    beforeTurn: 0,
    beforeSettle: 0,
    turned: false,
    settled: false,
  });
  const r = await optimize(timed, data, { cache: false });
  assert.equal(r.executor, "async", r.explain());
  assert.equal(first.beforeTurn, 8);
  if (first.beforeSettle === 100) assert.equal(seen.beforeTurn, 100, r.explain());
});

test("optimize: an async task that computes is not I/O-bound: its calls do not overlap", async () => {
  const spinAsync = task<number, number>(basic, "spinAsync");
  const r = await optimize(spinAsync, new Array(100).fill(2), { cache: false });
  assert.equal(r.profile.sample!.isAsync, true);
  assert.notEqual(r.profile.sample!.workloadType, "io", r.explain());
  // Workers, or (where they do not pay: a loaded machine) the async executor from the calls
  // predicted to gain — never as an I/O-bound task.
  assert.doesNotMatch(r.reason, /I\/O-bound/, r.explain());
});

test("optimize: an async task that nothing speeds up runs on the async executor, not the plain loop", async () => {
  // One worker cannot beat the plain loop, and calls that compute do not overlap: the async
  // executor from the calls predicted to gain, whose limiter adds calls while they gain.
  const spinAsync = task<number, number>(basic, "spinAsync");
  const r = await optimize(spinAsync, new Array(100).fill(1), { cache: false, maxWorkers: 1 });
  assert.equal(r.executor, "async", r.explain());
  // (Beside CPU hogs, a call timed alone can be stretched past the batch's calls: they then read
  // as I/O-bound, also the async executor.)
  if (!/I\/O-bound/.test(r.reason)) {
    assert.match(r.reason, /^Async from \d+ calls? in flight, adapting/, r.reason);
  }
  const out = await execute(spinAsync, new Array(100).fill(1), { cache: false, maxWorkers: 1 });
  assert.equal(out.length, 100);
});

test("optimize: a task that throws in workers only is never answered workers; automatic execute runs it like the plain loop", async () => {
  // A warm pool and a short job of short items: the optimizer may decide from the items run
  // here, which never fail. Workers were chosen that way with no warning.
  const pool = createPool({ maxWorkers: 2 });
  try {
    await execute(spin, new Array(8).fill(2), { executor: "workers", workers: 2, pool });
    const hereOnly = task<number, number>(basic, "spinHereOnly");
    for (const [n, ms] of [[200, 0.5], [800, 0.2]]) {
      const data = new Array(n).fill(ms);
      const r = await optimize(hereOnly, data, { cache: false, pool });
      assert.notEqual(r.executor, "workers", r.explain());
      // Where a worker's failure decided it, the warnings say so (not only explain). Load can
      // make the plain loop the decision for speed first (no worker ran it then), and warnings
      // of the timings (a CV read from 4 items of which one was preempted) may come beside it.
      if (/in a worker/.test(r.reason)) {
        assert.ok(r.warnings.some((w) => /threw on item \d+ in a worker/.test(w)), r.explain());
      }
      assert.deepEqual(await execute(hereOnly, data, { cache: false, pool }), data);
    }
  } finally {
    await pool.close();
  }
});

test("optimize: empty data, a throwing task and an uncloneable item answer inline", async () => {
  const empty = await optimize(square, [], { cache: false });
  assert.equal(empty.executor, "inline");
  assert.match(empty.reason, /empty/);
  // One item: the look runs it whatever the time budget (a longer array is looked at from a
  // random index, for as long as the budget lasts).
  const throwing = await optimize(task<number, number>(basic, "failOn13"), [13], {
    cache: false,
  });
  assert.equal(throwing.executor, "inline");
  assert.match(throwing.reason, /item 0/);
  const items: unknown[] = new Array(400).fill(5);
  items[0] = 5;
  const fn = (x: unknown) => {
    const end = performance.now() + 2;
    while (performance.now() < end) { /* work */ }
    return typeof x;
  };
  const withFn = [...items];
  withFn[3] = () => 1;
  const r = await optimize(fn, withFn, { cache: false });
  assert.equal(r.executor, "inline");
  // The items are scanned once a decision sends them to workers; other processes' load can make
  // the plain loop the decision first, for speed (the run then clones nothing).
  assert.match(
    r.reason,
    /item 3 cannot be cloned.*function|predicted only|one worker cannot beat|previous call/,
  );
});

test("optimize: an async task whose look ran every item in one batch says how they ran", async () => {
  // Calls that compute 0.2 ms before they settle: the look runs some one after the other (for
  // at most its 2 ms), then starts the rest together (a batch of at least 4, bounded by their CPU
  // time at 20 ms: 40 such calls were cut at 30 beside two CPU hogs, 12 need a tenfold misread);
  // they gain nothing from overlapping, so nothing counts as I/O and nothing is left to decide.
  let calls = 0;
  const work = async (x: number) => {
    calls++;
    const t = performance.now();
    while (performance.now() - t < 0.2);
    return await Promise.resolve(x * 2);
  };
  const data = range(12);
  const r = await optimize(work, data, { cache: false });
  // The look may stop short of the 12 (a tenfold misread of their CPU time: 8 once on Bun in CI).
  assert.ok(r.profile.sampledItems <= 12 && calls <= 12, r.explain());
  // Before, such a look answered "inline" on some calls of a job and "async" on others.
  assert.equal(r.executor, "async", r.explain());
  if (r.profile.sampledItems === 12) {
    assert.equal(calls, 12, "each item ran once");
    assert.ok(r.concurrency >= 2, r.explain());
    assert.match(r.reason, /every item already ran/);
    assert.match(r.reason, new RegExp(`ran ${r.concurrency} at a time`));
    assert.match(r.explain(), /plain loop n\/a/);
  }
  calls = 0;
  assert.deepEqual(await execute(work, data, { cache: false }), data.map((x) => x * 2));
  assert.equal(calls, 12, "automatic execute ran each item once (the look's results kept)");
});
test("optimize: a one-shot source the look runs to its end starts no worker", async () => {
  const pool = createPool();
  try {
    const none = await optimize(square, (async function* () {})(), { cache: false, pool });
    assert.equal(none.executor, "inline");
    assert.match(none.reason, /the data is empty/);
    // One item: the look runs it, and a second pull finds the end (whatever the time budget: a
    // first item under 20 ms is followed by a second).
    const one = function* () {
      yield 3;
    };
    const r = await optimize(square, one(), { cache: false, pool });
    assert.equal(r.executor, "inline");
    assert.match(r.reason, /every item already ran/);
    assert.deepEqual([...(r.data as Iterable<number>)], [3]);
    assert.equal(pool.size, 0, "no worker started");
    assert.deepEqual(await execute(square, one(), { cache: false, pool }), [9]);
    assert.deepEqual(await execute(square, (async function* () {})(), { cache: false, pool }), []);
    assert.equal(pool.size, 0, "no worker started by automatic execute either");
  } finally {
    await pool.close();
  }
});

test("optimize: a missing module export answers inline with the module and export named", async () => {
  const r = await optimize(task(basic, "noSuchExport"), [1, 2, 3], { cache: false });
  assert.equal(r.executor, "inline");
  assert.match(r.reason, /noSuchExport/);
});

test("optimize: bad options throw TypeError/RangeError naming the option", async () => {
  await assert.rejects(optimize(square, [1], { minSpeedup: -1 }), /'minSpeedup'.*-1/);
  await assert.rejects(optimize(square, [1], { maxWorkers: 0 }), RangeError);
  await assert.rejects(optimize(square, [1], { sampleBudgetMs: "x" as never }), TypeError);
});

test("optimize: a generator is chained back with the sampled items in front", async () => {
  function* gen() {
    for (let i = 0; i < 300; i++) yield 2;
  }
  const r = await optimize(spin, gen(), { cache: false });
  const back = [...(r.data as Iterable<number>)];
  assert.equal(back.length, 300);
  assert.ok(back.every((x) => x === 2));
});

test("automatic execute runs every item exactly once, sampled items included", async () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-once-"));
  try {
    const items = range(600).map((x) => ({ dir, x, ms: 1 }));
    const out = await execute(touchOnce, items, { cache: false });
    assert.deepEqual(out, range(600).map((x) => 2 * x));
    assert.equal(readdirSync(dir).length, 600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("automatic map over a generator runs every item once, in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-once-"));
  try {
    const gen = function* () {
      for (let x = 0; x < 400; x++) yield { dir, x, ms: 1 };
    };
    const out: number[] = [];
    for await (const y of map(touchOnce, gen(), { cache: false })) out.push(y);
    assert.deepEqual(out, range(400).map((x) => 2 * x));
    assert.equal(readdirSync(dir).length, 400);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("automatic execute: a task throwing on a sampled item rejects with its index", async () => {
  await assert.rejects(
    execute(task<number, number>(basic, "failOn13"), [13, 1, 2]),
    (e: Error & { index?: number }) => e.index === 0 && /thirteen/.test(e.message),
  );
});

const deno = denoBinary();

test(
  "optimize: Deno without read permission for the worker module answers inline, never throws",
  { skip: deno === undefined ? "node_modules/.bin/deno is not installed" : false },
  () => {
    const script = join(repoRoot(), "tests", "fixtures", "optimize_without_read.ts");
    const res = spawnSync(deno!, ["run", "--no-prompt", script], {
      cwd: repoRoot(),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
    assert.equal(res.status, 0, res.stderr);
    const r = JSON.parse(res.stdout.trim().split("\n").pop()!);
    assert.equal(r.executor, "inline");
    assert.match(r.reason, /workers cannot start here/);
    assert.deepEqual(r.out, [2, 4, 6]);
  },
);
