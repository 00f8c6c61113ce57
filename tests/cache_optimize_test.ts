// The optimizer's persisted result cache, end to end through optimize: hit, the misses that must
// happen (another task, data size, per-item time; expiry; corrupt and foreign files), processes
// writing at once, `cache: false`, and a store that cannot be used. Every test points the cache
// at its own temporary directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { cacheStats, clearCache, execute, optimize, probeSystem, task } from "../mod.ts";
import {
  isNotPermitted,
  setOptimizerCacheHooks,
  settleRecords,
} from "../src/model/_optimizer_cache.ts";
import { sizeBucket, timeOctave } from "../src/model/_optimizer_cache.ts";
import { denoBinary, repoRoot } from "./_cli.ts";
import { fixtureModule, runFixture } from "./_helpers.ts";
import { runWriters } from "./fixtures/store/spawn_writers.ts";
import { createResultCache } from "../src/store/mod.ts";
import { VERSION } from "../src/version.ts";

const basic = fixtureModule("tasks/basic");
// sleepy(16): an async 16 ms wait, in the middle of its per-item octave (11.6 ms to 23.2 ms), so
// a timer firing a little early or late keeps it there; async tasks reach the cache whatever the
// core count.
const sleepy = task<number, number>(basic, "sleepy");
const spin = task<number, number>(basic, "spin");
const DAY = 24 * 3600 * 1000;

/**
 * Run `fn` with the optimizer's cache in a fresh directory and a clock the test moves. The cache
 * key's per-item time is injected, never measured (a loaded machine can move a measured timing by
 * octaves): it is the value the sleepy/spin items ask for, set by {@linkcode job} before each
 * call. The load an entry is checked against is injected too (none), so a hit never depends on
 * other processes.
 */
