/**
 * One benchmark of the suite: optimize a workload, then time a plain loop against the recommended
 * configuration (alternating, medians, spread kept) and judge the result.
 *
 * @module
 */
import { keysOf, knownKeys } from "../args.ts";
import { optimize } from "../optimize.ts";
import { runtime } from "../runtime/mod.ts";
import { cachedProbe, competingLoad, externalLoadNow } from "../system/mod.ts";
import type { Task } from "../task/mod.ts";
import { type RunConfig, toExecuteOptions } from "../engine/mod.ts";
import { execute } from "../execute.ts";
import { checkBenchmarkOptions, checkSpec } from "./_check_spec.ts";
import { criteriaFailures, predictionAccuracy, scaledMinSpeedup, tooBusy } from "./_criteria.ts";
import { alternateRuns, median, pairedRatios, relativeSpread } from "../measure/mod.ts";
import type { WorkloadSpec } from "./workloads.ts";

/** The configuration the optimizer recommended (run as `execute` runs it: adaptive chunks). */
export type Recommendation = RunConfig;

/** Options of {@linkcode runPerformanceBenchmark}. */
export interface BenchmarkOptions {
  /** Time the recommendation against a plain loop (default true); false: optimize only. */
  validate?: boolean;
  /** Timed runs of each side, after one discarded warm-up (default 3). */
  repeats?: number;
}

/** What one benchmark found. Times are medians in milliseconds; `null` when not validated. */
export interface PerformanceResult {
  /** Name of the workload. */
  workload: string;
  /** `null` only when optimize itself threw. */
  recommendation: Recommendation | null;
  /** The optimizer's reason. */
  reason: string;
  /** The optimizer's predicted speedup. */
  predictedSpeedup: number;
  /** Median plain-loop time / median recommended time (exactly 1 when the recommendation is inline). */
  actualSpeedup: number | null;
  /** `(1 − |actual − predicted| / max(actual, predicted)) · 100`, in percent. */
  accuracy: number | null;
  /** Median plain-loop time. */
  serialMs: number | null;
  /** Median time of the recommended configuration. */
  optimizedMs: number | null;
  /** Relative spread `(max − min) / median` of the serial times, optimized times and per-pair speedups. */
  spread: { serial: number; optimized: number; speedup: number } | null;
  /** Every timed run, in order (warm-up excluded). */
  samples: { serialMs: number[]; optimizedMs: number[] } | null;
  /** How long `optimize` took. */
  optimizeMs: number;
  /** Items in the workload. */
  items: number;
  /** The probe's effective cores, which scale the minimum speedup. */
  effectiveCores: number;
  /** The minimum speedup after scaling; a pass needs ≥ 80 % of it. */
  minSpeedup: number;
  /** The workload's time limit for the recommended configuration (median). */
  maxTimeMs: number;
  /**
   * Runnable threads of other processes while the runs were timed (median of readings before each
   * run, from /proc/stat); `null` where unknown or not validated.
   */
  externalLoad?: number | null;
  /**
   * `"pass"`, `"fail"`, or `"busy"`: timing checks failed while other processes kept at least half
   * the effective cores busy, so there is no verdict on the code (run again on a quiet machine).
   */
  verdict?: "pass" | "fail" | "busy";
  /** Whether every check passed. */
  passed: boolean;
  /** The checks that failed, in words. */
  failures: string[];
}

const _message = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * Run one workload: `optimize` it (without the result cache), then time the plain loop against
 * the recommended configuration forced, alternating the two `repeats` times after a warm-up. When
 * the recommendation is inline both sides are the same configuration: it is timed once per repeat
 * and the speedup is exactly 1. The benchmark passes when nothing threw, the speedup reaches 80 %
 * of the workload's minimum (scaled to the effective cores), the recommended run finished within
 * `maxTimeMs`, and the prediction was at least 50 % accurate. Failures of the workload (a task
 * that throws) make it fail; they are never thrown.
 *
 * @param spec The workload (see `getStandardWorkloads`).
 * @param options `validate` (default true) and `repeats` (default 3).
 * @returns The measurements, the verdict and the reasons for a failure.
 * @throws {TypeError|RangeError} For a malformed `spec` or options.
 *
 * @example Usage
 * ```ts
 * import { runPerformanceBenchmark } from "./run_benchmark.ts";
 * import assert from "node:assert/strict";
 *
 * const r = await runPerformanceBenchmark({
 *   name: "tiny", description: "100 doublings", task: (x: number) => 2 * x,
 *   data: () => Array.from({ length: 100 }, (_, i) => i), size: 100,
 *   minSpeedup: 0.9, maxTimeMs: 5_000,
 * }, { repeats: 1 });
 * assert.equal(r.recommendation?.executor, "inline");
 * assert.equal(r.actualSpeedup, 1);
 * assert.ok(r.passed, r.failures.join("; "));
 * ```
 */
