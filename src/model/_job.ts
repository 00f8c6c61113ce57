/**
 * What one optimization carries from phase to phase (see `_optimize_core.ts`), and the answers
 * any phase can end it with: inline, a failure, a task that cannot load in workers.
 *
 * @module
 */
import {
  fromWire,
  type KnownResults,
  type LocalLimits,
  measureChunk,
  type Pool,
  type PoolWorker,
  reportProgress,
  type Source,
  uncloneable,
  unsendableItem,
  workerSet,
} from "../engine/mod.ts";
import { DEFAULTS } from "../defaults.ts";
import type { MainProbe, SampleFailure } from "../measure/mod.ts";
import type { Runtime } from "../runtime/mod.ts";
import type { SystemInfo } from "../system/mod.ts";
import { NOT_SELF_CONTAINED, type TaskSpec } from "../task/mod.ts";
import type { Decision } from "./decide.ts";
import type { OptimizationProfile, OptimizeOptions } from "./optimization.ts";
import type { Io } from "./_async_look.ts";

/** The automatic run that follows a decision made here (`execute`, `map`). */
export interface RunAfter {
  /**
   * Whether the look's slower calls still in flight go on into the run in `known`, when the
   * decision is the async executor (else every call settles first).
   */
  handover: boolean;
  /**
   * Whether the run hands on the results before a failing item, in order (an ordered `map`):
   * after a failure in the look, its calls in flight before the failing item are waited for
   * (within the limits), as an ordered run waits for them; the others are abandoned.
   */
  ordered: boolean;
  /**
   * Whether every item may run while deciding: an `execute` wants its results together, so a
   * process's first call finishes its job on this thread and the workers that load the task
   * meanwhile (see `runWhileLoading`); a `map` streams them to a consumer that may stop early.
   */
  finish: boolean;
  /**
   * The call's own key of an async `onProgress`'s rejection (see `reportProgress`), shared with
   * the run's reports: a callback shared by concurrent calls fails only the call it reported.
   */
  progressSink: object;
}

/** What one optimization carries from phase to phase. */
export interface Job {
  spec: TaskSpec;
  src: Source<unknown>;
  o: OptimizeOptions;
  pool: Pool;
  rt: Runtime;
  t0: number;
  /** This call's reports (see `reportProgress`): the run's, where one follows, share it. */
  progressSink: object;
  minSpeedup: number;
  targetChunkMs: number;
  known: KnownResults;
  warnings: string[];
  profile: OptimizationProfile;
  /** Items pulled from a one-shot source while looking and sampling (given back at the end). */
  pulled: unknown[][];
  /** Set by the probe. */
  sys: SystemInfo;
  /**
   * Worker cap: the CPU this process may use (`cpu`) rounded up, or `maxWorkers` or the workers
   * a cgroup's limit on threads leaves room for (`caps.threads`) when lower (set by the probe).
   */
  cores: number;
  /**
   * The CPU time this process may use, in cores (`cpuCapacity`: a quota may leave it fractional),
   * at most `cores`: the workers share it (set by the probe).
   */
  cpu: number;
  /** The result-cache keys (undefined with `cache: false`; set after the scan). */
  cacheKeys?: [string, ...string[]];
  /** The key of the cached entry the decision came from or went to. */
  entryKey?: string;
  /** The items the model's predictions were for (see `itemsLeft`; set by the model). */
  modelItems?: number;
  /**
   * The look's warm time per item here (ms; set by the look when items ran here, or by a recalled
   * decision: the pace behind it).
   */
  mainPerItemMs?: number;
  /** This call's part in remembering decisions between calls (see `recalled`). */
  recall?: JobRecall;
  /** Other processes' load before the look, at most (see `countLoadBefore`; undefined: unread). */
  loadBefore?: number;
  /** Whether the task returned a Promise in the look. */
  isAsync?: boolean;
  /** Whether workers were refused the task (it cannot load there). */
  refused?: boolean;
  /** Whether the throw of the source met while deciding was said (see `sourceThrew`). */
  sourceThrowSaid?: boolean;
  /**
   * The same, where it is a warm measurement of a synchronous task (at least two items ran
   * here): what the plain loop's prediction uses instead of a worker's time.
   */
  inlineItemMs?: number;
  /**
   * What the look's helpers ran in workers meanwhile (see `lookHelpers`): their compute time
   * (ms) and items — the workers' own speed on this task, measured beside the look's.
   */
  lookHelped?: { ms: number; items: number };
  /** An async task: wall time per call of the look's batch of calls overlapped here (ms). */
  asyncItemMs?: number;
  /** An async task: wall time of one call at a time here, from the look (ms). */
  asyncInlineMs?: number;
  /** An async task: the calls of the look's batch, when they overlapped near-linearly. */
  asyncLinearCalls?: number;
  /** An async task: the calls the look's batch started (its throughput's calls in flight). */
  asyncBatchCalls?: number;
  /**
   * An async task: this thread's CPU time per call of the look's batch (ms): what each call of
   * the async executor, on this thread, costs it at least.
   */
  asyncCpuMs?: number;
  /**
   * An async task: the look's batch met a service that serves calls in turn (see `queued`; this
   * thread, for calls that never waited on the event loop), whose pace then bounds the async
   * executor at any number of calls in flight.
   */
  asyncQueued?: boolean;
  /** The automatic run that follows, if any (see `optimizeCore`). */
  run?: RunAfter;
  /** The call's limits on this thread, and the look's waits within them (see `limitsOf`). */
  limits: LocalLimits;
  /** The task on this thread, as the look called it (set by the look). */
  fn?: (x: unknown) => unknown;
}

