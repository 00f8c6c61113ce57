// Scanning a store directory: its file names (none when it does not exist yet), bounded-concurrency
// mapping over them (a directory of thousands of files must not open thousands of descriptors at
// once), and removal that tolerates a file another process removed first.
import { unlinkSync } from "node:fs";
import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { errorCode, isTempName } from "./_atomic.ts";
import { readRegularFile } from "./_safe_read.ts";
import { notADirectory } from "./store_dir.ts";

/**
 * The names of the regular files in `dir`, sorted; `[]` when `dir` does not exist. A `dir` that
 * is a file, or lies under one, is no empty store: that error is thrown (see `notADirectory`;
 * `cache stats` read 0 entries and exit code 0 where the cache directory was a file).
 */
export async function fileNames(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => e.name).sort();
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    throw notADirectory(dir, error);
  }
}

/** `fn` over `items` with at most `limit` calls in flight; results in the order of `items`. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** Delete `path`; `false` when it was already gone (another process may have removed it). */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
}

/**
 * Delete `path` where the store wrote it (see `storeWrote`); `false` when it was gone or is
 * another program's file (a clear leaves it: `stats` and `history list` count it as foreign).
 */
export async function removeStoreFile(path: string): Promise<boolean> {
  return storeWrote(path) && await removeFile(path);
}

/**
 * Whether the file at `path` is the store's: a regular file whose text says
 * `"library": "amorsize"` (a corrupt entry too, where that part is left).
 */
function storeWrote(path: string): boolean {
  try {
    const read = readRegularFile(path);
    return read.ok && STORE_MARK.test(read.text);
  } catch {
    return false; // unreadable here: not known to be ours
  }
}
const STORE_MARK = /"library"\s*:\s*"amorsize"/;

/** Delete `path` if it can be: a tidy-up that nothing depends on (it never throws). */
export function discardFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already, or not ours to remove: left.
  }
}

/**
 * Delete the temporary files of interrupted writes in `dir` that are older than `maxAgeMs` (a
 * younger one may belong to a write in flight in another process); with `all`, every one of
 * `names` older than that.
 */
export async function removeStaleTemps(
  dir: string,
  names: string[],
  maxAgeMs = 60_000,
  all = false,
) {
  const now = Date.now();
  await mapLimit(all ? names : names.filter(isTempName), 16, async (name) => {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > maxAgeMs) discardFile(path);
  });
}
