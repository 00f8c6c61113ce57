// One listener on a caller's AbortSignal for every run and call that waits on it.
import { abortError } from "./errors.ts";

/**
 * Call `stop` with the abort's error when `signal` aborts; returns the way to stop watching. One
 * listener on the caller's signal for all the runs and calls waiting on it, not one each (Node
 * warned of a listener leak past ten: MaxListenersExceededWarning with 11 calls in flight, or 11
 * runs at once, sharing a signal); a watcher that leaves the set holds nothing of it.
 *
 * @example Usage
 * ```ts
 * import { watchAbort } from "./_abort_watch.ts";
 * import assert from "node:assert/strict";
 *
 * const c = new AbortController();
 * const seen: string[] = [];
 * watchAbort(c.signal, (e) => seen.push(e.name));
 * const unwatch = watchAbort(c.signal, () => seen.push("left"));
 * unwatch();
 * c.abort();
 * assert.deepEqual(seen, ["AbortError"]);
 * ```
 */
export function watchAbort(signal: AbortSignal, stop: (e: Error) => void): () => void {
  let stops = watched.get(signal);
  if (!stops) {
    const all = stops = new Set();
    watched.set(signal, all);
    signal.addEventListener("abort", () => {
      const e = abortError(signal);
      for (const f of all) f(e);
      all.clear();
    }, { once: true });
  }
  const mine = stops;
  mine.add(stop);
  return () => mine.delete(stop);
}
const watched = new WeakMap<AbortSignal, Set<(e: Error) => void>>();
