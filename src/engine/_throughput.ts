// The workers' throughput during a run, from their replies: the evidence behind a change of course
// (see `Run.#watchCourse`). The clock is the caller's, so the rule is tested with scripted times.

/** One worker's replies since its first: items and time between replies, and the slowest. */
interface Stretch {
  last: number;
  gaps: number;
  items: number;
  ms: number;
  slowItems: number;
  slowMs: number;
}

/**
 * Items per ms completed by a run's workers, each worker timed from its own first reply (its
 * start-up and its first chunk are behind it), summed over the workers. Each worker's slowest
 * stretch between two replies (the longest time per item) is left out once it has two or more:
 * one pause of the calling thread or a worker (a garbage collection, other processes' turn on the
 * CPU) is not the workers' throughput, and with every reply a new test, a single pause would
 * otherwise end up deciding (20,000 items of 1 µs on two workers: four replies in 2.5 ms, then none
 * for 4.9 ms, read as 0.43× the plain loop's rate, and the run changed course to it: 1.7× the
 * forced configuration's time). Per worker, not over the run's replies in turn: workers that reply
 * together (chunks of a size, started together) come in waves, in which the longest wait between
 * two replies is the wave, not a pause.
 *
 * @example Usage
 * ```ts
 * import { Throughput } from "./_throughput.ts";
 * import assert from "node:assert/strict";
 *
 * const t = new Throughput();
 * for (const w of ["a", "b"]) t.reply(w, 4, 0); // first replies: the start of each worker's time
 * for (let k = 1; k <= 3; k++) for (const w of ["a", "b"]) t.reply(w, 4, 2 * k);
 * assert.equal(t.leastStretches, 3);
 * assert.equal(t.itemsPerMs(), 4); // two workers, 4 items per 2 ms each
 * ```
 */
export class Throughput {
  #workers = new Map<unknown, Stretch>();

  /** Workers that replied at least once. */
  get workers(): number {
    return this.#workers.size;
  }

  /** The fewest stretches between two replies of one worker (0 before every worker has one). */
  get leastStretches(): number {
    let least = Infinity;
    for (const w of this.#workers.values()) least = Math.min(least, w.gaps);
    return Number.isFinite(least) ? least : 0;
  }

  /** `worker` replied at `now` (ms) with `items` completed. */
  reply(worker: unknown, items: number, now: number): void {
    const w = this.#workers.get(worker);
    if (!w) {
      this.#workers.set(worker, { last: now, gaps: 0, items: 0, ms: 0, slowItems: 0, slowMs: 0 });
      return;
    }
    const ms = Math.max(now - w.last, 0);
    w.last = now;
    w.gaps++;
    w.items += items;
    w.ms += ms;
    if (ms * w.slowItems >= w.slowMs * items) {
      w.slowItems = items;
      w.slowMs = ms;
    }
  }

  /** Items per ms of all workers together (0 before any worker replied twice). */
  itemsPerMs(): number {
    let rate = 0;
    for (const w of this.#workers.values()) {
      if (w.gaps === 0) continue;
      const items = w.gaps >= 2 ? w.items - w.slowItems : w.items;
      const ms = w.gaps >= 2 ? w.ms - w.slowMs : w.ms;
      rate += items / Math.max(ms, 1e-3);
    }
    return rate;
  }
}
