// A quick look at the first items on the calling thread: enough to tell a job that is clearly
// too small for workers, without starting any. The results are kept (never recomputed), so the
// look is not lost time: it is part of the job. The first items are timed one by one (the first
// is cold: JIT, module initialisation); then, while time is left, batches of 2, 4, 8, … items are
// timed as a whole, and the fastest batch gives the warm per-item time (a timer call per item
// would cost more than a microsecond-scale item; a batch preempted by other processes only looks
// slower).
import { KnownResults, reached, type Settled, type Source } from "../engine/mod.ts";
import { runtime, withoutExit } from "../runtime/mod.ts";
import { spreadIndices } from "./_spread.ts";
import { threadSched } from "../system/mod.ts";
import { APART_ITEM_MS, callApart, isThenable, thrownError } from "../task/mod.ts";
import { setImmediate } from "node:timers";

export interface MainProbe {
  /** Wall time of each probed item, ms (the first includes JIT warm-up). */
  times: number[];
  /**
   * Index → result of the probed items; with calls still in flight when the look's batch of an
   * async task that waits left its slower half running (see `KnownResults.settle`).
   */
  results: KnownResults;
  /** Items pulled from a one-shot source (to give back), in order. */
  pulled: unknown[];
  /**
   * The items probed (whatever the source): all those timed one by one and of short batches,
   * `ITEMS_KEPT` spread over each long batch (what the size and clone estimates read).
   */
  items: unknown[];
  /** Whether the task returned a Promise. */
  isAsync: boolean;
  /** Process CPU time over the probed items (ms; undefined where the runtime has no CPU clock). */
  cpuMs?: number;
  /** Wall time of all probed items (ms). */
  totalMs: number;
  /**
   * Warm per-item time (ms): the lower median of the items timed one by one after the first (see
   * {@linkcode warmPace}), or the smallest batch mean where batches ran and that is less; else the
   * first item's.
   */
  warmPerItemMs: number;
  failure?: { index: number; error: Error };
  /**
   * An async task whose first call was still pending once the microtasks ran: it waits on the
   * event loop (I/O, a timer, another thread), and the batch started beside it.
   */
  waits?: boolean;
  /**
   * Whether `times` are all warm: one call at a time after the batch of a task that `waits`
   * (each without the time this thread waited for a CPU). Else the first of `times` is the cold
   * first item.
   */
  warmTimes?: boolean;
  /**
   * A synchronous task's items that cost more than the batches show (ms per item, over the whole
   * array): the time of the warm single items (spread over an array) that ran at over
   * `FINISH_SINGLE` × the warm pace, divided by all warm single items. Zero when none did, or
   * one alone, briefly (a pause of the runtime); the batches' warm pace misses such items (a
   * stretch of 10 ms items at the end of an array of microsecond ones).
   */
  slowPerItemMs: number;
  /**
   * Async tasks: one batch of calls run at once after the first call(s), a direct measurement of
   * what overlapping calls gains (see {@linkcode ConcurrentBatch}).
   */
  concurrent?: ConcurrentBatch;
}

/**
 * Calls of an async task started together on the calling thread. An I/O-bound task finishes
 * them in about the time of one call (each call's latency holds while they overlap); a task that
 * computes finishes them in about the sum of their times.
 */
export interface ConcurrentBatch {
  /** Calls started together. */
  started: number;
  /** Calls measured: those of them that settled (half, or all). */
  calls: number;
  /** Wall time until the last of those settled (ms). */
  wallMs: number;
  /** Each of those calls' latency, start to settlement (ms). */
  latencyMs: number[];
  /**
   * The calls started that had not settled when the batch was measured: the time each had taken
   * so far (ms; its latency is at least that). Absent when every call settled.
   */
  pendingMs?: number[];
  /** Process CPU time over the batch (ms; undefined without a CPU clock). */
  cpuMs?: number;
  /**
   * This thread's own CPU time over the batch (ms; where the OS says): the calls' work, without
   * the runtime's JIT and GC helper threads that the process clock counts.
   */
  threadCpuMs?: number;
  /** Time this thread waited for a CPU while runnable during the batch (ms; where the OS says). */
  waitMs?: number;
  /**
   * The synchronous parts of the calls started before any could settle (ms, less this thread's
   * wait for a CPU): the first responses wait at least this long, which stretches the batch's
   * fastest latency.
   */
  launchMs?: number;
  /**
   * This thread's CPU time from the batch's start until its first call settled (ms; batches that
   * start beside a first call that waits): the launch and whatever else this thread did for the
   * calls meanwhile (an HTTP server in this process serving them), which the first responses
   * waited behind.
   */
  firstSettleCpuMs?: number;
  /**
   * The batch started beside a first call that waits grew to `UNSETTLED_MOST` calls while none
   * had settled and this thread idled (or started so many at once: see `firstWave`).
   */
  grewIdle?: boolean;
  /**
   * The batch started every item the look had not run (the source ran out): an automatic run of
   * the async executor would run no other call, and the batch was measured once all settled.
   */
  coversRest?: boolean;
  /**
   * Every call of the batch settled before the event loop turned once after it started (their
   * calls computed, or awaited only settled promises): nothing but this thread served them, one
   * after the other, so overlapping them gained nothing — measured directly, where the clocks can
   * read the calls' wait for a CPU beside other processes' load as a wait of their own (10 calls
   * computing 2 ms each beside two CPU hogs: 20 ms of CPU in a batch of 40 ms, every latency 40
   * ms, and one call alone timed at 6 ms read a gain of 1.5 and an I/O-bound task).
   */
  inMicrotasks?: boolean;
}

/**
 * The time the calling thread could run during a batch (ms): its wall time less this thread's
 * wait for a CPU (other processes' load), at least 5 % of the wall time.
 *
 * @example Usage
 * ```ts
 * import { ranMs } from "./_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ranMs({ started: 4, calls: 4, wallMs: 10, latencyMs: [], waitMs: 4 }), 6);
 * assert.equal(ranMs({ started: 4, calls: 4, wallMs: 10, latencyMs: [] }), 10);
 * ```
 */
export function ranMs(c: ConcurrentBatch): number {
  return Math.max(c.wallMs - (c.waitMs ?? 0), 0.05 * c.wallMs);
}

/**
 * One call's time alone (ms): its wall time `ms` less this thread's wait for a CPU meanwhile
 * (`before` and `after` the call: its scheduler statistics, see `threadSched`), at least the CPU
 * time it ran meanwhile. The wait read can pass the wall time on a virtual machine: HTTP calls
 * to a server in this process, 0.33–0.76 ms each and as long on this thread's CPU, read waits of
 * 1.9–3.1 ms, and one call timed at 0.001 ms made a plain loop of 600 calls 0.5 ms.
 *
 * @example Usage
 * ```ts
 * import { aloneMs } from "./_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * const before = { runMs: 10, waitMs: 5 };
 * assert.equal(aloneMs(2, before, { runMs: 10.25, waitMs: 5.5 }), 1.5);
 * // The wait read past the wall time: the CPU time the call ran bounds it.
 * assert.equal(aloneMs(0.5, before, { runMs: 10.5, waitMs: 8 }), 0.5);
 * assert.equal(aloneMs(2, undefined, undefined), 2);
 * ```
 */
export function aloneMs(
  ms: number,
  before?: { runMs: number; waitMs: number },
  after?: { runMs: number; waitMs: number },
): number {
  if (!before || !after) return Math.max(0.001, ms);
  const waited = Math.max(0, after.waitMs - before.waitMs);
  return Math.max(0.001, after.runMs - before.runMs, ms - waited);
}

/**
 * Whether a few of the look's calls can be timed one at a time after its batch `c` (see
 * `mainProbe`), at a cost the look can bear (`maxMs`: its time): the batch's calls settled within
 * it, or kept this thread busy and the fastest of them, less the calls' synchronous parts, settled
 * within `BUSY_SINGLE` look times — it waited behind the other calls' work here, not on something
 * else (a busy batch of calls to a server 20 ms away had one more call of 20–30 ms run alone, in
 * 3 of 8 automatic runs of 300: 90–120 ms against 60). Taking off all this thread ran before the
 * first call settled was tried: a call that waits on a timer while this thread computes is not
 * delayed by that work, and a cached look of 16 ms timer calls then timed calls alone and a warm
 * batch (91 calls where 64 at most ran before).
 *
 * @example Usage
 * ```ts
 * import { singlesCheap } from "./_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * const busy = {
 *   started: 16, calls: 16, wallMs: 24, latencyMs: [8, 9, 10], launchMs: 0.2, threadCpuMs: 23,
 * };
 * assert.equal(singlesCheap(busy, 2), true); // the fastest settled within 10 ms
 * assert.equal(singlesCheap({ ...busy, latencyMs: [23, 24] }, 2), false);
 * // Settled within the look's time.
 * assert.equal(singlesCheap({ ...busy, latencyMs: [1, 2, 3], threadCpuMs: 0 }, 2), true);
 * ```
 */
export function singlesCheap(c: ConcurrentBatch, maxMs: number): boolean {
  return median(c.latencyMs) <= maxMs ||
    (threadBound(c) && Math.min(...c.latencyMs) - (c.launchMs ?? 0) <= BUSY_SINGLE * maxMs);
}

/**
 * Whether one more call is timed alone after the batch (see {@linkcode singlesCheap}), `times`
 * those timed so far, `elapsedMs` since the first started: within the look's time (`maxMs`); and
 * past it while the median so far is over the batch's fastest call (`latencyMs`: it waited behind
 * the others' work, so a call alone slower than it met something else, a collection of the heap
 * or a preemption), up to three calls, within `BUSY_SINGLE` look times past the first. HTTP calls
 * alone of 3.9 and 10 ms, where the batch's fastest took 2.7 and 1.9 and the next calls alone
 * 0.3–0.6, read plain loops 5× and 17× too long.
 *
 * @example Usage
 * ```ts
 * import { moreSingles } from "./_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(moreSingles([0.3], 0.3, [1.9, 2.5], 2), true); // within the look's time
 * assert.equal(moreSingles([0.3, 0.4, 0.3, 0.5, 0.6], 2.4, [1.9, 2.5], 2), false);
 * assert.equal(moreSingles([10], 10, [1.9, 2.5], 2), true); // slower than the batch's fastest
 * assert.equal(moreSingles([10, 0.4, 0.5], 10.9, [1.9, 2.5], 2), false); // three timed
 * assert.equal(moreSingles([10, 9], 19, [1.9, 2.5], 2), true);
 * assert.equal(moreSingles([10, 12], 22.5, [1.9, 2.5], 2), false); // 10 ms past the first
 * ```
 */
export function moreSingles(
  times: number[],
  elapsedMs: number,
  latencyMs: number[],
  maxMs: number,
): boolean {
  if (elapsedMs < maxMs) return true;
  return times.length < 3 && median(times) > Math.min(...latencyMs) &&
    elapsedMs < times[0] + BUSY_SINGLE * maxMs;
}

/**
 * Whether a batch's calls kept this thread busy: its CPU time over the batch (its own clock, else
 * the process clock; false without one) above half the time it could run (see
 * {@linkcode ranMs}) and above half the fastest call's latency. The second is direct: calls whose
 * whole work here fits in half of one call's wait were not queued behind this thread. The first
 * alone is fooled by load: a thread that waits for a CPU while its calls wait too loses that time
 * from both (200 calls of a 16 ms timer beside six CPU hogs: 6.2 ms of CPU, 41 ms of wall time of
 * which it waited 26 — 40 % of the time it could run; beside sixteen, 64 such calls read 0.9 ms of
 * CPU in 17.3 ms, waiting 16.4 ms: all of the time it could run). Where only the process clock
 * exists it errs towards busy (the runtime's JIT and GC threads), which can only send an I/O task
 * to sampling.
 *
 * @example Usage
 * ```ts
 * import { threadBound } from "./_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * const loaded = { started: 64, calls: 32, wallMs: 17.3, latencyMs: [17.1], waitMs: 16.4 };
 * assert.equal(threadBound({ ...loaded, threadCpuMs: 0.9 }), false); // 16 ms timers, loaded
 * const spin = { started: 64, calls: 64, wallMs: 320, latencyMs: [5, 320], threadCpuMs: 300 };
 * assert.equal(threadBound(spin), true);
 * assert.equal(threadBound({ ...spin, threadCpuMs: undefined }), false); // no clock
 * ```
 */
export function threadBound(c: ConcurrentBatch): boolean {
  const cpuMs = c.threadCpuMs ?? c.cpuMs;
  if (cpuMs === undefined) return false;
  return cpuMs > 0.5 * Math.max(ranMs(c), Math.min(...c.latencyMs));
}

/**
 * Calls of an async task the look starts at once (see {@linkcode ConcurrentBatch}) after calls
 * that settled within the microtasks (they may compute): at most `CONCURRENT_CALLS`, at least 4,
 * fewer when, at the CPU time per call so far, they would need more than `BATCH_CPU_MS` or
 * `BATCH_SHARE` of the job's serial time over the cores (whichever is more). A first call that
 * waits on the event loop instead starts the batch at once, up to the caller's `maxCalls` (the
 * async executor's `maxConcurrency`), while the calls' synchronous parts stay under
 * `BATCH_CPU_MS`: a job of a few hundred 5 ms timers is then done in about one wait, where a wait
 * for the first call alone, then the batch, then the rest took three.
 */
const CONCURRENT_CALLS = 64;

/** See the batch's calls timed one at a time (a multiple of the look's time). */
const BUSY_SINGLE = 5;

/**
 * A call timed alone after an idle batch in under this share of the batch's median latency: the
 * batch's calls waited on something they shared (see `MainProbeOptions.slowAlone`).
 */
const SHARED_WAIT = 0.25;

/** Least duration of a look's batch for its pace to count towards a steady pace (ms). */
const STEADY_MS = 0.05;
/** Most relative difference between two batches' paces for the pace to count as steady. */
const STEADY_SPREAD = 0.2;
/**
 * Least calls of a synchronous task before a steady pace ends the look: a runtime compiles a
 * small function's hot code after some hundreds to a thousand calls, and the pace before that is
 * a plateau of a lower tier (a 600-step loop: 2 µs a call for the first 500–1,000 calls, then
 * 1.0 µs, on Deno and Node; 9–31 µs for 500 calls, then 0.9 µs, on Bun). An async task's calls
 * are timed next in a batch started at once, which the look's pace only delays.
 */
const STEADY_CALLS = 1024;

/**
 * Whether the latencies of a batch's calls, in the order the calls started, grow with it: a rank
 * correlation (Spearman's) of at least 0.8, or fewer than 8 calls to tell. A service that serves
 * a few calls at a time answers a batch in its order, each a step later; calls of their own varied
 * latencies (1–300 ms) settle in any order, and their mean is then one call's time, where the
 * fastest alone read 1 ms.
 *
 * @example Usage
 * ```ts
 * import { servedInTurn } from "./_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(servedInTurn([20, 20, 40, 40, 60, 60, 80, 80, 100, 100]), true); // two at a time
 * assert.equal(servedInTurn([120, 3, 250, 41, 9, 180, 77, 290, 15, 60]), false); // their own
 * assert.equal(servedInTurn([5, 1, 9]), true); // too few to tell
 * ```
 */
export function servedInTurn(latencies: number[]): boolean {
  const n = latencies.length;
  if (n < 8) return true;
  const rank = new Array<number>(n);
  [...latencies.keys()].sort((a, b) => latencies[a] - latencies[b]).forEach((k, r) => rank[k] = r);
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += (rank[i] - i) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1)) >= 0.8;
}

/**
 * Whether the look's batches run at a steady pace: the last two batches long enough to time
 * (≥ `STEADY_MS`) agreed within `STEADY_SPREAD` per item. The task then runs warm (a synchronous
 * one once `STEADY_CALLS` calls ran too) and the look stops early: for microsecond items its own
 * bookkeeping costs more than the items, which then run in the plain loop or on workers.
 *
 * @example Usage
 * ```ts
 * import { Pace } from "./_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * const pace = new Pace();
 * pace.add(0.1, 100); // 1 µs per item
 * assert.equal(pace.steady, false);
 * pace.add(0.21, 200); // 1.05 µs per item: within 20 %
 * assert.equal(pace.steady, true);
 * assert.equal(pace.calls, 300);
 * ```
 */
