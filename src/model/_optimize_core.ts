// The optimizer pipeline: probe → main-thread look → overheads → sampling in a worker → model →
// decision. Never throws for workload problems: they become an inline decision with the reason.
import type { Pool } from "../engine/pool.ts";
import type { Source } from "../engine/_source.ts";
import { mainProbe } from "../measure/_main_probe.ts";
import {
  cachedOverheads,
  measureOverheads,
  type Overheads,
  overheadsOrFallback,
  startFallback,
} from "../measure/overhead.ts";
import { type SampleFailure, sampleInWorker, type SampleProfile } from "../measure/sample.ts";
import { summarize } from "../measure/statistics.ts";
import { runtime } from "../runtime/detect.ts";
import { cachedProbe } from "../system/_cached_probe.ts";
import { loadTask } from "../task/_load_task.ts";
import type { TaskSpec } from "../task/_spec.ts";
import type { Task } from "../task/task_ref.ts";
import { startCost } from "./cost_model.ts";
import { decide, type Decision } from "./decide.ts";
import { memoryWorkerCap, modelInputs, nestedWorkerCount } from "./_inputs.ts";
import { addWarnings, mainProfile, scanItems } from "./_profiles.ts";
import type { OptimizationProfile, OptimizeOptions } from "./_types.ts";
import { applyCached, lookupDecision, storeDecision } from "../store/_optimizer_cache.ts";
import { optimizerCacheKeys } from "../store/_optimizer_cache_key.ts";

export interface CoreResult {
  decision: Decision;
  warnings: string[];
  profile: OptimizationProfile;
  known: Map<number, unknown>;
  failure?: SampleFailure;
  /** Whether the decision came from the persisted result cache. */
  cacheHit?: boolean;
}

const inline = (reason: string, n: number | undefined): Decision => ({
  executor: "inline",
  workers: 1,
  chunkSize: Math.max(1, n ?? 1),
  concurrency: 1,
  predictedMs: NaN,
  serialMs: NaN,
  predictedSpeedup: 1,
  reason: `Inline: ${reason}`,
  alternatives: [],
});

