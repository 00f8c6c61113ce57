// The optimizer, as phases in the order they run:
//   probe → look → scan → (cache lookup) → overheads → sample → model → decide → cache.
// `optimizeCore` reads top to bottom; each phase either hands its findings on or stops with a
// decision. Never throws for workload problems: they become an inline decision with the reason.
// What a phase carries and the answers it can end with: `_job.ts`; the task in workers (loading
// it while items run here, too small for workers): `_task_in_workers.ts`; overheads and the
// sample in a worker: `_sample_phase.ts`; an async task's batch of calls: `_async_look.ts`.
import {
  abortError,
  ChunkTimeoutError,
  endWaits,
  fromWire,
  KnownResults,
  Limit,
  loadTimedOut,
  measureChunk,
  type Pool,
  type PoolWorker,
  type Reply,
  resultSendMs,
  sentResults,
  type Source,
  uncloneable,
  unsendableItem,
  withinLimits,
  workerSet,
} from "../engine/mod.ts";
import { DEFAULTS } from "../defaults.ts";
import {
  cachedOverheads,
  CROSSING_MOST,
  crossings,
  emptyProbe,
  idleWave,
  type MainProbe,
  mainProbe,
  type MainProbeOptions,
  measureOverheads,
  type Overheads,
  overheadsOrFallback,
  type SampleFailure,
  type SampleProfile,
  startHold,
  summarize,
  threadBound,
} from "../measure/mod.ts";
import { runtime } from "../runtime/mod.ts";
import {
  busyCoresNow,
  cachedProbe,
  checkOverrides,
  cpuCapacity,
  hasCachedProbe,
  RUNTIME_THREADS,
  type SystemInfo,
  threadRoomNow,
} from "../system/mod.ts";
import { loadTask, type Task, type TaskSpec, thrownError } from "../task/mod.ts";
import type { ModelInputs } from "./cost_model.ts";
import { type Alternative, decide, type Decision, onWorkers } from "./decide.ts";
import { memoryWorkerCap, modelInputs, nestedWorkerCount, threadWorkerCap } from "./_inputs.ts";
import { addWarnings, mainProfile, scanItems } from "./_profiles.ts";
import type { OptimizationProfile, OptimizeOptions } from "./optimization.ts";
import {
  applyCached,
  cacheEnabled,
  decisionOptions,
  keyBusyCores,
  keyPerItemMs,
  lookupDecision,
  optimizerCacheKeys,
  storeDecision,
} from "./_optimizer_cache.ts";
import {
  corrections,
  loadChanged,
  lowWorkersGain,
  repick,
  retryOf,
  STALE_RUNS,
  staleOf,
  trialOf,
} from "./run_feedback.ts";
import { type AsyncFigures, asyncFigures, overlap } from "./_async_look.ts";
import {
  forgetRecall,
  keepPrevious,
  lastDecision,
  recallDecision,
  recalledRan,
  rememberDecision,
  rememberedPace,
} from "./_stability.ts";
import {
  asLookRan,
  cannotLoadInWorker,
  type End,
  failedOn,
  idleStarted,
  inline,
  itemsLeft,
  type Job,
  limitsOf,
  type Look,
  poolTids,
  poolWorkers,
  type RunAfter,
  runOnWorker,
  warmIdle,
} from "./_job.ts";
import {
  COLD_IMPORT_MS,
  feedEarly,
  hearLoads,
  importTimes,
  LARGE_ITEM_MS,
  largeBefore,
  learnLoad,
  loadedInWorkers,
  loadsInWorker,
  noteItemTime,
  runWhileLoading,
  taskWarmth,
  tooSmallForWorkers,
} from "./_task_in_workers.ts";
import { sample, workerOverheads } from "./_sample_phase.ts";
import { countLoadBefore, jobLoad, loadCannotMatter } from "./_load.ts";
import type { BackFeed } from "./_back_feed.ts";
import { setLatest } from "../_latest.ts";

export interface CoreResult {
  decision: Decision;
  warnings: string[];
  profile: OptimizationProfile;
  known: KnownResults;
  failure?: SampleFailure;
  /** Whether the decision came from the persisted result cache. */
  cacheHit?: boolean;
  /** The result-cache key the decision is stored under (runs are recorded there). */
  cacheKey?: string;
  /**
   * The model's prediction for the run, before the corrections by recorded runs (ms): what a
   * run's measured time is recorded against. Undefined where no correction applied (the
   * decision's own `predictedMs`).
   */
  modelMs?: number;
  /**
   * The plain loop's warm time per item on the calling thread (ms), from the look (undefined
   * when no item ran here): the run compares its workers' throughput with it.
   */
  mainPerItemMs?: number;
  /**
   * An inline decision's run may move its rest to this many workers when it proves far slower
   * than the look measured (no failure, a synchronous task, caps of at least 2 workers).
   */
  widenWorkers?: number;
  /**
   * A decision taken again from an earlier call (see `recalled`): told its run's measured time
   * (ms), it stops being taken again where the run took far longer than predicted.
   */
  recalledRan?: (measuredMs: number) => void;
}

/**
 * Measure `task` on `src` and decide how to run it. Items run while looking and sampling keep
 * their results in `known`; items pulled from a one-shot source go back in front, in order.
 * `run`: the automatic run that follows here (`execute`, `map`), if any (see {@linkcode RunAfter}).
 */
export async function optimizeCore(
  task: Task<unknown, unknown>,
  spec: TaskSpec,
  src: Source<unknown>,
  o: OptimizeOptions,
  pool: Pool,
  run?: RunAfter,
): Promise<CoreResult> {
  const job = begin(spec, src, o, pool);
  job.run = run;
  if (run) job.progressSink = run.progressSink;
  let end: End;
  try {
    // An abort ends the call at once, whatever phase it meets: phases that cannot take the
    // signal (the workers' overheads, measured once per process) held it 25–90 ms; what such a
    // phase still does ends at the next phase (see `stopIfAborted`).
    end = await withinLimits(phases(job, task), job.t0, { signal: o.signal, now: job.rt.now });
  } catch (e) {
    endWaits(job.limits);
    throw e instanceof Limit && e.abort ? e.abort : e;
  }
  // A failure ends the job: the look's calls still in flight are abandoned, their limits too.
  const f = end.failure;
  if (f) endWaits(job.limits);
  // A call of the look that outlived the limits ends the job with their error: an ordered run's
  // after the results before it.
  if (f?.error instanceof Limit) {
    const error = f.error.at(f.index);
    if (!job.run?.ordered) throw error;
    end = { ...end, failure: { index: f.index, kind: "limit", error } };
  }
  return finish(job, end);
}

/**
 * How long the look on the calling thread runs items (ms): the first items one by one, then
 * doubling batches (their results are kept, so the look is part of the job, not lost time).
 */
const LOOK_MS = 2;

/**
 * A first item this long (ms) or longer starts the look's helpers (see `lookHelpers`), in a job
 * of more than `HELP_AT_ONCE` items: shorter items finish before a worker's round trip pays (a
 * job of 10,000 validations of 0.12 µs waited 0.15–0.7 ms for a helper's one item).
 */
const HELP_AFTER_MS = 1;
/**
 * A second item this long (ms) or longer starts them where the first did not: it ran warmer than
 * the first (whose cold call may be a hundred times a warm one), so its time sizes the helpers'
 * chunks (see `HELP_WORK_MS`).
 */
const HELP_SECOND_MS = 0.1;
/**
 * About the work (ms, at the item's time here) of a helper's one chunk: half the look's, so that
 * its reply is in when the look ends (the look waits for it). Results of 100 KB, 0.24 ms each:
 * one worker ran four of them beside the look instead of idling.
 */
const HELP_WORK_MS = LOOK_MS / 2;
/**
 * Jobs of at most this many items have the look's helpers from the start: the look's first item
 * may be a large share of such a job (six items of 150 ms), and it runs alone before its time
 * is known.
 */
const HELP_AT_ONCE = 64;

/** See `COLD_IMPORT_MS`: four times `LARGE_ITEM_MS` (a first item longer than that is large, cold or not). */
const COLD_SECOND_MS = 80;
/**
 * A look that meets its task cold (see `firstLookHere`) runs items under this long (ms, at its
 * pace so far) past its time while their pace warms up, within a share of the job (see
 * `WARMING_SHARE` in src/measure/_main_probe.ts): a process's first call of 2,000 arithmetic
 * items of 33 µs timed three, at 0.8, 0.4 and 0.06–0.4 ms, read the job at 2–12 times its warm
 * time, and the store's read and the system's probe (5–6 ms on Node) came before a run here
 * that judged its pace in slices. The items it runs are the job's: a job not too small for
 * workers then runs that many fewer here while they start.
 */
const COLD_WARMING_MS = 1;

/** Tasks (spec keys) whose look ran here in this process: their first item ran cold then. */
const lookedAt = new Set<string>();

/**
 * Whether a look of the task (by spec key) meets it cold here: its module imported just now
 * (`importMs`, see `COLD_IMPORT_MS`), or a task this thread never looked at (its module imported
 * before the call, by the caller: the import here took no time, and the task never ran here).
 * The task counts as looked at from now on.
 */
export function firstLookHere(key: string, importMs: number): boolean {
  const cold = importMs >= COLD_IMPORT_MS || !lookedAt.has(key);
  lookedAt.add(key);
  return cold;
}

