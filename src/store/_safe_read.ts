// Reads of files inside the store that a stranger may have planted: only regular files, never
// through a symbolic link (O_NOFOLLOW), never blocking on a FIFO or a device (O_NONBLOCK, then
// fstat), never more than MAX_BYTES. Messages name the path and the problem, never the content.
// Synchronous, as all the store's operations on its small files are (see `_atomic.ts`).
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** Largest store file read (bytes): entries are small; anything larger is not ours. */
export const MAX_BYTES = 16 * 2 ** 20;

/** A file's text, or why there is none (`missing`, or `unusable`: not a regular file we read). */
export type SafeRead =
  | { ok: true; text: string }
  | { ok: false; reason: "missing" | "unusable"; message: string };

const FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const code = (e: unknown) => (e as { code?: string })?.code;

function refused(path: string, e: unknown): SafeRead {
  const c = code(e);
  if (c === "ENOENT" || c === "ENOTDIR") {
    return { ok: false, reason: "missing", message: `${path} does not exist` };
  }
  if (c === "ELOOP") {
    return { ok: false, reason: "unusable", message: `${path} is a symbolic link (not followed)` };
  }
  throw e; // a denied permission, an I/O error: the caller reports it
}

function kind(path: string, st: { isFile(): boolean; size: number }): SafeRead | undefined {
  if (!st.isFile()) {
    return { ok: false, reason: "unusable", message: `${path} is not a regular file` };
  }
  if (st.size > MAX_BYTES) {
    return { ok: false, reason: "unusable", message: `${path} is larger than ${MAX_BYTES} bytes` };
  }
  return undefined;
}

/** Read a regular file. */
export function readRegularFile(path: string): SafeRead {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (e) {
    return refused(path, e);
  }
  try {
    const st = fstatSync(fd);
    const bad = kind(path, st);
    if (bad) return bad;
    const buf = new Uint8Array(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n <= 0) break;
      got += n;
    }
    return { ok: true, text: new TextDecoder().decode(buf.subarray(0, got)) };
  } finally {
    closeSync(fd);
  }
}
