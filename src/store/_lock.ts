// Per-file locks for the read-modify-writes of store files that several processes share (an
// automatic run recording its time next to a cached decision while another process does the
// same): `<file>.lock`, created exclusively, holding its owner's pid, host and a random token.
//
// A lock is taken over when it is stale: its owner is a process of this host that is gone, or the
// lock is older than `LOCK_STALE_MS` whoever holds it (a process stopped or stuck that long holds
// no lock). The takeover renames the stale file aside first (only one process can rename one
// file), then checks it renamed the lock it judged stale, and puts back one it did not. Waiting is
// bounded: after `LOCK_WAIT_MS` a `LockTimeoutError` is thrown, and nothing was done under it.
import { closeSync, linkSync, lstatSync, openSync, renameSync, writeFileSync } from "node:fs";
import process from "node:process";
import { randomBytes } from "node:crypto";
import { runtime } from "../runtime/mod.ts";
import { errorCode, tempPathFor } from "./_atomic.ts";
import { discardFile } from "./_dir_scan.ts";
import { readRegularFile } from "./_safe_read.ts";

/** How long a process waits for a lock before giving up (ms). */
export const LOCK_WAIT_MS = 5_000;

/** A lock older than this is stale whoever holds it (ms); a store update takes milliseconds. */
export const LOCK_STALE_MS = 30_000;

/** Names of lock files (`<entry file>.lock`). */
export const LOCK_FILE = /\.lock$/;

/** The lock of `path` could not be had in time: another process held it. */
export class LockTimeoutError extends Error {
  /** A Node-style code, as the file system's errors have. */
  readonly code = "ELOCKTIMEOUT";
  constructor(lockPath: string, waitedMs: number) {
    super(`Timed out after ${waitedMs} ms waiting for ${lockPath}: another process holds it`);
    this.name = "LockTimeoutError";
  }
}

/** Options of {@linkcode withFileLock} (tests shorten them). */
export interface LockOptions {
  /** Give up after this long (ms; default `LOCK_WAIT_MS`). */
  waitMs?: number;
  /** A lock older than this is taken over (ms; default `LOCK_STALE_MS`). */
  staleMs?: number;
}

interface LockSeen {
  ino: number;
  mtimeMs: number;
  text: string;
}

/** Whether the process `pid` of this host is gone (`false` when unsure). */
function _gone(pid: unknown): boolean {
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return false;
  return pid !== process.pid && runtime().processExists(pid) === false;
}

function _look(lockPath: string): LockSeen | undefined {
  let info;
  try {
    info = lstatSync(lockPath);
  } catch {
    return undefined;
  }
  return { ino: info.ino, mtimeMs: info.mtimeMs, text: _text(lockPath) ?? "" };
}

/** The text of the lock file, `undefined` where it cannot be read (gone, not a regular file). */
function _text(lockPath: string): string | undefined {
  try {
    const read = readRegularFile(lockPath);
    return read.ok ? read.text : undefined;
  } catch {
    return undefined;
  }
}

function _isStale(seen: LockSeen, staleMs: number): boolean {
  if (Date.now() - seen.mtimeMs > staleMs) return true;
  let owner: { pid?: unknown; host?: unknown } | undefined;
  try {
    owner = JSON.parse(seen.text);
  } catch {
    return false; // being written: judged by age only
  }
  // The pid of another host says nothing here; where the host name is unknown (Deno without
  // --allow-sys), neither does a pid: then the lock is judged by its age only.
  const host = runtime().hostName();
  return host !== undefined && owner?.host === host && _gone(owner?.pid);
}

/** Remove the stale lock `seen`, leaving alone one that replaced it meanwhile. */
function _takeOver(lockPath: string, seen: LockSeen): void {
  const aside = tempPathFor(lockPath);
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return; // another process took it over first
    throw error;
  }
  const moved = _look(aside);
  if (moved && (moved.ino !== seen.ino || moved.text !== seen.text)) {
    // A live lock (another process replaced the stale one meanwhile): back where it was, unless
    // a third process has created one since.
    try {
      linkSync(aside, lockPath);
    } catch {
      // A third process holds it now.
    }
  }
  discardFile(aside);
}

function _tryCreate(lockPath: string, token: string): boolean {
  let fd;
  try {
    fd = openSync(lockPath, "wx");
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  }
  try {
    const owner = { pid: process.pid, host: runtime().hostName() ?? null, token };
    writeFileSync(fd, JSON.stringify(owner), "utf8");
  } finally {
    closeSync(fd);
  }
  return true;
}

function _release(lockPath: string, token: string): void {
  // Only our own lock: one taken over from us (we were stuck past the stale age) is another's.
  if (_text(lockPath)?.includes(token)) discardFile(lockPath);
}

/**
 * Run `fn` holding the lock of `path` (the file `<path>.lock`, in `path`'s directory, which must
 * exist); the lock is released however `fn` ends.
 *
 * @throws {LockTimeoutError} When the lock could not be had within `waitMs`; `fn` did not run.
 * @throws The file system's error when the lock file cannot be created (EACCES, ENOENT, ...).
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const waitMs = options.waitMs ?? LOCK_WAIT_MS;
  const staleMs = options.staleMs ?? LOCK_STALE_MS;
  const lockPath = `${path}.lock`;
  const token = randomBytes(8).toString("hex");
  const start = Date.now();
  let takeovers = 0;
  for (let pause = 1;; pause = Math.min(25, pause * 1.5)) {
    if (_tryCreate(lockPath, token)) break;
    const seen = _look(lockPath);
    // A stale lock is taken over even past the wait (a few times: never a loop for ever).
    if (seen && _isStale(seen, staleMs) && takeovers++ < 8) {
      _takeOver(lockPath, seen);
      continue;
    }
    if (Date.now() - start >= waitMs) throw new LockTimeoutError(lockPath, waitMs);
    await new Promise((r) => setTimeout(r, pause * (0.5 + Math.random())));
  }
  try {
    return await fn();
  } finally {
    _release(lockPath, token);
  }
}
