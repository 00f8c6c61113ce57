// The speed of the calling thread on this task: a plain loop runs here, and on some runtimes the
// main thread runs the same code slower than a worker does (Deno's tiering slows hot loops on the
// main thread). Runs a few more items here after sampling; their results are kept.
import type { _Source } from "../engine/_source.ts";
import { runtime } from "../runtime/detect.ts";
import { _spreadIndices } from "./_spread.ts";

export interface MainCalibration {
  /** Per-item time on the calling thread (ms), from the warm second half of the items. */
  perItemMs?: number;
  /** Items run. */
  items: number;
  /** Items pulled from a one-shot source (to give back, in order). */
  pulled: unknown[];
  failure?: { index: number; error: Error };
}

/**
 * Run about `targetMs` of items here (at most `maxItems`): fast items (< 0.5 ms) at least 16, timed
 * over the warm second half; slow items at least 1, all timed.
 */
export function _mainCalibrate(
  fn: (x: unknown) => unknown,
  src: _Source<unknown>,
  known: Map<number, unknown>,
  perItemGuessMs: number,
  targetMs: number,
  maxItems: number,
): MainCalibration {
  const rt = runtime();
  const out: MainCalibration = { pulled: [], items: 0 };
  // Slow items: JIT warm-up is negligible, a few items tell. Fast ones: at least 16, in halves.
  const slow = perItemGuessMs >= 0.5;
  const want = Math.min(
    maxItems,
    Math.max(slow ? 1 : 16, Math.ceil(targetMs / Math.max(perItemGuessMs, 1e-4))),
  );
  const items: unknown[] = [], indices: number[] = [];
  if (src.indexable) {
    for (const i of _spreadIndices(src.total ?? 0, known)) {
      if (items.length >= want) break;
      indices.push(i);
      items.push(src.at(i));
    }
  } else {
    if (src.isAsync) return out; // a one-shot async source cannot be pulled synchronously
    const start = src.pulled;
    out.pulled = src.takeSync(want);
    out.pulled.forEach((x, k) => {
      items.push(x);
      indices.push(start + k);
    });
  }
  if (items.length < (slow ? 1 : 8)) return out;
  const half = slow ? 0 : items.length >> 1;
  let k = 0;
  const t0 = rt.now();
  try {
    let tHalf = t0;
    for (; k < items.length; k++) {
      if (k === half) tHalf = rt.now();
      known.set(indices[k], fn(items[k]));
    }
    out.perItemMs = (rt.now() - tHalf) / (items.length - half);
    out.items = items.length;
  } catch (e) {
    out.failure = { index: indices[k], error: e instanceof Error ? e : new Error(String(e)) };
  }
  return out;
}
