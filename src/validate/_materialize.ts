// Data for the validation functions: an array they can run several times over, and evenly spread
// samples of it.
import { positiveInt, wrongType } from "../args.ts";
import { abortError, type Data } from "../engine/mod.ts";

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
 * when there is no item: nothing can be measured. An aborted `signal` reads nothing; its abort
 * ends the wait for an async iterable's next item at once.
 */
export async function materialize<I>(
  data: Data<I>,
  maxItems?: number,
  signal?: AbortSignal,
): Promise<Materialized<I>> {
  if (maxItems !== undefined) positiveInt("maxItems", maxItems);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    wrongType("signal", "an AbortSignal", signal);
  }
  if (signal?.aborted) throw abortError(signal);
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
    const cap = maxItems ?? ITERABLE_DEFAULT_MAX;
    ({ items, truncated } = await _readAsync(data as AsyncIterable<I>, cap, signal));
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

/** Read up to `cap` items; an abort of `signal` ends the wait for the next item at once. */
async function _readAsync<I>(
  data: AsyncIterable<I>,
  cap: number,
  signal: AbortSignal | undefined,
): Promise<Materialized<I>> {
  const items: I[] = [];
  const it = data[Symbol.asyncIterator]();
  let unwatch = () => {};
  const aborted = signal && new Promise<never>((_, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    unwatch = () => signal.removeEventListener("abort", onAbort);
  });
  aborted?.catch(() => {}); // an abort while no read waits is no unhandled rejection
  try {
    while (true) {
      const next = aborted ? await Promise.race([it.next(), aborted]) : await it.next();
      if (next.done) return { items };
      if (items.length >= cap) {
        await it.return?.();
        return {
          items,
          truncated: `measured the first ${cap} items of the async iterable (maxItems)`,
        };
      }
      items.push(next.value);
    }
  } catch (e) {
    // Aborted while the source was waiting: let it close when its pending item settles.
    if (signal?.aborted) Promise.resolve(it.return?.()).catch(() => {});
    throw e;
  } finally {
    unwatch();
  }
}

/**
 * `k` items spread evenly over `items` (all of them when k ≥ length), in their order, with the
 * index in `items` of each (`at[j]` for the sample's item `j`).
 */
export function spreadSample<I>(items: readonly I[], k: number): { sample: I[]; at: number[] } {
  const step = k >= items.length ? 1 : items.length / k;
  const at = k >= items.length
    ? items.map((_, i) => i)
    : Array.from({ length: k }, (_, j) => Math.floor(j * step + step / 2));
  return { sample: at.map((i) => items[i]), at };
}
