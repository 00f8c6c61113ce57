// Atomic JSON files: a write goes to a uniquely named temporary file in the same directory, is
// flushed (best effort), then renamed over the target, so a reader sees the old file or the new one,
// never half of one. A read reports a missing or corrupt file as data instead of throwing.
//
// The store's files are small and its operations on them synchronous: each operation's round trip
// through the runtime's thread pool cost more than the operation (an automatic run's record of its
// time next to a cached decision, about 17 operations, took 3–5 ms asynchronous and 1.6–2 ms
// synchronous on Deno, traced with other work running beside it).
// What waits stays asynchronous: an fsync (a disk may take long), a retried rename, a held lock.
import {
  closeSync,
  fsync,
  lstatSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { promisify } from "node:util";
import { readRegularFile } from "./_safe_read.ts";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { randomBytes } from "node:crypto";

/** What reading a JSON file gave: its parsed value, or why there is none. */
export type JsonRead =
  | { ok: true; value: unknown }
  | { ok: false; reason: "missing" | "corrupt"; message: string };

const _TEMP = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/;

/** Whether `name` is a temporary file left by {@linkcode writeJsonAtomic} (in flight or stale). */
export function isTempName(name: string): boolean {
  return _TEMP.test(name);
}

/** A temporary file name beside `path`, unique across processes (pid) and calls (random). */
export function tempPathFor(path: string): string {
  const suffix = randomBytes(6).toString("hex");
  return join(dirname(path), `.${basename(path)}.${process.pid}.${suffix}.tmp`);
}

/** The code of a Node-style system error (`"ENOENT"`, …), or `undefined`. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

const _RETRY_CODES = new Set(["EPERM", "EACCES", "EBUSY"]);

// Windows refuses to rename over a file another process holds open for a moment; retry briefly.
async function _renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0;; attempt++) {
    try {
      return renameSync(from, to);
    } catch (error) {
      if (attempt >= 5 || !_RETRY_CODES.has(errorCode(error) ?? "")) throw error;
      await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
    }
  }
}

const _fsync = promisify(fsync);
const _stat = (path: string, link: boolean) => {
  try {
    return link ? lstatSync(path) : statSync(path);
  } catch {
    return undefined;
  }
};

/**
 * Write `text` to `path` atomically: a temporary file in the same directory (created exclusively),
 * fsync (best effort; `durable: false` skips it, for a file that can be rebuilt, such as a cache
 * entry: a crash may then leave it torn, which its reader takes as corrupt), then a rename over
 * `path`. The temporary file is removed if anything fails.
 * The directory must exist. A symbolic link is written where it leads (the link stays); a path
 * that is not a regular file (a device such as `/dev/null`, a FIFO) is written to as it is: a
 * rename replaced it with a regular file (as root, `--html /dev/null` replaced the device).
 */
export async function writeTextAtomic(
  path: string,
  text: string,
  { durable = true }: { durable?: boolean } = {},
): Promise<void> {
  const seen = _stat(path, true);
  if (seen?.isSymbolicLink()) {
    let target: string | undefined;
    try {
      target = realpathSync(path);
    } catch {
      // A link to nothing yet: written through, which creates its target.
      return writeFileSync(path, text, "utf8");
    }
    path = target;
  }
  const st = seen?.isSymbolicLink() ? _stat(path, false) : seen;
  if (st && !st.isFile()) return writeFileSync(path, text, "utf8");
  const temp = tempPathFor(path);
  let renamed = false;
  try {
    const fd = openSync(temp, "wx");
    try {
      writeFileSync(fd, text, "utf8");
      try {
        if (durable) await _fsync(fd);
      } catch {
        // Best effort: some file systems do not support fsync.
      }
    } finally {
      closeSync(fd);
    }
    await _renameWithRetry(temp, path);
    renamed = true;
  } finally {
    if (!renamed) {
      try {
        unlinkSync(temp);
      } catch {
        // Never created, or removed already.
      }
    }
  }
}

/**
 * Serialise `value` as JSON (compact, or indented when `pretty`) and write it to `path` atomically.
 *
 * @throws {TypeError} When `value` cannot be serialised (a cycle, a BigInt, `undefined`).
 */
export async function writeJsonAtomic(path: string, value: unknown, pretty = false) {
  await writeTextAtomic(path, toJson(value, "value", pretty));
}

/**
 * The JSON text of `value` plus a newline: compact, or with a two-space indent when `pretty`.
 *
 * @throws {TypeError} Naming `name` when the value has no JSON form (a cycle, a BigInt, a function
 * or `undefined` at the top level).
 */
export function toJson(value: unknown, name: string, pretty = false): string {
  let text: string | undefined;
  try {
    // Compact first: Bun takes seconds to find a cycle when asked to indent.
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`'${name}' must be JSON-serialisable: ${(error as Error).message}`);
  }
  if (text === undefined) {
    throw new TypeError(`'${name}' must be JSON-serialisable, got ${typeof value}`);
  }
  return `${pretty ? JSON.stringify(value, null, 2) : text}\n`;
}

/**
 * Read and parse the JSON file at `path`: only a regular file, never through a symbolic link,
 * never blocking on a FIFO (see `_safe_read.ts`). A missing file gives `reason: "missing"`; an
 * unparsable one, or one that is not a regular file, `reason: "corrupt"`; neither throws, and no
 * message quotes the file's content. Other I/O errors (a denied permission) do throw.
 */
export function readJson(path: string): JsonRead {
  const read = readRegularFile(path);
  if (!read.ok) {
    return {
      ok: false,
      reason: read.reason === "missing" ? "missing" : "corrupt",
      message: read.message,
    };
  }
  return parseJson(path, read.text);
}

/**
 * `JSON.parse` of a file's text, after a leading UTF-8 byte-order mark (which editors on Windows
 * write and `JSON.parse` refuses). Text decoded by `TextDecoder`, as {@linkcode readJson} reads it,
 * has lost the mark already; this is for text read otherwise.
 *
 * @example Usage
 * ```ts
 * import { parseJsonText } from "./_atomic.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseJsonText('\uFEFF{"a": 1}'), { a: 1 });
 * assert.throws(() => parseJsonText("{"), SyntaxError);
 * ```
 */
export function parseJsonText(text: string): unknown {
  return JSON.parse(text.replace(/^\uFEFF/, ""));
}

/** Parse the text of the file at `path`; the error message never quotes the text. */
export function parseJson(path: string, text: string): JsonRead {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: "corrupt", message: `${path} is not valid JSON` };
  }
}
