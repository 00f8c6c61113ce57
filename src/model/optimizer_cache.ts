/**
 * The optimizer's result cache, seen from outside: how many decisions it holds, and clearing it.
 *
 * `optimize` (and automatic `execute`/`map`) stores each decision it measures under a key made of
 * the task's identity, the octave of the item count, the octave of the per-item time seen by its
 * first look (a lookup also accepts the neighbouring octaves), the runtime and its version, the
 * effective cores, the memory octave, the library version and the options that steer the
 * decision; a later call with the same key returns the stored decision without sampling
 * (`result.cacheHit`). Entries live 7 days. Pass `cache: false` to bypass it. The directory is
 * `storeDir("cache")`: `$AMORSIZE_HOME/cache`, else the per-user cache directory.
 *
 * @module
 */
import { knownKeys, objectArg } from "../args.ts";
import type { CacheStats } from "../store/mod.ts";
import { optimizerCache } from "./_optimizer_cache.ts";

export type { CacheStats } from "../store/mod.ts";

/** Options of {@linkcode clearCache} and {@linkcode cacheStats}. */
export interface CacheOptions {
  /** The cache directory (default: `storeDir("cache")`). */
  dir?: string;
}

/**
 * Delete every decision the optimizer stored.
 *
 * @param options `dir`: another cache directory.
 * @returns How many entries were deleted.
 * @throws {TypeError} For a `dir` that is not a non-empty string.
 * @throws {Error} When the directory cannot be located or read (Deno without permissions).
 *
 * @example Usage
 * ```ts
 * import { cacheStats, clearCache } from "./optimizer_cache.ts";
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "amorsize-"));
 * assert.equal(await clearCache({ dir }), 0);
 * assert.equal((await cacheStats({ dir })).entries, 0);
 * ```
 */
export async function clearCache(options: CacheOptions = {}): Promise<number> {
  return await optimizerCache(_dirOption(options)).clear();
}

/**
 * Count the optimizer's stored decisions: entries, bytes, and how many are expired, corrupt or of
 * another version (`foreign`). Nothing is deleted.
 *
 * @param options `dir`: another cache directory.
 * @returns The counts and the directory.
 * @throws {TypeError} For a `dir` that is not a non-empty string.
 * @throws {Error} When the directory cannot be located or read (Deno without permissions).
 *
 * @example Usage
 * ```ts
 * import { cacheStats } from "./optimizer_cache.ts";
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "amorsize-"));
 * const stats = await cacheStats({ dir });
 * assert.deepEqual({ ...stats, dir: undefined }, {
 *   entries: 0, bytes: 0, expired: 0, corrupt: 0, foreign: 0, unreadable: 0, dir: undefined,
 * });
 * ```
 */
export async function cacheStats(options: CacheOptions = {}): Promise<CacheStats> {
  return await optimizerCache(_dirOption(options)).stats();
}

function _dirOption(options: CacheOptions): string | undefined {
  knownKeys("options", objectArg("options", options), ["dir"]);
  return options.dir;
}
