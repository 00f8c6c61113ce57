// The store's faults: files a stranger planted in the store (a symbolic link to a private file, a
// FIFO, a file that is not JSON) are never followed, never block, never echoed; a cache entry
// edited by hand is validated strictly and a decision never asks for more workers than the
// machine gives this process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { optimize, probeSystem, task } from "../mod.ts";
import { readJson } from "../src/store/_atomic.ts";
import { cacheFileName } from "../src/store/_cache_entry.ts";
import { setOptimizerCacheHooks } from "../src/model/_optimizer_cache.ts";
import { createResultCache } from "../src/store/result_cache.ts";
import { fixtureModule } from "./_helpers.ts";

const SECRET = "TOP-SECRET-CONTENT-1234";
const sleepy = task<number, number>(fixtureModule("tasks/basic"), "sleepy");

function withDir(fn: (dir: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-fault-store-"));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test("fault store: a symbolic link in the store is not followed, the target not echoed", async () => {
  await withDir(async (dir) => {
    const secret = join(dir, "secret.txt");
    writeFileSync(secret, `${SECRET} not json`);
    const cache = createResultCache({ dir: join(dir, "cache"), version: "1" });
    await cache.set("k", 1); // creates the directory
    const entry = join(dir, "cache", cacheFileName("k"));
    rmSync(entry);
    symlinkSync(secret, entry);
    const got = await cache.get("k");
    assert.deepEqual(got, { hit: false, reason: "corrupt" });
    assert.equal(readFileSync(secret, "utf8"), `${SECRET} not json`, "the target is untouched");
    symlinkSync(secret, join(dir, "link.json"));
    const viaLink = await readJson(join(dir, "link.json"));
    assert.ok(!viaLink.ok && viaLink.reason === "corrupt");
    assert.ok(!viaLink.ok && !viaLink.message.includes(SECRET), "no content in the message");
    assert.match(!viaLink.ok ? viaLink.message : "", /symbolic link/);
  });
});

test("fault store: a file that is not JSON is reported without its content", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "entry.json");
    writeFileSync(path, `${SECRET}{`);
    const read = await readJson(path);
    assert.ok(!read.ok && read.reason === "corrupt");
    assert.ok(!read.ok && !read.message.includes("TOP-SECRET"), read.ok ? "" : read.message);
  });
});

test("fault store: a FIFO in the store never blocks a read", async (t) => {
  await withDir(async (dir) => {
    const fifo = join(dir, "entry.json");
    const made = spawnSync("mkfifo", [fifo]);
    if (made.status !== 0) return t.skip("mkfifo is not available");
    const read = await readJson(fifo); // would block forever when opened for a plain read
    assert.ok(!read.ok && read.reason === "corrupt");
    assert.match(!read.ok ? read.message : "", /not a regular file/);
  });
});

test("fault store: a cache entry edited by hand is validated and clamped to the machine", async () => {
  await withDir(async (dir) => {
    const timing = { ms: 16 };
    const previous = setOptimizerCacheHooks({
      dir,
      perItemMs: () => timing.ms,
      busyCores: () => 0,
    });
    try {
      const cores = (await probeSystem()).effectiveCores;
      // More calls than the look's batch can hold (256): the look never runs them all (a job it
      // ran whole is answered without a cache entry).
      const data = new Array(2000).fill(16);
      const first = await optimize(sleepy, data);
      assert.equal(first.cacheHit, false);
      const [name] = readdirSync(dir).filter((n) => n.endsWith(".json"));
      const path = join(dir, name);
      const good = readFileSync(path, "utf8");
      const edits: [string, (d: Record<string, unknown>) => void][] = [
        [
          "workers above the machine",
          (d) => Object.assign(d, { executor: "workers", workers: 16 * cores }),
        ],
        ["chunk size 0", (d) => Object.assign(d, { chunkSize: 0 })],
        ["fractional workers", (d) => Object.assign(d, { workers: 1.5 })],
        ["concurrency missing", (d) => delete d.concurrency],
        ["a string for a number", (d) => Object.assign(d, { predictedSpeedup: "fast" })],
      ];
      for (const [what, edit] of edits) {
        const entry = JSON.parse(good);
        edit(entry.value.decision);
        writeFileSync(path, JSON.stringify(entry));
        const r = await optimize(sleepy, data);
        assert.equal(r.cacheHit, false, what);
        assert.ok(r.workers <= cores, `${what}: ${r.workers} workers`);
      }
      // The untouched entry is a hit again.
      writeFileSync(path, good);
      assert.equal((await optimize(sleepy, data)).cacheHit, true);
    } finally {
      setOptimizerCacheHooks(previous);
    }
  });
});