async function phases(job: Job, task: Task<unknown, unknown>): Promise<End> {
  let end = await decidePhases(job, task);
  // Calls the look left in flight go on into an automatic async run; else they settle here —
  // after a failure only those before it, for a run that hands their results on in order: the
  // failure ends the job at once, as on the async executor (a call that never settled, at a
  // lower index than the failure, held the automatic run for ever).
  const f = end.failure;
  if (f && f.kind === "task" && f.index >= 0 && job.run?.ordered) {
    end = await settleInFlight(job, f.index) ?? end;
  } else if (!f && !(job.run?.handover && end.decision.executor === "async")) {
    end = await settleInFlight(job) ?? end;
  }
  if (!end.failure) end = await withinTimeout(job, end);
  // The scan of every item (deep, for objects) costs more than a small job: only a decision
  // that sends items to workers needs it (sampling checks the items it sends itself).
  if (end.decision.executor === "workers" && !end.failure) return scan(job) ?? end;
  return end;
}

/**
 * Under `timeoutMs`, a synchronous task's items left run on workers, whatever the plain loop is
 * predicted to gain: a call on this thread cannot be stopped, so one that never returns held the
 * caller for ever (1000 items, one in a busy loop for ever, `timeoutMs: 300`: the sample ran
 * others in a worker, the decision was inline, and the stuck call hung the run here). On workers
 * its chunk times out. The best worker configuration predicted (else one worker) takes the
 * decision's place, in chunks of at most a quarter of `timeoutMs`'s work (see `chunkWithin`:
 * each chunk has the limit there, each call had it here), as a workers decision's chunks do.
 * Not where workers were refused the task (it runs here, with a warning that says why), nor
 * where none can start or load it, nor for an async task (its calls here are each within the
 * limit), nor where nothing is left to run. (A `signal` alone leaves the decision as it is: the
 * plain loop lets the event loop turn between its calls.)
 */
async function withinTimeout(job: Job, end: End): Promise<End> {
  const d = end.decision;
  const { timeoutMs } = job.o;
  if (timeoutMs === undefined) return end;
  const perItemMs = job.profile.sample?.perItemMs.median;
  const most = chunkWithin(timeoutMs, perItemMs);
  // A workers decision's chunks stay well within the limit too (the limit is each chunk's),
  // where the time per item was measured: searched within it (see `decideFrom`), but a cached
  // decision, or one sampled under another limit, may hold larger ones.
  if (d.executor === "workers") {
    const within = !(perItemMs !== undefined && perItemMs > 0) || d.chunkSize <= most;
    return within ? end : { ...end, decision: { ...d, chunkSize: most } };
  }
  const n = job.src.total;
  const left = n === undefined
    ? !job.src.done && job.src.throwsNext === undefined
    : job.known.handled < n;
  if (
    d.executor !== "inline" || job.isAsync || job.refused || !left ||
    job.profile.caps.threads < 1 || job.profile.caps.memory < 1
  ) return end;
  // A worker of this process must hold the task (sampling loaded it; else an empty chunk does).
  const loaded = loadedInWorkers.has(job.spec.key) ||
    await loadsInWorker(job).then((e) => e === undefined, () => false);
  if (!loaded) return end;
  const fits = d.alternatives.filter((a) =>
    a.executor === "workers" && !a.rejected && Number.isFinite(a.predictedMs)
  );
  const best = fits.reduce<Alternative | undefined>(
    (b, a) => (b === undefined || a.predictedMs < b.predictedMs ? a : b),
    undefined,
  );
  job.entryKey = undefined; // its run is not the stored decision's (see `RunRecord`)
  const workers = best?.workers ?? 1;
  const chunkSize = Math.min(best?.chunkSize ?? most, most);
  return {
    ...(end.cacheHit ? { cacheHit: true } : {}),
    decision: {
      ...d,
      executor: "workers",
      workers,
      chunkSize,
      concurrency: 1,
      adaptive: job.o.adaptive ?? DEFAULTS.adaptive,
      predictedMs: best?.predictedMs ?? NaN,
      predictedSpeedup: best ? d.serialMs / best.predictedMs : 1,
      // The configuration taken is named: the reason without the limit may name another, its
      // best among near-ties (beside two CPU hogs on Node: "2 workers, chunks of 19", where the
      // fastest predicted, taken here, had other chunks).
      reason: `Workers: under timeoutMs a synchronous task runs on workers (` +
        `${onWorkers({ workers, chunkSize })}), where a call that ` +
        `never returns can be stopped (on the calling thread it cannot); without the limit: ` +
        d.reason,
    },
  };
}

async function decidePhases(job: Job, task: Task<unknown, unknown>): Promise<End> {
  // A bad AMORSIZE_CACHE, or a relative AMORSIZE_HOME, fails every call, not those the cache meets.
  cacheEnabled(job.o.cache);
  // A process's first `execute` looks before it probes the system (see `lookHere`): a look that
  // runs every item needs nothing of the probe, whose cold code took 4.5–9 ms of a first call.
  // A bad AMORSIZE_CPUS or AMORSIZE_MEMORY still fails the call first.
  if (job.run === undefined || hasCachedProbe()) await probe(job);
  else checkOverrides();
  if (job.src.total === 0) return { decision: inline("the data is empty", 0) };
  countLoadBefore(job);
  // A job decided before in this process: that decision again, without a look (see `recalled`).
  const again = await recalled(job);
  if (again) return again;
  const look = await lookHere(job, task);
  if ("decision" in look) return look;
  // Workers fed since before the look: this thread goes on from the front until every item ran
  // (the rest is decided as below where they stopped short).
  const fed = look.early && await runWhileLoading(job, look, look.early);
  if (typeof fed === "object") return fed;
  if (look.early?.unloaded && look.early.loadError) {
    return cannotLoadInWorker(job, look.early.loadError);
  }
  await hearLoads(job);
  // Too small even with no load of the task in workers: answered before the store is read for
  // that load (see `tooSmallForWorkers`).
  let small = look.skipped ? undefined : tooSmallForWorkers(job, look, true);
  if (!small) {
    await learnLoad(job);
    small = look.skipped ? undefined : tooSmallForWorkers(job, look);
  }
  // Not too small on all the logical cores (a process's first `execute` probes after its look):
  // probed now, it is judged on the cores this process may use.
  if (!small && job.sys === undefined) {
    await probe(job);
    small = look.skipped ? undefined : tooSmallForWorkers(job, look);
  }
  if (small) return small;
  const hit = await cacheLookup(job, look);
  if (hit) return hit;
  const started = look.skipped ? undefined : await runWhileLoading(job, look);
  if (typeof started === "object") return started;
  // Workers started while items ran here, and one holds the task: the items left, at the pace of
  // those that ran here, may no longer pay for the others.
  if (started !== undefined) {
    const fewLeft = tooSmallForWorkers(job, look);
    if (fewLeft) return fewLeft;
  }
  const large = await largeItems(job, look, started);
  if (large) return large;
  const fromLook = look.skipped ? undefined : await decideFromLook(job, look);
  if (fromLook) return fromLook;
  // Sampling and its helpers run items not known: the look's calls in flight settle first.
  const threw = await settleInFlight(job);
  if (threw) return threw;
  if (job.cores < 2 && !look.probe.isAsync) {
    const threads = job.profile.caps.threads;
    const twoCores = Math.ceil(cpuCapacity(job.sys)) >= 2;
    const why = threads < 2
      ? `the cgroup's limit on threads leaves room for ${threads} worker${threads === 1 ? "" : "s"}`
      : job.profile.caps.cores >= 2
      ? "memory has room for one worker at most"
      : job.pool.maxWorkers < 2 && twoCores
      ? "the pool holds one worker at most (its maxWorkers is 1)"
      : (job.o.maxWorkers ?? Infinity) < 2 && twoCores
      ? "maxWorkers is 1"
      : `only ${job.cores} core is available to this process`;
    return { decision: inline(why, job.src.total) };
  }
  const overheads = await workerOverheads(job);
  stopIfAborted(job);
  if ("decision" in overheads) return overheads;
  const sampled = await sample(job, look, overheads, (soFar) => settled(job, soFar, overheads));
  sourceThrew(job); // met by the sample (the look skipped under the limits), said as well
  if ("decision" in sampled) return sampled;
  const m = model(job, sampled, overheads, true, job.profile.sampledIn === "worker");
  const decision = decideFrom(job, m, sampled);
  await cacheStore(job, decision);
  return { decision };
}

/**
 * Throw the abort's error once the call's signal aborted: a phase that cannot take the signal
 * ends there, and the next (sampling, which starts the other workers) does not begin.
 */
function stopIfAborted(job: Job): void {
  const signal = job.o.signal;
  if (signal?.aborted) throw abortError(signal);
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
    progressSink: {},
    minSpeedup: o.minSpeedup ?? DEFAULTS.minSpeedup,
    targetChunkMs: o.targetChunkMs ?? DEFAULTS.targetChunkMs,
    known: new KnownResults(),
    warnings: [],
    profile: {
      sampledItems: 0,
      sampledIn: "none",
      alternatives: [],
      caps: { cores: 1, memory: Infinity, nested: Infinity, threads: Infinity },
      optimizeMs: 0,
    },
    pulled: [],
    sys: undefined as unknown as SystemInfo, // set by the probe (see `decidePhases`)
    cores: 1,
    cpu: 1,
    limits: { signal: o.signal, timeoutMs: o.timeoutMs, now: rt.now, waits: new Set() },
  };
}