export async function optimizeCore(
  task: Task<unknown, unknown>,
  spec: TaskSpec,
  src: Source<unknown>,
  o: OptimizeOptions,
  pool: Pool,
): Promise<CoreResult> {
  const rt = runtime();
  const t0 = rt.now();
  const known = new Map<number, unknown>();
  const warnings: string[] = [];
  const profile: OptimizationProfile = {
    sampledItems: 0,
    sampledIn: "none",
    alternatives: [],
    caps: { cores: 1, memory: Infinity, nested: Infinity },
    optimizeMs: 0,
  };
  // Items pulled from a one-shot source while looking and sampling go back in front, in order.
  const giveBack: unknown[][] = [];
  const done = (decision: Decision, failure?: SampleFailure): CoreResult => {
    for (const items of giveBack.reverse()) src.unshift(items);
    profile.sampledItems = known.size;
    profile.optimizeMs = rt.now() - t0;
    return { decision, warnings, profile, known, failure };
  };
  const sys = await cachedProbe();
  profile.system = sys;
  warnings.push(...sys.warnings);
  const cores = Math.max(1, Math.min(sys.effectiveCores, o.maxWorkers ?? Infinity));
  profile.caps.cores = cores;
  if (src.total === 0) return done(inline("the data is empty", 0));
  const minSpeedup = o.minSpeedup ?? 1.2;
  const progress = (doneItems: number) =>
    o.onProgress?.({
      done: doneItems,
      total: src.total,
      elapsedMs: rt.now() - t0,
      phase: "optimize",
    });

  // The model and the search, from a profile (sampled in a worker, or the look alone); stores the
  // decision in the result cache.
  const modelAndDecide = async (sp: SampleProfile, overheads: Overheads, caps: boolean) => {
    const rest = src.total === undefined ? undefined : src.total - known.size;
    const m = modelInputs(
      rest,
      sp,
      overheads,
      sys,
      pool.size,
      o.adaptive ?? true,
      o.targetChunkMs ?? 200,
    );
    m.cores = cores;
    if (caps) {
      const uv = Number(rt.env("UV_THREADPOOL_SIZE").value) || undefined;
      const nested = nestedWorkerCount(cores, sp, uv);
      profile.caps.nested = nested.cap;
      profile.caps.nestedReason = nested.reason;
      if (nested.reason) warnings.push(nested.reason);
      const firstChunk = Math.max(1, Math.round((o.targetChunkMs ?? 200) / m.perItemMs));
      profile.caps.memory = memoryWorkerCap(
        sys,
        overheads,
        sp,
        Math.min(firstChunk, rest ?? firstChunk),
      );
      addWarnings(warnings, sp, sys, rest);
    }
    const decision = decide(m, {
      maxWorkers: cores,
      memoryWorkers: profile.caps.memory,
      nestedWorkers: profile.caps.nested,
      minSpeedup: o.minSpeedup ?? 1.2,
      isAsync: sp.isAsync,
      cpuPerItemMs: sp.perItemMs.mean * (sp.cpuRatio ?? 1),
    });
    profile.breakdown = decision.best;
    profile.alternatives = decision.alternatives;
    if (cacheKeys) await storeDecision(cacheKeys[0], decision, profile, warnings); // result cache
    return decision;
  };
  // 1. A look at the first items here: a job that is clearly too small never starts a worker.
  let fn: (x: unknown) => unknown;
  try {
    fn = typeof task === "function" ? task : await loadTask(spec);
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    return done(inline(error.message, src.total), { index: -1, kind: "load", error });
  }
  const look = await mainProbe(fn, src, 1, 3);
  look.results.forEach((r, i) => known.set(i, r));
  giveBack.push(look.pulled);
  if (look.failure) {
    const f: SampleFailure = { ...look.failure, kind: "task" };
    return done(inline(`the task threw on item ${f.index}: ${f.error.message}`, src.total), f);
  }
  const n = src.total;
  const mainTimes = look.times.length > 1 ? look.times.slice(1) : look.times;
  const mainPerItem = mainTimes.length ? summarize(mainTimes).median : 0;
  if (n !== undefined && known.size >= n) {
    return done(inline("every item already ran while sampling", n));
  }
  const [firstStartMs, marginalStartMs] = startFallback(rt.name);
  const coldStart = startCost({ warmWorkers: pool.size, firstStartMs, marginalStartMs }, cores);
  if (n !== undefined && cores >= 2) {
    // Best case: perfect split over all cores after starting them.
    const serial = n * mainPerItem;
    const bestCase = serial / cores + coldStart + 0.2; // + a couple of message round trips
    if (serial / bestCase < minSpeedup) {
      profile.sampledIn = "main";
      profile.sample = mainProfile(look.times, look.isAsync);
      const d = inline(
        `the whole job is small (≈${serial.toFixed(1)} ms serial): even a perfect split over ` +
          `${cores} workers would not reach ${minSpeedup}× after starting them`,
        n,
      );
      d.serialMs = d.predictedMs = serial;
      return done(d);
    }
  }
  const bad = scanItems(src);
  if (bad) {
    const error = new Error(`Item ${bad.index} cannot be sent to a worker: it is ${bad.why}`);
    return done(inline(`item ${bad.index} cannot be cloned: it is ${bad.why}`, n), {
      index: bad.index,
      kind: "clone",
      error,
    });
  }
  // ── Result cache (src/store/_optimizer_cache.ts): a hit returns the stored decision without
  // sampling; a store problem is a miss and a warning, never an exception.
  const cacheKeys = o.cache === false
    ? undefined
    : optimizerCacheKeys({ spec, n, perItemMs: mainPerItem, sys, cores, options: o });
  const cached = cacheKeys && await lookupDecision(cacheKeys, warnings);
  if (cached) return { ...done(applyCached(cached, profile, warnings)), cacheHit: true };
  // ── end of the result cache lookup
  // Decide from the look alone, without sampling in a worker, when sampling would cost a large
  // share of the job: an async task that waits far more than it computes (one sequential worker
  // would spend the budget waiting), or a small job on a warm pool.
  const wallSum = look.times.reduce((a, b) => a + b, 0);
  const ioBound = look.isAsync && look.cpuMs !== undefined && wallSum > 1 &&
    look.cpuMs < 0.3 * wallSum;
  const smallAndWarm = n !== undefined && !look.isAsync && n * mainPerItem < 50 &&
    pool.size >= Math.min(cores, 2) && cachedOverheads() !== undefined;
  if (ioBound || smallAndWarm) {
    const sp = mainProfile(look.times, look.isAsync, look.items, [...look.results.values()]);
    if (ioBound) {
      sp.cpuRatio = look.cpuMs! / wallSum;
      sp.workloadType = "io";
    }
    const overheads = ioBound
      ? overheadsOrFallback(rt.name)
      : await measureOverheads(pool).catch(() => undefined);
    if (overheads) {
      profile.sample = sp;
      profile.sampledIn = "main";
      profile.overheads = overheads;
      const decision = await modelAndDecide(sp, overheads, false);
      return done(decision);
    }
  }
  if (cores < 2 && !look.isAsync) {
    return done(inline(`only ${cores} core is available to this process`, n));
  }

  // 2. Overheads (once per process) and sampling inside a worker.
  let overheads;
  try {
    overheads = await measureOverheads(pool);
  } catch (e) {
    // Workers cannot start here (e.g. Deno without read access to the worker module).
    const error = e instanceof Error ? e : new Error(String(e));
    warnings.push(`Workers cannot start here: ${error.message}`);
    return done(inline(`workers cannot start here (${error.message})`, n));
  }
  profile.overheads = overheads;
  const worker = pool._ensure(1)[0];
  const serialGuess = n === undefined ? Infinity : n * mainPerItem;
  const budget = Math.min(o.sampleBudgetMs ?? 100, Math.max(2, 0.01 * serialGuess));
  const maxItems = n === undefined ? 4096 : Math.max(2, Math.floor(n / 8));
  progress(known.size);
  let sample;
  try {
    sample = await sampleInWorker(worker, spec, src, known, budget, maxItems, o.signal);
  } catch (e) {
    if (o.signal?.aborted) throw e;
    const error = e instanceof Error ? e : new Error(String(e));
    return done(inline(`sampling failed: ${error.message}`, n), { index: -1, kind: "task", error });
  }
  giveBack.push(sample.pulled);
  progress(known.size);
  if (sample.failure) {
    const f = sample.failure;
    const what = f.kind === "clone"
      ? "cannot be cloned"
      : f.kind === "load"
      ? "cannot load"
      : "threw";
    return done(inline(`item ${f.index} ${what}: ${f.error.message}`, n), f);
  }
  const sp = sample.profile ?? mainProfile(look.times, look.isAsync);
  profile.sample = sp;
  profile.sampledIn = sample.profile ? "worker" : "main";
  const decision = await modelAndDecide(sp, overheads, true);
  return done(decision);
}
