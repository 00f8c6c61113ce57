// The file format of the result cache: a key maps to `<sha-256 of the key, 32 hex digits>.json`,
// holding `{ schema: 1, library: "amorsize", version, key, storedAt, value }`. The key is stored in
// full, so a hash collision or a file from another version is recognised as "foreign", never
// returned as a hit.
import { createHash } from "node:crypto";

/** Names of cache entry files. */
export const CACHE_FILE = /^[0-9a-f]{32}\.json$/;

/** The file name of `key`'s entry. */
export function cacheFileName(key: string): string {
  return `${createHash("sha256").update(key, "utf8").digest("hex").slice(0, 32)}.json`;
}

/** An entry that belongs to this cache: when it was stored, and its value. */
export interface CacheRecord {
  storedAt: number;
  value: unknown;
}

/** The JSON object stored for `key`. */
export function cacheRecord(version: string, key: string, storedAt: number, value: unknown) {
  return { schema: 1, library: "amorsize", version, key, storedAt, value };
}

/**
 * Check a parsed entry file against the cache's `version` and the `key` looked up (or, for a scan,
 * against the key its `fileName` says it holds).
 *
 * @returns The record, or a string saying why the file is foreign.
 */
export function checkCacheRecord(
  parsed: unknown,
  version: string,
  key: string | { fileName: string },
): CacheRecord | string {
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return "not a JSON object";
  }
  const o = parsed as Record<string, unknown>;
  if (o.library !== "amorsize") return "not an amorsize file";
  if (o.schema !== 1) return `schema ${JSON.stringify(o.schema)}, expected 1`;
  if (o.version !== version) return `version ${JSON.stringify(o.version)}, expected "${version}"`;
  if (typeof o.key !== "string") return "no key";
  const keyMatches = typeof key === "string"
    ? o.key === key
    : cacheFileName(o.key) === key.fileName;
  if (!keyMatches) return "another key";
  if (typeof o.storedAt !== "number" || !Number.isFinite(o.storedAt)) return "no valid storedAt";
  if (!("value" in o)) return "no value";
  return { storedAt: o.storedAt, value: o.value };
}