function finish(job: Job, end: End): CoreResult {
  for (const items of job.pulled.reverse()) job.src.unshift(items);
  job.profile.sampledItems = job.known.size;
  // A call that answered otherwise than by a remembered or rememberable decision: a later call
  // does not take the older one again.
  if (!job.recall?.kept && job.src.total !== undefined) forgetRecall(job.spec.key, job.src.total);
  job.profile.optimizeMs = job.rt.now() - job.t0;
  const { decision, failure, cacheHit, modelMs } = end;
  const r: CoreResult = {
    decision,
    warnings: job.warnings,
    profile: job.profile,
    known: job.known,
    failure,
  };
  if (cacheHit) r.cacheHit = cacheHit;
  if (job.entryKey) r.cacheKey = job.entryKey;
  if (modelMs !== undefined) r.modelMs = modelMs;
  if (job.mainPerItemMs !== undefined) r.mainPerItemMs = job.mainPerItemMs;
  if (job.recall?.ran && !failure) r.recalledRan = job.recall.ran;
  // An inline decision whose run may move to workers: a task module (a function's source may use
  // what is outside it, which only a call in a worker tells), none failed or refused there, a
  // synchronous task, and room for two workers within the caps.
  const caps = job.profile.caps;
  const wide = Math.min(caps.cores, caps.memory, caps.nested, caps.threads);
  if (
    decision.executor === "inline" && job.spec.kind === "module" && !failure && !job.refused &&
    !job.isAsync && wide >= 2
  ) r.widenWorkers = wide;
  return r;
}

/**
 * Wait for the look's calls still in flight before item `before` (see `MainProbe.results`); the
 * first that failed ends the job as a failure in the look does.
 */
async function settleInFlight(job: Job, before?: number): Promise<End | undefined> {
  if (job.known.inFlightCount === 0) return undefined;
  const f = await job.known.settle(before);
  if (!f) return undefined;
  const error = thrownError(f.error);
  return {
    decision: inline(`the task threw on item ${f.index}: ${error.message}`, job.src.total),
    failure: { index: f.index, kind: "task", error },
  };
}

// ── 1. Probe: the cores and memory this process may use.
async function probe(job: Job): Promise<void> {
  const sys = await cachedProbe();
  job.sys = sys;
  job.profile.system = sys;
  job.warnings.push(...sys.warnings);
  // Workers up to the CPU time a quota gives, rounded up: they share it (a quota of 1.5 cores
  // on 2: two workers, each on a CPU three quarters of the time); rounded down, as effective
  // cores are, one worker would be all and cannot beat the plain loop. No more than the pool
  // holds (`createPool({ maxWorkers: 1 })`: two workers were predicted 1.86× faster, and the run
  // had one).
  const cpu = cpuCapacity(sys);
  const cores = job.profile.caps.cores = Math.max(
    1,
    Math.min(Math.ceil(cpu), job.o.maxWorkers ?? Infinity, job.pool.maxWorkers),
  );
  // Under a cgroup's limit on threads, each worker is one: what is left of it now bounds the
  // workers as the cores do.
  let threads = Infinity;
  if (sys.threads.limit !== null) {
    const room = threadRoomNow();
    const cap = threads = job.profile.caps.threads = threadWorkerCap(
      sys.threads.limit,
      room,
      job.pool.size,
    );
    if (cap < cores) {
      job.warnings.push(
        `The cgroup's limit on threads (pids.max ${sys.threads.limit}, ${room} left) leaves ` +
          `room for ${cap} worker${cap === 1 ? "" : "s"} (${RUNTIME_THREADS} threads are kept ` +
          "for the runtime's own)",
      );
    }
  }
  // Each worker holds memory of its own: no more start than memory has room for (a job's values
  // and heap growth, once measured, cap the decision's workers further: `model`). On many cores
  // with little memory, workers started for a job of large items idled, holding it.
  const memory = job.profile.caps.memory = memoryWorkerCap(
    sys,
    cachedOverheads() ?? overheadsOrFallback(job.rt.name),
  );
  job.cores = Math.max(1, Math.min(cores, threads, memory));
  job.cpu = Math.min(cpu, job.cores);
}

/**
 * The first wave of each async task's next look in this process (by spec key; see `idleWave`),
 * for the tasks whose latest look found their calls waiting on something else; 256 kept at most.
 */
const idleWaves = new Map<string, number>();

/** Keep `wave` as the task's first wave (undefined: none, the default wave and its wait). */
function keepWave(key: string, wave: number | undefined): void {
  if (wave === undefined) idleWaves.delete(key);
  else setLatest(idleWaves, key, wave, 256);
}

// ── 2. Look: run the first items here (their results are kept); with the workers fed from the
// array's end since before it, where there are (see `feedEarly`).
async function lookHere(
  job: Job,
  task: Task<unknown, unknown>,
): Promise<(Look & { early?: BackFeed }) | End> {
  const n = job.src.total;
  let fn: (x: unknown) => unknown;
  let importMs = 0;
  try {
    const t0 = job.rt.now();
    fn = typeof task === "function" ? task : await importWithinLimits(loadTask(job.spec), job);
    importMs = job.rt.now() - t0;
    if (importMs > (importTimes.get(job.spec.key) ?? 0)) importTimes.set(job.spec.key, importMs);
  } catch (e) {
    if (job.o.signal?.aborted || e instanceof ChunkTimeoutError) throw e;
    const error = thrownError(e);
    return { decision: inline(error.message, n), failure: { index: -1, kind: "load", error } };
  }
  // With `timeoutMs` or `signal`, only an `async function` — or a function whose first item, run
  // in a worker, returned a promise (see `firstInWorker`) — is looked at here, each call within
  // the limits (a call that outlives them ends the job with their error, as on the async
  // executor); a synchronous call could be neither stopped nor timed out on this thread, so other
  // tasks skip the look (they are sampled in a worker, where the limits hold). An I/O task sampled
  // there ran its calls one after the other: 60 calls of 100–500 ms took 5× their time under a
  // signal, and failed `timeoutMs: 1500` as one chunk.
  const limits = limitsOf(job);
  const claimed = new Set<number>();
  let asyncFn = fn.constructor?.name === "AsyncFunction";
  if (limits && !asyncFn) {
    // Another function may return promises (`(url) => fetch(url)`): its first item, in a worker
    // within the limits, tells; one that does is looked at here as an `async function` is.
    const first = await firstInWorker(job);
    if (first && "error" in first) return failedOn(job, first);
    if (first?.async) {
      asyncFn = true;
      claimed.add(0);
    }
  }
  const skipped = limits !== undefined && !asyncFn;
  job.fn = fn;
  if (limits && asyncFn) {
    const call = fn;
    // Timed from before the call: its synchronous part counts, as on the async executor.
    fn = (x) => {
      const t0 = job.rt.now();
      return withinLimits(call(x) as Promise<unknown>, t0, limits);
    };
  }
  // Helpers start at once for a job of at most `HELP_AT_ONCE` items (its first item may be a large
  // share of it), else once the first item took `HELP_AFTER_MS` or the second `HELP_SECOND_MS`;
  // never for an `async function`: it runs on this thread (the async executor) or is sampled in a
  // worker, and helpers would only add a round trip to its look (60 calls of a 5 ms timer: ~2 ms).
  // Where an earlier process found the task's items large, workers start now and take items
  // beside the look's first (see `largeBefore`): the system is probed first, for its cores.
  // An `execute` feeds them from the array's end until the job is done (see `feedEarly`).
  let help: LookHelpers | undefined;
  let early: BackFeed | undefined;
  const helped = !skipped && !asyncFn;
  if (helped && n !== undefined && await largeBefore(job, n)) {
    if (job.sys === undefined) await probe(job);
    if (job.run?.finish) early = feedEarly(job, claimed);
    else help = lookHelpers(job, claimed, () => false, 1, true);
  } else if (helped && n !== undefined && n <= HELP_AT_ONCE) {
    help = lookHelpers(job, claimed, () => false);
  }
  // Helpers go on taking an item each while this thread runs another one by one after one that
  // took `HELP_AFTER_MS` or more, one queued behind the one they run at most (see `lookHelpers`):
  // 60 items of 5 ms on a warm pool, the look ran three here one by one while its helper ran one
  // and then idled (automatic over the naive default, medians of 5 runs alternating: 1.059 against
  // 1.074 on Bun, 1.051 against 1.062 on Deno, queued without a bound — about one item's time,
  // within this machine's spread).
  const onSingle = helped && !early
    ? (ran: number, ms: number, taken: (i: number) => boolean, next: boolean) => {
      if (help) {
        if (next && ms >= HELP_AFTER_MS) help.more(1, taken);
        return;
      }
      if (ran > 2 || ms < (ran === 1 ? HELP_AFTER_MS : HELP_SECOND_MS)) return;
      help = lookHelpers(job, claimed, taken, Math.max(1, Math.floor(HELP_WORK_MS / ms)));
    }
    : undefined;
  const cold = !skipped && firstLookHere(job.spec.key, importMs);
  job.recall = { cold };
  let look: MainProbe = skipped ? emptyProbe() : await lookAt(job, fn, {
    claimed,
    onSingle,
    // A task module imported just now is cold: its first item may be far slower than the next
    // (a first markdown render of a process took 21 ms, the next ones 0.2–0.8 ms). So is a task
    // this thread has not run yet whose module the caller imported before the call (the import
    // here then takes no time): 400 renders of a script's markdown module were taken for large
    // items from a first render of 30 ms, a worker started at once, and the call took 2.3× the
    // plain loop (Deno and Node).
    secondUnderMs: cold ? COLD_SECOND_MS : undefined,
    warmingUnderMs: cold ? COLD_WARMING_MS : undefined,
    // `optimize` alone runs none of the job: one slow call alone costs it little.
    slowAlone: !job.run,
  });
  // The look's results become the job's (no copy: thousands of sub-microsecond results), with
  // the helpers' replies so far (later ones go to the job's).
  const before = job.known;
  job.known = look.results;
  before.forEach((r, i) => job.known.set(i, r));
  job.pulled.push(look.pulled);
  const helpFailure = await help?.settled();
  let perItemMs = look.warmPerItemMs;
  if (!skipped && !look.isAsync) noteItemTime(job, perItemMs);
  if (look.failure) {
    await early?.stop();
    return lookThrew(look.failure, n);
  }
  // A helper that could not load the task: it runs here, as where a worker cannot load it.
  if (helpFailure?.kind === "load") return cannotLoadInWorker(job, helpFailure.error);
  if (helpFailure) return failedOn(job, helpFailure);
  // A one-shot source the look pulled to its end: its length is known now (an empty async
  // iterable had started a worker to measure, 57 ms, and found nothing to run).
  // A source that threw after the items pulled (kept for the run's next pull): the job is those
  // items, and then that error (a generator throwing after 2 items was decided as an unknown
  // length, a second's work assumed: two workers, "1.63× faster", no word of the throw).
  const thrown = sourceThrew(job);
  const total = n ??
    (job.src.done || thrown ? job.known.handled : undefined);
  if (total === 0) {
    const why = thrown
      ? `the data source threw before its first item (${thrown.message})`
      : "the data is empty";
    return { decision: inline(why, 0) };
  }
  // Calls that overlapped are still decided (from the look): the decision is the answer to
  // `optimize`, and its cache entry serves the next call.
  let ranAll = total !== undefined && job.known.size >= total;
  // Probed here where not before the look (see `decidePhases`) for an async task (whether its
  // calls overlap is judged on the cores); a synchronous task's job is probed once it is not too
  // small for workers on any share of the logical cores (see `tooSmallForWorkers`), and a look
  // that ran every item needs nothing of the probe.
  if (job.sys === undefined && look.isAsync) await probe(job);
  let figures = asyncFigures(look);
  let io = look.isAsync
    ? overlap(look, job.cpu, job.minSpeedup, shortAsyncJob(job, figures, total))
    : undefined;
  // A cold look whose batch kept this thread busy may have timed the code its calls compiled
  // (see `warmLook`): a second batch, warm, tells.
  const warm = cold && !io && !ranAll && !early
    ? await warmLook(job, fn, look, claimed)
    : undefined;
  if (warm && "decision" in warm) return warm;
  if (warm) {
    if (warm.failure) return lookThrew(warm.failure, n);
    look = warm;
    perItemMs = look.warmPerItemMs;
    ranAll = total !== undefined && job.known.size >= total;
    figures = asyncFigures(look);
    io = overlap(look, job.cpu, job.minSpeedup, shortAsyncJob(job, figures, total));
  }
  if (ranAll && total !== undefined && !io) {
    return { decision: asLookRan(look, total, "every item already ran while sampling") };
  }
  if (!skipped && perItemMs > 0) job.mainPerItemMs = perItemMs;
  job.isAsync = look.isAsync;
  if (!skipped && perItemMs > 0 && !look.isAsync && look.items.length >= 2) {
    job.inlineItemMs = perItemMs;
  }
  Object.assign(job, figures);
  return { probe: look, perItemMs, skipped, io, early };
}

