// One listener on a caller's AbortSignal for every run and call that waits on it.
import { abortError } from "./errors.ts";

/** The watchers of one signal and the one listener that calls them. */
interface Watch {
  stops: Set<(e: Error) => void>;
  listener: () => void;
}

/**
 * Call `stop` with the abort's error when `signal` aborts; returns the way to stop watching. One
 * listener on the caller's signal for all the runs and calls waiting on it, not one each (Node
 * warned of a listener leak past ten: MaxListenersExceededWarning with 11 calls in flight, or 11
 * runs at once, sharing a signal). The last watcher to leave removes the listener: on Deno, an
 * `AbortSignal.timeout(60_000)` with a listener keeps the process alive until it fires (a script
 * whose run had ended 0.5 s in exited 60 s later).
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
  let watch = watched.get(signal);
  if (!watch) {
    const stops = new Set<(e: Error) => void>();
    const listener = () => {
      watched.delete(signal);
      const e = abortError(signal);
      for (const f of stops) f(e);
      stops.clear();
    };
    watch = { stops, listener };
    watched.set(signal, watch);
    signal.addEventListener("abort", listener, { once: true });
  }
  const mine = watch;
  mine.stops.add(stop);
  return () => {
    if (!mine.stops.delete(stop) || mine.stops.size > 0) return;
    signal.removeEventListener("abort", mine.listener);
    if (watched.get(signal) === mine) watched.delete(signal);
  };
}
const watched = new WeakMap<AbortSignal, Watch>();
