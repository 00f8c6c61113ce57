// The optimizer, as phases in the order they run:
//   probe → look → scan → (cache lookup) → overheads → sample → model → decide → cache.
// `optimizeCore` reads top to bottom; each phase either hands its findings on or stops with a
// decision. Never throws for workload problems: they become an inline decision with the reason.
import { type Pool, type Source, workerSet } from "../engine/mod.ts";
import { DEFAULTS } from "../defaults.ts";
import {
  cachedOverheads,
  type MainProbe,
  mainProbe,
  measureOverheads,
  type Overheads,
  overheadsOrFallback,
  type SampleFailure,
  sampleInWorker,
  type SampleProfile,
  startFallback,
  summarize,
} from "../measure/mod.ts";
import { type Runtime, runtime } from "../runtime/mod.ts";
import { cachedProbe, type SystemInfo } from "../system/mod.ts";
import { loadTask, type Task, type TaskSpec } from "../task/mod.ts";
import { type ModelInputs, startCost } from "./cost_model.ts";
import { decide, type Decision } from "./decide.ts";
import { memoryWorkerCap, modelInputs, nestedWorkerCount } from "./_inputs.ts";
import { addWarnings, mainProfile, scanItems } from "./_profiles.ts";
import type { OptimizationProfile, OptimizeOptions } from "./optimization.ts";
import {
  applyCached,
  lookupDecision,
  optimizerCacheKeys,
  storeDecision,
} from "./_optimizer_cache.ts";

export interface CoreResult {
  decision: Decision;
  warnings: string[];
  profile: OptimizationProfile;
  known: Map<number, unknown>;
  failure?: SampleFailure;
  /** Whether the decision came from the persisted result cache. */
  cacheHit?: boolean;
}

/**
 * Measure `task` on `src` and decide how to run it. Items run while looking and sampling keep
 * their results in `known`; items pulled from a one-shot source go back in front, in order.
 */
export async function optimizeCore(
  task: Task<unknown, unknown>,
  spec: TaskSpec,
  src: Source<unknown>,
  o: OptimizeOptions,
  pool: Pool,
): Promise<CoreResult> {
  const job = begin(spec, src, o, pool);
  const end = await phases(job, task);
  return finish(job, end);
}

/** What one optimization carries from phase to phase. */
interface Job {
  spec: TaskSpec;
  src: Source<unknown>;
  o: OptimizeOptions;
  pool: Pool;
  rt: Runtime;
  t0: number;
  minSpeedup: number;
  targetChunkMs: number;
  known: Map<number, unknown>;
  warnings: string[];
  profile: OptimizationProfile;
  /** Items pulled from a one-shot source while looking and sampling (given back at the end). */
  pulled: unknown[][];
  /** Set by the probe. */
  sys: SystemInfo;
  /** Worker cap: effective cores, or `maxWorkers` when lower (set by the probe). */
  cores: number;
  /** The result-cache keys (undefined with `cache: false`; set after the scan). */
  cacheKeys?: [string, ...string[]];
}

/** How the phases ended: a decision, and what went wrong when the job cannot run on workers. */
interface End {
  decision: Decision;
  failure?: SampleFailure;
  cacheHit?: boolean;
}

/** What the look on the calling thread found. */
interface Look {
  probe: MainProbe;
  /** Median time per item here (ms), the first (cold) item left out when there are more. */
  perItemMs: number;
}

async function phases(job: Job, task: Task<unknown, unknown>): Promise<End> {
  await probe(job);
  if (job.src.total === 0) return { decision: inline("the data is empty", 0) };
  const look = await lookHere(job, task);
  if ("decision" in look) return look;
  const small = tooSmallForWorkers(job, look);
  if (small) return small;
  const bad = scan(job);
  if (bad) return bad;
  const hit = await cacheLookup(job, look);
  if (hit) return hit;
  const fromLook = await decideFromLook(job, look);
  if (fromLook) return fromLook;
  if (job.cores < 2 && !look.probe.isAsync) {
    return {
      decision: inline(`only ${job.cores} core is available to this process`, job.src.total),
    };
  }
  const overheads = await workerOverheads(job);
  if ("decision" in overheads) return overheads;
  const sampled = await sample(job, look);
  if ("decision" in sampled) return sampled;
  const m = model(job, sampled, overheads, true);
  const decision = decideFrom(job, m, sampled);
  await cacheStore(job, decision);
  return { decision };
}

function begin(spec: TaskSpec, src: Source<unknown>, o: OptimizeOptions, pool: Pool): Job {
  const rt = runtime();
  return {
    spec,
    src,
    o,
    pool,
    rt,
    t0: rt.now(),
    minSpeedup: o.minSpeedup ?? DEFAULTS.minSpeedup,
    targetChunkMs: o.targetChunkMs ?? DEFAULTS.targetChunkMs,
    known: new Map(),
    warnings: [],
    profile: {
      sampledItems: 0,
      sampledIn: "none",
      alternatives: [],
      caps: { cores: 1, memory: Infinity, nested: Infinity },
      optimizeMs: 0,
    },
    pulled: [],
    sys: undefined as unknown as SystemInfo, // set by the probe, the first phase
    cores: 1,
  };
}