/**
 * A look at the job's items here (see `mainProbe`), with what every look of the job shares: the
 * cores and `maxConcurrency` bounding an async task's batch, its calls in flight handed on to a run
 * that takes them over, and its first wave as the task's latest look found it (kept for the next).
 */
async function lookAt(
  job: Job,
  fn: (x: unknown) => unknown,
  options: MainProbeOptions,
): Promise<MainProbe> {
  const look = await mainProbe(fn, job.src, LOOK_MS, 4096, {
    cores: job.cores,
    maxCalls: job.o.maxConcurrency ?? DEFAULTS.maxConcurrency,
    refill: job.run?.handover === true,
    firstWave: idleWaves.get(job.spec.key),
    ...options,
  });
  if (look.concurrent) keepWave(job.spec.key, idleWave(look.concurrent));
  return look;
}

/** The look's answer where the task threw on an item there. */
function lookThrew(failure: { index: number; error: Error }, n: number | undefined): End {
  const f: SampleFailure = { ...failure, kind: "task" };
  return {
    decision: inline(`the task threw on item ${f.index}: ${f.error.message}`, n),
    failure: f,
  };
}

/**
 * A second batch of an async task's calls, warm, after a look that met the task cold (see
 * `firstLookHere`) and found no gain in overlapping them where its batch kept this thread busy and
 * its first call waited on the event loop: that batch may have timed the code its calls ran for
 * the first time in this process (a client library compiled then) as the calls' own work. Node's
 * `fetch` of a local server 20 ms away, a process's first look: 115 calls took 149 ms, 134 of
 * them on this thread, 70 before the first call settled; taken for computing calls, the job was
 * sampled in a worker (its `fetch` cold there in turn): 505–547 ms to decide a job that 64 calls
 * in flight ran in 150. The second batch, and a call or more timed alone after it whatever that
 * costs (`MainProbeOptions.alone`: an axios client on Node still computed 0.8–1.2 ms a call in the
 * second batch, and without a call alone the job went to the worker in 2 of 4 first calls), runs
 * items not run yet, of an array (a one-shot source's items would be taken again from index 0),
 * once the first batch's calls still in flight settled, its results joining the job's; it is the
 * look the job is decided from. Not beside workers fed since before the look (see `feedEarly`:
 * they claim items as they go). Undefined where none ran; the failure of a call of the first
 * batch still in flight ends the job (an `End`).
 */
async function warmLook(
  job: Job,
  fn: (x: unknown) => unknown,
  look: MainProbe,
  claimed: Set<number>,
): Promise<MainProbe | End | undefined> {
  const c = look.concurrent;
  if (!look.isAsync || !look.waits || look.failure || !c || !threadBound(c)) return undefined;
  if (!job.src.indexable) return undefined;
  // The first batch's calls still in flight (its refills) settle first: beside the second batch
  // they would add their work to its measure, and their number to its calls in flight.
  const threw = await settleInFlight(job);
  if (threw) return threw;
  const taken = new Set(claimed);
  job.known.forEach((_, i) => taken.add(i));
  job.known.forEachInFlight((_, i) => taken.add(i));
  const again = await lookAt(job, fn, { claimed: taken, alone: true });
  again.results.forEach((r, i) => job.known.set(i, r));
  again.results.forEachInFlight((call, i) => job.known.setInFlight(i, call));
  job.pulled.push(again.pulled);
  return again;
}

/**
 * Whether an async task's job is short for sampling in a worker (see `ioGain`): its length known,
 * no worker of this process holding the task (one that does samples in a few milliseconds), and
 * the most that taking it as I/O can lose under `SHORT_ASYNC_LOSS_MS`. Taken as I/O at a gain `g`
 * of at least `minSpeedup`, the async executor loses to the best that workers could do (`cores`
 * of them, a call at a time each) at most its plain loop (one call at a time here) × (1 / g − 1 /
 * cores): a third of it at 1.2 on 2 cores, so a plain loop of up to 300 ms; 0.77 of it on 16.
 */
function shortAsyncJob(job: Job, figures: AsyncFigures, total: number | undefined): boolean {
  if (total === undefined || loadedInWorkers.has(job.spec.key)) return false;
  const one = figures.asyncInlineMs;
  const lost = 1 / job.minSpeedup - 1 / Math.max(1, job.cpu);
  return one !== undefined && total * one * lost < SHORT_ASYNC_LOSS_MS;
}

/**
 * The most (ms) that taking a short async job as I/O may lose (see `shortAsyncJob`): about what
 * sampling costs where no worker holds the task, which it first loads there — 91 ms for an HTTP
 * client, 145–178 ms for an ioredis client, as much as such a job.
 */
const SHORT_ASYNC_LOSS_MS = 100;

/**
 * The most items of a chunk under `timeoutMs` (a chunk's limit on workers): a quarter of the
 * limit's work at `perItemMs`, at least one item; one where the time per item is not known (the
 * adaptive size grows from there).
 *
 * @param timeoutMs The limit (ms).
 * @param perItemMs The time per item (ms), if measured.
 * @returns The most items of a chunk.
 *
 * @example Usage
 * ```ts
 * import { chunkWithin } from "./_optimize_core.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(chunkWithin(40, 1), 10);
 * assert.equal(chunkWithin(40, 100), 1);
 * assert.equal(chunkWithin(40, undefined), 1);
 * assert.equal(chunkWithin(40, NaN), 1);
 * ```
 */
export function chunkWithin(timeoutMs: number, perItemMs: number | undefined): number {
  return perItemMs !== undefined && perItemMs > 0 && Number.isFinite(perItemMs)
    ? Math.max(1, Math.floor(timeoutMs / (4 * perItemMs)))
    : 1;
}

/**
 * The throw of a one-shot source that a pull met while deciding (kept for the run's next pull),
 * said once in `warnings` with the items pulled before it; undefined where none was met.
 */
