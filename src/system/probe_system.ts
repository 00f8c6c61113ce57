/**
 * The host probe: what this machine really gives this process (cores, affinity, cgroup quota,
 * memory and its limit, the limit on threads), each figure with its source. See docs/probe.md.
 *
 * @module
 */
import { keysOf, knownKeys, objectArg, wrongType } from "../args.ts";
import { runtime } from "../runtime/mod.ts";
import { readAffinity } from "./affinity.ts";
import { readCgroupPaths } from "./cgroup.ts";
import { readCpuQuota } from "./cpu_quota.ts";
import { effectiveCores } from "./effective_cores.ts";
import { HostFiles } from "./host_files.ts";
import { readLogicalCores } from "./logical_cores.ts";
import { type MemoryFigure, readMeminfo, readMemoryLimit, readMemoryRoom } from "./memory.ts";
import { parseCpusOverride, parseMemoryOverride } from "./overrides.ts";
import { readPhysicalCores } from "./physical_cores.ts";
import type { ProbeOptions, SystemInfo } from "./system_info.ts";
import { readThreadLimit, readThreadRoom } from "./threads.ts";

/**
 * Probe the host: read `/proc` and `/sys` under `options.root` (default `"/"`) and report the
 * cores, affinity, cgroup CPU quota, memory and memory limit, and the cgroup limit on threads,
 * each with its source. Missing files
 * fall back silently; a file holding garbage is ignored with a warning; reads that are denied
 * (Deno without `-A`) give the runtime's figures and one warning. Never throws for the host's
 * files.
 *
 * @param options `root`: a directory standing for `/` (fixture trees); `env`: variables to use
 *   instead of the process environment for the overrides `AMORSIZE_CPUS` and `AMORSIZE_MEMORY`.
 * @returns The figures, their sources and the warnings.
 * @throws {RangeError} When `AMORSIZE_CPUS` or `AMORSIZE_MEMORY` is set to something invalid.
 * @throws {TypeError} When `options.root` is not a non-empty string, or `options.env` is not an
 *   object whose overrides are strings.
 *
 * @example Usage
 * ```ts
 * import { probeSystem } from "./probe_system.ts";
 * import assert from "node:assert/strict";
 *
 * const info = await probeSystem({ env: {} });
 * assert.ok(info.effectiveCores >= 1 && info.effectiveCores <= info.logicalCores);
 * assert.equal(typeof info.sources.effectiveCores, "string");
 * ```
 */
export function probeSystem(options: ProbeOptions = {}): Promise<SystemInfo> {
  try {
    return Promise.resolve(_probe(options));
  } catch (e) {
    return Promise.reject(e);
  }
}