function finish(job: Job, end: End): CoreResult {
  for (const items of job.pulled.reverse()) job.src.unshift(items);
  job.profile.sampledItems = job.known.size;
  job.profile.optimizeMs = job.rt.now() - job.t0;
  const { decision, failure, cacheHit } = end;
  const r = { decision, warnings: job.warnings, profile: job.profile, known: job.known, failure };
  return cacheHit ? { ...r, cacheHit } : r;
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

function progress(job: Job): void {
  job.o.onProgress?.({
    done: job.known.size,
    total: job.src.total,
    elapsedMs: job.rt.now() - job.t0,
    phase: "optimize",
  });
}

// ── 1. Probe: the cores and memory this process may use.
async function probe(job: Job): Promise<void> {
  const sys = await cachedProbe();
  job.sys = sys;
  job.profile.system = sys;
  job.warnings.push(...sys.warnings);
  job.cores = Math.max(1, Math.min(sys.effectiveCores, job.o.maxWorkers ?? Infinity));
  job.profile.caps.cores = job.cores;
}

// ── 2. Look: run the first items here (their results are kept).
async function lookHere(job: Job, task: Task<unknown, unknown>): Promise<Look | End> {
  const n = job.src.total;
  let fn: (x: unknown) => unknown;
  try {
    fn = typeof task === "function" ? task : await loadTask(job.spec);
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    return { decision: inline(error.message, n), failure: { index: -1, kind: "load", error } };
  }
  const look = await mainProbe(fn, job.src, 1, 3);
  look.results.forEach((r, i) => job.known.set(i, r));
  job.pulled.push(look.pulled);
  if (look.failure) {
    const f: SampleFailure = { ...look.failure, kind: "task" };
    return {
      decision: inline(`the task threw on item ${f.index}: ${f.error.message}`, n),
      failure: f,
    };
  }
  const times = look.times.length > 1 ? look.times.slice(1) : look.times;
  const perItemMs = times.length ? summarize(times).median : 0;
  if (n !== undefined && job.known.size >= n) {
    return { decision: inline("every item already ran while sampling", n) };
  }
  return { probe: look, perItemMs };
}

/** A job clearly too small for workers never starts one: even a perfect split cannot pay. */
function tooSmallForWorkers(job: Job, look: Look): End | undefined {
  const n = job.src.total;
  if (n === undefined || job.cores < 2) return undefined;
  const [firstStartMs, marginalStartMs] = startFallback(job.rt.name);
  const coldStart = startCost(
    { warmWorkers: job.pool.size, firstStartMs, marginalStartMs },
    job.cores,
  );
  const serial = n * look.perItemMs;
  const bestCase = serial / job.cores + coldStart + 0.2; // + a couple of message round trips
  if (serial / bestCase >= job.minSpeedup) return undefined;
  job.profile.sampledIn = "main";
  job.profile.sample = mainProfile(look.probe.times, look.probe.isAsync);
  const d = inline(
    `the whole job is small (≈${serial.toFixed(1)} ms serial): even a perfect split over ` +
      `${job.cores} workers would not reach ${job.minSpeedup}× after starting them`,
    n,
  );
  d.serialMs = d.predictedMs = serial;
  return { decision: d };
}

// ── 3. Scan: items that workers cannot receive.
function scan(job: Job): End | undefined {
  const bad = scanItems(job.src);
  if (!bad) return undefined;
  const error = new Error(`Item ${bad.index} cannot be sent to a worker: it is ${bad.why}`);
  return {
    decision: inline(`item ${bad.index} cannot be cloned: it is ${bad.why}`, job.src.total),
    failure: { index: bad.index, kind: "clone", error },
  };
}

// ── Cache lookup (src/store/_optimizer_cache.ts): a hit returns the stored decision without
// sampling; a store problem is a miss and a warning, never an exception.
async function cacheLookup(job: Job, look: Look): Promise<End | undefined> {
  if (job.o.cache === false) return undefined;
  job.cacheKeys = optimizerCacheKeys({
    spec: job.spec,
    n: job.src.total,
    perItemMs: look.perItemMs,
    sys: job.sys,
    cores: job.cores,
    options: job.o,
  });
  const cached = await lookupDecision(job.cacheKeys, job.warnings);
  if (!cached) return undefined;
  return { decision: applyCached(cached, job.profile, job.warnings), cacheHit: true };
}

/**
 * Decide from the look alone, without sampling in a worker, when sampling would cost a large
 * share of the job: an async task that waits far more than it computes (one sequential worker
 * would spend the budget waiting), or a small job on a warm pool.
 */
async function decideFromLook(job: Job, look: Look): Promise<End | undefined> {
  const p = look.probe;
  const n = job.src.total;
  const wallSum = p.times.reduce((a, b) => a + b, 0);
  const ioBound = p.isAsync && p.cpuMs !== undefined && wallSum > 1 && p.cpuMs < 0.3 * wallSum;
  const smallAndWarm = n !== undefined && !p.isAsync && n * look.perItemMs < 50 &&
    job.pool.size >= Math.min(job.cores, 2) && cachedOverheads() !== undefined;
  if (!ioBound && !smallAndWarm) return undefined;
  const sp = mainProfile(p.times, p.isAsync, p.items, [...p.results.values()]);
  if (ioBound) {
    sp.cpuRatio = p.cpuMs! / wallSum;
    sp.workloadType = "io";
  }
  const overheads = ioBound
    ? overheadsOrFallback(job.rt.name)
    : await measureOverheads(job.pool).catch(() => undefined);
  if (!overheads) return undefined;
  job.profile.sample = sp;
  job.profile.sampledIn = "main";
  job.profile.overheads = overheads;
  const decision = decideFrom(job, model(job, sp, overheads, false), sp);
  await cacheStore(job, decision);
  return { decision };
}

// ── 4. Overheads: what workers cost on this runtime (measured once per process).
async function workerOverheads(job: Job): Promise<Overheads | End> {
  try {
    const overheads = await measureOverheads(job.pool);
    job.profile.overheads = overheads;
    return overheads;
  } catch (e) {
    // Workers cannot start here (e.g. Deno without read access to the worker module).
    const error = e instanceof Error ? e : new Error(String(e));
    job.warnings.push(`Workers cannot start here: ${error.message}`);
    return { decision: inline(`workers cannot start here (${error.message})`, job.src.total) };
  }
}

// ── 5. Sample: run items inside a worker, the conditions of execution.
async function sample(job: Job, look: Look): Promise<SampleProfile | End> {
  const { o, src } = job;
  const n = src.total;
  const worker = workerSet(job.pool).ensure(1)[0];
  const serialGuess = n === undefined ? Infinity : n * look.perItemMs;
  const budget = Math.min(
    o.sampleBudgetMs ?? DEFAULTS.sampleBudgetMs,
    Math.max(2, 0.01 * serialGuess),
  );
  const maxItems = n === undefined ? 4096 : Math.max(2, Math.floor(n / 8));
  progress(job);
  let s;
  try {
    s = await sampleInWorker(worker, job.spec, src, job.known, budget, maxItems, o.signal);
  } catch (e) {
    if (o.signal?.aborted) throw e;
    const error = e instanceof Error ? e : new Error(String(e));
    return {
      decision: inline(`sampling failed: ${error.message}`, n),
      failure: { index: -1, kind: "task", error },
    };
  }
  job.pulled.push(s.pulled);
  progress(job);
  if (s.failure) {
    const f = s.failure;
    const what = f.kind === "clone"
      ? "cannot be cloned"
      : f.kind === "load"
      ? "cannot load"
      : "threw";
    return { decision: inline(`item ${f.index} ${what}: ${f.error.message}`, n), failure: f };
  }
  const sp = s.profile ?? mainProfile(look.probe.times, look.probe.isAsync);
  job.profile.sample = sp;
  job.profile.sampledIn = s.profile ? "worker" : "main";
  return sp;
}

// ── 6. Model: the inputs of the cost model, and the worker caps (memory, nested parallelism).
function model(job: Job, sp: SampleProfile, overheads: Overheads, caps: boolean): ModelInputs {
  const { o, profile, sys } = job;
  const rest = job.src.total === undefined ? undefined : job.src.total - job.known.size;
  const adaptive = o.adaptive ?? DEFAULTS.adaptive;
  const m = modelInputs(rest, sp, overheads, sys, job.pool.size, adaptive, job.targetChunkMs);
  m.cores = job.cores;
  if (caps) {
    const uv = Number(job.rt.env("UV_THREADPOOL_SIZE").value) || undefined;
    const nested = nestedWorkerCount(job.cores, sp, uv);
    profile.caps.nested = nested.cap;
    profile.caps.nestedReason = nested.reason;
    if (nested.reason) job.warnings.push(nested.reason);
    const firstChunk = Math.max(1, Math.round(job.targetChunkMs / m.perItemMs));
    profile.caps.memory = memoryWorkerCap(
      sys,
      overheads,
      sp,
      Math.min(firstChunk, rest ?? firstChunk),
    );
    addWarnings(job.warnings, sp, sys, rest);
  }
  return m;
}

// ── 7. Decide: the search over worker counts and chunk sizes, or a refusal.
function decideFrom(job: Job, m: ModelInputs, sp: SampleProfile): Decision {
  const { profile } = job;
  const decision = decide(m, {
    maxWorkers: job.cores,
    memoryWorkers: profile.caps.memory,
    nestedWorkers: profile.caps.nested,
    minSpeedup: job.minSpeedup,
    isAsync: sp.isAsync,
    cpuPerItemMs: sp.perItemMs.mean * (sp.cpuRatio ?? 1),
  });
  profile.breakdown = decision.best;
  profile.alternatives = decision.alternatives;
  return decision;
}

// ── 8. Cache: store the decision for the next run of the same job.
async function cacheStore(job: Job, decision: Decision): Promise<void> {
  if (job.cacheKeys) await storeDecision(job.cacheKeys[0], decision, job.profile, job.warnings);
}