function sourceThrew(job: Job): Error | undefined {
  const thrown = job.src.total === undefined ? job.src.throwsNext : undefined;
  if (!thrown || job.sourceThrowSaid) return thrown;
  job.sourceThrowSaid = true;
  const pulled = job.known.handled;
  job.warnings.push(
    pulled === 0
      ? `The data source threw before its first item (${thrown.message}): the run fails at once`
      : `The data source threw after ${pulled} item${pulled === 1 ? "" : "s"} ` +
        `(${thrown.message}): the run fails there, after their results`,
  );
  return thrown;
}

/**
 * The task module's import on this thread, within the call's `signal` and `timeoutMs`: a module
 * whose top-level `await` never settles otherwise held the call past both (Node then exited with
 * code 13, its event loop empty; Bun waited for ever). The import itself cannot be stopped.
 */
async function importWithinLimits<T>(loading: Promise<T>, job: Job): Promise<T> {
  const limits = limitsOf(job);
  if (!limits) return await loading;
  try {
    return await withinLimits(loading, job.rt.now(), limits);
  } catch (e) {
    if (!(e instanceof Limit)) throw e;
    if (e.abort) throw e.abort;
    throw loadTimedOut(e.at(0), job.spec, e.timeoutMs!); // not an abort: a timeout
  }
}

/**
 * Warm workers idle in the pool, with the task loaded, each run a chunk of up to `size` items of
 * the array (from its end, past those `taken` by the look; at most a quarter of the items each)
 * while the look runs here: their cores would only wait, and with large items the look is then
 * not serial time (a job of six 150 ms items spent a quarter of its time on the look's first item
 * while two warm workers idled). With `start`, workers are started up to the count (they load the
 * task with their chunk) and idle ones take chunks whether warm or not; else none is started.
 * One fewer than the cores at most: this thread runs the look (starting one more, to be ready for
 * the run, gained nothing measurable: 440–461 ms against 437–463 on Bun, 581–634 against 585–623
 * on Deno, where its start held this thread 40–55 ms before the look). The indices go to
 * `claimed`. `more` sends each helper another chunk while the look goes on, queued behind the one
 * it runs — one at most, and none for `optimize` alone: a synchronous look hears no reply before
 * it ends, and it waited for the whole queue then (64 KB gzips of 4–8 ms, a warm pool: `optimize`
 * 27–44 ms, 14 of them waiting after the look's last item). `settled` resolves once every chunk sent replied, with the first
 * failure (a worker that died meanwhile leaves its items to the run; the results before a failing
 * item are kept).
 */
function lookHelpers(
  job: Job,
  claimed: Set<number>,
  taken: (i: number) => boolean,
  size = 1,
  start = false,
): LookHelpers {
  const n = job.src.total;
  const replies: Promise<SampleFailure | undefined>[] = [];
  const helpers: LookHelpers = {
    more: () => {},
    settled: async () => {
      let failure: SampleFailure | undefined;
      // (Chunks sent while it waits are waited for too.)
      for (let k = 0; k < replies.length; k++) failure ??= await replies[k];
      return failure;
    },
  };
  if (!job.src.indexable || n === undefined || n < 2 || job.cores < 2) return helpers;
  const most = Math.min(job.cores - 1, n - 1);
  const idle = start
    ? idleStarted(job, most)
    : poolWorkers(job).filter((w) => warmIdle(job, w)).slice(0, most);
  const cap = Math.max(1, Math.floor(n / 4)); // items a helper takes in all, at most
  const given = new Map<PoolWorker, number>();
  const unreplied = new Map<PoolWorker, number>(); // chunks sent each helper, not replied yet
  let next = n - 1;
  const send = (w: PoolWorker, count: number, taken: (i: number) => boolean) => {
    const idx: number[] = [];
    const each = Math.min(count, cap - (given.get(w) ?? 0));
    for (; next >= 0 && idx.length < each; next--) {
      if (taken(next) || claimed.has(next)) continue;
      if (uncloneable(job.src.at(next), 64) !== undefined) break; // the sampling or scan says so
      idx.push(next);
      claimed.add(next);
    }
    if (idx.length === 0) return;
    given.set(w, (given.get(w) ?? 0) + idx.length);
    unreplied.set(w, (unreplied.get(w) ?? 0) + 1);
    replies.push(
      runOnWorker(job, w, idx).then((ran) => {
        unreplied.set(w, unreplied.get(w)! - 1);
        if (ran && !ran.failure && ran.ms > 0) {
          const helped = job.lookHelped ??= { ms: 0, items: 0 };
          helped.ms += ran.ms;
          helped.items += idx.length;
        }
        return ran?.failure;
      }),
    );
  };
  for (const w of idle) send(w, Math.max(1, size), taken);
  // (`optimize` alone keeps none of the results: a helper's first chunk times the workers' pace,
  // and more would only be waited for.)
  const held = job.run ? 2 : 1;
  helpers.more = (count, taken) => {
    for (const w of idle) if (!w.dead && (unreplied.get(w) ?? 0) < held) send(w, count, taken);
  };
  return helpers;
}

/** The look's helpers (see {@linkcode lookHelpers}). */
interface LookHelpers {
  /** Send each helper another chunk of up to `count` items not `taken` (one queued at most). */
  more(count: number, taken: (i: number) => boolean): void;
  /** Every chunk's reply: the first failure among them, or undefined. */
  settled(): Promise<SampleFailure | undefined>;
}

// ── 3. Scan (once a decision sends items to workers): items that workers cannot receive.
function scan(job: Job): End | undefined {
  const bad = scanItems(job.src);
  if (!bad) return undefined;
  const error = unsendableItem(bad.index, bad.why);
  return {
    decision: inline(`item ${bad.index} cannot be cloned: it is ${bad.why}`, job.src.total),
    failure: { index: bad.index, kind: "clone", error },
  };
}

// ── Cache lookup (src/model/_optimizer_cache.ts): a hit returns the stored decision without
// sampling; a store problem is a miss and a warning, never an exception.
async function cacheLookup(job: Job, look: Look): Promise<End | undefined> {
  // Without a look there is no per-item time to key on.
  if (!cacheEnabled(job.o.cache) || look.skipped) return undefined;
  job.cacheKeys = optimizerCacheKeys({
    spec: job.spec,
    n: job.src.total,
    perItemMs: keyPerItemMs(look.perItemMs),
    sys: job.sys,
    cores: job.cores,
    options: job.o,
  });
  const cached = await lookupDecision(job.cacheKeys, job.warnings, job.cores);
  if (!cached) return undefined;
  // The machine's load changed since the decision (see `loadChanged`): decide again.
  const now = busyCoresNow(job.sys, poolTids(job));
  const busy = keyBusyCores(now === undefined ? undefined : Math.min(job.cores, now));
  if (
    cached.busyCores !== undefined && busy !== undefined &&
    loadChanged(cached.busyCores, busy, job.cores)
  ) return undefined;
  const decision = applyCached(cached, job.profile, job.warnings, itemsLeft(job));
  job.entryKey = cached.key;
  // Learn from the recorded runs: each executor's predictions scaled by what its runs measured.
  const runs = cached.runs ?? [];
  if (runs.length > 0 && decision.alternatives.length > 0) {
    const c = corrections(runs, decision.alternatives);
    const { choice, serialMs } = repick(decision.alternatives, c, job.minSpeedup, job.src.total);
    // An executor never measured, predicted close to the choice, is tried once (see `trialOf`);
    // one measured once, slower than predicted, that would be the choice without it, runs once
    // more (see `retryOf`).
    const trial = trialOf(decision.alternatives, c, runs, choice, job.src.total);
    const retry = trial ? undefined : retryOf(
      decision.alternatives,
      c,
      runs,
      choice,
      job.minSpeedup,
      job.src.total,
    );
    // Another executor measured only before the choice's latest runs, predicted close to it,
    // runs once more (see `staleOf`).
    const stale = trial || retry ? undefined : staleOf(
      decision.alternatives,
      c,
      runs,
      choice,
      job.src.total,
    );
    const pick = trial ?? retry ?? stale ?? choice;
    const label = (a: Alternative) =>
      a.executor === "workers"
        ? onWorkers(a)
        : a.executor === "async"
        ? `${a.concurrency} calls in flight`
        : "a plain loop";
    const gain = lowWorkersGain(runs, choice);
    const why = retry
      ? `running ${label(retry)} again (measured once, at ${
        c[retry.executor].toFixed(2)
      }× its prediction)`
      : stale
      ? `running ${label(stale)} again (measured before the latest ${STALE_RUNS} runs, at ${
        c[stale.executor].toFixed(2)
      }× its prediction)`
      : !trial
      ? label(choice)
      : trial.executor === "inline" && gain !== undefined
      ? `trying ${label(trial)} once (never measured; the runs on workers gained ` +
        `${gain.toFixed(2)}× from them by their own compute)`
      : `trying ${label(trial)} once (never measured, predicted ` +
        `${(trial.predictedMs / choice.predictedMs).toFixed(2)}× the time of ${label(choice)})`;
    Object.assign(decision, {
      executor: pick.executor,
      workers: pick.workers,
      chunkSize: pick.chunkSize,
      concurrency: pick.concurrency,
      predictedMs: pick.predictedMs,
      serialMs,
      predictedSpeedup: pick.executor === "inline" ? 1 : serialMs / pick.predictedMs,
      reason: `${decision.reason}; corrected by ${runs.length} measured run` +
        `${runs.length > 1 ? "s" : ""} (measured / predicted: inline ${c.inline.toFixed(2)}` +
        `${c.inlineFromWorkers ? " by the workers' compute" : ""}, ` +
        `workers ${c.workers.toFixed(2)}, async ${c.async.toFixed(2)}): ${why}`,
    });
    // A trial, a retry or a stale executor's run is for one call: only the choice is remembered
    // for a later call to take again (see `recalled`).
    if (pick === choice) remember(job, decision, busy ?? 0);
    // The run is measured against the model's own prediction: against the corrected one, a
    // correction that holds would read as none on the next run, and undo itself.
    return { decision, cacheHit: true, modelMs: pick.predictedMs / c[pick.executor] };
  }
  remember(job, decision, busy ?? 0);
  return { decision, cacheHit: true };
}

