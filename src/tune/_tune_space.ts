// The configurations `tune` measures: the optimizer's own search space (workers 1..effective
// cores × its chunk candidates per worker count, plus inline, plus async for a task returning
// Promises) or the caller's, each with the optimizer's model prediction for the whole data and a
// normalised point (workers, log chunk size) for the Bayesian search.
import { DEFAULTS } from "../defaults.ts";
import { configLabel, type Executor } from "../engine/mod.ts";
import {
  chunkCandidates,
  type ModelInputs,
  modelInputs,
  type OptimizationResult,
  predictAsync,
  predictInline,
  predictWorkers,
} from "../model/mod.ts";
import type { TuneConfig, TuneSpace } from "./tune_types.ts";

/** One configuration to measure. */
export interface Candidate {
  config: TuneConfig;
  /** Coordinates in [0, 1]: workers / most workers (0 for inline and async), log c / log n. */
  point: number[];
  predictedMs: number;
  /** Why the configuration fails without running it (it would run over the time limit). */
  fails?: string;
}

/**
 * The optimizer made no decision: its sampling ran over the time limit (`failed`, its message).
 * `cores` are the effective cores of the probe.
 */
export interface NoDecision {
  failed: string;
  cores: number;
}

/** The space: its candidates (the optimizer's pick first, when its executor is in the space). */
export interface Space {
  candidates: Candidate[];
  /** The optimizer's pick. */
  pick: TuneConfig;
  /** Its index (0), or -1 when the space leaves its executor out. */
  pickIndex: number;
  warnings: string[];
}

/** A stable identity of a configuration. */
const configKey = (c: TuneConfig): string =>
  `${c.executor}:${c.workers}:${c.chunkSize}:${c.concurrency}`;

/** The optimizer's decision as a configuration over `n` items. */
function configFromResult(r: OptimizationResult<unknown>, n: number): TuneConfig {
  if (r.executor === "inline") {
    return { executor: "inline", workers: 1, chunkSize: n, concurrency: 1, adaptive: false };
  }
  if (r.executor === "async") {
    return {
      executor: "async",
      workers: 0,
      chunkSize: 1,
      concurrency: r.concurrency,
      adaptive: false,
    };
  }
  const chunkSize = Math.max(1, Math.min(r.chunkSize, n));
  return { executor: "workers", workers: r.workers, chunkSize, concurrency: 1, adaptive: false };
}

/**
 * Build the space from the optimizer's result on the same `n` items and the caller's space. When
 * the optimizer's sampling ran over the time limit, nothing predicts a configuration, there is no
 * pick, and the plain loop fails without running: it runs every item the sampled chunk ran, on
 * this thread, where a run over the limit cannot be stopped.
 */
export function buildSpace(
  decision: OptimizationResult<unknown> | NoDecision,
  n: number,
  space: TuneSpace | undefined,
  warmWorkers: number,
): Space {
  const r = "failed" in decision ? undefined : decision;
  const p = r?.profile;
  const sp = p?.sample;
  const cores = Math.max(1, p?.caps.cores ?? Math.floor((decision as NoDecision).cores));
  // The workers share the CPU time of the machine (a quota may leave it fractional).
  const base = sp && p?.overheads && p.system
    ? modelInputs(n, sp, p.overheads, p.system, warmWorkers, false, DEFAULTS.targetChunkMs)
    : undefined;
  const m: ModelInputs | undefined = base && { ...base, cores: Math.min(cores, base.cores) };
  const perItem = sp?.perItemMs.mean ?? 0;
  const forChunks = m ??
    ({ n, perItemMs: perItem, targetChunkMs: DEFAULTS.targetChunkMs } as ModelInputs);
  const inline: TuneConfig = {
    executor: "inline",
    workers: 1,
    chunkSize: n,
    concurrency: 1,
    adaptive: false,
  };
  const pick = r ? configFromResult(r, n) : inline;
  const asyncAlt = p?.alternatives.find((a) => a.executor === "async");
  const concurrency = pick.executor === "async"
    ? pick.concurrency
    : asyncAlt?.concurrency ?? DEFAULTS.concurrency;
  const executors: Executor[] = space?.executors ??
    (sp?.isAsync || pick.executor === "async"
      ? ["inline", "async", "workers"]
      : ["inline", "workers"]);
  const pickIndex = r && executors.includes(pick.executor) ? 0 : -1;
  const configs: TuneConfig[] = pickIndex === 0 ? [pick] : [];
  if (executors.includes("inline")) configs.push(inline);
  if (executors.includes("async")) {
    configs.push({ executor: "async", workers: 0, chunkSize: 1, concurrency, adaptive: false });
  }
  if (executors.includes("workers")) {
    const workers = space?.workers ?? Array.from({ length: cores }, (_, i) => i + 1);
    for (const w of [...new Set(workers)].sort((a, b) => a - b)) {
      const chunks = space?.chunkSizes ?? chunkCandidates(forChunks, w);
      for (const c of [...new Set(chunks.map((c) => Math.min(c, n)))].sort((a, b) => a - b)) {
        configs.push({
          executor: "workers",
          workers: w,
          chunkSize: c,
          concurrency: 1,
          adaptive: false,
        });
      }
    }
  }
  const seen = new Set<string>();
  const unique = configs.filter((c) => !seen.has(configKey(c)) && seen.add(configKey(c)));
  const maxW = Math.max(1, ...unique.map((c) => (c.executor === "workers" ? c.workers : 1)));
  const cpuPerItem = perItem * (sp?.cpuRatio ?? 1);
  const predict = (c: TuneConfig): number => {
    if (!m) return c.executor === "inline" && sp ? n * perItem : NaN;
    if (c.executor === "inline") return predictInline(m);
    if (c.executor === "async") return predictAsync(m, cpuPerItem, c.concurrency);
    return predictWorkers(m, c.workers, c.chunkSize).totalMs;
  };
  const logN = Math.log(Math.max(n, 2));
  const candidates = unique.map((c): Candidate => ({
    config: c,
    point: [
      c.executor === "workers" ? c.workers / maxW : 0,
      c.executor === "async" ? 0 : Math.min(1, Math.log(c.chunkSize) / logN),
    ],
    predictedMs: predict(c),
    ...(!r && c.executor === "inline"
      ? { fails: "over the time limit: a sampled chunk ran over it (not run on this thread)" }
      : {}),
  }));
  if (!r) {
    const why = (decision as NoDecision).failed;
    return {
      candidates,
      pick,
      pickIndex,
      warnings: [
        `The optimizer made no pick: its sampling ran over the time limit (${why}); no ` +
        `configuration has a prediction (NaN)`,
      ],
    };
  }
  const warnings = m ? [] : [
    `The optimizer decided without measuring workers (${r.reason}): worker configurations ` +
    `have no prediction (NaN)`,
  ];
  if (pickIndex < 0) {
    warnings.push(
      `The optimizer's pick (${configLabel(pick)}) is outside the space: it was not measured`,
    );
  }
  return { candidates, pick, pickIndex, warnings };
}
