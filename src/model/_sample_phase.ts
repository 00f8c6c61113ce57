/**
 * The optimizer's sample: the overheads of workers on this runtime, then items run inside a worker
 * (the conditions of execution), with warm idle workers helping from the array's end.
 *
 * @module
 */
import { ChunkTimeoutError, type PoolWorker, resultSendMs, workerSet } from "../engine/mod.ts";
import { DEFAULTS } from "../defaults.ts";
import {
  measureOverheads,
  type Overheads,
  type SampleFailure,
  sampleInWorker,
  type SampleProfile,
} from "../measure/mod.ts";
import {
  competingLoad,
  externalLoadNow,
  RUNTIME_HELPER_THREADS,
  threadCpuMs,
  threadName,
} from "../system/mod.ts";
import { thrownError } from "../task/mod.ts";
import { startCost } from "./cost_model.ts";
import { mainProfile } from "./_profiles.ts";
import {
  cannotLoadInWorker,
  type End,
  failedOn,
  inline,
  type Job,
  type Look,
  poolTids,
  poolWorkers,
  progress,
  runOnWorker,
  warmIdle,
} from "./_job.ts";
import { loadedInWorkers, loadInOthers } from "./_task_in_workers.ts";
import { jobLoad } from "./_load.ts";

/**
 * Serial time, as a multiple of starting every worker, past which the workers start while the
 * sample runs (see `sample`): at 10× the start is at most a tenth of the plain loop.
 */
const EARLY_START = 10;

// ── 4. Overheads: what workers cost on this runtime (measured once per process).
export async function workerOverheads(job: Job): Promise<Overheads | End> {
  try {
    // The look's warm per-item time (a synchronous task's, of at least two items): whether the
    // engine's own per-item cost can matter (unknown: it is measured).
    const overheads = await measureOverheads(job.pool, job.inlineItemMs);
    job.profile.overheads = overheads;
    return overheads;
  } catch (e) {
    // Workers cannot start here (e.g. Deno without read access to the worker module).
    const error = thrownError(e);
    job.refused = true;
    job.warnings.push(`Workers cannot start here: ${error.message}`);
    return { decision: inline(`workers cannot start here (${error.message})`, job.src.total) };
  }
}

// ── 5. Sample: run items inside a worker, the conditions of execution.
export async function sample(
  job: Job,
  look: Look,
  overheads: Overheads,
  settled: (soFar: SampleProfile) => boolean,
): Promise<SampleProfile | End> {
  const { o, src } = job;
  const n = src.total;
  const worker = workerSet(job.pool).ensure(1)[0];
  const serialGuess = n === undefined ? Infinity : n * look.perItemMs;
  const budget = Math.min(
    o.sampleBudgetMs ?? DEFAULTS.sampleBudgetMs,
    Math.max(2, 0.01 * serialGuess),
  );
  const maxItems = n === undefined ? 4096 : Math.max(2, Math.floor(n / 8));
  // A job long enough that workers are all but certain: the other workers start now, while one
  // samples, and load the task (see `loadInOthers`), so that the run does not wait for them (at
  // worst they stay idle in the pool).
  const allStart = startCost({ warmWorkers: 0, ...overheads }, job.cores);
  const busy = n !== undefined && job.cores > 1 && serialGuess > EARLY_START * allStart
    ? loadInOthers(job, worker)
    : new Set<PoolWorker>();
  const help = sampleHelpers(job, worker, job.cores - 1 - busy.size, busy);
  const starting = () => busy.size + help.busy();
  progress(job);
  let s;
  try {
    s = await sampleInWorker(
      worker,
      job.spec,
      src,
      job.known,
      budget,
      maxItems,
      {
        signal: o.signal,
        timeoutMs: o.timeoutMs,
        starting,
        // Pool workers other than this sampling's own (its sampler, helpers, workers starting).
        loadTids: () => poolTids(job, new Set([worker, ...busy, ...help.workers])),
        roundTripMs: overheads.roundTripMs,
        perItemMs: look.perItemMs,
        claimed: help.claimed,
        others: () => ours(job, worker).flatMap((w) => w.tid === undefined ? [] : [w.tid]),
        untold: () => ours(job, worker).filter((w) => w.tid === undefined).length,
      },
      settled,
    );
  } catch (e) {
    await help.stop();
    // An abort or a sampled chunk over `timeoutMs` ends the call, as it would in the engine.
    if (o.signal?.aborted || e instanceof ChunkTimeoutError) throw e;
    const error = thrownError(e);
    return {
      decision: inline(`sampling failed: ${error.message}`, n),
      failure: { index: -1, kind: "task", error },
    };
  }
  const helpFailure = await help.stop();
  job.pulled.push(s.pulled);
  progress(job);
  if (s.failure?.kind === "load") return cannotLoadInWorker(job, s.failure.error);
  if (s.failure) return failedOn(job, s.failure);
  if (s.profile) loadedInWorkers.add(job.spec.key);
  if (helpFailure) return failedOn(job, helpFailure);
  await s.crossing?.(); // the helpers are done: their replies take this thread no more
  if (!s.profile && look.probe.times.length === 0) {
    return { decision: inline("too few items to measure", n) };
  }
  // A load read in every round is confirmed by counts now (see `jobLoad`).
  if (s.profile) {
    const serialMs = (n ?? Infinity) * s.profile.perItemMs.mean;
    s.profile.externalLoad = await jobLoad(job, s.profile.externalLoad, serialMs);
  }
  const sp = s.profile ?? mainProfile(look.probe);
  sp.resultSendMs = resultSendMs(job.spec.key);
  job.profile.sample = sp;
  job.profile.sampledIn = s.profile ? "worker" : "main";
  return sp;
}