function _probe(options: ProbeOptions): SystemInfo {
  knownKeys("options", objectArg("options", options), keysOf<ProbeOptions>({ root: 1, env: 1 }));
  const root = options.root === undefined ? "/" : options.root;
  if (typeof root !== "string" || root === "") {
    throw new TypeError(`'root' must be a non-empty path, got ${JSON.stringify(root)}`);
  }
  // `env` stands for the environment: an object of strings (a number as a value failed with
  // "value.trim is not a function"; `null`, a string or an array read the process's environment
  // or none, silently).
  const given = options.env;
  if (given !== undefined) objectArg("env", given);
  const rt = runtime();
  const envDenied: string[] = [];
  const env = (name: string) => {
    if (given !== undefined) {
      const value = Object.hasOwn(given, name) ? given[name] : undefined;
      if (value !== undefined && typeof value !== "string") {
        wrongType(`env.${name}`, "a string", value);
      }
      return value;
    }
    const read = rt.env(name);
    if (read.denied) envDenied.push(name);
    return read.value;
  };
  const cpusOverride = parseCpusOverride(env("AMORSIZE_CPUS"));
  const memoryOverride = parseMemoryOverride(env("AMORSIZE_MEMORY"));

  const files = new HostFiles(root, (path) => rt.readTextFile(path));
  const paths = readCgroupPaths(files);
  const logical = readLogicalCores(files, rt.hardwareConcurrency());
  const physical = readPhysicalCores(files, logical);
  const affinity = readAffinity(files, paths, logical);
  const quota = readCpuQuota(files, paths);
  const effective = cpusOverride !== undefined
    ? { cores: cpusOverride, source: "AMORSIZE_CPUS" }
    : effectiveCores([logical, affinity, {
      cores: quota.cores,
      source: quota.source ?? "fallback",
    }]);

  const meminfo = readMeminfo(files);
  const fromRuntime = meminfo.total === undefined ? rt.memory() : undefined;
  const figure = (fromFile: number | undefined, fromRt: number | undefined): MemoryFigure =>
    fromFile !== undefined
      ? { bytes: fromFile, source: "/proc/meminfo" }
      : fromRt !== undefined
      ? { bytes: fromRt, source: "runtime" }
      : { bytes: null, source: "unavailable" };
  const total = figure(meminfo.total, fromRuntime?.totalBytes);
  const host = figure(meminfo.available, fromRuntime?.availableBytes);
  // The host's figure, or less: the room left under this process's cgroup limits.
  const room = readMemoryRoom(files, paths);
  const available = room.bytes !== null && (host.bytes === null || room.bytes < host.bytes)
    ? room
    : host;
  const swapUsed = figure(meminfo.swapUsed, undefined);
  const limit = memoryOverride !== undefined
    ? { bytes: memoryOverride, source: "AMORSIZE_MEMORY" }
    : readMemoryLimit(files, paths, total.bytes);

  const threadLimit = readThreadLimit(files, paths);
  const threadRoom = readThreadRoom(files, paths);

  const denial = _permissionWarning(files.denied, envDenied, total.bytes === null);
  const warnings = denial ? [denial, ...files.warnings] : [...files.warnings];
  // The override wins, as documented; past the CPUs this process may run on it only adds
  // threads that share them (99999 on a fixture of 16 CPUs read 99999 cores without a word).
  const most = Math.min(logical.cores, affinity.cores);
  if (cpusOverride !== undefined && cpusOverride > most) {
    warnings.push(
      `AMORSIZE_CPUS=${cpusOverride} is more than the ${most} CPU${most === 1 ? "" : "s"} this ` +
        "process may run on: workers past them share those CPUs",
    );
  }
  if (available.bytes === 0) {
    warnings.push(
      `No memory is left under the cgroup limit (${available.source}): at most one worker`,
    );
  }
  return {
    logicalCores: logical.cores,
    physicalCores: physical.cores,
    affinityCores: affinity.cores,
    cpuQuota: quota.cores,
    effectiveCores: effective.cores,
    memory: {
      totalBytes: total.bytes,
      availableBytes: available.bytes,
      limitBytes: limit.bytes,
      swapUsedBytes: swapUsed.bytes,
    },
    threads: { limit: threadLimit.count, room: threadRoom.count },
    sources: {
      logicalCores: logical.source,
      physicalCores: physical.source,
      affinityCores: affinity.source,
      cpuQuota: quota.source ?? "fallback",
      effectiveCores: effective.source,
      "memory.totalBytes": total.source,
      "memory.availableBytes": available.source,
      "memory.limitBytes": limit.source,
      "memory.swapUsedBytes": swapUsed.source,
      "threads.limit": threadLimit.source,
      "threads.room": threadRoom.source,
    },
    warnings,
  };
}

/** One warning for every permission refused (Deno without `-A`), or `undefined` if none was. */
function _permissionWarning(
  deniedFiles: string[],
  deniedEnv: string[],
  memoryUnknown: boolean,
): string | undefined {
  if (deniedFiles.length === 0 && deniedEnv.length === 0) return undefined;
  const parts: string[] = [];
  if (deniedFiles.length > 0) {
    const shown = deniedFiles.slice(0, 4).join(", ");
    const more = deniedFiles.length > 4 ? ` and ${deniedFiles.length - 4} more` : "";
    parts.push(`reading ${deniedFiles.length} files under /proc and /sys (${shown}${more})`);
  }
  if (deniedEnv.length > 0) {
    parts.push(`reading the environment variables ${deniedEnv.join(" and ")} (overrides ignored)`);
  }
  return `permission denied: ${parts.join("; ")}. Run Deno with -A (--allow-all) to enable the ` +
    "container-aware figures (cgroup CPU quota, cpuset and affinity, memory limit); until then " +
    "the cores are the runtime's own figure" +
    (memoryUnknown ? " and memory is unknown (needs --allow-sys)." : ".");
}

let cached: Promise<SystemInfo> | undefined;
let probed = false;

/** `probeSystem()` of the real host, cached for the life of the process (the optimizer asks on every call). */
export function cachedProbe(): Promise<SystemInfo> {
  if (!cached) {
    cached = probeSystem();
    cached.then(() => (probed = true), () => (cached = undefined));
  }
  return cached;
}

/**
 * Whether {@linkcode cachedProbe} has its answer already (asking again costs nothing).
 *
 * @example Usage
 * ```ts
 * import { cachedProbe, hasCachedProbe } from "./probe_system.ts";
 * import assert from "node:assert/strict";
 *
 * await cachedProbe();
 * assert.equal(hasCachedProbe(), true);
 * ```
 */
export function hasCachedProbe(): boolean {
  return probed;
}
