/**
 * What the look's batch of an async task's calls, started together on the calling thread, says
 * of the task: whether overlapping its calls gains enough to count as I/O (`overlap`), one call's
 * time alone, whether a service served the calls in turn (`queued`), and the figures the model
 * takes from the batch (`asyncFigures`). Pure functions of the look.
 *
 * @module
 */
import {
  type ConcurrentBatch,
  type MainProbe,
  median,
  ranMs,
  servedInTurn,
  summarize,
  threadBound,
} from "../measure/mod.ts";

/** What the look's batch of an async task's calls measured, for the model (see `asyncFigures`). */
export interface AsyncFigures {
  /**
   * Time per call of the batch, overlapped here (ms): its wall time, less this thread's wait for
   * a CPU where the first call waited on the event loop (as `overlap` measures the gain).
   */
  asyncItemMs?: number;
  /** This thread's CPU time per call of the batch (ms; its own clock only). */
  asyncCpuMs?: number;
  /** One call at a time here (ms): the plain loop's time per call. */
  asyncInlineMs?: number;
  /** Whether the batch met a service that serves calls in turn (see `queued`). */
  asyncQueued?: boolean;
  /** The calls of the batch, where they overlapped near-linearly. */
  asyncLinearCalls?: number;
  /** The calls the batch had started: those its throughput (`asyncItemMs`) was measured at. */
  asyncBatchCalls?: number;
}

/**
 * What the look's batch of calls (an async task's, of at least two calls) measured, for the
 * model: none without such a batch.
 *
 * @example Usage
 * ```ts
 * import { asyncFigures } from "./_async_look.ts";
 * import { emptyProbe } from "../measure/_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * // 64 calls of a 5 ms timer took 6 ms together, 0.2 ms of this thread's CPU; one alone 5 ms.
 * const batch = { started: 64, calls: 64, wallMs: 6, latencyMs: [5, 5.5, 6], threadCpuMs: 0.2 };
 * const f = asyncFigures({ ...emptyProbe(), isAsync: true, concurrent: batch, times: [5] });
 * assert.equal(f.asyncItemMs, 6 / 64);
 * assert.equal(f.asyncInlineMs, 5);
 * assert.equal(f.asyncLinearCalls, 64);
 * assert.equal(f.asyncBatchCalls, 64);
 * ```
 */
export function asyncFigures(look: MainProbe): AsyncFigures {
  const c = look.concurrent;
  if (!c || c.calls < 2 || !(c.wallMs > 0)) return {};
  // The batch's time per call. Where its first call waited on the event loop and the batch kept
  // this thread busy (`threadBound`), this thread was its bottleneck, and the time it waited for a
  // CPU (other processes' load) lengthened the batch: left out, as `overlap` tests the gain, and
  // as the warm calls one at a time are timed. On the wall clock the model read no gain where the
  // gain test had read one (64 Redis calls of an ioredis client, 0.036 ms each alone: 2.40 ms of
  // wall time, of which this thread waited 0.98 for a CPU): "not predicted to gain", from one call
  // in flight, where 64 ran the job 2.4× faster than one at a time. A batch that left this thread
  // idle waited on something else (timers, a server): its waits for a CPU overlapped that, and the
  // wall clock is its time (30 calls of 5 and 60 ms timers beside two CPU hogs, all in the batch:
  // without this thread's 6 ms of waits, the run was predicted at 54 ms).
  const ranPerCall = (look.waits && threadBound(c) ? ranMs(c) : c.wallMs) / c.calls;
  const f: AsyncFigures = { asyncItemMs: ranPerCall, asyncBatchCalls: c.started };
  // This thread's own clock only: the process clock (its JIT and GC threads) and the wall time
  // that stand in for it elsewhere are no lower bound. (A cold first call counts in it.)
  if (c.threadCpuMs !== undefined) f.asyncCpuMs = c.threadCpuMs / c.started;
  // The plain loop of an async task awaits one call after the other: one call at a time here
  // is its measure, on the same clock as the batch — for calls that compute, no more than the
  // batch's pace (they ran one after the other there too; a cold single call may be slower).
  f.asyncInlineMs = c.inMicrotasks || (threadBound(c) && !look.waits)
    ? Math.min(oneCallMs(look), ranPerCall)
    : callLatencyMs(look);
  // Calls that never waited on the event loop were served in turn by this thread: their batch's
  // pace bounds the async executor, at any number of calls in flight.
  f.asyncQueued = c.inMicrotasks === true || queued(look);
  // Near-linear: a gain (calls × one call / the batch) of at least `LINEAR_GAIN` × calls.
  if (!c.inMicrotasks && !threadBound(c) && oneCallMs(look) >= LINEAR_GAIN * c.wallMs) {
    f.asyncLinearCalls = c.started; // all in flight together, whether measured or not
  }
  return f;
}