/**
 * A job's part in remembering decisions between calls (see `recalled` in _optimize_core.ts).
 */
export interface JobRecall {
  /**
   * Whether the look met the task cold here (see `firstLookHere`): a decision resting on it is not
   * taken again by a later call.
   */
  cold: boolean;
  /** Whether this call remembered its decision or took a remembered one again. */
  kept?: boolean;
  /** A recalled decision's check of its run (see `CoreResult.recalledRan`). */
  ran?: (measuredMs: number) => void;
}

/** How the phases ended: a decision, and what went wrong when the job cannot run on workers. */
export interface End {
  decision: Decision;
  failure?: SampleFailure;
  cacheHit?: boolean;
  /** See `CoreResult.modelMs`. */
  modelMs?: number;
}

/** What the look on the calling thread found. */
export interface Look {
  probe: MainProbe;
  /**
   * Whether the look was skipped: with `timeoutMs` or `signal`, a task other than an `async
   * function` runs no item on the calling thread before the decision (a synchronous call stuck
   * there could be neither timed out nor aborted).
   */
  skipped: boolean;
  /** Warm time per item here (ms): see `MainProbe.warmPerItemMs`. */
  perItemMs: number;
  /** What overlapping an async task's calls gained here, where it counts as I/O (`overlap`). */
  io?: Io;
}

