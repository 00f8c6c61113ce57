/**
 * What a report is drawn from: {@linkcode ReportInput} and its parts. The types are structural:
 * an `OptimizationResult` fits {@linkcode ReportOptimization} as it is, and so does its JSON
 * (`JSON.parse(JSON.stringify(result))`); suite results need only the fields below.
 *
 * @module
 */
import type { OptimizationProfile, OptimizationResult } from "../model/mod.ts";

/**
 * The part of an `OptimizationResult` the report reads: the decision, the predicted times, and
 * from the profile the alternatives, the breakdown and the system facts (the last two optional).
 */
export type ReportOptimization =
  & Pick<OptimizationResult, "executor" | "workers" | "chunkSize" | "predictedSpeedup">
  & Partial<Pick<OptimizationResult, "concurrency" | "reason" | "warnings" | "cacheHit">>
  & {
    /** Predicted wall times (ms) of the plain loop and of the chosen configuration. */
    predictedMs: { serial: number; chosen: number };
    profile:
      & Pick<OptimizationProfile, "alternatives">
      & Partial<
        Pick<
          OptimizationProfile,
          "breakdown" | "system" | "sample" | "overheads" | "sampledItems" | "sampledIn"
        >
      >;
  };

/**
 * A configuration that a validation, comparison or tuning run measured: its wall time, or its
 * speedup over the plain loop (one of the two is needed; `speedup` wins when both are given).
 */
export interface MeasuredPoint {
  /** Workers of the configuration. */
  workers: number;
  /** Items per chunk. */
  chunkSize: number;
  /** Measured wall time (ms); turned into a speedup with `ReportInput.measuredSerialMs`. */
  measuredMs?: number;
  /** Measured speedup over the plain loop. */
  speedup?: number;
  /** Where it was measured (`"validation"`, `"tuning"`, …), shown in its tooltip. */
  label?: string;
}

/** One workload of one suite run. */
export interface SuiteHistoryResult {
  /** Name of the workload. */
  workload: string;
  /** Measured speedup over the plain loop; `null` when the run measured none. */
  actualSpeedup: number | null;
  /** Whether the workload passed its checks in that run. */
  passed: boolean;
  /** Whether the suite itself flagged a regression (a failed run counts as one anyway). */
  regression?: boolean;
  /**
   * The suite's verdict: `"busy"` when the timing checks failed while other processes kept the
   * machine busy. Such a run is no verdict on the code: neither a failure nor a drop.
   */
  verdict?: "pass" | "fail" | "busy";
}

/** One suite run: when it ran (as given, shown as given) and its workloads. */
export interface SuiteHistoryRun {
  /** When the run happened: an ISO 8601 string (or any label; it is only displayed). */
  date: string;
  /** The workloads of that run. */
  results: SuiteHistoryResult[];
}

/** Everything a report can show; each section appears only when its data is given. */
export interface ReportInput {
  /** The page title (default `"amorsize report"`). */
  title?: string;
  /** A date or other note shown under the title (nothing time-dependent is added otherwise). */
  generatedAt?: string;
  /**
   * What the report is about, shown under the title: the task, how many items, the runtime
   * (`"examples/tasks.ts#score, 2000 items, deno 2.9.6"`; the command line fills it in).
   */
  subject?: string;
  /** A decision to show: speedup curves, overhead breakdown, system facts. */
  optimization?: ReportOptimization;
  /** Configurations measured by a validation, comparison or tuning run (drawn as points). */
  measured?: MeasuredPoint[];
  /**
   * Measured wall time of the plain loop (ms), to turn `measuredMs` into speedups (default: the
   * predicted plain-loop time, which the chart then says).
   */
  measuredSerialMs?: number;
  /** Suite results, oldest first. */
  suiteHistory?: SuiteHistoryRun[];
  /**
   * A drop of a workload's actual speedup by more than this fraction since its previous run is a
   * regression (default 0.1); failed runs are regressions anyway.
   */
  regressionTolerance?: number;
}