/**
 * What overlapping calls of an async task gains, measured directly: the look's batch of calls
 * started together against one call at a time. An I/O-bound task finishes the batch in about one
 * call's latency; a task that computes, in about the sum of its calls (gain ≈ 1, whatever its
 * CPU clock says). Where the first call waited on the event loop (see `waits`), the batch leaves
 * out the time this thread waited for a CPU. Where one call at a time was timed warm and alone
 * after the batch (see `warmTimes`), the gain decides alone: calls that keep this thread busy
 * can still gain from overlapping (a client and a server on one thread: each call alone also
 * waits on the sockets). A batch whose calls all settled before the event loop turned is never
 * I/O-bound (see `inMicrotasks`). Else a batch that kept this thread computing is not, unless
 * the first call waited and the batch's fastest call is a fair reference (see `fairFastest`):
 * else its reference is a single cold call, or a fastest call that long synchronous parts of the
 * calls started before it delayed (an in-process HTTP server read 116× for 1.7× measured). A cold
 * first call of a process can keep this thread busy beside 60 calls of a 5 ms timer.
 * Returns the latency of one call (the least of the one-by-one and the overlapped medians; with
 * calls left in flight, at least the mean counting them), the longest latency, and the CPU time
 * per call, or undefined when the calls do not gain `ioGain(cores, minSpeedup, shortJob)`
 * (sampling in a worker decides).
 *
 * @param p The look.
 * @param cores The CPU workers may use, in cores (`Job.cpu`: fractional under a quota).
 * @param minSpeedup The least speedup that takes workers.
 * @param shortJob A short job whose task no worker holds yet (see {@linkcode ioGain}).
 *
 * @example Usage
 * ```ts
 * import { overlap } from "./_async_look.ts";
 * import { emptyProbe } from "../measure/_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * // 256 calls of an HTTP client whose server, in this process, answers after 50 ms: this thread
 * // was on a CPU for 64 ms of the batch's 115, 50 of them before the first call settled (61 ms).
 * const batch = {
 *   started: 256, calls: 256, wallMs: 115, latencyMs: [61, 84, 90], launchMs: 20,
 *   firstSettleCpuMs: 50, threadCpuMs: 64, waitMs: 0,
 * };
 * const io = overlap({ ...emptyProbe(), isAsync: true, waits: true, concurrent: batch }, 2, 1.2);
 * assert.equal(io?.latencyMs, 61);
 * ```
 */
