// The workers' throughput during a run, from their replies: the evidence behind a change of course
// (see `Run.#watchCourse`). The clock is the caller's, so the rule is tested with scripted times.

/** One worker's replies since its first: items and time between replies, and the slowest. */
interface Stretches {
  last: number;
  count: number;
  items: number;
  ms: number;
  slowItems: number;
  slowMs: number;
}

/**
 * Items per ms completed by a run's workers. Each worker is timed from its own first reply (its
 * start-up and first chunk behind it), over the stretches between its replies — each at least the
 * worker's own time for the chunk, so that replies this thread handled late and back to back do
 * not read as instant. Each worker's slowest stretch (the longest time per item) is left out: one
 * pause of the calling thread or a worker (a garbage collection, other processes' turn on the CPU)
 * is not the workers' throughput, and with every reply a new test, a single pause would otherwise
 * end up deciding (20,000 items of 1 µs on two workers: four replies in 2.5 ms, then none for
 * 4.9 ms, read as 0.43× the plain loop's rate, and the run changed course to it: 1.7× the forced
 * configuration's time). Per worker, not over the run's replies in turn: workers that reply
 * together come in waves, in which the longest wait between two replies is the wave, not a pause.
 * The rate is the measured stretches' items over their time, pooled over the workers, times the
 * workers (they run the same task), so a worker that has not replied twice yet, or one that died
 * (`forget`), does not count as idle.
 *
 * @example Usage
 * ```ts
 * import { Throughput } from "./_throughput.ts";
 * import assert from "node:assert/strict";
 *
 * const t = new Throughput();
 * for (const w of ["a", "b"]) t.reply(w, 4, 0, 2); // first replies: the start of each one's time
 * for (let k = 1; k <= 3; k++) for (const w of ["a", "b"]) t.reply(w, 4, 2 * k, 2);
 * assert.equal(t.measured, 4); // 3 stretches each, the slowest left out
 * assert.equal(t.itemsPerMs(), 4); // two workers, 4 items per 2 ms each
 * ```
 */
export class Throughput {
  #workers = new Map<unknown, Stretches>();

  /** Workers that replied at least once (and were not forgotten). */
  get workers(): number {
    return this.#workers.size;
  }

  /** Stretches measured: those between replies, less each worker's slowest. */
  get measured(): number {
    let n = 0;
    for (const w of this.#workers.values()) n += Math.max(0, w.count - 1);
    return n;
  }

  /**
   * `worker` replied at `now` (ms) with `items` completed, which took it `workerMs` (its own
   * time for the chunk).
   */
  reply(worker: unknown, items: number, now: number, workerMs = 0): void {
    const w = this.#workers.get(worker);
    if (!w) {
      this.#workers.set(worker, { last: now, count: 0, items: 0, ms: 0, slowItems: 0, slowMs: 0 });
      return;
    }
    if (items <= 0) return;
    const ms = Math.max(now - w.last, workerMs, 0);
    w.last = now;
    w.count++;
    w.items += items;
    w.ms += ms;
    if (w.count === 1 || ms * w.slowItems > w.slowMs * items) {
      w.slowItems = items;
      w.slowMs = ms;
    }
  }

  /** A worker that died: its replies no longer count (its replacement starts afresh). */
  forget(worker: unknown): void {
    this.#workers.delete(worker);
  }

  /** Items per ms of all the workers together (0 before a stretch was measured). */
  itemsPerMs(): number {
    let items = 0, ms = 0;
    for (const w of this.#workers.values()) {
      if (w.count < 2) continue;
      items += w.items - w.slowItems;
      ms += w.ms - w.slowMs;
    }
    return items > 0 ? (items / Math.max(ms, 1e-3)) * this.#workers.size : 0;
  }
}
