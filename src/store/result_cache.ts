/**
 * A persisted key → value cache with a time to live: one JSON file per key, written atomically, so
 * processes sharing the directory never see half an entry. Entries that are corrupt or belong to
 * another version count as misses and are deleted; nothing in the cache can make a lookup throw.
 *
 * @module
 */
import { describeValue, jsonValue, nonEmptyString, optionsArg } from "../args.ts";
import { mkdirSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { errorCode, readJson, toJson, writeTextAtomic } from "./_atomic.ts";
import { MAX_BYTES } from "./_safe_read.ts";
import { Buffer } from "node:buffer";
import { LOCK_FILE, LOCK_STALE_MS, LockTimeoutError, withFileLock } from "./_lock.ts";
import { CACHE_FILE, cacheFileName, cacheRecord, checkCacheRecord } from "./_cache_entry.ts";
import { fileNames, mapLimit, removeFile, removeStaleTemps, removeStoreFile } from "./_dir_scan.ts";
import { notADirectory, resolveStoreDir } from "./store_dir.ts";

/** Options of {@linkcode createResultCache}. */
export interface ResultCacheOptions {
  /** The cache directory (default: `resolveStoreDir("cache")`), created on the first `set`. */
  dir?: string;
  /** How long an entry stays fresh, in ms (default 7 days; `Infinity` = forever). */
  ttlMs?: number;
  /** The clock, in epoch ms (default `Date.now`); tests inject one. */
  now?: () => number;
  /** Version of what is stored (the library version, say): entries of another version miss. */
  version: string;
}

/**
 * Why a lookup missed. `unreadable`: the entry file is there but reading it failed (a denied
 * permission, a socket, an I/O error); it is left as it is.
 */
export type CacheMissReason = "missing" | "expired" | "corrupt" | "foreign" | "unreadable";

/** What a lookup gave: the value and its age, or why there is none. */
export type CacheLookup<T> =
  | { hit: true; value: T; ageMs: number }
  | { hit: false; reason: CacheMissReason };

/** What the cache directory holds (nothing is deleted to work it out). */
export interface CacheStats {
  /** Entry files, whatever their state. */
  entries: number;
  /** Their total size in bytes. */
  bytes: number;
  /** Entries of this cache older than the TTL. */
  expired: number;
  /** Entry files that are not valid JSON. */
  corrupt: number;
  /** Entry files of another schema, version or key. */
  foreign: number;
  /** Entry files that could not be read (a denied permission, a socket, an I/O error). */
  unreadable: number;
  /** The directory. */
  dir: string;
}

/** A persisted cache; see {@linkcode createResultCache}. */
export interface ResultCache<T = unknown> {
  /** The directory of the entry files. */
  readonly dir: string;
  /**
   * Look `key` up; it never throws. A corrupt or foreign entry is deleted; an expired one stays
   * until `set`, an unreadable one (reading it failed) is left as it is. The
   * delete takes the entry's lock and reads the file again first: a valid entry another process
   * wrote since the first read stays (and is the answer); while another process holds the lock
   * (a `set` or `update` in flight, which replaces the file) the bad file is left to it.
   */
  get(key: string): Promise<CacheLookup<T>>;
  /**
   * Store `value` (anything JSON can hold) under `key`, replacing what was there. It waits for an
   * {@linkcode ResultCache.update} of the key in flight in another process. An entry larger than
   * the cache reads back (16 MiB of JSON) is refused with a `RangeError`; nothing is written.
   */
  set(key: string, value: T): Promise<void>;
  /**
   * Read, change and write the entry of `key` as one step that no other process's `set` or
   * `update` of the key interleaves with (a lock file beside the entry: processes recording into
   * one entry at once lose nothing). `change` gets the lookup (a corrupt or foreign entry is a
   * miss) and returns the value to store, or `undefined` to leave the entry as it is. A value
   * changed from a hit keeps the hit's age (it expires when the value it grew from would have);
   * one stored over a miss is new.
   *
   * @returns Whether a value was stored.
   * @throws {Error} A `LockTimeoutError` (code `"ELOCKTIMEOUT"`) when another process held the
   * key's lock for 5 s: nothing was read or written (a lock left by a process that is gone, or
   * older than 30 s, is taken over instead); the file system's errors.
   */
  update(key: string, change: (current: CacheLookup<T>) => T | undefined): Promise<boolean>;
  /**
   * Delete every entry file (those that say `"library": "amorsize"`, a truncated one too;
   * another program's file named as an entry stays); returns how many. Each is deleted under
   * its entry's lock, so an
   * {@linkcode ResultCache.update} in flight in another process ends first and its value is
   * deleted too (an update never writes back a value grown from an entry the clear deleted); a
   * `set` or `update` that starts after the clear reached its entry stores a new one. An entry
   * whose lock another process holds for longer than the lock wait (5 s) is deleted anyway.
   */
  clear(): Promise<number>;
  /** Count the entries by state. */
  stats(): Promise<CacheStats>;
}

const _WEEK_MS = 7 * 24 * 3600 * 1000;

function _check(options: ResultCacheOptions) {
  const o = optionsArg("options", options);
  const version = nonEmptyString("version", o.version);
  const ttlMs = o.ttlMs ?? _WEEK_MS;
  if (typeof ttlMs !== "number" || !(ttlMs > 0)) {
    const E = typeof ttlMs === "number" ? RangeError : TypeError;
    throw new E(`'ttlMs' must be a positive number of milliseconds, got ${describeValue(ttlMs)}`);
  }
  const now = o.now ?? Date.now;
  if (typeof now !== "function") {
    throw new TypeError(`'now' must be a function, got ${describeValue(now)}`);
  }
  return { version, ttlMs, now, dir: resolveStoreDir("cache", { dir: o.dir }) };
}

/**
 * Entries are written without an fsync: a cache can be rebuilt, and an entry a crash left torn
 * reads as corrupt (a miss). An automatic call's record of its run took 5–6 ms with it, 3–5
 * without (a 13 ms job of 20 items on 2 workers, Deno), 1.6–2 once the store's operations were
 * synchronous (see `_atomic.ts`; a machine running other tests beside it).
 */
const NOT_DURABLE = { durable: false };

/**
 * A persisted key → value cache with a TTL. Keys are any non-empty strings (the file name is their
 * SHA-256); values are anything JSON can hold and come back as JSON gives them. Each entry file is
 * `{ schema: 1, library: "amorsize", version, key, storedAt, value }`.
 *
 * @param options `version` (required), `dir`, `ttlMs` (default 7 days), `now` (default `Date.now`).
 * @returns The cache.
 * @throws {TypeError|RangeError} For a missing `version`, a bad `ttlMs`, `now` or `dir`.
 *
 * @example Usage
 * ```ts
 * import { createResultCache } from "./result_cache.ts";
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * let clock = 1_000;
 * const dir = mkdtempSync(join(tmpdir(), "amorsize-"));
 * const cache = createResultCache({ dir, version: "1.0.0", ttlMs: 500, now: () => clock });
 * assert.deepEqual(await cache.get("job"), { hit: false, reason: "missing" });
 * await cache.set("job", { workers: 4 });
 * clock += 100;
 * assert.deepEqual(await cache.get("job"), { hit: true, value: { workers: 4 }, ageMs: 100 });
 * clock += 1_000;
 * assert.deepEqual(await cache.get("job"), { hit: false, reason: "expired" });
 * assert.equal((await cache.stats()).expired, 1);
 * assert.equal(await cache.clear(), 1);
 * ```
 */
export function createResultCache<T = unknown>(options: ResultCacheOptions): ResultCache<T> {
  const { version, ttlMs, now, dir } = _check(options);
  const pathOf = (key: string) => join(dir, cacheFileName(nonEmptyString("key", key)));
  /** The text of `value`'s entry file, refused where the cache would not read it back. */
  const entryText = (key: string, value: unknown, storedAt = now()) => {
    jsonValue("value", value);
    const text = toJson(cacheRecord(version, key, storedAt, value), "value");
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_BYTES) {
      throw new RangeError(
        `'value' must fit a cache entry of at most ${MAX_BYTES} bytes (what the cache reads ` +
          `back), got ${bytes} bytes of JSON`,
      );
    }
    return text;
  };

  /**
   * The lookup of the entry at `path`, whether the file is bad (corrupt or foreign), and when a
   * hit was stored.
   */
  function read(key: string, path: string): [CacheLookup<T>, bad: boolean, storedAt?: number] {
    const read = readJson(path);
    if (!read.ok) return [{ hit: false, reason: read.reason }, read.reason === "corrupt"];
    const record = checkCacheRecord(read.value, version, key);
    if (typeof record === "string") return [{ hit: false, reason: "foreign" }, true];
    const ageMs = Math.max(0, now() - record.storedAt);
    if (ageMs > ttlMs) return [{ hit: false, reason: "expired" }, false];
    return [{ hit: true, value: record.value as T, ageMs }, false, record.storedAt];
  }

  async function get(key: string): Promise<CacheLookup<T>> {
    const path = pathOf(key);
    let first: ReturnType<typeof read>;
    try {
      first = read(key, path);
    } catch {
      // A read that failed (a denied permission, a socket in the entry's place, an I/O error):
      // a miss, and the file stays — it may be a valid entry this process may not read.
      return { hit: false, reason: "unreadable" };
    }
    const [lookup, bad] = first;
    if (!bad) return lookup;
    // Deleted only if still bad under the lock: between the read and the delete, another
    // process's `set` may have replaced the file with a valid entry. A lock held now belongs to
    // a writer that replaces the file: it is left to it (no wait on the lookup's path).
    return await withFileLock(path, async () => {
      const [again, stillBad] = read(key, path);
      if (stillBad) await removeFile(path);
      return again;
    }, { waitMs: 0 }).catch(() => lookup);
  }

  async function set(key: string, value: T): Promise<void> {
    const path = pathOf(key);
    const text = entryText(key, value);
    makeDir(dir);
    await withFileLock(path, () => writeTextAtomic(path, text, NOT_DURABLE));
  }

  async function update(
    key: string,
    change: (current: CacheLookup<T>) => T | undefined,
  ): Promise<boolean> {
    const path = pathOf(key);
    if (typeof change !== "function") {
      throw new TypeError(`'change' must be a function, got ${describeValue(change)}`);
    }
    makeDir(dir);
    return await withFileLock(path, async () => {
      const [current, , storedAt] = read(key, path);
      const next = change(current);
      if (next === undefined) return false;
      await writeTextAtomic(path, entryText(key, next, storedAt), NOT_DURABLE);
      return true;
    });
  }

  async function clear(): Promise<number> {
    const names = await fileNames(dir);
    await removeStaleTemps(dir, names);
    // Locks left by processes that died holding them (a younger one may be held now).
    await removeStaleTemps(dir, names.filter((n) => LOCK_FILE.test(n)), LOCK_STALE_MS, true);
    const removed = await mapLimit(names.filter((n) => CACHE_FILE.test(n)), 16, async (name) => {
      const path = join(dir, name);
      try {
        return await withFileLock(path, () => removeStoreFile(path));
      } catch (error) {
        if (error instanceof LockTimeoutError) return await removeStoreFile(path);
        if (errorCode(error) === "ENOENT") return false; // the directory went meanwhile
        throw error;
      }
    });
    return removed.filter(Boolean).length;
  }

  async function stats(): Promise<CacheStats> {
    const out: CacheStats = {
      entries: 0,
      bytes: 0,
      expired: 0,
      corrupt: 0,
      foreign: 0,
      unreadable: 0,
      dir,
    };
    const names = (await fileNames(dir)).filter((n) => CACHE_FILE.test(n));
    const at = now();
    await mapLimit(names, 16, async (fileName) => {
      const path = join(dir, fileName);
      const info = await stat(path).catch(() => undefined);
      let read: ReturnType<typeof readJson> | undefined;
      try {
        read = readJson(path);
      } catch { /* a read that failed: unreadable */ }
      if (!info || (read && !read.ok && read.reason === "missing")) return; // removed meanwhile
      out.entries++;
      out.bytes += info.size;
      if (!read) return void out.unreadable++;
      if (!read.ok) return void out.corrupt++;
      const record = checkCacheRecord(read.value, version, { fileName });
      if (typeof record === "string") out.foreign++;
      else if (at - record.storedAt > ttlMs) out.expired++;
    });
    return out;
  }

  return { dir, get, set, update, clear, stats };
}

/** Create `dir` and its parents; a file in the way is said as such (see `notADirectory`). */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw notADirectory(dir, error);
  }
}
