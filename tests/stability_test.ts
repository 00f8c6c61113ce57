import { test } from "node:test";
import assert from "node:assert/strict";
import type { Alternative, Decision } from "../src/model/decide.ts";
import {
  forgetDecisions,
  keepPrevious,
  rememberDecision,
  SWITCH_MARGIN,
} from "../src/model/_stability.ts";
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
  // The margin: inline remembered, workers now predicted clearly better than inline.
  forgetDecisions();
  rememberDecision("job", 1000, 0, decision("inline", 90));
  const clear = decision("workers", 100 / (SWITCH_MARGIN + 0.2));
  assert.equal(keepPrevious("job", 1000, 0, 2, clear).executor, "workers");
  const close = decision("workers", 100 / (SWITCH_MARGIN - 0.05));
  assert.equal(keepPrevious("job", 1000, 0, 2, close).executor, "inline");
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
    const loads: string[] = [];
    for (let k = 0; k < 3; k++) {
      const o = await optimize(spin, data, { pool, cache: false });
      loads.push(`${o.profile.sample?.externalLoad ?? "none"} (${o.profile.sampledIn})`);
    }
    assert.ok(loads.some((l) => Number.parseFloat(l) > 0), `loads ${loads.join(", ")}`);
  } finally {
    hog.kill("SIGKILL");
    await pool.close();
  }
});
