// The Deno runtime: node:worker_threads workers (a web Worker in a busy loop survives its
// terminate() on Deno, and takes no heap limit) and Deno APIs, asking for permissions before using them (never
// prompting, never throwing for a denied permission).
import { startNodeWorker } from "./_node_worker.ts";
import { hostProcessExists, readHostName, readHostTextFile } from "./_node_services.ts";
import type { EnvRead, FileRead, MemoryInfo, Runtime } from "./types.ts";

type PermissionDescriptor =
  | { name: "read"; path: string }
  | { name: "env"; variable: string }
  | { name: "sys"; kind: string }
  | { name: "run" };

interface DenoApi {
  version: { deno: string };
  permissions: { querySync(d: PermissionDescriptor): { state: string } };
  readTextFileSync(path: string): string;
  readDirSync(path: string): Iterable<{ name: string }>;
  env: { get(name: string): string | undefined };
  systemMemoryInfo(): { total: number; free: number; available: number };
  memoryUsage(): { rss: number; heapUsed: number };
  errors: { NotFound: ErrorConstructor };
}

const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
const granted = (d: PermissionDescriptor) => {
  try {
    return deno.permissions.querySync(d).state === "granted";
  } catch {
    return false;
  }
};

function readTextFile(path: string, maxBytes?: number): FileRead {
  if (!granted({ name: "read", path })) {
    return { ok: false, reason: "denied", message: `Read access to "${path}" is not granted` };
  }
  // The read is allowed: node:fs reads no more than it may (Deno's readTextFileSync has no bound).
  if (maxBytes !== undefined) return readHostTextFile(path, maxBytes);
  try {
    return { ok: true, text: deno.readTextFileSync(path) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof deno.errors.NotFound) return { ok: false, reason: "missing", message };
    const name = e instanceof Error ? e.name : "";
    if (name === "NotCapable") { // Deno's permissions; PermissionDenied is the OS's (EACCES)
      return { ok: false, reason: "denied", message };
    }
    if (/Not a directory/i.test(message)) return { ok: false, reason: "missing", message };
    return { ok: false, reason: "error", message };
  }
}

function listDir(path: string): string[] | undefined {
  if (!granted({ name: "read", path })) return undefined;
  try {
    return [...deno.readDirSync(path)].map((e) => e.name);
  } catch {
    return undefined;
  }
}

function env(name: string): EnvRead {
  if (!granted({ name: "env", variable: name })) return { value: undefined, denied: true };
  return { value: deno.env.get(name), denied: false };
}

function memory(): MemoryInfo {
  const usage = deno.memoryUsage();
  const sys = granted({ name: "sys", kind: "systemMemoryInfo" })
    ? deno.systemMemoryInfo()
    : undefined;
  return {
    totalBytes: sys?.total,
    freeBytes: sys?.free,
    availableBytes: sys?.available,
    rssBytes: usage.rss,
    heapUsedBytes: usage.heapUsed,
  };
}

function cpuTimeUs(): number | undefined {
  const proc = (globalThis as { process?: { cpuUsage?(): { user: number; system: number } } })
    .process;
  try {
    const u = proc?.cpuUsage?.();
    return u ? u.user + u.system : undefined;
  } catch {
    return undefined;
  }
}

/** The Deno implementation of {@linkcode Runtime}. */
export const denoRuntime: Runtime = {
  name: "deno",
  version: deno?.version?.deno ?? "unknown",
  workersCanUnref: true,
  workerHeapLimits: true,
  workerOutOfMemoryReported: false,
  exitWaitsForWorkers: true,
  startWorker: startNodeWorker,
  hardwareConcurrency: () => navigator.hardwareConcurrency,
  readTextFile,
  listDir,
  env,
  memory,
  cpuTimeUs,
  now: () => performance.now(),
  hostName: () => granted({ name: "sys", kind: "hostname" }) ? readHostName() : undefined,
  // node:process's kill is Deno.kill, which needs --allow-run.
  processExists: (pid) => granted({ name: "run" }) ? hostProcessExists(pid) : undefined,
};
