// Run-time concurrency of the async executor: an adaptive limit in the spirit of TCP Vegas and
// gradient concurrency limiters (Netflix concurrency-limits). Policy (docs/engine.md, "Adaptive
// async concurrency"):
//  1. Start from the optimizer's estimate (`initial`), within [1, max].
//  2. Measure in windows of completed calls (at least 4, at least half the limit): the median
//     latency of the window's calls, the throughput (calls / window time), and whether the limit
//     was reached in the window (a window that never filled the limit says nothing about it).
//  3. The no-queue latency `baseMs` is the smallest window median seen. At the smallest limit no
//     call of ours queues behind another, so such a window's median becomes the base: a lasting
//     slow-down of the service backs the limit off to the minimum once, and it grows again from
//     the new base.
//  4. Latency holds (median ≤ tolerance × base, tolerance 1.5): a filled window grows the limit —
//     doubling until the latency first rises ("slow start"), then + √limit per window. (While
//     latency holds, throughput grows with the limit: Little's law.)
//  5. Latency rises beyond tolerance × base in two windows in a row: calls queue somewhere (the
//     main thread's CPU, the server, the network). Back off in proportion, limit × tolerance ×
//     base / median, at most halving, and leave slow start — unless the throughput at this limit
//     is at least `GAIN` × that in the power of 2 below (a quarter to a half of it): the queue then pays for itself, and the
//     window counts as one whose latency held (4.). (An HTTP client and its server on one busy
//     thread, a server in another process on the same cores, or one connection that pipelines
//     its calls serve more calls a millisecond the more are in flight, as each turn of the event
//     loop handles more sockets, each write more calls: latency doubled with each doubling of
//     the limit, and the limit sank to 13–30.) A window's throughput (every call that completed
//     in it, over its time) is noisy — a window of a few milliseconds that a pause of the thread
//     met — so the throughputs compared are pooled: the filled windows' calls over their time,
//     by power of 2 of their limit, this limit's and the one below. The tolerance widens with the
//     spread of the calls' own latencies (the windows' interquartile range over their median,
//     averaged): a window's median of a few calls of 1–300 ms each read a rise in most windows,
//     and the limit sank to 1–20 (1000 such calls took 21 s, 0.77 s at a fixed 256). A queue
//     delays every call of a window, so it lifts the median far past that noise.
//  6. A failed call halves the limit (at most once per window).
//  7. Only calls started since the last change of the limit count in a window: calls started
//     under an older (larger) limit carry its queue and would make it back off again.
// The clock is injected, so the policy is tested without timing.

export interface LimiterOptions {
  /** Starting limit (the optimizer's estimate). */
  initial: number;
  /** Largest limit (the user's `maxConcurrency`). */
  max: number;
  /** Smallest limit (default 1). */
  min?: number;
  /** Latency over the no-queue latency tolerated before backing off (default 1.5). */
  tolerance?: number;
  /** Monotonic clock in ms. */
  now: () => number;
}

/** One window's measurement, kept for diagnostics and tests. */
export interface LimiterWindow {
  limit: number;
  medianMs: number;
  baseMs: number;
  throughput: number;
  filled: boolean;
}

export class ConcurrencyLimiter {
  #limit: number;
  readonly #max: number;
  readonly #min: number;
  readonly #tolerance: number;
  readonly #now: () => number;
  #inflight = 0;
  #latencies: number[] = [];
  #errors = 0;
  #filled = false;
  #windowStart: number;
  #baseMs = Infinity;
  #slowStart = true;
  #epoch: number;
  /** Windows in a row whose latency rose (see 5.). */
  #risen = 0;
  /** The calls' relative spread of latency (interquartile range / median), averaged. */
  #spread: number | undefined;
  /** Calls completed in this window, those started under an older limit too. */
  #completed = 0;
  /**
   * Filled windows' calls and time by power of 2 of their limit (see 5.): a window's throughput
   * alone is noisy (a pause of the thread, a collection of the heap).
   */
  readonly #throughputs = new Map<number, { calls: number; ms: number }>();
  /** Every closed window, in order. */
  readonly history: LimiterWindow[] = [];

  constructor(o: LimiterOptions) {
    this.#max = Math.max(1, Math.floor(o.max));
    this.#min = Math.max(1, Math.min(this.#max, Math.floor(o.min ?? 1)));
    this.#limit = clamp(Math.round(o.initial), this.#min, this.#max);
    this.#tolerance = o.tolerance ?? 1.5;
    this.#now = o.now;
    this.#windowStart = this.#epoch = o.now();
  }