export async function runPerformanceBenchmark<I, O>(
  spec: WorkloadSpec<I, O>,
  options?: BenchmarkOptions,
): Promise<PerformanceResult> {
  checkSpec(spec);
  if (options !== null && typeof options === "object") {
    knownKeys("options", options, keysOf<BenchmarkOptions>({ validate: 1, repeats: 1 }));
  }
  const { validate, repeats } = checkBenchmarkOptions(options);
  const cores = (await cachedProbe()).effectiveCores;
  const minSpeedup = scaledMinSpeedup(spec.minSpeedup, cores);
  const result: PerformanceResult = {
    workload: spec.name,
    recommendation: null,
    reason: "",
    predictedSpeedup: 1,
    actualSpeedup: null,
    accuracy: null,
    serialMs: null,
    optimizedMs: null,
    spread: null,
    samples: null,
    optimizeMs: 0,
    items: 0,
    effectiveCores: cores,
    minSpeedup,
    maxTimeMs: spec.maxTimeMs,
    externalLoad: null,
    verdict: "fail",
    passed: false,
    failures: [],
  };
  const now = runtime().now;
  const t = spec.task as Task<unknown, unknown>;
  let stage = "data";
  try {
    const items: unknown[] = Array.from(spec.data());
    result.items = items.length;
    stage = "optimize";
    const t0 = now();
    const o = await optimize(t, items, { cache: false });
    result.optimizeMs = now() - t0;
    const rec = { executor: o.executor, workers: o.workers, chunkSize: o.chunkSize };
    result.recommendation = { ...rec, concurrency: o.concurrency };
    result.reason = o.reason;
    result.predictedSpeedup = o.predictedSpeedup;
    if (validate) {
      stage = "the timed runs";
      await measureRuns(result, t, items, repeats);
    }
  } catch (e) {
    result.failures.push(`${stage} threw ${_message(e)}`);
    return result;
  }
  const timeMs = result.optimizedMs ?? result.optimizeMs;
  result.failures.push(...criteriaFailures({ ...result, timeMs }, minSpeedup, spec.maxTimeMs));
  result.passed = result.failures.length === 0;
  result.verdict = result.passed
    ? "pass"
    : tooBusy(result.externalLoad ?? null, cores)
    ? "busy"
    : "fail";
  return result;
}

/** Time `items` inline and as `r.recommendation` says; fill the measurements of `r`. */
async function measureRuns(
  r: PerformanceResult,
  t: Task<unknown, unknown>,
  items: unknown[],
  repeats: number,
): Promise<void> {
  const rec = r.recommendation!;
  const now = runtime().now;
  // Before each timed run only this thread runs (the pool's workers wait): the other runnable
  // threads belong to other processes, which take cores from the run about to start (the same
  // reading as the optimizer's, externalLoadNow, and the share of it on this process's cores).
  const host = await cachedProbe();
  const loads: number[] = [];
  const probe = () => {
    const n = externalLoadNow();
    if (n !== undefined) loads.push(competingLoad(n, host));
  };
  const serial = (xs: unknown[]) => () => (probe(), execute(t, xs, { executor: "inline" }));
  const forced = toExecuteOptions(rec);
  const optimized = (xs: unknown[]) => () => (probe(), execute(t, xs, forced));
  // Warm-up (discarded): JIT, module loads, workers started; enough items for every worker.
  const warm = items.slice(0, Math.max(Math.ceil(items.length / 4), rec.workers * rec.chunkSize));
  await serial(warm)();
  if (rec.executor === "inline") {
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = now();
      await serial(items)();
      times.push(now() - t0);
    }
    r.samples = { serialMs: times, optimizedMs: times };
  } else {
    await optimized(warm)();
    const p = await alternateRuns(serial(items), optimized(items), repeats, now);
    r.samples = { serialMs: p.a, optimizedMs: p.b };
  }
  const s = r.samples;
  r.externalLoad = loads.length > 0 ? median(loads) : null;
  r.serialMs = median(s.serialMs);
  r.optimizedMs = median(s.optimizedMs);
  const inline = rec.executor === "inline";
  r.actualSpeedup = inline ? 1 : r.serialMs / r.optimizedMs;
  r.accuracy = predictionAccuracy(r.predictedSpeedup, r.actualSpeedup);
  r.spread = {
    serial: relativeSpread(s.serialMs),
    optimized: relativeSpread(s.optimizedMs),
    speedup: inline ? 0 : relativeSpread(pairedRatios({ a: s.serialMs, b: s.optimizedMs })),
  };
}