/**
 * Large items (≥ `LARGE_ITEM_MS` each, on the calling thread): sampling them in a worker would
 * run several serially before any worker helps. Start the workers now and decide from the look;
 * the run itself adapts. The task module is loaded in one of the starting workers first, so that
 * a module workers cannot load gives `inline` here, as automatic `execute` then runs it. So too
 * where `started` workers were started while items ran here (see `runWhileLoading`) and the items
 * left are under `SAMPLE_ALWAYS_MS` of work: sampling in one of them, still cold, while the others
 * load, timed a few slow items (19–30 markdown renders in 41–47 ms, after 26–52 ms of measuring
 * messages, on a job of 0.8 s) while this thread idled.
 */
async function largeItems(
  job: Job,
  look: Look,
  started?: number,
): Promise<End | undefined> {
  const n = job.src.total;
  const p = look.probe;
  if (n === undefined || p.isAsync || job.cores < 2) return undefined;
  const rest = n - job.known.size;
  const sampleRest = started === undefined || rest * look.perItemMs >= SAMPLE_ALWAYS_MS;
  if (look.perItemMs < LARGE_ITEM_MS && sampleRest) return undefined;
  let workers;
  try {
    workers = workerSet(job.pool).ensure(Math.min(started ?? job.cores, rest));
  } catch {
    return undefined;
  }
  const loadError = await loadsInWorker(job, workers[0]);
  if (loadError) return cannotLoadInWorker(job, loadError);
  const overheads = cachedOverheads() ?? overheadsOrFallback(job.rt.name);
  const sp = mainProfile(p, n * look.perItemMs, job.spec.key);
  sp.externalLoad = await jobLoad(job, job.loadBefore, n * look.perItemMs, new Set(workers));
  job.profile.sample = sp;
  job.profile.sampledIn = "main";
  job.profile.overheads = overheads;
  const decision = decideFrom(job, model(job, sp, overheads, false), sp);
  const failed = await triedInWorker(job, decision);
  if (failed) return failed;
  await cacheStore(job, decision);
  return { decision };
}

/**
 * With `timeoutMs` or `signal`, a task other than an `async function` is not looked at here (a
 * synchronous call could be neither stopped nor timed out on this thread): item 0 of an array
 * runs first in a worker, within the limits, to tell whether the task returns promises. Its
 * result is kept. A plain function returning promises was sampled in a worker, one call after
 * another: 200 calls of a 50 ms timer took 516–575 ms to decide under `timeoutMs` or a signal
 * (111–147 ms with this; an `async function` 65 ms). Returns whether it returned a promise, or
 * its failure (a call that outlived the limits throws their error, as the run would; an inline
 * function that is not self-contained fails there too); undefined where it did not run there
 * (not an array, a task module the worker cannot load: `loadsInWorker` or sampling finds out).
 */
async function firstInWorker(job: Job): Promise<{ async: boolean } | SampleFailure | undefined> {
  const n = job.src.total;
  if (!job.src.indexable || n === undefined || n < 2) return undefined;
  const item = job.src.at(0);
  if (uncloneable(item, 64) !== undefined) return undefined; // the sampling says so
  const { timeoutMs, signal } = job.o;
  let reply: Reply;
  try {
    const worker = workerSet(job.pool).ensure(1)[0];
    reply = await measureChunk(worker, job.spec, [item], true, { timeoutMs, signal, first: 0 });
  } catch (e) {
    if (signal?.aborted || e instanceof ChunkTimeoutError) throw e;
    return undefined; // the worker failed (sampling meets it again)
  }
  if (reply.t === "fail") {
    // An inline function that is not self-contained fails there on any item: the failure says
    // so (see `failedOn`: it runs here). Decided from the look, no sampling would meet it: a
    // process's first `optimize` answered "workers" with no warning, and an automatic `execute`
    // in a later process, served that answer by the cache, failed the job with a `TaskError`.
    const error = fromWire(reply.error);
    if (reply.error.kind === "load") return undefined;
    return { index: 0, kind: reply.error.kind, error };
  }
  job.known.set(0, reply.results[0]);
  loadedInWorkers.add(job.spec.key); // it ran there: no load check later (see `loadsInWorker`)
  return { async: reply.measure?.async === true };
}

/**
 * Decide from the look alone, without sampling in a worker, when sampling would cost a large
 * share of the job: an async task whose calls overlap (one sequential worker would spend the
 * budget waiting), or a job on a warm pool that sampling would cost more than its share of (see
 * `samplingCostly`). Such a job's decision rests on this thread's warm per-item time and the
 * clone cost and size of the looked-at items and results; nested parallelism and heap growth are
 * not measured for it (no round of 10 ms runs), and the run changes course to this thread if its
 * workers turn out slower.
 */
async function decideFromLook(job: Job, look: Look): Promise<End | undefined> {
  const p = look.probe;
  const n = job.src.total;
  const io = look.io;
  // A warm pool's overheads are measured here where no call of this process measured them yet
  // (a few milliseconds of messages, where sampling would measure them too, and sample): the
  // first call of a job on a warm pool went to sampling, the next ones were decided from the
  // look, and they disagreed (100 results of 100 KB on Bun: 1 of 5 calls inline, 4 workers).
  const smallAndWarm = n !== undefined && !p.isAsync && samplingCostly(n, look.perItemMs) &&
    job.pool.size >= Math.min(job.cores, 2);
  if (!io && !smallAndWarm) return undefined;
  const sp = mainProfile(p, (n ?? Infinity) * look.perItemMs, job.spec.key);
  if (!io) sp.resultSendMs = resultSendMs(job.spec.key);
  if (io) {
    sp.perItemMs = { ...summarize([io.latencyMs]), max: io.longestMs };
    sp.cpuRatio = Math.min(1, io.cpuPerCallMs / io.latencyMs);
    sp.workloadType = "io";
  }
  // An I/O-bound task: fallbacks do. Else a warm pool's (measured once in a process), with the
  // engine's own cost per item where items can feel it (microseconds).
  const overheads = io
    ? overheadsOrFallback(job.rt.name)
    : await measureOverheads(job.pool, job.inlineItemMs ?? look.perItemMs).catch(() => undefined);
  if (!overheads) return undefined;
  // Values that cross as structured clone, where that can matter: their crossing through a warm
  // worker (see `crossings`), which a clone here can read at a tenth of it.
  if (smallAndWarm) {
    const { signal, timeoutMs } = job.o;
    const measure = crossings(
      workerSet(job.pool).ensure(1)[0],
      job.spec.key,
      sp,
      p.items,
      job.known.values(CROSSING_MOST),
      { roundTripMs: overheads.roundTripMs, signal, timeoutMs },
    );
    await measure?.();
  }
  job.profile.sample = sp;
  job.profile.sampledIn = "main";
  job.profile.overheads = overheads;
  // Workers decided from the look alone were not measured on this task: they need the margin —
  // unless they ran it in this process already (their send of its results is measured, their code
  // for it compiled).
  const unmeasured = smallAndWarm && sp.resultSendMs === undefined;
  const min = unmeasured ? UNMEASURED_MARGIN * job.minSpeedup : job.minSpeedup;
  const m = model(job, sp, overheads, smallAndWarm);
  let chosen = choose(job, m, sp, min);
  // Other processes' load, which workers share the cores with, is counted only where it can
  // change the decision (see `loadUncounted`).
  const uncounted = smallAndWarm && chosen.executor === "inline" && loadUncounted(job, n);
  if (smallAndWarm && !uncounted) {
    sp.externalLoad = await jobLoad(job, job.loadBefore, n * look.perItemMs);
    if (sp.externalLoad > 0) {
      m.externalLoad = sp.externalLoad;
      chosen = choose(job, m, sp, min);
    }
  }
  const decision = settle(job, chosen, sp, !uncounted);
  // Workers refused by the margin alone passed `minSpeedup`: whether they can load the task is
  // still said (a warning), as it would be had they been taken.
  const best = decision.best;
  const margin = decision.executor === "inline" && best !== undefined && best.workers > 1 &&
    decision.serialMs / best.totalMs >= job.minSpeedup;
  if (decision.executor === "workers" || margin) {
    const loadError = await loadsInWorker(job);
    if (loadError) return cannotLoadInWorker(job, loadError);
    const failed = await triedInWorker(job, decision);
    if (failed) return failed;
  }
  await cacheStore(job, decision);
  return { decision };
}

/**
 * Workers decided from the items run here, for a task no worker of this process ran yet: one
 * item there first. A task that throws in a worker only (it reads what only the calling thread
 * has) was answered "workers" with no warning; it now runs here, with one (see `failedOn`).
 */
