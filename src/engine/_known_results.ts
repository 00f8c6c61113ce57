// Results computed before a run (the optimizer's look, its helpers, its sampling), by item
// index: the run hands them on and never recomputes them. They are kept as spans of consecutive
// indices, not as one hash entry per result: the look keeps thousands of sub-microsecond results
// in order, and a Map entry each (~0.1 µs) cost about what such an item costs to compute.

/** Longest span a result is put in front of (a longer one gets a new span before it). */
const PREPEND_MOST = 64;

/** Consecutive results: `values[k]` is the result of item `start + k`. */
interface Span {
  start: number;
  values: unknown[];
}

/**
 * Results by item index, stored as sorted, disjoint spans of consecutive indices. Writing in
 * increasing index order extends the last span (an array push) or adds one (`setRun`, without a
 * copy); reads find the span by binary search over the spans (a few dozen at most: the look's
 * spread items, its batches, sampled chunks), or at once when they go in order.
 *
 * @example Usage
 * ```ts
 * import { KnownResults } from "./_known_results.ts";
 * import assert from "node:assert/strict";
 *
 * const known = new KnownResults();
 * for (let i = 10; i < 20; i++) known.set(i, i * i);
 * known.set(50, "far");
 * assert.equal(known.size, 11);
 * assert.equal(known.handled, 11); // none in flight
 * assert.equal(known.get(12), 144);
 * assert.equal(known.has(20), false);
 * assert.equal(known.nextFrom(20), 50);
 * assert.deepEqual(known.within(18, 60), [18, 19, 50]);
 * assert.equal(known.keptUntil(15), 20);
 * assert.deepEqual(known.slice(18, 20), [324, 361]);
 * const into = new Array(21);
 * assert.equal(known.copyTo(into, 18, 21), false); // item 20 is not kept: nothing written
 * assert.equal(known.copyTo(into, 18, 20), true);
 * assert.deepEqual([into[18], into[19], 20 in into], [324, 361, false]);
 * ```
 */
export class KnownResults {
  #spans: Span[] = [];
  #size = 0;
  /** The span found last: reads and writes in order find it without a search. */
  #last = -1;

  /** How many results are kept. */
  get size(): number {
    return this.#size;
  }

