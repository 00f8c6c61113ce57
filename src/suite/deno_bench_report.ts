/**
 * The format `deno bench --json` writes (version 1), as `comparePerformanceResults` reads it.
 *
 * @module
 */

/** The statistics `deno bench --json` writes for a bench that ran (times in ns per iteration). */
export interface DenoBenchStats {
  /** Iterations measured. */
  n: number;
  /** Fastest iteration. */
  min: number;
  /** Slowest iteration. */
  max: number;
  /** Mean time per iteration. */
  avg: number;
  /** 75th percentile. */
  p75: number;
  /** 99th percentile. */
  p99: number;
  /** 99.5th percentile. */
  p995: number;
  /** 99.9th percentile. */
  p999: number;
}

/** One bench of a `deno bench --json` report. */
export interface DenoBenchEntry {
  /** URL of the bench file. */
  origin: string;
  /** The bench's group, if any. */
  group: string | null;
  /** The bench's name. */
  name: string;
  /** Whether it is its group's baseline. */
  baseline: boolean;
  /** `{ ok: stats }` when it ran, `{ failed: … }` when it threw. */
  results: { ok?: DenoBenchStats; failed?: unknown }[];
}

/** The report `deno bench --json` writes. */
export interface DenoBenchReport {
  /** Version of the format (1). */
  version: 1;
  /** The Deno version and platform that ran the benches. */
  runtime: string;
  /** The CPU model. */
  cpu: string;
  /** Every bench, in the order run. */
  benches: DenoBenchEntry[];
}
