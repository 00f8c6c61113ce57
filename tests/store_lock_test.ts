// The per-entry locks of the store: held while a read-modify-write runs, released after, taken
// over from a process that is gone or when older than the stale bound, and a bounded wait that
// ends in a clear error (nothing done) while a live process holds one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { LockTimeoutError, withFileLock } from "../src/store/_lock.ts";
import { createResultCache } from "../src/store/result_cache.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "amorsize-lock-"));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["--version"], { stdio: "ignore" });
  assert.ok(typeof child.pid === "number" && child.pid > 0);
  return child.pid;
}

const lockOf = (pid: number, host = hostname()) => JSON.stringify({ pid, host, token: "t" });

test("store lock: held while fn runs, gone after, also when fn throws", async () => {
  const dir = tempDir();
  const path = join(dir, "entry.json");
  const seen = await withFileLock(path, () => Promise.resolve(existsSync(`${path}.lock`)));
  assert.equal(seen, true);
  assert.deepEqual(readdirSync(dir), []);
  await assert.rejects(withFileLock(path, () => Promise.reject(new Error("boom"))), /boom/);
  assert.deepEqual(readdirSync(dir), []);
});

test("store lock: one at a time within a process too", async () => {
  const dir = tempDir();
  const path = join(dir, "entry.json");
  let inside = 0, most = 0;
  await Promise.all(Array.from({ length: 8 }, () =>
    withFileLock(path, async () => {
      most = Math.max(most, ++inside);
      await new Promise((r) => setTimeout(r, 2));
      inside--;
    })));
  assert.equal(most, 1);
  assert.deepEqual(readdirSync(dir), []);
});

test("store lock: a lock left by a process that is gone is taken over at once", async () => {
  const dir = tempDir();
  const path = join(dir, "entry.json");
  writeFileSync(`${path}.lock`, lockOf(deadPid()));
  // A wait of 0: only a takeover gets the lock.
  assert.equal(await withFileLock(path, () => Promise.resolve(1), { waitMs: 0 }), 1);
  assert.deepEqual(readdirSync(dir), []);
});

test("store lock: a live holder makes a bounded wait end in a clear error, fn never runs", async () => {
  const dir = tempDir();
  const path = join(dir, "entry.json");
  writeFileSync(`${path}.lock`, lockOf(process.pid)); // this process: alive
  let ran = false;
  const attempt = withFileLock(path, () => Promise.resolve(ran = true), { waitMs: 50 });
  await assert.rejects(attempt, (e: unknown) => {
    assert.ok(e instanceof LockTimeoutError);
    assert.equal(e.code, "ELOCKTIMEOUT");
    assert.match(e.message, /^Timed out after 50 ms waiting for .*entry\.json\.lock/);
    return true;
  });
  assert.equal(ran, false);
  assert.ok(existsSync(`${path}.lock`), "another's lock is left alone");
});

test("store lock: a lock older than the stale bound is taken over, whoever holds it", async () => {
  const dir = tempDir();
  const path = join(dir, "entry.json");
  // Another host's pid says nothing here, and an empty lock (its owner died writing it) neither:
  // both are judged by their age.
  for (const text of [lockOf(process.pid, "another-host"), ""]) {
    writeFileSync(`${path}.lock`, text);
    await assert.rejects(withFileLock(path, () => Promise.resolve(), { waitMs: 20 }));
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, old, old);
    await withFileLock(path, () => Promise.resolve(), { waitMs: 20, staleMs: 30_000 });
    assert.deepEqual(readdirSync(dir), []);
  }
});

test("store cache: update reads, changes and writes under the key's lock", async () => {
  const dir = tempDir();
  const cache = createResultCache<number>({ dir, version: "1" });
  assert.equal(await cache.update("n", (got) => (got.hit ? undefined : 1)), true);
  assert.equal(await cache.update("n", () => undefined), false);
  await Promise.all(
    Array.from({ length: 20 }, () => cache.update("n", (got) => (got.hit ? got.value + 1 : 0))),
  );
  const got = await cache.get("n");
  assert.ok(got.hit);
  assert.equal(got.value, 21);
  assert.equal(readdirSync(dir).length, 1, "no lock file left");
  await assert.rejects(cache.update("n", 3 as never), {
    name: "TypeError",
    message: "'change' must be a function, got 3",
  });
  // A value changed from a hit keeps its age; one stored over a miss is new.
  let clock = 1_000;
  const aged = createResultCache<number>({ dir: tempDir(), version: "1", now: () => clock });
  await aged.update("a", () => 1);
  clock += 500;
  await aged.update("a", (got) => (got.hit ? got.value + 1 : 0));
  assert.deepEqual(await aged.get("a"), { hit: true, value: 2, ageMs: 500 });
  // A lock held by a process that is gone does not block the next update.
  writeFileSync(join(dir, `${readdirSync(dir)[0]}.lock`), lockOf(deadPid()));
  assert.equal(await cache.update("n", () => 0), true);
  assert.equal(readdirSync(dir).length, 1);
});
