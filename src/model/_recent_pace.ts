/**
 * The pace of the items run on the calling thread while workers load the task (see
 * `runWhileLoading`): that of the latest slices, and whether it holds.
 *
 * @module
 */

/**
 * The pace (ms per item) of the latest slices of items, at least `windowMs` of them and
 * `minItems` items after the first (cold) one: not the fastest slice's — items differ, and the
 * fastest of a few hundred slices of markdown renders read half the mean (a run on workers then
 * changed course to this thread); nor the mean since the first — the runtime compiles the task's
 * hot code over its first hundreds of items (renders: 0.3–0.5 ms each over the first 400, 0.15
 * once warm), and the items left run at the latest pace.
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
 * assert.equal(pace.holds(0.2), false); // no window before this one yet
 * for (let k = 0; k < 20; k++) pace.add(1, 4); // faster: the window keeps the latest 20 ms
 * assert.equal(pace.perItemMs, 0.25);
 * assert.equal(pace.holds(0.2), false); // twice as fast as the 20 ms before
 * for (let k = 0; k < 20; k++) pace.add(1, 4);
 * assert.equal(pace.holds(0.2), true);
 * ```
 */
export class RecentPace {
  #window = new Slices();
  /** The slices of about `windowMs` of work before the window. */
  #before = new Slices();
  #first?: number;
  readonly #windowMs: number;
  readonly #minItems: number;

  /**
   * @param windowMs The work (ms) of the latest slices the pace is read over.
   * @param minItems The fewest items it is read over (the window holds both).
   */
  constructor(windowMs: number, minItems = 1) {
    this.#windowMs = windowMs;
    this.#minItems = minItems;
  }

  /** Record a slice of `items` items that took `ms`. */
  add(ms: number, items: number): void {
    if (this.#first === undefined) {
      this.#first = ms / items;
      return;
    }
    this.#window.push(ms, items);
    const keep = [this.#windowMs, this.#minItems] as const;
    for (const old of this.#window.trim(...keep)) this.#before.push(old.ms, old.items);
    this.#before.trim(...keep);
  }

  /** Ms per item of the window (the first slice's while it is alone; Infinity before any). */
  get perItemMs(): number {
    return this.#window.items > 0 ? this.#window.ms / this.#window.items : this.#first ?? Infinity;
  }

  /** The work (ms) of the slices in the window, the first one not counted. */
  get warmMs(): number {
    return this.#window.ms;
  }

  /**
   * Whether the pace holds: the window's halves (by work) ran within `spread` (a share, either
   * way) of each other, and the window within `spread` of the pace of about as much work before
   * it. Not while no such work is there yet, nor while the pace moves: the runtime compiles the
   * task's code over its first items, and not evenly. A library's first XML parses, in windows of
   * 20 ms, ran at 3.4, 5.6, 7.2, 1.5, 2.7, 1.2 ms each, then 0.6 from the 160th ms on: halves of
   * one window alone read the pace settled at 3–7 ms (workers were started for 1,500 parses judged
   * 5–10× their warm time), and so did a window against the one before it where the window held
   * the fall from one to the other (its mean passing the older one's).
   */
  holds(spread: number): boolean {
    const before = this.#before;
    if (before.ms < this.#windowMs / 2 || before.items < this.#minItems / 2) return false;
    const near = (a: number, b: number) => Math.abs(a - b) <= spread * b;
    const [older, newer] = this.#window.halves();
    return near(newer, older) && near(this.perItemMs, before.ms / before.items);
  }
}

/** Slices of items in order, with their work and items summed. */
class Slices {
  #list: { ms: number; items: number }[] = [];
  ms = 0;
  items = 0;

  push(ms: number, items: number): void {
    this.#list.push({ ms, items });
    this.ms += ms;
    this.items += items;
  }

  /**
   * Drop the oldest slices while the others hold `windowMs` of work and `minItems` items or more;
   * returns them.
   */
  trim(windowMs: number, minItems: number): { ms: number; items: number }[] {
    const out = [];
    while (
      this.#list.length > 1 && this.ms - this.#list[0].ms >= windowMs &&
      this.items - this.#list[0].items >= minItems
    ) {
      const old = this.#list.shift()!;
      this.ms -= old.ms;
      this.items -= old.items;
      out.push(old);
    }
    return out;
  }

  /** The pace (ms per item) of the older and the newer half of the slices, by work. */
  halves(): [older: number, newer: number] {
    let ms = 0, items = 0;
    for (let k = 0; k < this.#list.length && ms < this.ms / 2; k++) {
      ms += this.#list[k].ms;
      items += this.#list[k].items;
    }
    const rest = this.items - items;
    return [ms / items, rest > 0 ? (this.ms - ms) / rest : ms / items];
  }
}