export function overlap(
  p: MainProbe,
  cores: number,
  minSpeedup: number,
  shortJob = false,
): Io | undefined {
  const c = p.concurrent;
  if (!c || c.calls < 2 || !(c.wallMs > 0)) return undefined;
  // Calls that kept this thread busy: the one-at-a-time reference of the gain is a single cold
  // call, which other processes' load or a JIT can stretch — unless timed warm, or the batch's
  // fastest call is a fair one. Where it is not, the part of it that this thread did not spend on
  // the batch (see `awayMs`) is a reference that cannot read this thread's work as a wait: the
  // gain is tested with it, and the model takes the fastest call (an HTTP client of a server in
  // this process that answers after 50 ms: 256 calls kept this thread on a CPU for 64 ms of 115,
  // the fastest read 61 ms of which 50 on this thread; sent to sampling in a worker, 2 of 5 calls
  // of optimize took 640–870 ms instead of 100).
  // Calls that all settled before the event loop turned waited on nothing but this thread: no
  // gain, measured directly (see `ConcurrentBatch.inMicrotasks`), whatever the clocks say.
  if (c.inMicrotasks) return undefined;
  const busy = !p.warmTimes && threadBound(c);
  if (busy && !p.waits) return undefined;
  // Where that batch ran every item left, and all settled, the part of its fastest call spent
  // elsewhere may be a wait its calls shared (150 calls to a server in this process settled 2–8
  // ms after their start, close together, where one call alone takes about 0.1 ms: that part read
  // 2 ms, and 24–75× was predicted for 1.1–1.2×). Nothing is left to time one call alone: no
  // verdict; the look's answer says how the calls ran (see `asLookRan`).
  const unfair = busy && !fairFastest(c);
  if (unfair && c.coversRest && !c.pendingMs) return undefined;
  const single = callLatencyMs(p);
  const reference = unfair ? awayMs(c) : single;
  const ran = p.waits ? ranMs(c) : c.wallMs;
  const gain = (c.calls * reference) / ran;
  if (!(reference > 0) || gain < ioGain(cores, minSpeedup, shortJob)) return undefined;
  // Calls left in flight by a batch measured half settled are the slower half: with their time
  // so far (each latency is at least that), the mean and the longest latency are lower bounds
  // where the settled half alone read the fast calls only (two calls of 5 ms to one of 60: the
  // plain loop and the async run were both predicted at 5 ms a call, the speedup at 2.6× the
  // measured one).
  // Only where the settled calls are alike (within 2× of each other): a fast group beside slower
  // calls, not calls that waited in turn on a busy service or this thread (their latencies spread
  // from one call's to the batch's; counted with them, the calls in flight read as slow calls, and
  // an HTTP client of a server in this process was predicted 50× for 1.07× measured). Where every
  // call settled, their latencies include such waits too: their longest is no tail of one call's,
  // and the model takes none.
  // A batch of every item left, all settled, that left this thread idle: each latency is its
  // call's own (no queue on this thread), and the run is that batch — their mean for the plain
  // loop, their longest for the run's tail (150 timer calls of 5 and 60 ms: the median alone
  // predicted 117× for 58× measured).
  let latencyMs = Math.min(single, median(c.latencyMs));
  let longestMs = latencyMs;
  const own = c.coversRest && !c.pendingMs && !threadBound(c);
  if (own || (c.pendingMs && Math.max(...c.latencyMs) <= 2 * Math.min(...c.latencyMs))) {
    const all = summarize(latenciesSoFar(c));
    latencyMs = Math.max(latencyMs, all.mean);
    longestMs = Math.max(longestMs, all.max);
  }
  // Without a CPU clock: the batch's wall time over its calls bounds the CPU per call. (Over
  // all the calls started: the CPU counts every call's start, if not the after-await work of
  // those still in flight.)
  const cpuPerCallMs = batchCpuMs(c) / c.started;
  return { latencyMs, longestMs, cpuPerCallMs };
}

/**
 * Whether the batch's fastest call is a fair measure of one call alone: this thread's CPU time
 * until the first call settled (`firstSettleCpuMs`; else the calls' synchronous parts started
 * before any could settle) was less than two thirds of it — else its first response mostly waited
 * for this thread: 140 HTTP calls to a server in the same process took 20 ms to start, and the
 * fastest read 22 ms; on Bun 200 such calls started in 2.7 ms, the fastest read 4.9 ms after
 * this thread had also served the calls, and the calls read 32× faster overlapped than one by
 * one for 1× measured (64 calls of a 2 ms timer took 1.3 ms to start on Node).
 *
 * @example Usage
 * ```ts
 * import { fairFastest } from "./_async_look.ts";
 * import assert from "node:assert/strict";
 *
 * const batch = { started: 64, calls: 64, wallMs: 30, latencyMs: [4.9, 13, 15], launchMs: 2.7 };
 * assert.equal(fairFastest(batch), true); // the launch alone: 2.7 ms
 * assert.equal(fairFastest({ ...batch, firstSettleCpuMs: 4.2 }), false); // served the calls too
 * ```
 */
export function fairFastest(c: ConcurrentBatch): boolean {
  const before = c.firstSettleCpuMs ?? c.launchMs;
  return before !== undefined && 1.5 * before < Math.min(...c.latencyMs);
}

/** An async task's calls as I/O: one call's latency, the longest, and the CPU time per call (ms). */
export interface Io {
  latencyMs: number;
  longestMs: number;
  cpuPerCallMs: number;
}

/**
 * The part of a batch's fastest call that this thread did not spend on the batch (ms): its
 * latency less this thread's CPU time until it settled (`firstSettleCpuMs`, else the calls'
 * synchronous parts started before it). Whatever the call waited on then was not this thread: a
 * lower bound of one call's own wait, zero for calls that only wait for this thread (an HTTP
 * server in this process that answers at once).
 *
 * @example Usage
 * ```ts
 * import { awayMs } from "./_async_look.ts";
 * import assert from "node:assert/strict";
 *
 * const batch = { started: 256, calls: 256, wallMs: 115, latencyMs: [61, 84, 90], launchMs: 20 };
 * assert.equal(awayMs({ ...batch, firstSettleCpuMs: 50 }), 11);
 * assert.equal(awayMs({ ...batch, latencyMs: [4.9, 6], firstSettleCpuMs: 4.9 }), 0);
 * ```
 */