export class Pace {
  #last = 0;
  /** Whether the pace is steady. */
  steady = false;
  /** The calls added so far. */
  calls = 0;
  /** A batch of `ran` items took `ms`. */
  add(ms: number, ran: number): void {
    this.calls += Math.max(0, ran);
    if (ms < STEADY_MS || ran <= 0) return;
    const pace = ms / ran;
    this.steady = this.#last > 0 &&
      Math.max(pace, this.#last) <= (1 + STEADY_SPREAD) * Math.min(pace, this.#last);
    this.#last = pace;
  }
}
const BATCH_CPU_MS = 20;
/**
 * Single items spread over the array that the look times before it finishes a job (see the
 * loop): an expensive stretch of at least 1/16 of the items meets one of them; a shorter one is
 * met by the finishing batches (a single call took 10–20 µs for a 0.2 µs item: 64 of them cost
 * more than a sixth of a 2 ms job).
 */
const FINISH_PROBES = 16;
/**
 * A warm single item this many times the warm pace, and over `FINISH_SINGLE_SHARE` of the look's
 * time, stops a finish (a single call of a 0.2 µs validation, warm, read up to 0.15 ms: a timer
 * read, a new object shape). A stretch of items under that is met by the finishing batches.
 */
const FINISH_SINGLE = 10;
/** See `FINISH_SINGLE`. */
const FINISH_SINGLE_SHARE = 1 / 8;
/** Items of a batch kept in `MainProbe.items`, at most. */
const ITEMS_KEPT = 64;
/**
 * Calls of that batch started before any call settled (see the batch); if none settles within
 * `UNSETTLED_WAIT_MS` while this thread idles, the batch grows at once to `UNSETTLED_MOST` (and
 * the caller's `maxCalls`). What a call computes after its await shows only once it settles, and
 * every call started is committed to this thread: a first wave of `FIRST_WAVE` keeps a task of a
 * short wait and long work after it to a bounded share (150 fetches of a YAML document from a
 * server in another process, then 8–11 ms of parsing each: a first wave of 64 held the look for
 * 650–890 ms, where the best whole run, on two workers, took 530 ms on Deno; it read as I/O on
 * Deno and Bun). Its calls settle before the growth's timer (due after theirs), so the batch does
 * not jump; it grows from the CPU time each settled call took, to `UNSETTLED_CALLS` at most where
 * a call settled within `UNSETTLED_WAIT_MS`: the service is near, and more calls at once would
 * open more connections to it (300 fetches from an HTTP server in another process took 7–9 ms
 * with 64 in flight on Bun, 18–22 ms with 256). Calls that wait longer than `UNSETTLED_WAIT_MS`
 * are I/O, where every call started later finishes that much later: one step, not doublings
 * (200 calls of a 5 ms timer took 14 ms with waves of 64, 128 and 256 five milliseconds apart,
 * 6.5 ms all at once; 150 calls of 5 and 60 ms, 0.91–0.92 of all at once, then 0.97–0.98 with
 * the single step). The timer is coarse: 1.1 ms on Bun and Node, 2.1 ms (1.2–3.3) on Deno. A task
 * that waits long and then computes long is the case this commits more of to this thread than its
 * CPU time allows (calls of a 10 ms wait, then 10 ms of work: 256 of them hold it 2.6 s); the
 * workers run an async task's calls one after another, so with a worker per core they beat this
 * thread only where a call's work after its wait exceeds the wait over the cores less one. A later
 * look of the same task starts more at once where this one grew so (see {@linkcode idleWave}).
 */
const FIRST_WAVE = 8;
/**
 * The calls a later look of the same task may start at once beside its first call (see
 * `MainProbeOptions.firstWave`), from this look's batch `c`: where the batch grew while none of
 * its calls had settled and this thread idled (they wait on something else: a timer, a server),
 * and its calls still waited `UNSETTLED_WAIT_MS` and more (median) without keeping this thread
 * busy, as many as its CPU time per settled call allows within `BATCH_CPU_MS`, at most
 * `UNSETTLED_MOST`; else undefined (`FIRST_WAVE`, and the wait to grow). The wait tells nothing
 * that the earlier batch did not: a look of 60 calls of a 5 ms timer took 6.9 ms on Bun, of which
 * 1.1 ms was that wait (2.1 ms on Deno).
 *
 * @example Usage
 * ```ts
 * import { idleWave } from "./_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * // 256 calls of a 100 ms wait, grown while idle: 0.5 ms of this thread's CPU for 128 settled.
 * const batch = {
 *   started: 256, calls: 128, wallMs: 110, latencyMs: [100, 101, 102], threadCpuMs: 0.5,
 *   waitMs: 0, grewIdle: true,
 * };
 * assert.equal(idleWave(batch), 256);
 * assert.equal(idleWave({ ...batch, threadCpuMs: 40 }), 64); // 0.31 ms a call: 64 in 20 ms
 * assert.equal(idleWave({ ...batch, threadCpuMs: 80 }), undefined); // this thread was busy
 * assert.equal(idleWave({ ...batch, grewIdle: undefined }), undefined);
 * ```
 */
export function idleWave(c: ConcurrentBatch): number | undefined {
  const cpuMs = c.threadCpuMs ?? c.cpuMs;
  if (!c.grewIdle || cpuMs === undefined || c.calls < 1 || threadBound(c)) return undefined;
  if (median(c.latencyMs) < UNSETTLED_WAIT_MS) return undefined;
  const calls = Math.min(
    UNSETTLED_MOST,
    Math.floor(BATCH_CPU_MS / Math.max(cpuMs / c.calls, 1e-3)),
  );
  return calls > FIRST_WAVE ? calls : undefined;
}

/** Most calls of the batch where a call settled within `UNSETTLED_WAIT_MS` (see `FIRST_WAVE`). */
const UNSETTLED_CALLS = 64;
/** Most calls of the batch started before any call settled (see `FIRST_WAVE`). */
const UNSETTLED_MOST = 4 * UNSETTLED_CALLS;
/** See `FIRST_WAVE` (ms). */
const UNSETTLED_WAIT_MS = 1;
/**
 * How late a timer of this thread may fire while it idles (ms): past it, whatever held the timer
 * was this thread's own work, even where its CPU clock reads less. A virtual machine's CPU clock
 * leaves out the time the host took the CPU away from it (steal): 20 ms of busy work read 10–14
 * ms of CPU in the look on Deno while its process started workers, and the batch grew to 200
 * calls that waited on that work. 200 timers of 1 ms of an idle thread fired after 1.1 ms
 * (median; 99th percentile 1.2) on Node, 1.1 (8.0) on Bun, 2.1 (5.1) on Deno: a timer later than
 * the slack only has the growth wait for the next one.
 */
const TIMER_SLACK_MS = 4;
/** Items this long (ms) or longer at the look's pace have the deadline read after each. */
const READ_EACH_MS = 0.01;
/** A first item shorter than this many look times is followed by a second (see the loop). */
const WARM_SECOND = 10;
/**
 * Share of a synchronous job of short items (under `WARMING_ITEM_MS` at the pace so far, or the
 * look's `warmingUnderMs`: see {@linkcode MainProbeOptions}) that the look may take past its
 * time while the pace is not warm (`STEADY_CALLS` calls at a steady pace), at most
 * `WARMING_MOST` look times: a runtime compiles a small function's hot code after some
 * hundreds to thousands of calls, and the pace before is a lower tier's (SHA-256 hashes of short
 * strings on Bun: 3.6 µs a call for the first 512 calls, which a look of 2 ms ran, then 1.7, 1.2,
 * 1.0 and 0.84 µs in batches of 1,024 to 8,192). The items the look runs are the job's: where the
 * plain loop is right they cost nothing; where workers are, about half of that share on 2 cores.
 */
const WARMING_SHARE = 0.1;
/** See `WARMING_SHARE` (ms). */
const WARMING_ITEM_MS = 0.01;
/** See `WARMING_SHARE` (look times). */
const WARMING_MOST = 8;
/** Items of a job from which a look of two single items takes a third (see the loop). */
const THIRD_AT_ITEMS = 32;

/**
 * The warm pace of single items (ms), timed one by one (the cold first left out): their lower
 * median. Noise only adds time to an item (a pause of the thread, another process's burst), so of
 * two the faster is the nearer; the items are spread over the data, and a median of more keeps
 * one that costs more, or less, from setting the pace.
 *
 * @example Usage
 * ```ts
 * import { warmPace } from "./_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(warmPace([2.4, 1.0]), 1.0); // one paused
 * assert.equal(warmPace([1.1, 5, 1.0]), 1.1);
 * assert.equal(warmPace([3]), 3);
 * ```
 */
export function warmPace(times: readonly number[]): number {
  return [...times].sort((a, b) => a - b)[(times.length - 1) >> 1];
}
const BATCH_SHARE = 0.05;

/** How a call of the look settled, and its latency (ms). */
type Outcome = { ok: true; r: unknown; ms: number } | { ok: false; e: unknown; ms: number };

/** A call of an async task started by the look: its item, and its settlement with its latency. */
interface Call {
  i: number;
  item: unknown;
  /** When it started (the runtime's clock, ms). */
  start: number;
  settled: Promise<Outcome>;
}

/** The call of `fn` on `one`, started at `start` (its synchronous throw, a rejection). */
function startCall(
  fn: (x: unknown) => unknown,
  one: { i: number; item: unknown },
  start: number,
): Call {
  let p: Promise<unknown>;
  try {
    p = Promise.resolve(withoutExit(() => fn(one.item)));
  } catch (e) {
    p = Promise.reject(e);
  }
  return callOf(p, one, start);
}

/** A call's outcome as the run takes a call in flight over (`KnownResults.setInFlight`). */
function asSettled(call: Call): Promise<Settled> {
  return call.settled.then((y) => y.ok ? { ok: true, value: y.r } : { ok: false, error: y.e });
}

function callOf(p: Promise<unknown>, one: { i: number; item: unknown }, start: number): Call {
  const rt = runtime();
  return {
    ...one,
    start,
    settled: p.then(
      (r) => ({ ok: true as const, r, ms: rt.now() - start }),
      (e) => ({ ok: false as const, e, ms: rt.now() - start }),
    ),
  };
}

/**
 * Whether a promise settles within a few turns of the microtask queue: a call that settles there
 * computed (or awaited only settled promises); one still pending waits on the event loop — I/O, a
 * timer, another thread.
 */
async function settlesSoon(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(() => settled = true, () => settled = true);
  for (let j = 0; j < MICROTASK_TURNS && !settled; j++) await null;
  return settled;
}

// The look's loops over a batch's items and results, each in a function of its own: inside the
// look (a long async function) the same loops cost more than the items of a sub-microsecond task
// (10,000 results scanned for a Promise: 0.17 ms in it, 0.03 ms in a function of their own, on a
// job of 0.1 ms).

/** The index of the first Promise among the first `n` results (`n` when none is). */
function firstThenable(rs: unknown[], n: number): number {
  let i = 0;
  try {
    while (i < n && !isThenable(rs[i])) i++;
  } catch {
    /* a result whose `then` cannot be read (a revoked Proxy): awaiting it fails its item */
  }
  return i;
}

/** Keep all of a short batch's first `ran` items, `ITEMS_KEPT` spread over a long one's. */
function keepSpread(kept: unknown[], items: unknown[], ran: number): void {
  const step = Math.max(1, ran / ITEMS_KEPT);
  for (let j = 0; j < ran; j += step) kept.push(items[j | 0]);
}

/** Turns of the microtask queue `settlesSoon` waits (an await of a settled promise takes 1–3). */
const MICROTASK_TURNS = 32;

/** Whether one of `pending` (none rejects) settles within `ms`; the timer is cleared either way. */
async function settlesWithin(pending: Iterable<Promise<unknown>>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([Promise.race(pending).then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls of a warm batch (see `warmBatch`): enough that a gain of overlapping them shows past one
 * call's time, few enough that calls that compute hold this thread at most `BATCH_CPU_MS`.
 */
const WARM_CALLS = 64;

/** What a warm batch ran (see `warmBatch`). */
interface WarmBatch {
  /** The items taken, in order. */
  items: unknown[];
  /** The first failing call in order, among those settled when one failed. */
  failure?: { index: number; error: Error };
  /** The batch as measured (at least 2 calls, none failed). */
  batch?: ConcurrentBatch;
  /** Its wall time (ms), whatever became of it. */
  wallMs: number;
}

/**
 * A second batch of an async task's calls, started together once warm (after calls timed one at
 * a time, `cpuMs` of this thread's CPU each): as many as `WARM_CALLS`, `most` (the items left and
 * the caller's `maxCalls`) and `BATCH_CPU_MS` of that CPU allow, at least 4. The items are taken
 * first (a source that waits, for at most `BATCH_CPU_MS`), then every call starts in one loop;
 * measured once every call settled, or at the first failure (calls still in flight then go on
 * into `known`, as the first batch's do). Results go to `known`; `coversRest` where the source
 * ran out.
 */
async function warmBatch(
  fn: (x: unknown) => unknown,
  cpuMs: number,
  most: number,
  take: (j: number) =>
    | { i: number; item: unknown }
    | undefined
    | Promise<{ i: number; item: unknown } | undefined>,
  known: KnownResults,
): Promise<WarmBatch> {
  const rt = runtime();
  const size = Math.min(
    most,
    Math.max(4, Math.min(WARM_CALLS, Math.floor(BATCH_CPU_MS / Math.max(cpuMs, 1e-3)))),
  );
  const taken: { i: number; item: unknown }[] = [];
  let exhausted = false;
  const p0 = rt.now();
  while (taken.length < size && (taken.length === 0 || rt.now() - p0 <= BATCH_CPU_MS)) {
    const one = await take(taken.length);
    if (!one) {
      exhausted = true;
      break;
    }
    taken.push(one);
  }
  const items = taken.map((x) => x.item);
  const c0 = rt.cpuTimeUs(), w0 = threadSched(), t0 = rt.now();
  let launchMs = 0;
  const calls = taken.map((one) => {
    const s = rt.now();
    const call = startCall(fn, one, s);
    launchMs += rt.now() - s;
    return call;
  });
  const outcomes: (Outcome | undefined)[] = new Array(calls.length);
  await new Promise<void>((wake) => {
    let left = calls.length;
    if (left === 0) wake();
    calls.forEach((call, j) =>
      call.settled.then((x) => {
        outcomes[j] = x;
        if (!x.ok || --left === 0) wake();
      })
    );
  });
  const wallMs = rt.now() - t0;
  const c1 = rt.cpuTimeUs(), w1 = w0 && threadSched();
  let failure: { index: number; error: Error } | undefined;
  calls.forEach((call, j) => {
    const x = outcomes[j];
    if (x === undefined) {
      known.setInFlight(
        call.i,
        call.settled.then((y) => y.ok ? { ok: true, value: y.r } : { ok: false, error: y.e }),
      );
    } else if (x.ok) known.set(call.i, x.r);
    else failure ??= { index: call.i, error: thrownError(x.e) };
  });
  if (calls.length < 2 || failure) return { items, failure, wallMs };
  const batch: ConcurrentBatch = {
    started: calls.length,
    calls: calls.length,
    wallMs,
    latencyMs: outcomes.map((x) => x!.ms),
    launchMs,
  };
  if (exhausted) batch.coversRest = true;
  if (c0 !== undefined && c1 !== undefined) batch.cpuMs = (c1 - c0) / 1000;
  if (w0 && w1) {
    batch.waitMs = Math.max(0, w1.waitMs - w0.waitMs);
    batch.threadCpuMs = Math.max(0, w1.runMs - w0.runMs);
  }
  return { items, batch, wallMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** A look at no item (nothing ran here). */
export function emptyProbe(): MainProbe {
  return {
    times: [],
    results: new KnownResults(),
    pulled: [],
    items: [],
    isAsync: false,
    totalMs: 0,
    warmPerItemMs: 0,
    slowPerItemMs: 0,
  };
}

/** Options of {@linkcode mainProbe}. */
export interface MainProbeOptions {
  /** Items timed one by one before the batches (default 3). */
  single?: number;
  /**
   * Indices of an array's items that run elsewhere meanwhile (left out): read as the look goes,
   * so that `onSingle` may add to it.
   */
  claimed?: ReadonlySet<number>;
  /** The cores: they bound an async task's batch (see `CONCURRENT_CALLS`). */
  cores?: number;
  /** The most calls of an async task at once (the async executor's `maxConcurrency`). */
  maxCalls?: number;
  /**
   * Called after each of the items run one by one (the first, the second, …), once the look knows
   * what it runs next: with how many items ran so far, the item's time (ms), whether an index was
   * taken by the look already (an index is never run twice) and whether another item follows one
   * by one (`next`).
   */
  onSingle?: (ran: number, ms: number, taken: (i: number) => boolean, next: boolean) => void;
  /**
   * Whether an async task's batch, while measured, starts the next item for each of its calls that
   * settles (see the batch): where a run follows that takes the calls in flight over.
   */
  refill?: boolean;
  /**
   * Calls of an async task's batch started at once beside a first call that waits (default
   * `FIRST_WAVE`; see {@linkcode idleWave}): an earlier look of the task found its calls waiting
   * on something else.
   */
  firstWave?: number;
  /**
   * A first item under this long (ms) is followed by a second, timed warm (default
   * `WARM_SECOND` × `maxMs`).
   */
  secondUnderMs?: number;
  /**
   * Items shorter than this (ms, at the pace so far) have the look run past `maxMs` while their
   * pace is not warm (see `WARMING_SHARE`; default `WARMING_ITEM_MS`).
   */
  warmingUnderMs?: number;
  /**
   * Whether an async task's calls that wait on the event loop are timed one at a time after its
   * batch whatever that costs (see `singlesCheap`): a look that must settle whether their calls
   * overlap, where the other way to tell is sampling in a worker.
   */
  alone?: boolean;
  /**
   * Whether one call is timed alone after a batch that left this thread idle and whose calls took
   * longer than `maxMs` (`optimize` alone, which keeps no result: one call costs 1 / n of a job
   * of such calls, and nothing where they were fast). Where it takes under `SHARED_WAIT` of the
   * batch's median latency, the batch's calls waited on something they shared (a client's
   * connection being set up on a process's first calls) rather than each on its own: more calls
   * are timed alone, and a second batch, warm, measures what overlapping them gains (see
   * `warmBatch`); else the batch stands, and the call's time is not kept as a reference. The
   * first 256 calls of an ioredis client read 63 ms each, and the plain loop of 3,000 calls was
   * predicted at 173 s for 194 ms measured.
   */
  slowAlone?: boolean;
}

/** Whether the last `runBatch` stopped at the deadline (set only then: no write per item). */
let batchCut = false;

/**
 * Run `items[j]` into `rs[j]` for j from 0, until the end or until the clock passes `deadline`
 * (read after each item whose index has all of `mask`'s bits): the index reached is returned
 * (`batchCut` says whether the deadline stopped it). The positions in `skips` (ascending: single
 * items already run) take their result from `results` at `from + j`. A throw leaves the failing
 * position without a result (`reached` finds it). A function of this module with locals only,
 * without a try block: as a closure of the look its loop's variables were the closure's, and
 * 10,000 validations of 0.14 µs in a plain loop ran at 0.2 µs in it (0.147 in the inline
 * executor's `runSync`).
 */
function runBatch(
  fn: (x: unknown) => unknown,
  items: unknown[],
  rs: unknown[],
  skips: number[],
  results: KnownResults,
  from: number,
  deadline: number,
  mask: number,
  apart: boolean,
  now: () => number,
): number {
  batchCut = false;
  let skip = skips.length > 0 ? skips[0] : -1, skipped = 0;
  for (let j = 0; j < items.length; j++) {
    if (j === skip) {
      rs[j] = results.get(from + j);
      skip = ++skipped < skips.length ? skips[skipped] : -1;
      continue;
    }
    // Called as the inline executor calls it (see `callApart`).
    rs[j] = apart ? callApart(fn, items[j]) : fn(items[j]);
    if ((j & mask) === mask && now() > deadline) {
      batchCut = true;
      return j + 1;
    }
  }
  return items.length;
}

/**
 * Run the first items here until `maxMs` elapsed (more while a synchronous task of short items
 * warms up: see `WARMING_SHARE`), the pace is steady (see {@linkcode Pace}) or `maxItems` ran:
 * the single items one by one, then batches doubling in size (see {@linkcode MainProbeOptions}).
 * Then, for an array of a synchronous task whose items left would take at most `maxMs` at the
 * warm pace, those items too: the look finishes a job smaller than its own budget.
 */
export async function mainProbe(
  fn: (x: unknown) => unknown,
  src: Source<unknown>,
  maxMs: number,
  maxItems: number,
  options: MainProbeOptions = {},
): Promise<MainProbe> {
  const {
    single = 3,
    claimed = new Set<number>(),
    cores = 1,
    maxCalls = CONCURRENT_CALLS,
    refill: refilled = false,
    firstWave = FIRST_WAVE,
    onSingle,
    secondUnderMs = WARM_SECOND * maxMs,
    warmingUnderMs = WARMING_ITEM_MS,
  } = options;
  const rt = runtime();
  const out = emptyProbe();
  const t0 = rt.now();
  const cpu0 = rt.cpuTimeUs();
  const sched0 = threadSched();
  // Arrays: items spread over the data (0, n/2, n/4, …), so a job whose cost grows along the
  // data is not judged by its first, cheapest items. One-shot sources: the first items.
  // (Past the first single items, the batches have run items in order: those are skipped too.)
  const spread = src.indexable
    ? spreadIndices(src.total ?? 0, { has: (i) => claimed.has(i) || out.results.has(i) })
    : undefined;
  let singleUntil = single; // items before this count run one by one (spread over an array)
  // Synchronous where the source and the task allow: an await per item would cost more than a
  // sub-microsecond task and inflate the warm estimate.
  // The single items come spread over an array; the batches then take the array in order from
  // the start (skipping those): the spread sequence costs more per index than a fast task.
  let nextInOrder = 0;
  const singles = new Set<number>(); // indices of the single items (arrays)
  const takeOne = (k: number): { i: number; item: unknown } | undefined => {
    if (spread && k < singleUntil) {
      const r = spread.next();
      if (r.done) return undefined;
      singles.add(r.value);
      return { i: r.value, item: src.at(r.value) };
    }
    if (spread) {
      // Not the single items either: an async look's batch takes them before their results are in.
      while (
        nextInOrder < (src.total ?? 0) &&
        (out.results.has(nextInOrder) || claimed.has(nextInOrder) || singles.has(nextInOrder))
      ) nextInOrder++;
      if (nextInOrder >= (src.total ?? 0)) return undefined;
      const i = nextInOrder++;
      return { i, item: src.at(i) };
    }
    const got = src.takeAheadSync(1); // a throw of the source: the run meets it
    if (got.length === 0) return undefined;
    out.pulled.push(got[0]);
    return { i: k, item: got[0] };
  };
  const takeOneAsync = async (k: number) => {
    const got = await src.takeAhead(1);
    if (got.length === 0) return undefined;
    out.pulled.push(got[0]);
    return { i: k, item: got[0] };
  };
  const asyncSource = src.isAsync && !spread;
  const pace = new Pace();
  const record = (ms: number, ran: number) => {
    out.totalMs += ms;
    // The fastest batch per item: a batch only gets slower than warm (cold code, or the thread
    // preempted by other processes), never faster.
    if (out.warmPerItemMs === 0 || ms / ran < out.warmPerItemMs) out.warmPerItemMs = ms / ran;
    pace.add(ms, ran);
  };
  let k = 0, batch = 0;
  let first: Call | undefined; // the first call of an async task, when it waits on the event loop
  // At least one item; a second one when the first (cold: JIT, module initialisation) took less
  // than `WARM_SECOND` × `maxMs`, so that the per-item time is a warm one (a cold first parse of
  // an XML document took 3 ms, five times the warm time, and made a 250 ms job look like 1.2 s).
  // Where the look would stop, the rest of an array of a synchronous task that takes less than the
  // look's own time (at its warm pace) runs here too, whatever `maxItems`: deciding would cost
  // about as much as that rest (10,000 validations of 0.12 µs: a 1.2 ms job took 3 ms to decide).
  // First `FINISH_PROBES` more single items spread over the array, timed one by one: not when a
  // warm one took `FINISH_SINGLE` × that pace (items that cost more further on: a stretch of
  // 2 % of 10 ms items at the end of an array of microsecond items). Then batches, the first of
  // about a sixteenth of the look's time at that pace, each twice the one before, while they keep
  // the pace (within `FINISH_SINGLE`), for at most twice the look's time more.
  // The look's time: `maxMs`, or more while a synchronous task of short items still warms up
  // (see `WARMING_SHARE`).
  const lookMs = () => {
    // (Before a batch, the fastest single item.)
    const pace = out.warmPerItemMs ||
      (out.times.length > 0 ? Math.min(...out.times) : 0);
    if (out.isAsync || !(pace > 0) || pace >= warmingUnderMs) return maxMs;
    const jobMs = (src.total ?? 0) * pace;
    return Math.min(WARMING_MOST * maxMs, Math.max(maxMs, WARMING_SHARE * jobMs));
  };
  let finishBy: number | undefined; // decided once: finishing until then (-∞: not finishing)
  let probing = false;
  let finishBatches = 0; // finishing batches so far (each twice the one before)
  const alike = (ms: number) =>
    ms <= Math.max(FINISH_SINGLE * out.warmPerItemMs, FINISH_SINGLE_SHARE * maxMs);
  // The warm single items that did not keep the pace; one alone under half the look's time may be
  // a pause of the runtime (a garbage collection, a compilation) rather than the item.
  const slowSingles = () => {
    const slow = (out.isAsync || out.warmTimes ? [] : out.times.slice(1)).filter((ms) =>
      !alike(ms)
    );
    return slow.length === 1 && slow[0] <= maxMs / 2 ? [] : slow;
  };
  const left = () => (src.total ?? 0) - nextInOrder;
  let stopped = false; // a batch met the deadline
  const more = () => {
    if (k === 0) return true;
    if (stopped) return false;
    if (finishBy !== undefined) return rt.now() < finishBy;
    if (probing && k < singleUntil && slowSingles().length === 0) return true; // else: stop
    if (!probing) {
      const warm = pace.steady && (out.isAsync || pace.calls >= STEADY_CALLS);
      if (k < maxItems && rt.now() - t0 < lookMs() && !warm) return true;
      if (k === 1 && out.times.length === 1 && !out.isAsync && out.times[0] < secondUnderMs) {
        return k < maxItems;
      }
      // A third where the second alone would set the warm pace (see `warmPace`), in a job of
      // `THIRD_AT_ITEMS` or more: one pause of the thread in it read 1 ms items at 1.3–2.4 ms
      // (Node, 2 of 12 looks), and the plain loop was predicted 25 % slower than it ran.
      if (
        k === 2 && out.times.length === 2 && batch === 0 && !out.isAsync &&
        out.times[1] < secondUnderMs && (src.total ?? Infinity) >= THIRD_AT_ITEMS
      ) return k < maxItems;
      probing = spread !== undefined && batch > 0 && !out.isAsync && out.warmPerItemMs > 0 &&
        left() * out.warmPerItemMs <= maxMs && slowSingles().length === 0;
      if (probing) {
        singleUntil = k + FINISH_PROBES;
        return true;
      }
      finishBy = -Infinity;
      return false;
    }
    // The probes ran (or the spread ran out): finish where every warm single kept the pace.
    const finish = !out.isAsync && slowSingles().length === 0;
    finishBy = finish ? rt.now() + 2 * maxMs : -Infinity;
    return finish;
  };
  // The single item that ran last, said to `onSingle` once the look knows whether another
  // follows: before the next item runs, or once the look ends.
  let said: { ran: number; ms: number } | undefined;
  const say = (next: boolean) => {
    if (said) onSingle?.(said.ran, said.ms, (i) => out.results.has(i) || singles.has(i), next);
    said = undefined;
  };
  while (more()) {
    const size = k < singleUntil ? 1 : finishBy !== undefined
      ? Math.min(
        Math.max(1, Math.ceil(maxMs / 16 / out.warmPerItemMs)) * 2 ** finishBatches++,
        left(),
      )
      : Math.min(2 ** ++batch, maxItems - k);
    say(size === 1);
    if (size <= 0) break;
    const inFinish = finishBy !== undefined && finishBy > 0;
    if ((size > 1 || inFinish) && !out.isAsync) {
      // A synchronous batch: the items first, then one tight loop under one exit guard, so that
      // the time per item is the task's own (as in a plain loop), not the look's bookkeeping.
      // An array: the next indices in order, up to an index the helpers took — a consecutive
      // run, sliced at once (a lookup per index cost as much as a sub-microsecond item); the
      // single items inside it are not run again, their results taken into the batch's (a batch
      // cut at each of them cost 20 µs a cut: 0.4 ms of a 1.5 ms job of 10,000 validations, cut
      // 20 times). Else the next items pulled. Either way indices `from`, `from + 1`, …
      let items: unknown[], from = k;
      const skips: number[] = []; // positions in the batch of single items (ascending)
      if (spread) {
        const total = src.total ?? 0;
        const taken = (i: number) => singles.has(i) || claimed.has(i);
        while (nextInOrder < total && taken(nextInOrder)) nextInOrder++;
        let end = Math.min(total, nextInOrder + size);
        for (const i of claimed) if (i >= nextInOrder && i < end) end = i;
        from = nextInOrder;
        for (const i of singles) {
          if (i >= from && i < end) skips.push(i - from);
        }
        skips.sort((a, b) => a - b);
        items = src.slice(from, end);
        nextInOrder = end;
      } else {
        items = [];
        for (let j = 0; j < size; j++) {
          const one = asyncSource ? await takeOneAsync(k + j) : takeOne(k + j);
          if (!one) break;
          items.push(one.item);
        }
      }
      if (items.length === 0) break;
      const rs: unknown[] = new Array(items.length);
      let failed = -1, cut = -1;
      // A batch stops at the look's deadline (twice the look's time, or the end of finishing):
      // items that cost more than their pace said (a stretch of 10 ms items in a batch of a
      // thousand) are left to the decision and the run. The clock is read after every item of
      // `READ_EACH_MS` or more at the pace so far, else every 32 (a read would cost a sizeable
      // share of a sub-microsecond item; 32 items of 10 ms would run 320 ms past the deadline).
      const deadline = inFinish ? finishBy! : t0 + 2 * lookMs();
      const perItem = out.warmPerItemMs || (out.times.at(-1) ?? 0);
      const mask = perItem >= READ_EACH_MS ? 0 : 31;
      // Called as the inline executor calls it (see `callApart`).
      const apart = perItem >= APART_ITEM_MS;
      const t = rt.now();
      let j = items.length;
      try {
        j = withoutExit(() =>
          runBatch(fn, items, rs, skips, out.results, from, deadline, mask, apart, rt.now)
        );
        if (batchCut) cut = j;
      } catch (e) {
        failed = j = reached(rs, 0, items.length);
        out.failure = { index: from + j, error: thrownError(e) };
      }
      const ms = rt.now() - t;
      const ran = failed >= 0 ? failed : cut >= 0 ? cut : items.length;
      // The items run (the single items within the batch ran before it).
      let runs = ran;
      for (const p of skips) if (p < ran) runs--;
      if (cut >= 0) {
        if (spread) nextInOrder = from + cut; // the items after it were not run (nor pulled)
        finishBy = -Infinity;
        stopped = true;
      }
      keepSpread(out.items, items, ran);
      // Results before the first Promise (a task async only for some items).
      const sync = firstThenable(rs, ran);
      rs.length = ran;
      out.results.setRun(from, sync === ran ? rs : rs.slice(0, sync));
      for (let j = sync; j < ran; j++) {
        out.isAsync = true;
        try {
          out.results.set(from + j, await rs[j]);
        } catch (e) {
          out.failure = { index: from + j, error: thrownError(e) };
          k += j;
          break;
        }
      }
      if (out.failure) break;
      k += runs;
      if (runs > 0) record(ms, runs);
      // A finishing batch `FINISH_SINGLE` × slower than the pace it was started at, and long
      // (over `FINISH_SINGLE_SHARE` of the look's time): the rest is left to the decision.
      const slowBatch = FINISH_SINGLE * out.warmPerItemMs * runs;
      if (inFinish && ms > Math.max(slowBatch, FINISH_SINGLE_SHARE * maxMs)) finishBy = -Infinity;
      // The source ran out (a batch cut short at an index taken elsewhere goes on).
      if (spread ? nextInOrder >= (src.total ?? 0) : ran < size) break;
      continue;
    }
    const t = rt.now();
    let ran = 0;
    for (; ran < size; ran++) {
      const got = asyncSource ? await takeOneAsync(k) : takeOne(k);
      if (!got) break;
      k++;
      out.items.push(got.item);
      let r: unknown;
      try {
        r = withoutExit(() => fn(got.item)); // a task calling exit must not end the caller
        if (isThenable(r)) {
          out.isAsync = true;
          const p = Promise.resolve(r);
          if (k === 1 && !(await settlesSoon(p))) { // the first call waits on the event loop
            first = callOf(p, got, t);
            out.waits = true;
            break;
          }
          r = await p;
        }
      } catch (e) {
        out.failure = { index: got.i, error: thrownError(e) };
        break;
      }
      out.results.set(got.i, r);
    }
    const ms = rt.now() - t;
    if (out.failure) break;
    if (ran === 0) break;
    if (size === 1) {
      out.totalMs += ms;
      out.times.push(ms);
      said = { ran: k, ms };
    } else record(ms, ran);
    if (ran < size) break;
  }
  say(false);
  // An async task: one batch of calls at once, however long the first calls took (they may wait
  // far longer than the look's time), unless the look failed or covered the items.
  if (out.isAsync && !out.failure && (first || k < maxItems)) {
    // A first call still pending once the microtasks ran waits on the event loop (I/O, a timer):
    // the batch starts at once, beside it, and grows (see below; a wait for the first call alone
    // would be a whole latency, the length of an I/O-bound job of a few hundred calls). Else the
    // calls so far settled: the batch is bounded by their CPU time — calls that compute run the
    // batch one after the other here.
    let cap = maxCalls;
    if (!first) {
      // This thread's clock where the OS gives it (the process clock also counts the JIT and GC
      // threads, which a first cold call keeps busy), else the process clock, else wall time.
      const c = rt.cpuTimeUs();
      const sched = sched0 && threadSched();
      const perCallMs = sched0 && sched
        ? (sched.runMs - sched0.runMs) / k
        : c !== undefined && cpu0 !== undefined
        ? (c - cpu0) / 1000 / k
        : out.totalMs / k;
      // The CPU the batch may take: `BATCH_CPU_MS`, or a share of the job's time over `cores`
      // (their results are kept, so the batch delays a run on every core by at most that share).
      const serialMs = ((src.total ?? k) * (out.totalMs / k)) / Math.max(1, cores);
      const cpuMs = Math.max(BATCH_CPU_MS, BATCH_SHARE * serialMs);
      cap = Math.min(
        maxCalls,
        Math.max(4, Math.min(CONCURRENT_CALLS, Math.ceil(cpuMs / perCallMs))),
      );
    }
    // The process clock first: reading it brings this thread's schedstat up to date (else it
    // may lag by a scheduler tick). A pending first call counts from the look's start.
    const c0 = first ? cpu0 : rt.cpuTimeUs();
    const w0 = first ? sched0 : threadSched();
    const tb = first ? t0 : rt.now();
    // This thread's CPU time since the batch began (ms): its own clock, else the process clock,
    // else wall time.
    const cpuSince = () => {
      const c = rt.cpuTimeUs(); // first: it brings this thread's schedstat up to date
      const w = w0 && threadSched();
      return w0 && w
        ? w.runMs - w0.runMs
        : c !== undefined && c0 !== undefined
        ? (c - c0) / 1000
        : rt.now() - tb;
    };
    let firstSettleCpuMs: number | undefined; // see `ConcurrentBatch.firstSettleCpuMs`
    // While the batch is measured: a call started for each of its calls that settles, outside
    // the batch (see the refills below).
    let refill: (() => void) | undefined;
    const refills: Call[] = [];
    const calls: Call[] = [];
    const pending = new Set<Promise<unknown>>();
    let done = 0;
    const outcomes: (Outcome | undefined)[] = []; // by position in `calls`, as they settle
    // One waiter for a count of settled calls (a `Promise.race` over the calls pending at each
    // settlement added a reaction to every pending call each time: 150 calls, 2.5 ms).
    // A call that failed ends every wait: the look fails at once, as the async executor does (it
    // waited for the whole batch, and a call that never settled held an automatic run for ever).
    let failed = false;
    let waiter: { count: number; wake: () => void } | undefined;
    const settledCount = (count: number) =>
      done >= count || failed
        ? Promise.resolve()
        : new Promise<void>((wake) => waiter = { count, wake });
    // Whether the event loop turned before every call settled (see `ConcurrentBatch.inMicrotasks`):
    // watched for a batch launched at once (no call waiting before it, a source that does not
    // wait), whose calls all start before any can settle.
    const watched = !first && !asyncSource;
    let turned = false;
    let inMicrotasks = false;
    if (watched) setImmediate(() => turned = true);
    const add = (c: Call) => {
      const j = calls.length;
      calls.push(c);
      pending.add(c.settled);
      c.settled.then((x) => {
        outcomes[j] = x;
        if (done++ === 0 && first) firstSettleCpuMs = cpuSince();
        if (watched && done === calls.length && !turned) inMicrotasks = true;
        pending.delete(c.settled);
        if (!x.ok) failed = true;
        if (waiter && (done >= waiter.count || failed)) {
          waiter.wake();
          waiter = undefined;
        }
        refill?.();
      });
    };
    if (first) add(first);
    // Each call's synchronous part runs as it starts: the batch stops growing past
    // `BATCH_CPU_MS` of it (a task that computes before its first await), and an async source
    // is not waited on past `BATCH_CPU_MS` (a slow stream would hold the decision).
    let syncMs = 0;
    let exhausted = false; // the source ran out: the batch holds every item left
    let idleGrown = false; // it grew while no call settled and this thread idled
    let firstWaveMs: number | undefined; // the synchronous parts before any call could settle
    // The synchronous parts are timed by wall clock; the time this thread waited for a CPU
    // meanwhile (other processes' load) is taken off once the calls are started.
    const launch = async (upTo: number): Promise<boolean> => {
      rt.cpuTimeUs(); // first: it brings this thread's schedstat up to date
      const wait0 = threadSched()?.waitMs;
      let more = true;
      while (calls.length < Math.min(cap, upTo) && k < maxItems && syncMs < BATCH_CPU_MS) {
        if (asyncSource && rt.now() - tb > BATCH_CPU_MS) more = false;
        const one = more ? asyncSource ? await takeOneAsync(k) : takeOne(k) : undefined;
        if (!one) {
          exhausted = more;
          more = false;
          break;
        }
        k++;
        const s = rt.now();
        add(startCall(fn, one, s));
        syncMs += rt.now() - s;
      }
      rt.cpuTimeUs();
      const wait1 = wait0 === undefined ? undefined : threadSched()?.waitMs;
      if (wait0 !== undefined && wait1 !== undefined) {
        syncMs = Math.max(0, syncMs - (wait1 - wait0));
      }
      return more;
    };
    if (!first) await launch(cap);
    else {
      // Beside a first call that waits: `FIRST_WAVE` before any call settled, `UNSETTLED_MOST`
      // once none settled in `UNSETTLED_WAIT_MS` (what a call computes after its await shows
      // only once it settles); then as many as the CPU time per settled call allows
      // (`BATCH_CPU_MS`, or `BATCH_SHARE` of the job over `cores`), at most `UNSETTLED_CALLS`
      // where a call settled within that time.
      let fast: boolean | undefined; // a call settled within the first `UNSETTLED_WAIT_MS`
      const wave = Math.max(FIRST_WAVE, Math.min(firstWave, UNSETTLED_MOST));
      idleGrown = wave > FIRST_WAVE; // (grown at once: see `idleWave`)
      for (let goal = wave;;) {
        const more = !failed && await launch(goal);
        if (done === 0) firstWaveMs = syncMs;
        if (!more || calls.length >= cap || k >= maxItems) break;
        if (syncMs >= BATCH_CPU_MS || pending.size === 0) break;
        // The next call to settle; while none settled, at most `UNSETTLED_WAIT_MS`: the calls
        // wait longer than that, and the batch grows (see `FIRST_WAVE`) — if this thread
        // was idle for most of that time. Busy, it served the calls' wait itself (an HTTP server
        // in this process: 64 calls of its client, none settled within 1 ms): the calls are not
        // waiting on something else, and the batch waits for one to settle, checked each
        // `UNSETTLED_WAIT_MS`.
        const grown = Math.min(cap, UNSETTLED_MOST);
        if (fast === undefined && done > 0) fast = true;
        if (done > 0 || grown <= calls.length) await settledCount(done + 1);
        else {
          // Idle: on the CPU for at most half the time it could run (wall time less its wait for
          // a CPU, where the OS says: other processes' load is not this thread's work), and the
          // timer not held past its own slack (see `TIMER_SLACK_MS`).
          const cpuBefore = cpuSince(), wallBefore = rt.now(), waitBefore = threadSched()?.waitMs;
          const soon = await settlesWithin(pending, UNSETTLED_WAIT_MS);
          fast ??= soon || done > 0;
          if (!soon && done === 0) {
            const cpu = cpuSince() - cpuBefore, waitAfter = threadSched()?.waitMs;
            const waited = waitBefore !== undefined && waitAfter !== undefined
              ? Math.max(0, waitAfter - waitBefore)
              : 0;
            const could = rt.now() - wallBefore - waited;
            if (Math.max(cpu, could - UNSETTLED_WAIT_MS - TIMER_SLACK_MS) <= 0.5 * could) {
              goal = grown;
              idleGrown = true;
            }
            continue;
          }
        }
        // From the first call that settles: a window of one turn of the event loop, in which
        // the calls settling about then (their timers due, their I/O ready) do their work after
        // the await (the wait before it is left out: over 50 ms of idling this thread's clock
        // gathers its own overheads). `setImmediate`, not a timer of 0 ms: that took 1.1 ms on
        // Bun and Node and 2.1 ms on Deno, the other 0.002–0.04 ms, and both ran the timers due.
        // Where no call settled in the window (Bun beside two CPU hogs ran the immediate before the
        // timers due, in 4 of 12 runs: 0.06 ms a call read for calls of 5 ms, and the batch grew
        // to 256), the calls settled so far tell: this thread's CPU since the batch began, less
        // the calls' synchronous parts, per call settled.
        // A call settled within the first `UNSETTLED_WAIT_MS`: the service is near (a wave left
        // for the run costs that short wait), and the batch grows to `UNSETTLED_CALLS` at most.
        const cpuBefore = cpuSince(), doneBefore = done;
        await new Promise((r) => setImmediate(r));
        const inWindow = done - doneBefore;
        const afterAwaitMs = inWindow > 0
          ? (cpuSince() - cpuBefore) / inWindow
          : Math.max(0, cpuSince() - syncMs) / Math.max(1, done);
        // The CPU time per call: this thread's CPU while calls settled, per call that settled
        // (their work after the await ran then), plus the synchronous part of a call.
        const perCallMs = Math.max(afterAwaitMs, 1e-3) + syncMs / calls.length;
        const jobMs = ((src.total ?? calls.length) * perCallMs) / Math.max(1, cores);
        goal = Math.min(cap, Math.floor(Math.max(BATCH_CPU_MS, BATCH_SHARE * jobMs) / perCallMs));
        if (fast) goal = Math.min(goal, UNSETTLED_CALLS);
        if (goal <= calls.length) break;
      }
    }
    if (calls.length > 0) {
      // The batch as measured once `need` of its calls settled: those calls, the time so far.
      const measure = async (need: number): Promise<ConcurrentBatch> => {
        await settledCount(need);
        const wallMs = rt.now() - tb;
        const c1 = rt.cpuTimeUs();
        const w1 = threadSched();
        const c: ConcurrentBatch = {
          started: calls.length,
          calls: done,
          wallMs,
          latencyMs: outcomes.filter((x) => x !== undefined).map((x) => x.ms),
          launchMs: firstWaveMs ?? syncMs,
        };
        if (exhausted) c.coversRest = true;
        if (idleGrown) c.grewIdle = true;
        if (inMicrotasks && done === calls.length) c.inMicrotasks = true;
        if (firstSettleCpuMs !== undefined) c.firstSettleCpuMs = firstSettleCpuMs;
        if (done < calls.length) {
          const now = rt.now();
          c.pendingMs = calls.filter((_, j) => outcomes[j] === undefined).map((x) => now - x.start);
        }
        if (c0 !== undefined && c1 !== undefined) c.cpuMs = (c1 - c0) / 1000;
        if (w0 !== undefined && w1 !== undefined) {
          c.waitMs = Math.max(0, w1.waitMs - w0.waitMs);
          c.threadCpuMs = Math.max(0, w1.runMs - w0.runMs);
        }
        return c;
      };
      // A batch that grew while this thread idled (calls that wait on something else), where a
      // run takes the calls in flight over (`refill`): until half of it settled, each call that
      // settles makes room for the next item, started outside the batch (whose measure stays its
      // own) and handed on in flight — else a job of more items than the batch waits for the
      // decision with fewer calls in flight each time one settles (300 calls of a server 50 ms
      // away, at most 256 at once: the run's own calls started 85–105 ms in, once half the batch
      // had settled). As the batch's launch, the refills stop past `BATCH_CPU_MS` of this
      // thread's CPU from the first call that settled: calls that compute once they settle are
      // refilled a few times at most.
      if (refilled && first && idleGrown && !asyncSource && !exhausted) {
        let cpuFrom: number | undefined; // this thread's CPU when the first call settled
        let started = 0;
        refill = () => {
          if (failed || k >= maxItems) return;
          cpuFrom ??= cpuSince();
          if (started++ % 8 === 7 && cpuSince() - cpuFrom > BATCH_CPU_MS) {
            refill = undefined;
            return;
          }
          let one;
          try {
            one = takeOne(k);
          } catch { // a source that throws: the run meets it
            one = undefined;
          }
          if (!one) return void (refill = undefined);
          k++;
          refills.push(startCall(fn, one, rt.now()));
        };
      }
      // Calls that wait on the event loop: measured once half of them settled. Calls slower than
      // the look's time that kept this thread idle (waiting on a timer, a server) are then left
      // in flight (`KnownResults.setInFlight`): an automatic run of the async executor starts its
      // own calls beside them instead of a latency later (300 timer calls, a third of them 60 ms:
      // automatic execute took 145 ms waiting for them, 86 ms beside them, async×256 70 ms).
      // Else every call settles first — and where the batch holds every item left, whose calls
      // the run would only wait for (their latencies then tell the plain loop and the run).
      let c = await measure(first ? Math.ceil(calls.length / 2) : calls.length);
      refill = undefined;
      // Calls slower than the look's time, this thread idle (waiting on a timer, a server).
      const idleSlow = (b: ConcurrentBatch) => median(b.latencyMs) > maxMs && !threadBound(b);
      if (done < calls.length && (!idleSlow(c) || exhausted)) c = await measure(calls.length);
      out.concurrent = c;
      const wallMs = c.wallMs;
      out.totalMs += wallMs;
      // Every call that succeeded keeps its result; the first failing one (in order) fails the look.
      calls.forEach((call, j) => {
        if (j > 0 || !first) out.items.push(call.item);
        const x = outcomes[j];
        if (x === undefined) {
          out.results.setInFlight(call.i, asSettled(call));
        } else if (x.ok) out.results.set(call.i, x.r);
        else if (!out.failure) out.failure = { index: call.i, error: thrownError(x.e) };
      });
      // The refills: in flight, handed on as such (a failure among them is the run's to meet).
      for (const call of refills) {
        out.items.push(call.item);
        out.results.setInFlight(call.i, asSettled(call));
      }
      // One call at a time, warm, for the gain of overlapping them — where it is cheap (see
      // `singlesCheap`: calls to an HTTP server in this process that take 0.1 ms alone settled
      // in a busy batch at 4.9 ms, 2.2 ms past their synchronous parts): a few calls awaited one
      // by one (see `moreSingles`), each timed without the time this thread waited for a CPU
      // (preemption by other processes is not the task's; see `aloneMs`).
      const slowOnce = options.slowAlone === true && idleSlow(c);
      const cheap = options.alone === true || slowOnce || singlesCheap(c, maxMs);
      // (Calls timed alone in far less than the batch's: a wait the batch's calls shared.)
      const shared = () =>
        slowOnce && out.times.length > 0 &&
        median(out.times) < SHARED_WAIT * median(c.latencyMs);
      let singlesCpuMs: number | undefined; // this thread's CPU per call timed one at a time
      if (first && !out.failure && cheap) {
        const ts = rt.now();
        rt.cpuTimeUs();
        const run0 = threadSched()?.runMs;
        while (
          k < maxItems &&
          (out.times.length === 0 ||
            (!slowOnce || shared()) && moreSingles(out.times, rt.now() - ts, c.latencyMs, maxMs))
        ) {
          const one = asyncSource ? await takeOneAsync(k) : takeOne(k);
          if (!one) break;
          k++;
          rt.cpuTimeUs();
          const w = threadSched();
          const s = rt.now();
          const x = await startCall(fn, one, s).settled;
          const ms = rt.now() - s;
          rt.cpuTimeUs();
          const we = w && threadSched();
          out.items.push(one.item);
          if (!x.ok) {
            out.failure = { index: one.i, error: thrownError(x.e) };
            break;
          }
          out.results.set(one.i, x.r);
          out.totalMs += ms;
          out.times.push(aloneMs(ms, w, we));
        }
        // A call alone that took about the batch's time took its own: the batch stands, and that
        // one call is no reference (of calls of 5 and 60 ms, one of 60 alone would read the plain
        // loop about twice too slow). Its result is kept.
        if (slowOnce && !shared()) out.times.length = 0;
        out.warmTimes = out.times.length > 0;
        rt.cpuTimeUs();
        const run1 = run0 === undefined ? undefined : threadSched()?.runMs;
        if (run0 !== undefined && run1 !== undefined && out.times.length > 0) {
          singlesCpuMs = Math.max(0, run1 - run0) / out.times.length;
        }
        // A batch that kept this thread busy with code still cold (a client library's first calls
        // compiling: 75 calls to a Redis server took 38–58 ms, 30–46 of them on this CPU, where
        // warm they take 0.08 ms a call in flight and 0.2–0.5 alone) says nothing of what
        // overlapping the calls gains: a second batch, warm, says it (see `warmBatch`) — as for
        // a batch whose calls shared a wait (see `MainProbeOptions.slowAlone`).
        if (
          out.warmTimes && !out.failure && (threadBound(c) || shared()) && k < maxItems &&
          maxCalls >= 2
        ) {
          const cpuMs = singlesCpuMs ?? median(out.times);
          const warm = await warmBatch(
            fn,
            cpuMs,
            Math.min(maxItems - k, maxCalls),
            (j) => asyncSource ? takeOneAsync(k + j) : takeOne(k + j),
            out.results,
          );
          k += warm.items.length;
          out.items.push(...warm.items);
          out.totalMs += warm.wallMs;
          out.failure ??= warm.failure;
          // The warm batch stands for the first where it ran more calls a millisecond (of this
          // thread's time): where it ran fewer, coldness did not hold the first one back, and a
          // few calls of mixed latencies say less (30 timer calls of 5 and 60 ms: 10 warm ones
          // ran in about one 60 ms call, a gain under 1 against a 5 ms call alone, and the job
          // read as no I/O).
          const w = warm.batch;
          if (w && w.calls / ranMs(w) > c.calls / ranMs(c)) out.concurrent = w;
        }
      }
    }
  }
  if (out.warmPerItemMs === 0 && out.times.length > 0) {
    out.warmPerItemMs = warmPace(
      out.times.length > 1 && !out.warmTimes ? out.times.slice(1) : out.times,
    );
  } else if (out.warmPerItemMs === 0 && out.concurrent) {
    out.warmPerItemMs = Math.min(...out.concurrent.latencyMs); // it ran nearly alone
  } else if (!out.isAsync && !out.warmTimes && out.times.length > 1) {
    // Batches ran: their fastest, or the warm single items' pace where that is faster. Both only
    // err slow (a single call's own overhead, a pause); a batch of a few items that met a
    // collection of the heap read 100 KB results at 0.77–0.80 ms each where the single items
    // beside it took 0.25–0.29 (Node), and the plain loop was predicted 2× slower than it ran.
    out.warmPerItemMs = Math.min(out.warmPerItemMs, warmPace(out.times.slice(1)));
  }
  const slow = slowSingles();
  if (slow.length > 0) out.slowPerItemMs = slow.reduce((a, b) => a + b) / (out.times.length - 1);
  const cpu1 = rt.cpuTimeUs();
  if (cpu0 !== undefined && cpu1 !== undefined) out.cpuMs = (cpu1 - cpu0) / 1000;
  return out;
}