  /** The current limit on calls in flight. */
  get limit(): number {
    return this.#limit;
  }

  /** The largest limit (the user's `maxConcurrency`). */
  get max(): number {
    return this.#max;
  }

  /** Calls in flight now. */
  get inflight(): number {
    return this.#inflight;
  }

  /** Whether another call may start now. */
  canStart(): boolean {
    return this.#inflight < this.#limit;
  }

  /** A call starts: returns its start time, to hand back to `done`. */
  start(): number {
    this.#inflight++;
    if (this.#inflight >= this.#limit) this.#filled = true;
    return this.#now();
  }

  /** A call that started at `startedAt` finished (`ok` false: it failed). */
  done(startedAt: number, ok = true): void {
    this.#inflight = Math.max(0, this.#inflight - 1);
    const now = this.#now();
    this.#completed++;
    if (startedAt < this.#epoch) return; // started under an older limit
    this.#latencies.push(now - startedAt);
    if (!ok) this.#errors++;
    if (this.#latencies.length >= Math.max(4, Math.ceil(this.#limit / 2))) this.#close(now);
  }

  #close(now: number): void {
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const n = sorted.length;
    const medianMs = sorted[n >> 1];
    const spread = medianMs > 0 ? (sorted[(3 * n) >> 2] - sorted[n >> 2]) / medianMs : 0;
    this.#spread = this.#spread === undefined ? spread : 0.8 * this.#spread + 0.2 * spread;
    // Two standard errors of a window's median, relative: 1.25 σ / √n, σ ≈ IQR / 1.35.
    const tolerance = this.#tolerance * (1 + (2 * 0.93 * this.#spread) / Math.sqrt(n));
    const elapsed = Math.max(now - this.#windowStart, 1e-3);
    const throughput = this.#completed / elapsed;
    this.#baseMs = this.#limit <= this.#min ? medianMs : Math.min(medianMs, this.#baseMs);
    const filled = this.#filled;
    this.history.push({ limit: this.#limit, medianMs, baseMs: this.#baseMs, throughput, filled });
    let next = this.#limit;
    if (filled) {
      const b = bucket(this.#limit);
      const t = this.#throughputs.get(b) ?? { calls: 0, ms: 0 };
      this.#throughputs.set(b, { calls: t.calls + this.#completed, ms: t.ms + elapsed });
    }
    const here = this.#throughputAt(bucket(this.#limit));
    const below = this.#throughputAt(bucket(this.#limit) - 1);
    const gained = filled && here !== undefined && below !== undefined && here >= GAIN * below;
    const rose = this.#errors === 0 && medianMs > tolerance * this.#baseMs && !gained;
    this.#risen = rose ? this.#risen + 1 : 0;
    if (this.#errors > 0) {
      next = Math.floor(this.#limit / 2);
      this.#slowStart = false;
    } else if (rose) {
      if (this.#risen >= 2) {
        next = Math.floor(this.#limit * Math.max(0.5, (tolerance * this.#baseMs) / medianMs));
        this.#slowStart = false;
      }
    } else if (filled) {
      next = this.#slowStart
        ? 2 * this.#limit
        : this.#limit + Math.max(1, Math.round(Math.sqrt(this.#limit)));
    }
    next = clamp(next, this.#min, this.#max);
    if (next !== this.#limit) this.#epoch = now;
    this.#limit = next;
    this.#latencies = [];
    this.#completed = 0;
    this.#errors = 0;
    this.#filled = this.#inflight >= this.#limit;
    this.#windowStart = now;
  }

  /** The pooled throughput of the filled windows whose limit was in bucket `b`, if any. */
  #throughputAt(b: number): number | undefined {
    const t = this.#throughputs.get(b);
    return t && t.ms > 0 ? t.calls / t.ms : undefined;
  }
}

/**
 * Throughput at a limit over that in the power of 2 below (pooled, see 5.) past which
 * a rise of latency is no queue to back off from: one Redis connection gained about 1.1× a
 * doubling; where the throughput holds (a busy thread past its knee), nothing is gained.
 * Compared with the best single window at half the limit or less, at 1.25×, a window that a pause
 * missed stood for that limit, no later window beat it, and the limit sank (simulated: 0.02 ms
 * of CPU a call and a 0.5 ms turn shared by the calls in flight, a pause of 1 ms each 60 calls,
 * from 64: to about 30, 0.77× as fast as a fixed 256; now 176–256, 1.04×).
 */
const GAIN = 1.05;

/** The power of 2 at or below `limit`, as its exponent. */
const bucket = (limit: number) => Math.floor(Math.log2(Math.max(1, limit)));

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}
