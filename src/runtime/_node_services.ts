// File, environment, memory and CPU-time services through node: built-ins (Node and Bun).
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, freemem, hostname, totalmem } from "node:os";
import process from "node:process";
import type { EnvRead, FileRead, MemoryInfo } from "./types.ts";

export function readHostTextFile(path: string): FileRead {
  try {
    return { ok: true, text: readFileSync(path, "utf8") };
  } catch (e) {
    const code = (e as { code?: string }).code;
    const message = e instanceof Error ? e.message : String(e);
    if (code === "ENOENT" || code === "ENOTDIR") return { ok: false, reason: "missing", message };
    return { ok: false, reason: "error", message };
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
