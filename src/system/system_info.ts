/**
 * What the host probe reports: {@linkcode SystemInfo} and the options of `probeSystem`.
 *
 * @module
 */

/** Memory figures in bytes. */
export interface MemoryFigures {
  /** Memory of the machine (`MemTotal`); `null` when unknown (Deno without permissions). */
  totalBytes: number | null;
  /** Memory the machine can still hand out (`MemAvailable`); `null` when unknown. */
  availableBytes: number | null;
  /** The cgroup memory limit (or `AMORSIZE_MEMORY`); `null` = no limit. */
  limitBytes: number | null;
  /** Swap in use (`SwapTotal - SwapFree`); `null` when unknown. */
  swapUsedBytes: number | null;
}

/** Thread figures: the cgroup limit on threads and processes (`pids.max`). */
export interface ThreadFigures {
  /** The cgroup `pids.max`, the tightest level (threads and processes); `null` = no limit. */
  limit: number | null;
  /**
   * Threads this process could still start under that limit when probed (each limited level's
   * `pids.max` less its `pids.current`, the least); `null` = no limit.
   */
  room: number | null;
}

/**
 * The names of the figures in {@linkcode SystemInfo.sources}: the top-level fields, and the
 * memory and thread fields as `memory.<field>` and `threads.<field>`.
 */
export type SystemFigure =
  | "logicalCores"
  | "physicalCores"
  | "affinityCores"
  | "cpuQuota"
  | "effectiveCores"
  | `memory.${keyof MemoryFigures}`
  | `threads.${keyof ThreadFigures}`;

/** What this machine really gives this process, each figure with its source. */
export interface SystemInfo {
  /** CPUs online on the host. */
  logicalCores: number;
  /** Distinct physical cores on the host (hyper-threads counted once). */
  physicalCores: number;
  /** CPUs this process may run on (affinity mask, narrowed by the cgroup cpuset). */
  affinityCores: number;
  /** The cgroup CPU quota in cores (1.5 = 150 ms per 100 ms); `null` = no quota. */
  cpuQuota: number | null;
  /** How many workers can run at once without being throttled: see docs/probe.md. */
  effectiveCores: number;
  /** Memory of the machine and the limit on this process. */
  memory: MemoryFigures;
  /** The cgroup limit on threads: each worker is one (see docs/probe.md). */
  threads: ThreadFigures;
  /**
   * Where each figure came from: a host path such as `"/sys/fs/cgroup/cpu.max"`, `"runtime"` (the
   * runtime's own figure), `"fallback"` (derived from another figure because the files were
   * missing), `"unavailable"` (no figure), or an override variable (`"AMORSIZE_CPUS"`).
   */
  sources: Record<SystemFigure, string>;
  /** Files that held garbage, reads that were denied, and similar; empty when all went well. */
  warnings: string[];
}

/** Options of `probeSystem`. */
export interface ProbeOptions {
  /** The directory that stands for `/` when reading `/proc` and `/sys` (default `"/"`). */
  root?: string;
  /**
   * Environment variables to use instead of the process environment (for the overrides
   * `AMORSIZE_CPUS` and `AMORSIZE_MEMORY`). A variable absent here counts as unset.
   */
  env?: Record<string, string>;
}
