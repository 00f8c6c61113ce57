/**
 * The pace of the items run on the calling thread while workers load the task (see
 * `runWhileLoading`): that of the latest slices, and whether it still falls.
 *
 * @module
 */

/**
 * The pace (ms per item) of the latest slices of items, at least `windowMs` of them after the
 * first (cold) one: not the fastest slice's — items differ, and the fastest of a few hundred
 * slices of markdown renders read half the mean (a run on workers then changed course to this
 * thread); nor the mean since the first — the runtime compiles the task's hot code over its
 * first hundreds of items (renders: 0.3–0.5 ms each over the first 400, 0.15 once warm), and the
 * items left run at the latest pace.
 *
 * @example Usage
 * ```ts
 * import { RecentPace } from "./_recent_pace.ts";
 * import assert from "node:assert/strict";
 *
 * const pace = new RecentPace(20);
 * assert.equal(pace.perItemMs, Infinity);
 * pace.add(10, 1); // the first, cold slice stands alone until another is in
 * assert.equal(pace.perItemMs, 10);
 * for (let k = 0; k < 10; k++) pace.add(2, 4); // 0.5 ms per item
 * assert.equal(pace.perItemMs, 0.5);
 * for (let k = 0; k < 20; k++) pace.add(1, 4); // faster: the window keeps the latest 20 ms
 * assert.equal(pace.perItemMs, 0.25);
 * assert.equal(pace.falling(0.2), false);
 * ```
 */
export class RecentPace {
  #window: { ms: number; items: number }[] = [];
  #ms = 0;
  #items = 0;
  #first?: number;
  readonly #windowMs: number;

  /** @param windowMs The work (ms) of the latest slices the pace is read over. */
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Record a slice of `items` items that took `ms`. */
  add(ms: number, items: number): void {
    if (this.#first === undefined) {
      this.#first = ms / items;
      return;
    }
    this.#window.push({ ms, items });
    this.#ms += ms;
    this.#items += items;
    while (this.#window.length > 1 && this.#ms - this.#window[0].ms >= this.#windowMs) {
      const { ms, items } = this.#window.shift()!;
      this.#ms -= ms;
      this.#items -= items;
    }
  }

  /** Ms per item of the window (the first slice's while it is alone; Infinity before any). */
  get perItemMs(): number {
    return this.#items > 0 ? this.#ms / this.#items : this.#first ?? Infinity;
  }

  /** The work (ms) of the slices in the window, the first one not counted. */
  get warmMs(): number {
    return this.#ms;
  }

  /**
   * Whether the pace still falls: the newer half of the window (by time) ran over `fall` (a
   * share) faster than the older half (the runtime still compiling the task's code).
   */
  falling(fall: number): boolean {
    let ms = 0, items = 0;
    for (let k = 0; k < this.#window.length && ms < this.#ms / 2; k++) {
      ms += this.#window[k].ms;
      items += this.#window[k].items;
    }
    const older = ms / items, newer = (this.#ms - ms) / (this.#items - items);
    return newer < (1 - fall) * older;
  }
}
