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
//     base / median, at most halving, and leave slow start — unless the window's throughput (every
//     call that completed in it, over its time) is at least `GAIN` × the best that a filled window
//     measured at half the limit or less: the queue then pays for itself, and the window counts
//     as one whose latency held (4.). (An HTTP client and its server on one busy thread, or a
//     server in another process on the same cores, serve more calls a millisecond the more are
//     in flight, as each turn of the event loop handles more sockets: latency doubled with each
//     doubling of the limit, and the limit sank to 13–30.) The tolerance widens with the
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
  /** The throughput of the latest filled window at each limit (see 5.). */
  readonly #throughputs = new Map<number, number>();
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
    const gained = filled && throughput >= GAIN * this.#bestUpTo(this.#limit / 2);
    if (filled) this.#throughputs.set(this.#limit, throughput);
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

  /** The best throughput of a filled window at `limit` or less (Infinity: none measured). */
  #bestUpTo(limit: number): number {
    let best = -Infinity;
    for (const [l, t] of this.#throughputs) if (l <= limit) best = Math.max(best, t);
    return best === -Infinity ? Infinity : best;
  }
}

/**
 * Throughput over the best of a filled window at half the limit or less past which a rise of
 * latency is no queue to back off from (see 5.): well past a window's noise of a few calls, well
 * short of the 2× that a doubling of calls that only wait gains.
 */
const GAIN = 1.25;

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}