export function awayMs(c: ConcurrentBatch): number {
  const before = c.firstSettleCpuMs ?? c.launchMs ?? Infinity;
  return Math.max(0, Math.min(...c.latencyMs) - before);
}

/**
 * The CPU time the batch's calls took on this thread (ms): this thread's own clock where the OS
 * gives it (the process clock also counts the runtime's JIT and GC threads: under it, a batch of
 * 64 calls each waiting on a 5 ms timer once looked as if it computed, in a test run on Node),
 * else the process clock, else the wall time (a bound).
 */
function batchCpuMs(c: ConcurrentBatch): number {
  return c.threadCpuMs ?? c.cpuMs ?? c.wallMs;
}

/**
 * The time of one call of an async task in a plain loop: {@linkcode oneCallMs}, or more where
 * the look's batch left this thread idle (its own clock) and its calls were not served in turn —
 * their latencies are then each call's own, and their mean (calls in flight at their time so far)
 * is one call's time, where it is over twice the fastest. The fastest alone read 1 ms for calls of
 * 1–300 ms: the plain loop was predicted at 0.3 s for 45 s (automatic execute chose it: 36 s
 * against 0.34 s on the async executor), and the gain of overlapping them too low to count as I/O. Calls served in turn (a server that serves a few
 * at a time) have latencies that grow with their start: their waits are not a plain loop's.
 */
function callLatencyMs(p: MainProbe): number {
  const c = p.concurrent;
  const one = oneCallMs(p);
  // Idle by this thread's own clock, directly: on a CPU for under a tenth of the batch (beside two
  // CPU hogs, 64 calls that computed 2 ms each passed `threadBound` and read 44 ms a call).
  const idle = c?.threadCpuMs !== undefined && c.threadCpuMs < IDLE_SHARE * c.wallMs;
  if (!c || !idle || threadBound(c) || servedInTurn(c.latencyMs)) return one;
  const mean = summarize(latenciesSoFar(c)).mean;
  // Within `OWN_SPREAD` × the fastest, the batch's own delays here (120 calls of a 50 ms server
  // in this process read 68 ms: the plain loop was predicted 1.36× slow) as much as the calls'.
  return mean > OWN_SPREAD * one ? mean : one;
}

/**
 * Whether the look's batch met a service that serves a few calls at a time: its calls' latencies
 * grew in the order they started (`servedInTurn`, over at least 8 settled calls) to a median over
 * `QUEUE_SPREAD` × one call's (alone, or the batch's fastest), so most of them waited for the
 * others. Such a service answered the batch at its own pace, which more calls in flight do not
 * raise (a server, a connection, a thread pool that serves in turn, this thread): the plain loop
 * then takes one call's latency a call (see `callLatencyMs`), and the async executor no less than
 * that pace a call. (Calls of their own varied latencies settle in any order: their mean latency
 * is one call's, and the batch's pace no bound.) Not told apart: a pool that serves calls out of
 * turn (Deno's `crypto.pbkdf2`: 300 calls of 0.9 ms, predicted 17–29× faster on the async executor
 * by 6 `optimize` calls of 10, ran 1.7× faster).
 *
 * @example Usage
 * ```ts
 * import { queued } from "./_async_look.ts";
 * import { emptyProbe } from "../measure/_main_probe.ts";
 * import assert from "node:assert/strict";
 *
 * // 10 calls started together, answered one after another, 1 ms apart; one alone takes 1 ms.
 * const inTurn = Array.from({ length: 10 }, (_, k) => k + 1);
 * const batch = { started: 10, calls: 10, wallMs: 10, latencyMs: inTurn };
 * const look = { ...emptyProbe(), isAsync: true, concurrent: batch, times: [1], warmTimes: true };
 * assert.equal(queued(look), true);
 * // Timers of their own: all answered after about one call's time.
 * const own = { ...batch, wallMs: 1.2, latencyMs: inTurn.map((k) => 1 + k / 100) };
 * assert.equal(queued({ ...look, concurrent: own }), false);
 * // Varied latencies of their own, in any order.
 * const varied = { ...batch, wallMs: 300, latencyMs: [120, 3, 250, 41, 9, 180, 77, 290, 15, 60] };
 * assert.equal(queued({ ...look, concurrent: varied, times: [3] }), false);
 * ```
 */