async function triedInWorker(job: Job, decision: Decision): Promise<End | undefined> {
  if (decision.executor !== "workers" || sentResults(job.spec.key)) return;
  const first = await firstInWorker(job);
  return first && "error" in first ? await failedOn(job, first) : undefined;
}

/**
 * Whether sampling in a worker would cost more than `SAMPLE_SHARE` of a job shorter than
 * `SAMPLE_ALWAYS_MS` (serial): it runs up to `SAMPLED_ITEMS` items (2 to warm up, 8 timed, fewer
 * where they would not fit its budget: see `sampleInWorker`)
 * and costs about `SAMPLE_FIXED_MS` more on a warm pool (a message round with the other cores
 * running chunks, the profile and the decision: 9–17 ms measured with items of 0.5 ms when the
 * warm-up took a message of its own, of which 5 ms were items). Such a job on a warm pool is decided from the look (see `decideFromLook`);
 * a longer one is always sampled (nested parallelism and heap growth are measured only there).
 */
function samplingCostly(n: number, perItemMs: number): boolean {
  const serialMs = n * perItemMs;
  return serialMs < SAMPLE_ALWAYS_MS &&
    SAMPLE_FIXED_MS + SAMPLED_ITEMS * perItemMs > SAMPLE_SHARE * serialMs;
}
const SAMPLE_FIXED_MS = 8;
const SAMPLED_ITEMS = 10;
const SAMPLE_SHARE = 0.05;
const SAMPLE_ALWAYS_MS = 1000;

/**
 * The margin over `minSpeedup` that workers need when a job is decided from the look alone (see
 * `decideFromLook`): their speed on this task was not measured, only assumed to be this thread's,
 * and for a job of a few milliseconds their unmodelled costs (results to clone here, a worker's
 * code not yet compiled hot) weigh most. Wrongly refusing them loses at most that margin; wrongly
 * taking them lost far more: 10,000 hashes of 1 µs predicted 1.2–1.5× on two workers ran at
 * 0.6–0.7× of the plain loop, 10,000 schema validations predicted 1.9× at 0.05×. Not once the
 * workers have run the task in this process (see `SampleProfile.resultSendMs`): with their send of
 * its results in the model, the margin refused two workers that ran 1.45–1.6× faster (100 KB
 * results and XML trees on Bun).
 */
const UNMEASURED_MARGIN = 1.25;

/**
 * The work (ms of the plain loop) that a stream of unknown length is judged on, and the most
 * items that counts as (see `streamItems`): a stream that did not end while the look pulled from
 * it is taken to run at least this long.
 */
const STREAM_MS = 1000;
/** See `STREAM_MS`. */
const STREAM_ITEMS_MOST = 1_000_000;

/**
 * The items a stream of unknown length is judged on: `STREAM_MS` of its work at `perItemMs`, at
 * least 1 and at most `STREAM_ITEMS_MOST` (undefined without a per-item time).
 *
 * @param perItemMs The sampled time per item (ms).
 * @returns The nominal item count.
 *
 * @example Usage
 * ```ts
 * import { streamItems } from "./_optimize_core.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(streamItems(1), 1000); // one second of 1 ms items
 * assert.equal(streamItems(0.0001), 1_000_000);
 * assert.equal(streamItems(5000), 1);
 * ```
 */
export function streamItems(perItemMs: number): number | undefined {
  if (!(perItemMs > 0)) return undefined;
  return Math.max(1, Math.min(STREAM_ITEMS_MOST, Math.round(STREAM_MS / perItemMs)));
}

/** Largest sampled CV of the per-item time for which the look's speed predicts the plain loop. */
const ALIKE_CV = 0.3;

/**
 * Whether the sample so far settles the decision, so that sampling more cannot change it: the
 * best worker configuration is predicted at least 1.25 × `minSpeedup` (workers, whatever a
 * larger sample says of the chunk size: the engine adapts it) or below 0.75 × `minSpeedup`
 * (inline), with the caps of this profile. Async tasks sample to the end (their concurrency
 * comes from the wait per call).
 */
function settled(job: Job, sp: SampleProfile, overheads: Overheads): boolean {
  if (sp.isAsync) return false;
  const m = model(job, sp, overheads, false, true);
  const uv = Number(job.rt.env("UV_THREADPOOL_SIZE").value) || undefined;
  const d = decide(m, {
    maxWorkers: job.cores,
    memoryWorkers: Infinity,
    nestedWorkers: nestedWorkerCount(job.cores, sp, uv).cap,
    minSpeedup: job.minSpeedup,
    isAsync: false,
    cpuPerItemMs: sp.perItemMs.mean,
  });
  const speedup = d.best ? d.serialMs / d.best.totalMs : 0;
  return speedup >= 1.25 * job.minSpeedup || speedup < 0.75 * job.minSpeedup;
}

// ── 6. Model: the inputs of the cost model, and the worker caps (memory, nested parallelism).
function model(
  job: Job,
  sp: SampleProfile,
  overheads: Overheads,
  caps: boolean,
  inWorker = false,
): ModelInputs {
  const { o, profile, sys } = job;
  const rest = itemsLeft(job);
  job.modelItems = rest;
  const adaptive = o.adaptive ?? DEFAULTS.adaptive;
  // A stream of a synchronous task that outlasted the look is judged on `STREAM_MS` of its work:
  // counted as one item, it never paid for a worker (600 items of 1 ms from a generator ran
  // inline in 610 ms, 320 ms on two workers as an array). A shorter stream pays the workers'
  // start for less work (a run over a stream does not change course: its items left are
  // unknown). An async task's calls are counted as they come: its concurrency is not bounded by
  // a nominal count.
  const n = rest === undefined && !sp.isAsync ? streamItems(sp.perItemMs.mean) : rest;
  const { warmWorkers, loadedWorkers, loadMs } = taskWarmth(job);
  const key = job.spec.key;
  const m = modelInputs(
    n,
    sp,
    overheads,
    sys,
    warmWorkers,
    adaptive,
    job.targetChunkMs,
    (values) => resultSendMs(key, values),
  );
  m.loadMs = loadMs;
  m.loadedWorkers = loadedWorkers;
  m.startHoldMs = startHold(job.rt.name);
  m.cores = job.cpu;
  // The plain loop runs here, and this thread may run the task at another speed than a worker
  // (measured: Deno's main thread ran long hot loops up to 1.7× slower): its own warm time, from
  // the look, predicts it — within 0.8–1.25× of the worker's, and only for items alike (sampled
  // CV under `ALIKE_CV`): the look and the sample time different items, and the look's few items
  // may run before this thread's JIT has tiered the task up (50 µs items looked 2× slower here
  // than the plain loop then ran; with ½–2× the speedup was over-predicted by 75 %).
  if (inWorker && !sp.isAsync && job.inlineItemMs !== undefined && sp.perItemMs.cv < ALIKE_CV) {
    m.inlineItemMs = nearPace(job.inlineItemMs, m.perItemMs);
  }
  // Decided from the look, where its helpers ran items in workers meanwhile: the workers run at
  // their own measured pace, the plain loop at this thread's — the look's is the surer of the
  // two (more items), so the helpers' is taken within the same bounds of it (Bun's and Deno's
  // main threads ran 150 ms items 1.3–1.5× slower than a worker, and every such run was
  // predicted 25–30 % slower than it ran).
  const helped = job.lookHelped;
  if (!inWorker && !sp.isAsync && helped && helped.items > 0 && m.perItemMs > 0) {
    const here = m.perItemMs, there = nearPace(helped.ms / helped.items, here);
    m.inlineItemMs = here;
    m.perItemMs = there;
    m.maxItemMs *= there / here;
  }
  // An async task sampled in a worker: the plain loop here and the async executor (bounded by
  // the look's overlapped calls) are both predicted from this thread's measurements, so that the
  // async executor is never predicted faster than the plain loop by more than the overlap gain
  // measured here (a task that computes gains nothing).
  if (inWorker && sp.isAsync && job.asyncInlineMs !== undefined && job.asyncItemMs !== undefined) {
    m.inlineItemMs = job.asyncInlineMs;
  }
  // The memory cap needs no sample in a worker (without one, no heap growth): it holds for a
  // decision from the look too (a 1 MiB limit gave 2 workers, "memory none", to 76 ms items).
  const firstChunk = Math.max(1, Math.round(job.targetChunkMs / m.perItemMs));
  profile.caps.memory = memoryWorkerCap(
    sys,
    overheads,
    sp,
    Math.min(firstChunk, rest ?? firstChunk),
  );
  if (caps) {
    const uv = Number(job.rt.env("UV_THREADPOOL_SIZE").value) || undefined;
    const nested = nestedWorkerCount(job.cores, sp, uv);
    profile.caps.nested = nested.cap;
    profile.caps.nestedReason = nested.reason;
    if (nested.reason) job.warnings.push(nested.reason);
    addWarnings(job.warnings, sp, sys, rest);
  }
  return m;
}

/**
 * A per-item time measured on fewer or less alike items (`pace`), taken within `PACE_APART` of
 * the surer one (`sure`, ms) either way.
 */
function nearPace(pace: number, sure: number): number {
  return Math.min(PACE_APART * sure, Math.max(sure / PACE_APART, pace));
}
/** How far apart this thread's and a worker's per-item times are taken (see `nearPace`). */
const PACE_APART = 1.25;

// ── 7. Decide: the search over worker counts and chunk sizes, or a refusal.
function decideFrom(job: Job, m: ModelInputs, sp: SampleProfile): Decision {
  return settle(job, choose(job, m, sp, job.minSpeedup), sp);
}

