import { test } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import process from "node:process";
import { createServer } from "node:net";
import { createResultCache } from "../src/store/result_cache.ts";
import { cacheFileName } from "../src/store/_cache_entry.ts";
import { withFileLock } from "../src/store/_lock.ts";
import { fixtureModule } from "./_helpers.ts";
import { runWriters } from "./fixtures/store/spawn_writers.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "amorsize-cache-"));
const DAY = 24 * 3600 * 1000;

/** A cache on a fresh directory with a clock the test moves. */
function fixture(options: { ttlMs?: number; version?: string; dir?: string } = {}) {
  const clock = { t: 1_700_000_000_000 };
  const dir = options.dir ?? tempDir();
  const cache = createResultCache<unknown>({
    dir,
    version: options.version ?? "1.0.0",
    ttlMs: options.ttlMs,
    now: () => clock.t,
  });
  return { cache, dir, clock, file: (key: string) => join(dir, cacheFileName(key)) };
}

test("store cache: a miss, then a hit with the value and its age", async () => {
  const { cache, clock, dir } = fixture();
  assert.equal(cache.dir, dir);
  assert.deepEqual(await cache.get("job"), { hit: false, reason: "missing" });
  await cache.set("job", { workers: 4, chunkSize: 100, note: null });
  assert.deepEqual(await cache.get("job"), {
    hit: true,
    value: { workers: 4, chunkSize: 100, note: null },
    ageMs: 0,
  });
  clock.t += 1234;
  const got = await cache.get("job");
  assert.ok(got.hit);
  assert.equal(got.ageMs, 1234);
  assert.deepEqual(await cache.get("other"), { hit: false, reason: "missing" });
});

test("store cache: the entry file holds schema, library, version, key, storedAt and value", async () => {
  const { cache, clock, file } = fixture({ version: "9.9.9" });
  await cache.set("a key with spaces/and slashes", [1, 2, 3]);
  assert.deepEqual(JSON.parse(readFileSync(file("a key with spaces/and slashes"), "utf8")), {
    schema: 1,
    library: "amorsize",
    version: "9.9.9",
    key: "a key with spaces/and slashes",
    storedAt: clock.t,
    value: [1, 2, 3],
  });
  assert.match(cacheFileName("x"), /^[0-9a-f]{32}\.json$/);
  assert.notEqual(cacheFileName("x"), cacheFileName("y"));
});

test("store cache: set replaces the value and its time", async () => {
  const { cache, clock, dir } = fixture();
  await cache.set("k", "old");
  clock.t += 5000;
  await cache.set("k", "new");
  assert.deepEqual(await cache.get("k"), { hit: true, value: "new", ageMs: 0 });
  assert.equal(readdirSync(dir).length, 1);
});

test("store cache: entries expire after ttlMs (7 days by default)", async () => {
  const { cache, clock } = fixture();
  await cache.set("k", 1);
  clock.t += 7 * DAY;
  assert.deepEqual(await cache.get("k"), { hit: true, value: 1, ageMs: 7 * DAY }, "at the TTL");
  clock.t += 1;
  assert.deepEqual(await cache.get("k"), { hit: false, reason: "expired" });
  assert.deepEqual(await cache.get("k"), { hit: false, reason: "expired" }, "kept until set");
  await cache.set("k", 2);
  assert.deepEqual(await cache.get("k"), { hit: true, value: 2, ageMs: 0 });
});

test("store cache: a custom ttlMs, Infinity, and a clock that went back", async () => {
  const short = fixture({ ttlMs: 10 });
  await short.cache.set("k", 1);
  short.clock.t += 11;
  assert.deepEqual(await short.cache.get("k"), { hit: false, reason: "expired" });
  const forever = fixture({ ttlMs: Infinity });
  await forever.cache.set("k", 1);
  forever.clock.t += 1000 * 365 * DAY;
  assert.equal((await forever.cache.get("k")).hit, true);
  forever.clock.t -= 2000 * 365 * DAY; // stored "in the future": age 0, not negative
  assert.deepEqual(await forever.cache.get("k"), { hit: true, value: 1, ageMs: 0 });
});

test("store cache: a corrupt entry is a miss, is deleted, and set replaces it", async () => {
  const { cache, file } = fixture();
  await cache.set("k", 1);
  writeFileSync(file("k"), "\u0000\u0001 garbage {{{");
  assert.deepEqual(await cache.get("k"), { hit: false, reason: "corrupt" });
  assert.equal(existsSync(file("k")), false, "deleted");
  assert.deepEqual(await cache.get("k"), { hit: false, reason: "missing" });
  writeFileSync(file("k"), "");
  assert.deepEqual(await cache.get("k"), { hit: false, reason: "corrupt" });
  writeFileSync(file("k"), "{ half");
  await cache.set("k", 2);
  assert.deepEqual(await cache.get("k"), { hit: true, value: 2, ageMs: 0 });
});