export function queued(look: MainProbe): boolean {
  const c = look.concurrent;
  if (!c || c.latencyMs.length < 8 || !servedInTurn(c.latencyMs)) return false;
  return median(latenciesSoFar(c)) > QUEUE_SPREAD * oneCallMs(look);
}

/** See `queued`. */
const QUEUE_SPREAD = 2;

/** A batch's latencies: its settled calls', and those in flight at their time so far. */
const latenciesSoFar = (c: ConcurrentBatch) => [...c.latencyMs, ...(c.pendingMs ?? [])];

/** Mean latency over the fastest past which the calls' own latencies differ (`callLatencyMs`). */
const OWN_SPREAD = 2;
/** Share of a batch's time on a CPU under which this thread was idle (`callLatencyMs`). */
const IDLE_SHARE = 0.1;

/**
 * One call of an async task at a time, here (ms): the warm calls timed one by one after the batch
 * where they ran (see `warmTimes`); else the calls timed one by one before it (after the first,
 * when more ran), or the batch's fastest call when that is less — the first call is cold (a
 * connection, a JIT), and the batch's first call to finish ran nearly alone whether the calls
 * wait or compute. So a task that computes shows no gain from a cold first call.
 */
function oneCallMs(p: MainProbe): number {
  if (p.warmTimes && p.times.length > 0) return median(p.times);
  const single = p.times.length === 0
    ? Infinity
    : median(p.times.length > 1 ? p.times.slice(1) : p.times);
  const fastest = p.concurrent ? Math.min(...p.concurrent.latencyMs) : Infinity;
  return Math.min(single, fastest);
}

/** Least measured gain of overlapping calls for an async task to count as I/O-bound. */
const IO_GAIN = 2;

/**
 * The gain of overlapping calls (see `overlap`) past which an async task counts as I/O-bound:
 * `IO_GAIN`, or less where workers cannot beat the async executor by `minSpeedup` anyway. A worker
 * runs one call at a time, so `cores` workers reach at most `cores` / gain of the async executor's
 * throughput (their calls as fast as one alone here): on 2 cores a gain of 1.67 leaves them 1.2×
 * at best, on 1 core none. Sampling an async task in a worker runs its calls one after the other
 * (18 calls of an HTTP client took 20 ms on a warm pool, 91 ms where the worker first loaded the
 * task), so where it cannot find workers worth taking it is not run. Never more than `IO_GAIN`:
 * more cores raise the bound, and sampling an I/O task of slow calls one after the other could
 * cost more than the job (see `overlap`).
 *
 * `shortJob`: a job that workers could beat the async executor on by 100 ms at most (a plain
 * loop under 300 ms on 2 cores; see `shortAsyncJob` in `_optimize_core.ts`), whose task no
 * worker of this process has loaded — there, `minSpeedup` alone: the async executor pays by it,
 * and sampling first loads the task in a worker, which can cost more than the job and the most
 * workers could gain over the async executor (2,000 Redis calls of an ioredis client, 0.04–0.08
 * ms each alone, a plain loop of about 100 ms: 64 in flight read gains of 1.6–2.0 on 2 cores, so
 * 5 of 8 calls of `optimize` in one process, and 3 of 6 first calls of a process, sampled in a
 * worker — 145–178 ms where the worker first loaded the task, 18 ms where it held it — and all
 * took the async executor).
 *
 * @example Usage
 * ```ts
 * import { ioGain } from "./_async_look.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ioGain(2, 1.2, true), 1.2); // a short job, the task in no worker yet
 * assert.equal(ioGain(16, 1.2), 2);
 * assert.equal(ioGain(2, 1.2).toFixed(2), "1.67");
 * assert.equal(ioGain(1, 1.2), 1.2);
 * ```
 */
export function ioGain(cores: number, minSpeedup: number, shortJob = false): number {
  if (shortJob) return minSpeedup;
  return Math.min(IO_GAIN, Math.max(minSpeedup, cores / minSpeedup));
}

/**
 * Least share of the calls a batch's gain must reach to count as near-linear (the batch took at
 * most 1.33× one call's time): the async executor then starts well past the batch's size.
 */
const LINEAR_GAIN = 0.75;