async function withCache(fn: (dir: string, clock: { t: number }) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-ocache-"));
  const clock = { t: Date.now() };
  const previous = setOptimizerCacheHooks({
    dir,
    now: () => clock.t,
    perItemMs: () => timing.ms,
    busyCores: () => 0, // the load-change rule would make a loaded machine's second call a miss
  });
  try {
    await fn(dir, clock);
  } finally {
    await settleRecords(); // runs recorded after `execute` returned
    setOptimizerCacheHooks(previous);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The per-item time the next cache key is built from (see {@linkcode withCache}). */
const timing = { ms: 16 };

/** `n` items that each take `ms`, with the key's per-item time set to `ms`. */
/**
 * `n` items asking for `ms` each. Async jobs here hold more calls than the look's batch (256): a
 * job the look ran whole is answered without a cache entry (its calls read as computing on a
 * loaded machine), and a test expecting a stored entry found none.
 */
function job(n: number, ms: number): number[] {
  timing.ms = ms;
  return new Array(n).fill(ms);
}

const entries = (dir: string) => readdirSync(dir).filter((n) => n.endsWith(".json"));
const keys = (dir: string) =>
  entries(dir).map((n) => JSON.parse(readFileSync(join(dir, n), "utf8")).key).join("\n");

test("cache: the second optimize of the same job is a hit without sampling", async () => {
  await withCache(async (dir) => {
    const first = await optimize(sleepy, job(2000, 16), { maxConcurrency: 64 });
    assert.equal(first.cacheHit, false);
    assert.equal(first.executor, "async", first.reason);
    assert.equal(entries(dir).length, 1);
    const second = await optimize(sleepy, job(2000, 16), { maxConcurrency: 64 });
    assert.equal(second.cacheHit, true, keys(dir));
    assert.deepEqual(
      [second.executor, second.workers, second.chunkSize, second.concurrency, second.reason],
      [first.executor, first.workers, first.chunkSize, first.concurrency, first.reason],
    );
    // Only the look ran: the first call, and beside it (it waits on a timer) one batch of at
    // most `maxConcurrency` calls, then one call alone (it took the batch's time: its own, not
    // a wait the batch's calls shared); no sampling in a worker.
    assert.ok(second.profile.sampledItems <= 65, `${second.profile.sampledItems} items ran`);
    assert.ok(second.profile.sample, "the stored profile comes back");
    assert.match(second.explain(), /\[from cache\]/);
    assert.equal(second.profile.caps.memory, first.profile.caps.memory);
    assert.equal(second.profile.caps.nested, first.profile.caps.nested);
  });
});

test("cache: a worker decision comes back whole, Infinity caps included", async (t) => {
  if ((await probeSystem()).effectiveCores < 2) return t.skip("needs 2 effective cores");
  await withCache(async (dir) => {
    const first = await optimize(spin, job(200, 16));
    const second = await optimize(spin, job(200, 16));
    assert.equal(second.cacheHit, true, keys(dir));
    assert.equal(second.executor, first.executor);
    assert.equal(second.workers, first.workers);
    assert.equal(second.chunkSize, first.chunkSize);
    assert.equal(second.profile.caps.nested, first.profile.caps.nested);
    assert.equal(second.profile.alternatives.length, first.profile.alternatives.length);
    // The predictions were for the items left after the first decision (the entry says how
    // many); the hit's are for the items left after its look, the speedup unchanged.
    const stored = JSON.parse(readFileSync(join(dir, entries(dir)[0]), "utf8")).value;
    assert.equal(stored.items, 200 - first.profile.sampledItems);
    const k = (200 - second.profile.sampledItems) / stored.items;
    const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
    assert.ok(near(second.predictedMs.chosen, first.predictedMs.chosen * k), `scaled by ${k}`);
    assert.ok(near(second.predictedMs.serial, first.predictedMs.serial * k));
  });
});

test("cache: another function, per-item time or data size misses", async () => {
  await withCache(async (dir) => {
    const a = async (ms: number) => {
      await new Promise((r) => setTimeout(r, ms));
      return ms;
    };
    const b = async (ms: number) => {
      await new Promise((r) => setTimeout(r, ms));
      return ms + 1;
    };
    assert.equal((await optimize(a, job(2000, 16))).cacheHit, false);
    assert.equal((await optimize(a, job(2000, 16))).cacheHit, true);
    assert.equal((await optimize(b, job(2000, 16))).cacheHit, false, "changed source");
    assert.equal((await optimize(a, job(2000, 64))).cacheHit, false, "4× per item");
    assert.equal((await optimize(a, job(8000, 16))).cacheHit, false, "4× the items");
    assert.equal((await optimize(a, job(1900, 16))).cacheHit, true, "same octave");
    assert.equal(entries(dir).length, 4);
  });
});

test("cache: a per-item time one octave away still hits, 4× away misses", async () => {
  await withCache(async () => {
    assert.equal((await optimize(sleepy, job(2000, 16))).cacheHit, false);
    assert.equal((await optimize(sleepy, job(2000, 32))).cacheHit, true, "2× slower");
    assert.equal((await optimize(sleepy, job(2000, 64))).cacheHit, false, "4× slower");
    assert.equal((await optimize(sleepy, job(2000, 64))).cacheHit, true);
    const first = await optimize(sleepy, job(2000, 16));
    assert.equal(first.cacheHit, true, "the 16 ms entry is still there");
  });
});

test("cache: buckets are octaves of the item count and of the per-item time", () => {
  assert.equal(sizeBucket(200), sizeBucket(255));
  assert.notEqual(sizeBucket(255), sizeBucket(256));
  assert.equal(sizeBucket(undefined), "?");
  assert.equal(timeOctave(2), timeOctave(2.5)); // 2000 µs and 2500 µs: round(log2) = 11
  assert.notEqual(timeOctave(2), timeOctave(8));
  assert.equal(timeOctave(0), timeOctave(1e-9)); // everything under 1/64 µs is one bucket
});

test("cache: an entry older than 7 days misses and is measured again", async () => {
  await withCache(async (_dir, clock) => {
    assert.equal((await optimize(sleepy, job(2000, 16))).cacheHit, false);
    clock.t += 6 * DAY;
    assert.equal((await optimize(sleepy, job(2000, 16))).cacheHit, true);
    clock.t += 2 * DAY;
    assert.equal((await optimize(sleepy, job(2000, 16))).cacheHit, false, "expired");
    assert.equal((await optimize(sleepy, job(2000, 16))).cacheHit, true, "re-stored");
  });
});

test("cache: recording runs keeps a decision's age: it still expires 7 days after it was measured", async () => {
  await withCache(async (dir, clock) => {
    const o = { maxConcurrency: 64 }; // the look runs 64 of the 200, the run the rest
    await execute(sleepy, job(200, 16), o);
    const stored = () => JSON.parse(readFileSync(join(dir, entries(dir)[0]), "utf8"));
    const measuredAt = stored().storedAt;
    clock.t += 6 * DAY;
    await execute(sleepy, job(200, 16), o); // a hit: its run is recorded with the decision
    await settleRecords(); // written after the results were returned
    assert.equal(stored().value.runs.length, 2);
    assert.equal(stored().storedAt, measuredAt);
    clock.t += 2 * DAY;
    assert.equal((await optimize(sleepy, job(200, 16), o)).cacheHit, false, "expired");
  });
});

test("cache: a corrupt or foreign entry is a miss and is replaced", async () => {
  await withCache(async (dir) => {
    await optimize(sleepy, job(2000, 16));
    const [name] = entries(dir);
    const path = join(dir, name);
    const good = readFileSync(path, "utf8");
    writeFileSync(path, "{ not json");
    const r = await optimize(sleepy, job(2000, 16));
    assert.equal(r.cacheHit, false);
    assert.deepEqual(r.warnings.filter((w) => /cache/.test(w)), []);
    assert.doesNotThrow(() => JSON.parse(readFileSync(path, "utf8")), "replaced by a valid one");
    assert.equal((await optimize(sleepy, job(2000, 16))).cacheHit, true);
    writeFileSync(path, good.replace(/"version":"[^"]*"/, `"version":"0.0.0-other"`));
    assert.equal((await optimize(sleepy, job(2000, 16))).cacheHit, false, "foreign");
    assert.equal((await optimize(sleepy, job(2000, 16))).cacheHit, true);
    writeFileSync(path, good.replace(/"executor":"\w+"/, `"executor":"bogus"`));
    assert.equal((await optimize(sleepy, job(2000, 16))).cacheHit, false, "bad value");
    assert.equal((await optimize(sleepy, job(2000, 16))).cacheHit, true);
  });
});

test("cache: two processes storing the same entries at once leave valid files", async () => {
  await withCache(async (dir) => {
    const runs = await runWriters(fixtureModule("cache/optimize_writer"), "cache", dir, [
      "a",
      "b",
    ], 2);
    for (const run of runs) assert.equal(run.code, 0, run.output);
    const stats = await cacheStats({ dir });
    assert.equal(stats.entries, 2, keys(dir));
    assert.equal(stats.corrupt + stats.foreign + stats.expired, 0);
    assert.equal(readdirSync(dir).length, 2, "no temporary files left");
    assert.equal((await optimize(sleepy, job(2000, 16))).cacheHit, true);
    assert.equal((await optimize(sleepy, job(8000, 16))).cacheHit, true);
  });
});

test("cache: four processes recording runs of the same decisions at once lose none", async () => {
  await withCache(async (dir) => {
    // 4 processes each record one run against each of 12 stored decisions, in step: every entry
    // must end with the 4 runs (MAX_RUNS keeps 5), one from each process.
    const cache = createResultCache({ dir, version: VERSION });
    const decision = {
      decision: {
        executor: "workers",
        workers: 2,
        chunkSize: 10,
        concurrency: 1,
        predictedSpeedup: 1.5,
        predictedMs: 100,
        serialMs: 150,
        reason: "stored by the test",
      },
      profile: { alternatives: [] },
      warnings: [],
    };
    const K = 12;
    for (let i = 0; i < K; i++) await cache.set(`run-${i}`, decision);
    const labels = ["a", "b", "c", "d"];
    const writers = await runWriters(
      fixtureModule("store/concurrent_writer"),
      "runs",
      dir,
      labels,
      K,
    );
    for (const run of writers) assert.equal(run.code, 0, run.output);
    for (let i = 0; i < K; i++) {
      const got = await cache.get(`run-${i}`);
      assert.ok(got.hit, `run-${i}: ${JSON.stringify(got)}`);
      const runs = (got.value as { runs?: { measuredMs: number }[] }).runs ?? [];
      const who = runs.map((r) => Math.floor(r.measuredMs / 1000)).sort();
      assert.deepEqual(who, [1, 2, 3, 4], `run-${i}: ${JSON.stringify(runs)}`);
      assert.ok(runs.every((r) => r.measuredMs % 1000 === i));
    }
    assert.equal(readdirSync(dir).length, K, `only the entries are left: ${readdirSync(dir)}`);
  });
});

test("cache: cache: false neither reads nor writes", async () => {
  await withCache(async (dir) => {
    const off = await optimize(sleepy, job(2000, 16), { cache: false });
    assert.equal(off.cacheHit, false);
    assert.equal(entries(dir).length, 0);
    await optimize(sleepy, job(2000, 16));
    assert.equal(
      (await optimize(sleepy, job(2000, 16), { cache: false })).cacheHit,
      false,
    );
    assert.equal((await optimize(sleepy, job(2000, 16))).cacheHit, true);
  });
});

test("cache: options that steer the decision are part of the key", async () => {
  await withCache(async () => {
    await optimize(sleepy, job(2000, 16));
    const other = await optimize(sleepy, job(2000, 16), { minSpeedup: 3 });
    assert.equal(other.cacheHit, false);
    const fewer = await optimize(sleepy, job(2000, 16), { maxConcurrency: 8 });
    assert.equal(fewer.cacheHit, false);
    assert.ok(fewer.concurrency <= 8, `${fewer.concurrency} calls in flight`);
  });
});

test("cache: a store that cannot be used is a miss and a warning, never an error", async () => {
  const parent = mkdtempSync(join(tmpdir(), "amorsize-ocache-"));
  const file = join(parent, "a-file");
  writeFileSync(file, "not a directory");
  const previous = setOptimizerCacheHooks({ dir: file });
  try {
    const r = await optimize(sleepy, job(2000, 16));
    assert.equal(r.cacheHit, false);
    // Decided all the same (whether predicted: a look whose batch ran every call, on a loaded
    // machine, answers how they ran without a prediction).
    assert.ok(["async", "inline", "workers"].includes(r.executor) && r.reason !== "", r.reason);
    const w = r.warnings.filter((x) => /result cache is not usable/.test(x));
    assert.equal(w.length, 1, r.warnings.join("\n"));
  } finally {
    setOptimizerCacheHooks(previous);
    rmSync(parent, { recursive: true, force: true });
  }
});

test("cache: automatic execute fills and uses the cache; clearCache and cacheStats", async () => {
  await withCache(async (dir) => {
    const items = job(2000, 16);
    assert.deepEqual(await execute(sleepy, items), new Array(2000).fill(32));
    assert.equal((await cacheStats()).entries, 1);
    assert.equal((await cacheStats({ dir })).dir, dir);
    assert.deepEqual(await execute(sleepy, items), new Array(2000).fill(32));
    assert.equal(await clearCache(), 1);
    assert.equal((await cacheStats()).entries, 0);
    assert.ok(existsSync(dir));
    await assert.rejects(cacheStats({ dir: 3 as never }), TypeError);
  });
});

test("cache: a run that deciding left nothing to do records no time against the prediction", async () => {
  await withCache(async (dir) => {
    // 60 calls of a 16 ms timer: the look's batch runs them all; the prediction is for the whole
    // job, and a run of nothing measured against it would teach the next decision nonsense.
    await execute(sleepy, new Array(60).fill(16));
    await settleRecords(); // a run's record is written after the results were returned
    const names = entries(dir);
    // Where the look did not read its calls as overlapped (once on Node in CI), its answer says
    // how they ran and is not stored: there is no entry to record against either.
    if (names.length === 0) return;
    const entry = JSON.parse(readFileSync(join(dir, names[0]), "utf8")).value;
    assert.equal(entry.decision.executor, "async", entry.decision.reason);
    assert.equal(entry.runs, undefined);
  });
});

test("cache: automatic execute records its measured time with the decision; the next corrects", async () => {
  await withCache(async (dir) => {
    // At most 64 calls in flight: the look runs 64 of the 200, the run the rest (a run that
    // deciding left nothing to do records nothing).
    const items = new Array(200).fill(16);
    const o = { maxConcurrency: 64 };
    await execute(sleepy, items, o);
    await settleRecords(); // written after the results were returned
    const runs = () => {
      const [name] = entries(dir);
      return JSON.parse(readFileSync(join(dir, name), "utf8")).value.runs;
    };
    assert.equal(runs().length, 1);
    assert.equal(runs()[0].executor, "async", JSON.stringify(runs()[0]));
    assert.ok(runs()[0].measuredMs > 0 && runs()[0].predictedMs > 0);
    assert.equal(runs()[0].computeMs, undefined, "a workers run's figure only");
    await execute(sleepy, items, o);
    await settleRecords();
    assert.equal(runs().length, 2);
    // The next decision of the same job comes from the cache, corrected by the recorded runs.
    const r = await optimize(sleepy, items, o);
    assert.equal(r.cacheHit, true);
    assert.match(r.reason, /corrected by 2 measured runs/);
  });
});

test("cache: a corrected run is recorded against the model's prediction, not the corrected one", async () => {
  await withCache(async (dir) => {
    const items = new Array(200).fill(16);
    const o = { maxConcurrency: 64 };
    await execute(sleepy, items, o);
    await settleRecords();
    const [name] = entries(dir);
    const cache = createResultCache<{ runs: { predictedMs: number; measuredMs: number }[] }>({
      dir,
      version: VERSION,
    });
    const key = JSON.parse(readFileSync(join(dir, name), "utf8")).key;
    // The run took 4× the prediction (the most a correction takes).
    await cache.update(key, (got) => {
      if (!got.hit) return undefined;
      const run = got.value.runs[0];
      run.measuredMs = 4 * run.predictedMs;
      return got.value;
    });
    const r = await optimize(sleepy, items, o);
    assert.equal(r.cacheHit, true);
    assert.match(r.reason, /async 4\.00\)/, r.reason);
    await execute(sleepy, items, o);
    await settleRecords();
    const runs = JSON.parse(readFileSync(join(dir, name), "utf8")).value.runs;
    assert.equal(runs.length, 2);
    // Against the corrected prediction (4×), a run as slow as the first would read 1.0 and undo
    // the correction. (The two predictions differ with the items the looks left: a loaded
    // machine's look may run fewer.)
    const ratio = runs[1].predictedMs / runs[0].predictedMs;
    assert.ok(ratio < 2, `predicted ${runs[1].predictedMs} vs ${runs[0].predictedMs}`);
  });
});

const deno = denoBinary();

test(
  "cache: Deno without permissions for the store: a silent miss, no prompt, no throw",
  { skip: deno === undefined ? "node_modules/.bin/deno is not installed" : false },
  () => {
    const script = join(
      repoRoot(),
      "tests",
      "fixtures",
      "cache",
      "optimize_without_permissions.ts",
    );
    const home = mkdtempSync(join(tmpdir(), "amorsize-ocache-"));
    try {
      // No --allow-sys: no home directory. No --allow-write: the entry cannot be stored.
      for (const flags of [["--allow-read"], ["--allow-read", "--allow-env"]]) {
        const res = spawnSync(deno!, ["run", "--no-prompt", ...flags, script], {
          cwd: repoRoot(),
          encoding: "utf8",
          env: { ...process.env, AMORSIZE_HOME: home },
          stdio: ["ignore", "pipe", "pipe"],
          timeout: 60_000,
        });
        assert.equal(res.status, 0, res.stderr);
        const r = JSON.parse(res.stdout);
        assert.equal(r.cacheHit, false);
        assert.equal(r.executor, "async", r.reason);
        // A store this process may not use (a read-only home, no permission) is no news.
        const w = r.warnings.filter((x: string) => /result cache/.test(x));
        assert.deepEqual(w, [], `${flags}: ${r.warnings.join("\n")}`);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  },
);

test("cache: permission problems are silent misses, other store problems warn", () => {
  const err = (props: Record<string, unknown>) => Object.assign(new Error("x"), props);
  assert.equal(isNotPermitted(err({ code: "EACCES" })), true);
  assert.equal(isNotPermitted(err({ code: "EROFS" })), true);
  assert.equal(isNotPermitted(err({ code: "EPERM" })), true);
  assert.equal(isNotPermitted(err({ name: "NotCapable" })), true);
  assert.equal(
    isNotPermitted(new Error('Requires write access to "/x", run again with ...')),
    true,
  );
  assert.equal(isNotPermitted(err({ code: "ENOTDIR" })), false);
  assert.equal(isNotPermitted(err({ code: "ENOSPC" })), false);
  assert.equal(isNotPermitted(undefined), false);
});

/** Run tests/fixtures/cache/optimize_twice on this runtime with `env` and `options`. */
function optimizeTwice(env: Record<string, string>, options: object) {
  return runFixture("cache/optimize_twice", [JSON.stringify(options)], env, (home) => {
    const cache = join(home, "cache");
    return { stored: existsSync(cache) ? entries(cache).length : 0 };
  });
}

test("cache: AMORSIZE_CACHE=0 turns the cache off unless the cache option says otherwise", () => {
  for (const value of ["0", "off", "false", "no"]) {
    const off = optimizeTwice({ AMORSIZE_CACHE: value }, {});
    assert.deepEqual([off.first, off.second, off.stored], [false, false, 0], value);
  }
  // The option, when given, wins over the environment.
  const on = optimizeTwice({ AMORSIZE_CACHE: "0" }, { cache: true });
  assert.ok(on.stored >= 1, JSON.stringify(on));
  assert.deepEqual(on.warnings, []);
});
