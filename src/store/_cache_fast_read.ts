// The optimizer's cache lookup on its hot path: one small synchronous read through the runtime
// adapter, so that a hit costs a fraction of a millisecond. Only a clean hit, a missing entry or an
// expired one is answered here; anything else (corrupt, foreign, unreadable) goes to the
// ResultCache, which deletes bad files and reports errors.
import { join } from "node:path";
import { runtime } from "../runtime/detect.ts";
import { cacheFileName, checkCacheRecord } from "./_cache_entry.ts";

/** A hit with its value, or a miss that `slow` says the ResultCache must look at. */
export type FastRead = { hit: true; value: unknown } | { hit: false; slow: boolean };

/** Read the entry of `key` in `dir` (the ResultCache's file format) at time `now`. */
export function fastRead(
  dir: string,
  key: string,
  version: string,
  ttlMs: number,
  now: number,
): FastRead {
  const read = runtime().readTextFile(join(dir, cacheFileName(key)));
  if (!read.ok) return { hit: false, slow: read.reason !== "missing" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.text);
  } catch {
    return { hit: false, slow: true };
  }
  const record = checkCacheRecord(parsed, version, key);
  if (typeof record === "string") return { hit: false, slow: true };
  if (Math.max(0, now - record.storedAt) > ttlMs) return { hit: false, slow: false };
  return { hit: true, value: record.value };
}
