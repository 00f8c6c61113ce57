// File, environment, memory and CPU-time services through node: built-ins (Node and Bun).
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { availableParallelism, freemem, hostname, totalmem } from "node:os";
import process from "node:process";
import type { EnvRead, FileRead, MemoryInfo } from "./types.ts";

export function readHostTextFile(path: string, maxBytes?: number): FileRead {
  try {
    if (maxBytes !== undefined) return readBoundedText(path, maxBytes);
    return { ok: true, text: readFileSync(path, "utf8") };
  } catch (e) {
    const code = (e as { code?: string }).code;
    const message = e instanceof Error ? e.message : String(e);
    if (code === "ENOENT" || code === "ENOTDIR") return { ok: false, reason: "missing", message };
    return { ok: false, reason: "error", message };
  }
}

/** Bytes read at a time from a file whose size is not known (a device, a pipe, /proc). */
const CHUNK_BYTES = 2 ** 20;

/**
 * Read `path` as UTF-8 text (a byte-order mark kept, as `readFileSync` keeps it), or `too-large`
 * once more than `maxBytes` were read: a regular file larger than that is not read at all, and a
 * device or a pipe is read one byte past it at most.
 */
function readBoundedText(path: string, maxBytes: number): FileRead {
  const fd = openSync(path, "r");
  try {
    const info = fstatSync(fd);
    const tooLarge: FileRead = {
      ok: false,
      reason: "too-large",
      message: `it holds more than ${maxBytes} bytes`,
    };
    if (info.isFile() && info.size > maxBytes) return tooLarge;
    const chunks: Uint8Array[] = [];
    let total = 0;
    // A regular file in one read (its size, one byte more to see its end); else chunks.
    let want = info.isFile() && info.size > 0 ? info.size + 1 : CHUNK_BYTES;
    while (total <= maxBytes) {
      const buf = new Uint8Array(Math.min(want, maxBytes + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      total += n;
      want = CHUNK_BYTES;
    }
    if (total > maxBytes) return tooLarge;
    const bytes = chunks.length === 1 ? chunks[0] : new Uint8Array(total);
    if (chunks.length !== 1) {
      let at = 0;
      for (const c of chunks) {
        bytes.set(c, at);
        at += c.length;
      }
    }
    return { ok: true, text: new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes) };
  } finally {
    closeSync(fd);
  }
}

export function listHostDir(path: string): string[] | undefined {
  try {
    return readdirSync(path);
  } catch {
    return undefined;
  }
}

export function readEnv(name: string): EnvRead {
  return { value: process.env[name], denied: false };
}

export function readMemory(): MemoryInfo {
  const usage = process.memoryUsage();
  const avail = (process as { availableMemory?: () => number }).availableMemory?.();
  return {
    totalBytes: totalmem(),
    freeBytes: freemem(),
    availableBytes: avail ?? freemem(),
    rssBytes: usage.rss,
    heapUsedBytes: usage.heapUsed,
  };
}

export function processCpuTimeUs(): number | undefined {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export function nodeAvailableParallelism(): number {
  return availableParallelism();
}

export function readHostName(): string | undefined {
  try {
    return hostname() || undefined;
  } catch {
    return undefined;
  }
}

export function hostProcessExists(pid: number): boolean | undefined {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === "ESRCH" ? false : code === "EPERM" ? true : undefined; // EPERM: another user's
  }
}