export const inline = (reason: string, n: number | undefined): Decision => ({
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

/**
 * An item that failed in a worker while measuring: inline, with the failure — unless the task,
 * called on that item here, does not fail: then it fails in workers only (it reads what only the
 * calling thread has), and runs here (see {@linkcode failsInWorkersOnly}). Not under `signal` or
 * `timeoutMs` (a call here could be neither stopped nor timed out), nor for a one-shot source.
 */
export async function failedOn(job: Job, f: SampleFailure): Promise<End> {
  // An inline task that is not self-contained failed there only: it runs here.
  if (f.kind === "task" && f.error.name === NOT_SELF_CONTAINED) {
    return cannotLoadInWorker(job, f.error);
  }
  // An item the look ran here already, without failing: it fails in workers only.
  if (f.kind === "task" && f.index >= 0 && job.known.has(f.index)) {
    return failsInWorkersOnly(job, f, job.known.get(f.index));
  }
  if (
    f.kind === "task" && f.index >= 0 && job.fn && job.src.indexable &&
    limitsOf(job) === undefined && !job.known.has(f.index)
  ) {
    let result: unknown;
    let ok = true;
    try {
      result = await job.fn(job.src.at(f.index));
    } catch {
      ok = false; // it fails here too: the failure stands
    }
    if (ok) return failsInWorkersOnly(job, f, result);
  }
  const n = job.src.total;
  const what = f.kind === "clone"
    ? "cannot be cloned"
    : f.kind === "load"
    ? "cannot load"
    : "threw";
  return { decision: inline(`item ${f.index} ${what}: ${f.error.message}`, n), failure: f };
}

/**
 * The items a decision made now is for: those left to run (neither known nor in flight); when
 * the look ran them all (an async task's overlapped calls), the whole job: the decision then
 * answers how to run it again. `undefined` for a source of unknown length (not ended).
 */
export function itemsLeft(job: Job): number | undefined {
  // A one-shot source that ended, or threw (the run fails there), holds the items pulled: a throw
  // that sampling met, not the look, was judged as a stream of a second's work (two workers for
  // two items).
  const src = job.src;
  const n = src.total ?? (src.done || src.throwsNext !== undefined ? src.pulled : undefined);
  return n === undefined ? undefined : n - job.known.handled || n;
}

export function progress(job: Job): void {
  const cb = job.o.onProgress;
  if (!cb) return;
  reportProgress(
    cb,
    {
      done: job.known.size,
      total: job.src.total,
      elapsedMs: job.rt.now() - job.t0,
      phase: "optimize",
    },
    false,
    job.progressSink,
  );
}

/**
 * An answer that needs no worker (`why`: every item already ran, or the job is too small for
 * workers), given how the look ran the calls: those of an async task that the look started
 * together ran on the async executor's terms (that many calls in flight on this thread), the rest
 * in a plain loop. The answer says so, not "inline" for calls that ran 150 at a time (an HTTP
 * client of a server in this process answered inline on some calls of a job and async on others,
 * as a batch's gain read above or under `ioGain`). No time is predicted here (the caller may set
 * the serial estimate it has).
 */
export function asLookRan(look: MainProbe, n: number, why: string): Decision {
  const c = look.concurrent;
  if (!look.isAsync || !c || c.started < 2) return inline(why, n);
  return {
    executor: "async",
    workers: 0,
    chunkSize: 1,
    concurrency: c.started,
    predictedMs: NaN,
    serialMs: NaN,
    predictedSpeedup: 1,
    reason: `Async: ${why}; its calls ran ${c.started} at a time on this thread`,
    alternatives: [],
  };
}

/**
 * The limits of the call (`signal`, `timeoutMs`) for a wait on this thread; none without them.
 */
export function limitsOf(job: Job): LocalLimits | undefined {
  const { signal, timeoutMs } = job.o;
  return signal === undefined && timeoutMs === undefined ? undefined : job.limits;
}

/** The task loads here but not in a worker: say so, and run it here (execute agrees). */
export function cannotLoadInWorker(job: Job, error: Error): End {
  const inlineFn = error.name === NOT_SELF_CONTAINED || job.spec.kind === "source";
  const what = inlineFn ? "The inline task cannot run" : "The task module cannot load";
  const reason = `the task cannot ${inlineFn ? "run" : "load"} in a worker: ${error.message}`;
  return runHere(job, `${what} in a worker (${error.message.split("\n")[0]})`, reason);
}

/**
 * The task threw on item `f.index` in a worker and returned `result` for it here: it fails in
 * workers only, so it runs here, with a warning that says so (an automatic `execute` failed the
 * whole job with a `TaskError` for an item the calling thread computes, while `optimize`
 * answered "inline" with no warning). The item's result is kept.
 */
function failsInWorkersOnly(job: Job, f: SampleFailure, result: unknown): End {
  job.known.set(f.index, result);
  const message = f.error.message.split("\n")[0];
  return runHere(
    job,
    `The task threw on item ${f.index} in a worker (${message}) but not on the calling thread`,
    `the task throws in a worker only (item ${f.index}: ${message})`,
  );
}

/**
 * Workers are refused the task (`what` says why): warn, and run it on the calling thread —
 * inline, or on the async executor for an async task.
 */
function runHere(job: Job, what: string, reason: string): End {
  job.refused = true;
  // An async task's calls still overlap here (the plain loop would await them one by one: 300
  // timer calls of a closure took 36 s where the async executor took 0.34 s).
  const where = job.isAsync ? "on the async executor" : "inline";
  job.warnings.push(`${what}: it runs ${where} on the calling thread`);
  if (!job.isAsync) return { decision: inline(reason, job.src.total) };
  const concurrency = job.o.maxConcurrency ?? DEFAULTS.maxConcurrency;
  return {
    decision: {
      ...inline(reason, job.src.total),
      executor: "async",
      workers: 0,
      chunkSize: 1,
      concurrency: Math.min(concurrency, job.src.total ?? concurrency),
      reason: `Async: ${reason}`,
    },
  };
}

/**
 * Thread ids of the job's pool's workers that hold chunks (those that reported one), but
 * `except`: runnable, they run other calls' chunks unless the optimizer itself runs them (see
 * `otherRunnableThreads`). An idle worker's thread is this call's own: runnable right after a
 * run (its collector), it had read as a busy core of two.
 */
export function poolTids(job: Job, except?: ReadonlySet<PoolWorker>): Set<string> {
  return workerSet(job.pool).busyTids(except);
}

/** The pool's live workers, none started (none where the pool is closed: the run says so). */
export function poolWorkers(job: Job): PoolWorker[] {
  try {
    const set = workerSet(job.pool);
    return set.live;
  } catch {
    return [];
  }
}

/**
 * The pool's idle workers, started or not, after starting workers up to `most` (none past a
 * closed pool or the system's limit on threads: the run says so); at most `most`.
 */
export function idleStarted(job: Job, most: number): PoolWorker[] {
  try {
    workerSet(job.pool).ensure(most);
  } catch { /* none can start */ }
  return poolWorkers(job).filter((w) => !w.dead && w.inflight.length === 0).slice(0, most);
}

/** Whether `w` can help at once: ready, idle, and with the job's task loaded. */
export function warmIdle(job: Job, w: PoolWorker): boolean {
  return w.readyAt !== undefined && w.inflight.length === 0 && w.specs.has(job.spec.key);
}

/**
 * Run the job's items at `idx` (indices of its array) on `worker`, a warm one beside the calling
 * thread (the look's, the sampling's or the finishing's): their results go to `job.known`, those
 * before a failing item too. An item no worker receives intact (a class instance, which structured
 * clone turns into a plain object without a word; a function) is not sent: the items before it
 * run, and it is the failure (kind `clone`). Sent, it came back as a wrong result that the run then
 * returned (a class instance at item 2,900 of 3,000, fed to a worker from the array's end while a
 * process's first `execute` ran the front here). Resolves with the worker's compute time and the
 * failure, or undefined where the chunk could not be sent or the worker died with it (its items
 * stay unknown: the run takes them).
 */
export async function runOnWorker(
  job: Job,
  worker: PoolWorker,
  idx: readonly number[],
): Promise<{ ms: number; failure?: SampleFailure } | undefined> {
  let items = idx.map((i) => job.src.at(i));
  let bad: SampleFailure | undefined;
  for (let k = 0; k < items.length; k++) {
    const why = uncloneable(items[k], 64);
    if (why === undefined) continue;
    bad = { index: idx[k], kind: "clone", error: unsendableItem(idx[k], why) };
    if (k === 0) return { ms: 0, failure: bad };
    items = items.slice(0, k);
    idx = idx.slice(0, k);
    break;
  }
  const reply = await measureChunk(worker, job.spec, items, false, { first: idx[0], indices: idx })
    .catch(() => undefined);
  if (!reply) return undefined;
  const k0 = idx[0], rs = reply.results;
  if (idx.every((i, k) => i === k0 + k)) job.known.setRun(k0, rs);
  else rs.forEach((r, k) => job.known.set(idx[k], r));
  if (reply.t === "done") return bad ? { ms: reply.ms, failure: bad } : { ms: reply.ms };
  const index = idx[reply.error.index ?? 0] ?? idx[0];
  return { ms: reply.ms, failure: { index, kind: reply.error.kind, error: fromWire(reply.error) } };
}