test("store cache: a bad entry is deleted under its lock, never while another process writes it", async () => {
  const { cache, file } = fixture();
  await cache.set("k", 1);
  const valid = readFileSync(file("k"), "utf8");
  for (const bad of ["{ torn", valid.replace('"amorsize"', '"other"')]) {
    writeFileSync(file("k"), bad);
    // Another process holds the entry's lock (a `set` in flight): the lookup misses and leaves
    // the file to that writer, whose valid entry stays (it used to be deleted with the bad one
    // when it landed between the lookup's read and its delete).
    await withFileLock(file("k"), async () => {
      const got = await cache.get("k");
      assert.equal(got.hit, false, bad);
      assert.equal(existsSync(file("k")), true, `${bad}: not deleted under another's lock`);
      writeFileSync(file("k"), valid);
    });
    assert.deepEqual(await cache.get("k"), { hit: true, value: 1, ageMs: 0 }, bad);
  }
  // With the lock free, a bad file is still deleted by the lookup.
  writeFileSync(file("k"), "{ torn");
  assert.deepEqual(await cache.get("k"), { hit: false, reason: "corrupt" });
  assert.equal(existsSync(file("k")), false);
  assert.equal(existsSync(`${file("k")}.lock`), false, "the lock is released");
});

test("store cache: clear waits for an update in flight, then deletes what it wrote", async () => {
  const { cache, file, dir } = fixture();
  await cache.set("k", { runs: 1 });
  await cache.set("other", 2);
  const grown = JSON.stringify({
    ...JSON.parse(readFileSync(file("k"), "utf8")),
    value: { runs: 2 },
  });
  let cleared: Promise<number> | undefined;
  // Another process's `update` of "k" holds its lock: it has read `{ runs: 1 }` and writes the
  // value grown from it. The clear used to delete the entry meanwhile, and the update then wrote
  // the grown value back: the entry outlived the clear.
  await withFileLock(file("k"), async () => {
    cleared = cache.clear();
    await Promise.race([cleared, new Promise((r) => setTimeout(r, 200))]);
    writeFileSync(file("k"), grown);
  });
  assert.equal(await cleared, 2);
  assert.deepEqual(await cache.get("k"), { hit: false, reason: "missing" });
  assert.deepEqual(readdirSync(dir), [], "no entry, no lock left");
  // An update after the clear starts from a miss.
  assert.equal(await cache.update("k", (c) => (c.hit ? undefined : { runs: 1 })), true);
  assert.deepEqual(await cache.get("k"), { hit: true, value: { runs: 1 }, ageMs: 0 });
});

test("store cache: clear deletes the cache's entries only, not another program's files", async () => {
  const { cache, file, dir } = fixture();
  await cache.set("k", 1);
  // Named as an entry: JSON of another program (counted as foreign by stats), and a truncated
  // entry of ours. The clear deleted every file so named.
  const theirs = join(dir, "0123456789abcdef0123456789abcdef.json");
  writeFileSync(theirs, '{"important":true}');
  writeFileSync(join(dir, "fedcba9876543210fedcba9876543210.json"), '{"schema":1,"library":"amo');
  writeFileSync(
    join(dir, "ffffffffffffffffffffffffffffffff.json"),
    '{"schema":1,"library":"amorsize"',
  );
  assert.equal(await cache.clear(), 2);
  assert.equal(existsSync(file("k")), false);
  assert.deepEqual(readdirSync(dir).sort(), [
    "0123456789abcdef0123456789abcdef.json",
    "fedcba9876543210fedcba9876543210.json",
  ]);
  assert.equal(readFileSync(theirs, "utf8"), '{"important":true}');
});

test("store cache: foreign entries (other version, schema, key, not ours) miss and go", async () => {
  const dir = tempDir();
  const v1 = fixture({ dir, version: "1.0.0" });
  const v2 = fixture({ dir, version: "2.0.0" });
  await v1.cache.set("k", "from v1");
  assert.deepEqual(await v2.cache.get("k"), { hit: false, reason: "foreign" });
  assert.equal(existsSync(v1.file("k")), false, "deleted");
  await v2.cache.set("k", "from v2");
  assert.deepEqual(await v2.cache.get("k"), { hit: true, value: "from v2", ageMs: 0 });

  const record = (patch: Record<string, unknown>) =>
    JSON.stringify({
      schema: 1,
      library: "amorsize",
      version: "2.0.0",
      key: "k",
      storedAt: v2.clock.t,
      value: 1,
      ...patch,
    });
  const foreign = [
    record({ schema: 2 }),
    record({ key: "another key" }), // a hash collision, or a file copied under another name
    record({ library: "other" }),
    record({ storedAt: "yesterday" }),
    JSON.stringify({ schema: 1, library: "amorsize", version: "2.0.0", key: "k", storedAt: 1 }),
    JSON.stringify([1, 2, 3]),
    "42",
  ];
  for (const text of foreign) {
    writeFileSync(v2.file("k"), text);
    assert.deepEqual(await v2.cache.get("k"), { hit: false, reason: "foreign" }, text);
    assert.equal(existsSync(v2.file("k")), false, text);
  }
  writeFileSync(v2.file("k"), record({}));
  assert.deepEqual(await v2.cache.get("k"), { hit: true, value: 1, ageMs: 0 }, "the control");
});

test("store cache: stats counts entries, bytes, expired, corrupt and foreign", async () => {
  const { cache, clock, dir, file } = fixture({ ttlMs: 1000 });
  assert.deepEqual(await cache.stats(), {
    entries: 0,
    bytes: 0,
    expired: 0,
    corrupt: 0,
    foreign: 0,
    unreadable: 0,
    dir,
  });
  await cache.set("old", "x");
  clock.t += 2000;
  await cache.set("fresh-1", { a: 1 });
  await cache.set("fresh-2", { b: 2 });
  await cache.set("broken", 0);
  writeFileSync(file("broken"), "nope");
  writeFileSync(file("alien"), JSON.stringify({ schema: 1, library: "amorsize", version: "0" }));
  writeFileSync(join(dir, "README.txt"), "not an entry: neither counted nor cleared");
  const sizes = ["old", "fresh-1", "fresh-2", "broken", "alien"].map((k) => statSync(file(k)).size);
  const stats = await cache.stats();
  assert.deepEqual(stats, {
    entries: 5,
    bytes: sizes.reduce((a, b) => a + b, 0),
    expired: 1,
    corrupt: 1,
    foreign: 1,
    unreadable: 0,
    dir,
  });
  assert.equal(readdirSync(dir).length, 6, "stats deletes nothing");
});

test("store cache: an entry that cannot be read is a miss, never a throw, and stays", async () => {
  const { cache, dir, file } = fixture();
  await cache.set("other", 7);
  // A socket in the entry's place: opening it fails (ENXIO) even for root, whom a mode of 000
  // does not stop.
  mkdirSync(dir, { recursive: true });
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(file("sock"), () => resolve());
  });
  try {
    assert.deepEqual(await cache.get("sock"), { hit: false, reason: "unreadable" });
    assert.ok(existsSync(file("sock")), "nothing deleted");
    // Not a file: stats and clear leave it out.
    assert.equal((await cache.stats()).entries, 1);
    assert.deepEqual(await cache.get("other"), { hit: true, value: 7, ageMs: 0 });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  // A file whose mode denies reading it, where that denies this process (not root).
  await cache.set("denied", 1);
  chmodSync(file("denied"), 0o000);
  try {
    let denied = false;
    try {
      readFileSync(file("denied"));
    } catch {
      denied = true;
    }
    if (denied) {
      assert.deepEqual(await cache.get("denied"), { hit: false, reason: "unreadable" });
      assert.equal((await cache.stats()).unreadable, 1);
      chmodSync(file("denied"), 0o600);
      assert.deepEqual(await cache.get("denied"), { hit: true, value: 1, ageMs: 0 }, "kept");
    }
  } finally {
    chmodSync(file("denied"), 0o600);
  }
});

test("store cache: clear deletes the entry files and stale temporary and lock files only", async () => {
  const { cache, dir } = fixture();
  for (const k of ["a", "b", "c"]) await cache.set(k, k);
  writeFileSync(join(dir, "README.txt"), "keep");
  const stale = join(dir, `.${cacheFileName("a")}.999.abcdefabcdef.tmp`);
  const young = join(dir, `.${cacheFileName("b")}.999.123456123456.tmp`);
  const staleLock = join(dir, `${cacheFileName("a")}.lock`);
  // A young lock of a key without an entry (one of an entry is waited for: see below).
  const youngLock = join(dir, `${cacheFileName("d")}.lock`);
  for (const f of [stale, young, staleLock, youngLock]) writeFileSync(f, "{");
  const old = new Date(Date.now() - 3600_000);
  utimesSync(stale, old, old);
  utimesSync(staleLock, old, old);
  assert.equal(await cache.clear(), 3);
  // The young temporary file may belong to a write in flight in another process, the young lock
  // to an update in flight: they stay.
  assert.deepEqual(
    readdirSync(dir).sort(),
    [basename(young), basename(youngLock), "README.txt"].sort(),
  );
  assert.deepEqual(await cache.get("a"), { hit: false, reason: "missing" });
  assert.equal(await cache.clear(), 0);
});

test("store cache: a directory that does not exist is an empty cache, created by set", async () => {
  const dir = join(tempDir(), "a", "b");
  const { cache } = fixture({ dir });
  assert.deepEqual(await cache.get("k"), { hit: false, reason: "missing" });
  assert.equal((await cache.stats()).entries, 0);
  assert.equal(await cache.clear(), 0);
  assert.equal(existsSync(dir), false);
  await cache.set("k", true);
  assert.equal((await cache.get("k")).hit, true);
});

test("store cache: without dir, entries go to $AMORSIZE_HOME/cache", async () => {
  const home = tempDir();
  const before = process.env.AMORSIZE_HOME;
  process.env.AMORSIZE_HOME = home;
  try {
    const cache = createResultCache({ version: "1" });
    assert.equal(cache.dir, join(home, "cache"));
    await cache.set("k", 1);
    assert.deepEqual(readdirSync(join(home, "cache")), [cacheFileName("k")]);
  } finally {
    if (before === undefined) delete process.env.AMORSIZE_HOME;
    else process.env.AMORSIZE_HOME = before;
  }
});

test("store cache: bad arguments throw, naming the argument and the value", async () => {
  const dir = tempDir();
  const make = (o: unknown) => createResultCache(o as Parameters<typeof createResultCache>[0]);
  assert.throws(() => make({ dir }), {
    name: "TypeError",
    message: `'version' must be a non-empty string, got undefined`,
  });
  assert.throws(() => make(undefined), TypeError);
  assert.throws(() => make({ dir, version: "1", ttlMs: 0 }), {
    name: "RangeError",
    message: `'ttlMs' must be a positive number of milliseconds, got 0`,
  });
  assert.throws(() => make({ dir, version: "1", ttlMs: NaN }), RangeError);
  assert.throws(() => make({ dir, version: "1", ttlMs: "1d" }), {
    name: "TypeError",
    message: `'ttlMs' must be a positive number of milliseconds, got "1d"`,
  });
  assert.throws(() => make({ dir, version: "1", now: 5 }), {
    name: "TypeError",
    message: `'now' must be a function, got 5`,
  });
  assert.throws(() => make({ dir: "", version: "1" }), RangeError);
  const cache = make({ dir, version: "1" });
  await assert.rejects(cache.get(""), {
    name: "RangeError",
    message: `'key' must be a non-empty string, got ""`,
  });
  await assert.rejects(cache.set(7 as unknown as string, 1), {
    name: "TypeError",
    message: /'key'/,
  });
  await assert.rejects(cache.set("k", undefined), {
    name: "TypeError",
    message: `'value' must be JSON-serialisable, got undefined`,
  });
  const cycle: Record<string, unknown> = {};
  cycle.me = cycle;
  await assert.rejects(cache.set("k", cycle), {
    name: "TypeError",
    message: /^'value' must be JSON/,
  });
  await assert.rejects(cache.set("k", 1n), TypeError);
  assert.deepEqual(readdirSync(dir), [], "nothing was written");
});

test("store cache: an entry larger than the cache reads back is refused, nothing written", async () => {
  const { cache, dir } = fixture();
  await cache.set("k", "small");
  const huge = "x".repeat(16 * 2 ** 20);
  await assert.rejects(cache.set("k", huge), {
    name: "RangeError",
    message: /^'value' must fit a cache entry of at most 16777216 bytes .*, got 1677\d{4} bytes/,
  });
  await assert.rejects(cache.update("k", () => huge), RangeError);
  // What was there is left as it was (it used to be replaced, then read as corrupt and deleted).
  assert.deepEqual(await cache.get("k"), { hit: true, value: "small", ageMs: 0 });
  assert.equal(readdirSync(dir).length, 1);
});

test("store cache: two processes writing the same key and their own keys at once", async () => {
  const dir = join(tempDir(), "not", "yet"); // both create it too
  const runs = await runWriters(fixtureModule("store/concurrent_writer"), "cache", dir, [
    "a",
    "b",
  ], 20);
  for (const run of runs) assert.equal(run.code, 0, run.output);
  const cache = createResultCache<{ label: string; i: number; pad: string }>({
    dir,
    version: "test",
  });
  for (const label of ["a", "b"]) {
    for (let i = 0; i < 20; i++) {
      const got = await cache.get(`${label}-${i}`);
      assert.ok(got.hit, `${label}-${i}: ${JSON.stringify(got)}`);
      assert.equal(got.value.label, label);
      assert.equal(got.value.i, i);
      assert.equal(got.value.pad, "x".repeat(4096));
    }
  }
  const shared = await cache.get("shared");
  assert.ok(shared.hit);
  assert.ok(["a", "b"].includes(shared.value.label));
  assert.equal(shared.value.pad, "y".repeat(4096));
  const stats = await cache.stats();
  assert.equal(stats.entries, 41);
  assert.equal(stats.corrupt, 0);
  assert.equal(stats.foreign, 0);
  assert.equal(readdirSync(dir).length, 41, "no temporary files left");
});
