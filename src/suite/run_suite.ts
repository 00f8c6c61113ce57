/**
 * The performance-regression suite: every workload benchmarked in turn, with the runtime and the
 * machine recorded, optionally saved to the history.
 *
 * @module
 */
import { fn, keysOf, knownKeys, objectArg, wrongType } from "../args.ts";
import { runtime } from "../runtime/mod.ts";
import { saveResult, writableHistoryDir } from "../store/mod.ts";
import { cachedProbe } from "../system/mod.ts";
import { VERSION } from "../version.ts";
import { checkBenchmarkOptions, checkSpec } from "./_check_spec.ts";
import { type PerformanceResult, runPerformanceBenchmark } from "./run_benchmark.ts";
import { getStandardWorkloads, type WorkloadSpec } from "./workloads.ts";

/** Options of {@linkcode runPerformanceSuite}. */
export interface SuiteOptions {
  /** The workloads (default: `getStandardWorkloads()`); item types may differ between them. */
  // deno-lint-ignore no-explicit-any
  workloads?: WorkloadSpec<any, any>[];
  /** Time each recommendation against a plain loop (default true). */
  validate?: boolean;
  /** Timed runs of each side per workload (default 3). */
  repeats?: number;
  /** Save the result to the history (kind `"suite"`): `true`, or `{ dir }` for another directory. */
  save?: boolean | { dir?: string };
  /** Called after each workload (for progress output). */
  onResult?: (result: PerformanceResult) => void;
}

/** A suite run, as saved and compared (JSON-serialisable). */
export interface SuiteResult {
  /** Marks the file format. */
  format: "amorsize-suite";
  /** Version of the format (1). */
  schema: 1;
  /** The amorsize version that ran it. */
  version: string;
  /** The runtime that ran it. */
  runtime: { name: "deno" | "bun" | "node"; version: string };
  /** The machine, as the probe saw it. */
  system: {
    effectiveCores: number;
    logicalCores: number;
    physicalCores: number;
    cpuQuota: number | null;
    memoryTotalBytes: number | null;
    memoryLimitBytes: number | null;
  };
  /** When it ran (ISO 8601, UTC). */
  date: string;
  /** The settings it ran with. */
  options: { validate: boolean; repeats: number };
  /** Whether every workload passed. */
  passed: boolean;
  /** One result per workload. */
  results: PerformanceResult[];
  /** The history entry id, when saved (not part of the saved payload). */
  historyId?: string;
  /**
   * Why the result could not be saved, when `save` was asked for and the write failed at the end
   * (a full disk): the result is returned all the same.
   */
  saveError?: string;
}

/**
 * Benchmark every workload (see `runPerformanceBenchmark`) one after the other and record the
 * runtime, the machine and the date. With `save`, the result is stored in the history as an entry
 * of kind `"suite"` named after the runtime (`historyId` is set). A history directory that cannot
 * be written is refused before the work; a write that fails at the end (a full disk) does not
 * throw: the result comes back with `saveError` saying why, and no `historyId`.
 *
 * @param options `workloads`, `validate`, `repeats`, `save`, `onResult`.
 * @returns The suite result (schema 1), ready for `JSON.stringify` and `comparePerformanceResults`.
 * @throws {TypeError|RangeError} For malformed options or workloads, or duplicate workload names.
 *
 * @example Usage
 * ```ts
 * import { runPerformanceSuite } from "./run_suite.ts";
 * import assert from "node:assert/strict";
 *
 * const suite = await runPerformanceSuite({
 *   workloads: [{
 *     name: "tiny", description: "10 squares", task: (x: number) => x * x,
 *     data: () => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], size: 10, minSpeedup: 0.9, maxTimeMs: 5_000,
 *   }],
 *   repeats: 1,
 * });
 * assert.equal(suite.schema, 1);
 * assert.deepEqual(suite.results.map((r) => r.workload), ["tiny"]);
 * assert.equal(typeof JSON.parse(JSON.stringify(suite)).system.effectiveCores, "number");
 * ```
 */
export async function runPerformanceSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  objectArg("options", options);
  knownKeys(
    "options",
    options,
    keysOf<SuiteOptions>({ workloads: 1, validate: 1, repeats: 1, save: 1, onResult: 1 }),
  );
  const { validate, repeats } = checkBenchmarkOptions(options);
  const workloads = options.workloads ?? getStandardWorkloads();
  if (!Array.isArray(workloads)) wrongType("workloads", "an array of workload specs", workloads);
  const names = new Set<string>();
  workloads.forEach((w, i) => {
    checkSpec(w, `workloads[${i}]`);
    if (names.has(w.name)) throw new RangeError(`'workloads' has the name "${w.name}" twice`);
    names.add(w.name);
  });
  const save = options.save;
  if (save !== undefined && typeof save !== "boolean") objectArg("save", save);
  if (options.onResult !== undefined) fn("onResult", options.onResult);
  // The history takes the result only at the end: a directory that cannot fails before the work.
  const dir = save
    ? await writableHistoryDir({ dir: typeof save === "object" ? save.dir : undefined })
    : undefined;
  const info = await cachedProbe();
  const rt = runtime();
  const date = new Date().toISOString();
  const results: PerformanceResult[] = [];
  for (const w of workloads) {
    const r = await runPerformanceBenchmark(w, { validate, repeats });
    results.push(r);
    options.onResult?.(r);
  }
  const suite: SuiteResult = {
    format: "amorsize-suite",
    schema: 1,
    version: VERSION,
    runtime: { name: rt.name, version: rt.version },
    system: {
      effectiveCores: info.effectiveCores,
      logicalCores: info.logicalCores,
      physicalCores: info.physicalCores,
      cpuQuota: info.cpuQuota,
      memoryTotalBytes: info.memory.totalBytes,
      memoryLimitBytes: info.memory.limitBytes,
    },
    date,
    options: { validate, repeats },
    passed: results.every((r) => r.passed),
    results,
  };
  if (dir !== undefined) {
    // The measurements took minutes: a write that fails now (a full disk) must not lose them.
    try {
      const entry = await saveResult({ kind: "suite", name: rt.name, payload: suite }, { dir });
      suite.historyId = entry.id;
    } catch (e) {
      suite.saveError = `${(e as Error).name}: ${(e as Error).message}`;
    }
  }
  return suite;
}