/**
 * The model's decision for `m` (see {@linkcode decideFrom}), not yet weighed against the job's
 * last.
 */
function choose(job: Job, m: ModelInputs, sp: SampleProfile, minSpeedup: number): Decision {
  const { profile } = job;
  const decision = decide(m, {
    maxWorkers: job.cores,
    memoryWorkers: profile.caps.memory,
    nestedWorkers: profile.caps.nested,
    minSpeedup,
    isAsync: sp.isAsync,
    // The async executor's calls all run on this thread: no fewer CPU per call than the look's
    // batch took here (sampled in a worker, HTTP calls to a server in this process read 0.94 ms
    // a call waiting and little CPU there, and the async run was predicted 16× faster than it ran).
    cpuPerItemMs: Math.max(
      sp.perItemMs.mean * (sp.cpuRatio ?? 1),
      sp.isAsync ? job.asyncCpuMs ?? 0 : 0,
    ),
    maxConcurrency: job.o.maxConcurrency ?? DEFAULTS.maxConcurrency,
    asyncItemMs: sp.isAsync ? job.asyncItemMs : undefined,
    asyncLinearCalls: sp.isAsync ? job.asyncLinearCalls : undefined,
    asyncBatchCalls: sp.isAsync ? job.asyncBatchCalls : undefined,
    asyncQueued: sp.isAsync && job.asyncQueued,
    jobItems: job.src.total,
    // A stream's chunks hold a chunk's target work at most: its length is unknown (judged on
    // `STREAM_MS`), and a first chunk sized for that nominal job (465 items of 1 ms) left one
    // worker with most of a 600-item stream.
    // Under `timeoutMs` (each chunk's limit on workers), the chunks `chunkWithin` allows: the
    // search then predicts the chunks the run takes (see `withinTimeout`).
    mostChunk: Math.min(
      job.src.total === undefined && m.perItemMs > 0
        ? Math.max(1, Math.round(job.targetChunkMs / m.perItemMs))
        : Infinity,
      job.o.timeoutMs === undefined || !(sp.perItemMs.median > 0)
        ? Infinity
        : chunkWithin(job.o.timeoutMs, sp.perItemMs.median),
    ),
  });
  // Inline under a raised threshold (see `UNMEASURED_MARGIN`) where `minSpeedup` alone passes.
  const best = decision.best;
  const speedup = best ? decision.serialMs / best.totalMs : 0;
  if (
    decision.executor === "inline" && best && best.workers > 1 && speedup < minSpeedup &&
    speedup >= job.minSpeedup
  ) {
    decision.reason = `Inline: the best worker configuration (${best.workers} workers, chunks ` +
      `of ${best.chunkSize}) is predicted ${speedup.toFixed(2)}× faster, under the ` +
      `${minSpeedup.toFixed(2)}× that a decision from the look alone needs (minSpeedup ` +
      `${job.minSpeedup} × ${UNMEASURED_MARGIN}: workers were not measured on this task)`;
  }
  return decision;
}

/**
 * `chosen` weighed against the job's last decision (the same job, the same load: the previous
 * executor is kept unless the new one is clearly better; src/model/_stability.ts), then
 * remembered — with the load, where `counted` (a load left uncounted reads no change).
 */
function settle(job: Job, chosen: Decision, sp: SampleProfile, counted = true): Decision {
  const { profile } = job;
  const busy = counted ? Math.min(job.cores, sp.externalLoad) : undefined;
  const decision = keepPrevious(job.spec.key, job.src.total, busy, job.cores, chosen);
  profile.breakdown = decision.best;
  profile.alternatives = decision.alternatives;
  remember(job, decision, busy);
  return decision;
}

/**
 * What a remembered decision rests on besides the job's items and pace (see `Recall.basis`): the
 * cores, the workers of the pool that hold the task (a decision made while none did paid for their
 * load; one made while they did, not), and the options that change a decision.
 */
function recallBasis(job: Job): string {
  const holding = Math.min(job.cores, taskWarmth(job).loadedWorkers);
  return [job.cores, holding, ...decisionOptions(job.o)].join(" ");
}

/**
 * Remember `decision` as the job's last (see `keepPrevious`), with what a later `execute` needs to
 * take it again (see `recalled`) — not where the look met the task cold: 10,000 SHA-256 hashes of
 * short strings on Bun, decided on workers from a process's first look (the plain loop predicted
 * 86 % slower than it ran), would run so call after call.
 */
function remember(job: Job, decision: Decision, busy: number | undefined): void {
  const n = job.src.total, pace = job.mainPerItemMs;
  const { profile } = job;
  // (A synchronous task's only: an async one's look is its first calls in flight, and its
  // decision the async executor's or one that computing calls made.)
  const recall = n !== undefined && pace !== undefined && job.sys !== undefined &&
      !job.recall?.cold && job.isAsync === false
    ? {
      n,
      items: itemsLeft(job) ?? n,
      pace,
      basis: recallBasis(job),
      pool: new WeakRef(job.pool),
      profile,
      warnings: job.warnings,
    }
    : undefined;
  rememberDecision(job.spec.key, n, busy, decision, recall);
  job.recall = { cold: false, ...job.recall, kept: true };
}

/**
 * An `execute` of a job this process decided before — the same task, number of items, cores,
 * options that change a decision, and pool, its workers holding the task as then (see
 * `recallBasis`) — takes that decision again at once, without a look, where the load did not change
 * (see `recallDecision`), with the profile and warnings it came with: a look costs more than it
 * tells a job decided before. A look of a quarter of the usual, confirming the items' pace here
 * before, left 20 items of 1 ms at 0.82–0.84 of two workers forced (on Deno and Bun: its helpers
 * and this thread shared two cores, then the run started), 20,000 items of 1 µs at 0.76–0.82;
 * without it, 0.88–0.92 and 0.88–0.89 (medians of 15 alternating calls, three processes). Only an
 * `execute` off a cluster (an `optimize` call's answer is a fresh measurement; a `map`'s run is not
 * timed whole), of a job of known length, without `timeoutMs` or a `signal` (their look is
 * another), whose system is probed. The run is the check: one that took over `RECALL_OFF` × its
 * prediction or under its prediction over `RECALL_OFF`, or a run on workers slower than the plain
 * loop's prediction, ends the recalls (the items are not the same work any more); an inline run
 * that meets far slower items moves to workers as any automatic inline run does (see `widening`).
 * At most `RECALL_MOST` calls in a row: then one decides afresh (and its cache lookup learns from
 * the runs recorded so far: a recalled run records none in the cache).
 */
async function recalled(job: Job): Promise<End | undefined> {
  const n = job.src.total;
  if (!job.run?.finish || n === undefined || job.sys === undefined || limitsOf(job)) {
    return undefined;
  }
  const basis = recallBasis(job);
  const pace = rememberedPace(job.spec.key, n, basis, job.pool);
  if (pace === undefined) return undefined;
  // (Not counted for a plain loop decided with none: see `loadUncounted`.)
  const load = loadUncounted(job, n) ? 0 : await jobLoad(job, job.loadBefore, n * pace);
  const busy = Math.min(job.cores, load);
  const got = recallDecision(job.spec.key, n, basis, job.pool, busy, job.cores);
  if (!got) return undefined;
  // This call's probe stands (the system, the cores, the room for threads now); the caps that
  // rest on the measurements (memory, nested parallelism) are the decision's.
  const { system, caps } = job.profile;
  Object.assign(job.profile, got.profile, {
    system,
    caps: { ...got.profile.caps, cores: caps.cores, threads: caps.threads },
  });
  const sample = got.profile.sample;
  if (sample) job.profile.sample = { ...sample, externalLoad: load };
  for (const w of got.warnings) if (!job.warnings.includes(w)) job.warnings.push(w);
  // The pace here an inline run is watched against (see `widening`), of a synchronous task.
  job.mainPerItemMs = pace;
  job.isAsync = false;
  // Its run is measured against its predictions, made for the items left after that call's look.
  const share = n / got.items;
  const key = job.spec.key;
  job.recall = {
    cold: false,
    kept: true,
    ran: (ms) => recalledRan(key, n, share, ms, got.entry),
  };
  return { decision: got.decision };
}

/**
 * Whether other processes' load may be left uncounted for a plain loop that the model chose, or
 * a recall takes, with none counted: this job's last decision in this process was none, or the
 * plain loop decided with no load counted, and the count before the look bounds the load under
 * where it could change that choice (see `loadCannotMatter`). Else it is counted: a job decided
 * otherwise before weighs whether the load changed since (see `keepPrevious`).
 */
function loadUncounted(job: Job, n: number | undefined): boolean {
  const last = lastDecision(job.spec.key, n);
  return (last === undefined || last.executor === "inline" && !last.busyCores) &&
    loadCannotMatter(job.loadBefore, job.cpu);
}

// ── 8. Cache: store the decision for the next run of the same job.
async function cacheStore(job: Job, decision: Decision): Promise<void> {
  if (!job.cacheKeys) return;
  // The load is measured only while sampling in a worker (see `SampleProfile.externalLoad`).
  const busy = keyBusyCores(
    job.profile.sampledIn === "worker" ? job.profile.sample?.externalLoad : undefined,
  );
  await storeDecision(
    job.cacheKeys[0],
    decision,
    job.profile,
    job.warnings,
    busy === undefined ? undefined : Math.min(job.cores, busy),
    job.modelItems,
  );
  job.entryKey = job.cacheKeys[0];
}