  /** The position of the last span starting at or before `i` (-1: none). */
  #find(i: number): number {
    const s = this.#spans;
    const l = this.#last;
    if (l >= 0 && s[l].start <= i && (l + 1 === s.length || s[l + 1].start > i)) return l;
    if (l + 1 < s.length && s[l + 1].start <= i && (l + 2 === s.length || s[l + 2].start > i)) {
      return this.#last = l + 1;
    }
    let lo = 0, hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].start <= i) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) this.#last = lo - 1;
    return lo - 1;
  }

  /** Whether item `i`'s result is kept. */
  has(i: number): boolean {
    const k = this.#find(i);
    return k >= 0 && i - this.#spans[k].start < this.#spans[k].values.length;
  }

  /** Item `i`'s result (undefined when not kept). */
  get(i: number): unknown {
    const k = this.#find(i);
    if (k < 0) return undefined;
    const { start, values } = this.#spans[k];
    return i - start < values.length ? values[i - start] : undefined;
  }

  /** Keep item `i`'s result (a result kept already is replaced). */
  set(i: number, r: unknown): void {
    const s = this.#spans;
    const k = this.#find(i);
    const span = k >= 0 ? s[k] : undefined;
    if (span && i - span.start < span.values.length) {
      span.values[i - span.start] = r;
      this.#last = k;
      return;
    }
    this.#size++;
    if (span && i === span.start + span.values.length) {
      span.values.push(r);
      this.#last = k;
      const next = s[k + 1];
      if (next && next.start === i + 1) { // the gap closed: one span
        for (const v of next.values) span.values.push(v);
        s.splice(k + 1, 1);
      }
      return;
    }
    const next = s[k + 1];
    if (next && next.start === i + 1 && next.values.length < PREPEND_MOST) {
      next.start = i;
      next.values.unshift(r); // short: writes in decreasing order stay linear
      this.#last = k + 1;
      return;
    }
    s.splice(k + 1, 0, { start: i, values: [r] });
    this.#last = k + 1;
  }

  /**
   * Keep the results of items `start`, `start + 1`, … as one span (`values` is kept as it is: the
   * caller hands it over; a span next to another is not merged with it). Spans that lie within it
   * are replaced by it (the look's single items, spread over an array, inside a batch that ran
   * around them); other indices kept already are replaced one by one.
   */
  setRun(start: number, values: unknown[]): void {
    const s = this.#spans;
    const end = start + values.length;
    const k = this.#find(start);
    // The spans from `first` up to `last` (excluded) lie within [start, end).
    const first = k >= 0 && s[k].start === start ? k : k + 1;
    let last = first, within = 0;
    while (last < s.length && s[last].start < end) {
      if (s[last].start + s[last].values.length > end) break;
      within += s[last].values.length;
      last++;
    }
    const before = first > k ? s[k] : undefined;
    if (
      values.length < 2 || (before && start < before.start + before.values.length) ||
      (last < s.length && s[last].start < end)
    ) {
      values.forEach((v, j) => this.set(start + j, v));
      return;
    }
    this.#size += values.length - within;
    s.splice(first, last - first, { start, values });
    this.#last = first;
  }

  /** A copy of the results of items [`start`, `end`) when every one of them is kept. */
  slice(start: number, end: number): unknown[] | undefined {
    if (end <= start || this.keptUntil(start) < end) return undefined;
    const parts: unknown[][] = [];
    for (let k = this.#find(start), i = start; i < end; k++) {
      const { start: s, values } = this.#spans[k];
      const stop = Math.min(end, s + values.length);
      parts.push(values.slice(i - s, stop - s));
      i = stop;
    }
    return parts.length === 1 ? parts[0] : ([] as unknown[]).concat(...parts);
  }

  /**
   * Write the results of items [`start`, `end`) to `into[start]`, `into[start + 1]`, … when every
   * one of them is kept (a run's results in place: no copy made first); returns whether it did.
   */
  copyTo(into: unknown[], start: number, end: number): boolean {
    if (end <= start || this.keptUntil(start) < end) return false;
    for (let k = this.#find(start), i = start; i < end; k++) {
      const { start: s, values } = this.#spans[k];
      const stop = Math.min(end, s + values.length);
      for (; i < stop; i++) into[i] = values[i - s];
    }
    return true;
  }

  /** The first index at or after `i` whose result is not kept (`i` itself when it is not). */
  keptUntil(i: number): number {
    const s = this.#spans;
    let end = i;
    for (let k = Math.max(0, this.#find(i)); k < s.length && s[k].start <= end; k++) {
      end = Math.max(end, s[k].start + s[k].values.length);
    }
    return end;
  }

  /** The first kept index at or after `i` (-1: none). */
  nextFrom(i: number): number {
    const k = this.#find(i);
    if (k >= 0 && i - this.#spans[k].start < this.#spans[k].values.length) return i;
    return k + 1 < this.#spans.length ? this.#spans[k + 1].start : -1;
  }

  /** The kept indices in [`start`, `end`), ascending. */
  within(start: number, end: number): number[] {
    const out: number[] = [];
    for (let i = this.nextFrom(start); i >= 0 && i < end;) {
      const k = this.#find(i);
      const { start: s, values } = this.#spans[k];
      const stop = Math.min(end, s + values.length);
      for (; i < stop; i++) out.push(i);
      i = this.nextFrom(stop);
    }
    return out;
  }

  /** The kept results, in index order; with `most`, that many spread over them. */
  values(most = Infinity): unknown[] {
    const out: unknown[] = [];
    const step = Math.max(1, this.#size / most);
    let at = 0; // the position (among all kept results) of the next one taken
    let seen = 0;
    for (const { values } of this.#spans) {
      for (; Math.floor(at) - seen < values.length && out.length < most; at += step) {
        out.push(values[Math.floor(at) - seen]);
      }
      seen += values.length;
    }
    return out;
  }

  /** Each kept result with its index, in index order. */
  forEach(f: (r: unknown, i: number) => void): void {
    for (const { start, values } of this.#spans) values.forEach((v, k) => f(v, start + k));
  }

  // Calls still in flight: an async task's calls the look started and left running, so that
  // the run starts its own beside them rather than after them (see `settle`).
  #inFlight = new Map<number, Promise<Settled>>();

  /** Item `i`'s call, started before the run and not settled yet (it must never reject). */
  setInFlight(i: number, call: Promise<Settled>): void {
    this.#inFlight.set(i, call);
  }

  /**
   * Item `i`'s call in flight, if any, handed over (no longer counted here): only the async
   * executor runs with calls in flight.
   */
  takeInFlight(i: number): Promise<Settled> | undefined {
    const call = this.#inFlight.get(i);
    this.#inFlight.delete(i);
    return call;
  }

  /** Each call in flight (not handed over yet). */
  forEachInFlight(f: (call: Promise<Settled>, i: number) => void): void {
    this.#inFlight.forEach(f);
  }

  /** How many calls are in flight and not handed over (not counted in `size`). */
  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** Items taken care of: those whose result is kept and those whose call is in flight. */
  get handled(): number {
    return this.#size + this.#inFlight.size;
  }

  /**
   * Wait for the calls in flight before item `before` (every one by default), in index order:
   * each result is kept, until the first failure, which is returned. The calls after it, and
   * those at `before` or later, are abandoned (no call is left here: a run other than the async
   * executor's needs all, and a failure ends the job).
   */
  async settle(before = Infinity): Promise<{ index: number; error: unknown } | undefined> {
    const calls = [...this.#inFlight].filter(([i]) => i < before).sort((a, b) => a[0] - b[0]);
    this.#inFlight.clear();
    for (const [i, call] of calls) {
      const x = await call;
      if (!x.ok) return { index: i, error: x.error };
      this.set(i, x.value);
    }
    return undefined;
  }
}

/** How a call settled: its result, or what it threw. */
export type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };
