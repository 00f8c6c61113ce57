// Data for the validation functions: an array they can run several times over, and evenly spread
// samples of it.
import { positiveInt } from "../args.ts";
import type { Data } from "../engine/mod.ts";

/** Items used when an iterable is given without `maxItems` (it may be infinite). */
const ITERABLE_DEFAULT_MAX = 10_000;

/** The items to measure on, and a note when they were cut short. */
export interface Materialized<I> {
  items: I[];
  truncated?: string;
}

/**
 * The data as an array: arrays are used as they are (their first `maxItems` items when given);
 * iterables and async iterables are read up to `maxItems` (default 10 000). Throws a RangeError
 * when there is no item: nothing can be measured.
 */
export async function materialize<I>(data: Data<I>, maxItems?: number): Promise<Materialized<I>> {
  if (maxItems !== undefined) positiveInt("maxItems", maxItems);
  let items: I[];
  let truncated: string | undefined;
  if (Array.isArray(data)) {
    items = maxItems !== undefined && data.length > maxItems ? data.slice(0, maxItems) : data;
    if (items !== data) truncated = `measured the first ${maxItems} of ${data.length} items`;
  } else if (data && typeof (data as Iterable<I>)[Symbol.iterator] === "function") {
    items = [];
    const cap = maxItems ?? ITERABLE_DEFAULT_MAX;
    for (const x of data as Iterable<I>) {
      if (items.length >= cap) {
        truncated = `measured the first ${cap} items of the iterable (maxItems)`;
        break;
      }
      items.push(x);
    }
  } else if (data && typeof (data as AsyncIterable<I>)[Symbol.asyncIterator] === "function") {
    items = [];
    const cap = maxItems ?? ITERABLE_DEFAULT_MAX;
    for await (const x of data as AsyncIterable<I>) {
      if (items.length >= cap) {
        truncated = `measured the first ${cap} items of the async iterable (maxItems)`;
        break;
      }
      items.push(x);
    }
  } else {
    throw new TypeError(
      `'data' must be an array, an iterable or an async iterable, got ${
        data === null ? "null" : typeof data
      }`,
    );
  }
  if (items.length === 0) throw new RangeError("'data' must hold at least one item, got 0 items");
  return { items, truncated };
}

/** `k` items spread evenly over `items` (all of them when k ≥ length), in their order. */
export function spreadSample<I>(items: readonly I[], k: number): I[] {
  if (k >= items.length) return [...items];
  const step = items.length / k;
  return Array.from({ length: k }, (_, j) => items[Math.floor(j * step + step / 2)]);
}