/** Whether this process's runtime names its own GC and compiler threads (measured once). */
function runtimeHelpersNamed(): boolean {
  if (helpersNamed === undefined) {
    const tids = [...(threadCpuMs()?.keys() ?? [])];
    helpersNamed = tids.some((t) => RUNTIME_HELPER_THREADS.test(threadName(t) ?? ""));
  }
  return helpersNamed;
}
let helpersNamed: boolean | undefined;

/** Work of a helper's chunk while one worker samples (ms): what the sample's end may wait. */
const HELP_CHUNK_MS = 1;

/** The pool's live workers other than `sampler`: threads of this process that are not the task's. */
function ours(job: Job, sampler: PoolWorker): PoolWorker[] {
  return poolWorkers(job).filter((w) => w !== sampler);
}

/**
 * Warm workers idle in the pool, with the task loaded, run chunks of the array from its end while
 * `sampler` samples (up to `room` of them, less other processes' runnable threads): their cores
 * would only wait (a 60-item job of 2.4 ms items sampled 7 items, 17 ms, on one worker while the
 * other core idled). Only where every such worker reported its thread id: the sampler leaves
 * their threads out of its CPU time and busy threads (they are not the task's nested
 * parallelism). Chunks grow from one item to about
 * `HELP_CHUNK_MS` of work; `stop` ends them, waits for those in flight and gives the first
 * failure. Never starts a worker.
 */
function sampleHelpers(
  job: Job,
  sampler: PoolWorker,
  room: number,
  starting: ReadonlySet<PoolWorker>,
): {
  claimed: Set<number>;
  /** The helpers. */
  workers: PoolWorker[];
  busy: () => number;
  stop: () => Promise<SampleFailure | undefined>;
} {
  const claimed = new Set<number>();
  const none = {
    claimed,
    workers: [],
    busy: () => 0,
    stop: () => Promise.resolve(undefined),
  };
  const n = job.src.total;
  const { o, src } = job;
  if (
    !src.indexable || n === undefined || room < 1 || o.timeoutMs !== undefined ||
    o.signal !== undefined
  ) return none;
  const all = poolWorkers(job).filter((w) => w !== sampler);
  if (all.some((w) => w.tid === undefined) || sampler.tid === undefined) return none;
  // A helper's allocations keep the runtime's own GC and compiler threads busy: only where those
  // threads are told apart by name (not on Node, whose threads are all "node") can the sampler
  // keep them from counting as the task's; and only on a core that other processes leave idle.
  if (!runtimeHelpersNamed()) return none;
  const idle = room - competingLoad(externalLoadNow(poolTids(job, starting)) ?? 0, job.sys);
  const helpers = all.filter((w) => warmIdle(job, w)).slice(0, idle);
  if (helpers.length === 0) return none;
  let running = true, busy = 0, next = n - 1;
  let failure: SampleFailure | undefined;
  const loops = helpers.map(async (w) => {
    let size = 1;
    while (running && !failure) {
      const idx: number[] = [];
      for (; idx.length < size && next >= 0; next--) {
        if (job.known.has(next) || claimed.has(next)) continue;
        idx.push(next);
        claimed.add(next);
      }
      if (idx.length === 0) return;
      busy++;
      const t0 = job.rt.now();
      const ran = await runOnWorker(job, w, idx).finally(() => busy--);
      if (!ran) return; // not sent, or the worker died: the run takes its items
      if (ran.failure) {
        failure ??= ran.failure;
        return;
      }
      const perItem = (job.rt.now() - t0) / idx.length;
      size = Math.max(1, Math.min(2 * size, Math.floor(HELP_CHUNK_MS / Math.max(perItem, 1e-3))));
    }
  });
  return {
    claimed,
    workers: helpers,
    busy: () => busy,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return failure;
    },
  };
}
