// When the last worker finishes: the engine's own chunk-size policy (the real ChunkSizer) fed
// with the predicted per-item time, chunks handed to the worker that frees up first.
import { ChunkSizer } from "../engine/mod.ts";

export interface MakespanInput {
  n: number;
  perItemMs: number;
  /** The per-item time in chunks of a given size, where it depends on it (else `perItemMs`). */
  perItemAt?: (size: number) => number;
  chunkOverheadMs: number;
  workers: number;
  chunkSize: number;
  adaptive: boolean;
  targetChunkMs: number;
}

export interface Makespan {
  ms: number;
  chunks: number;
  lastChunkSize: number;
}

const MAX_SIMULATED = 4000;
/** Simulation steps at most (see the end of `estimateMakespan`). */
const MAX_STEPS = 100_000;
/** Waves of steady chunks simulated one by one before the end (the guided tail shrinks them). */
const TAIL_WAVES = 8;

export function estimateMakespan(x: MakespanInput): Makespan {
  const c = Math.max(1, Math.min(x.chunkSize, x.n));
  const each = x.perItemAt ?? (() => x.perItemMs);
  if (!x.adaptive && Math.ceil(x.n / c) > MAX_SIMULATED) {
    // Uniform chunks: full waves of w chunks, the last wave possibly partial.
    const chunks = Math.ceil(x.n / c);
    const d = c * each(c) + x.chunkOverheadMs;
    return { ms: Math.ceil(chunks / x.workers) * d, chunks, lastChunkSize: x.n - (chunks - 1) * c };
  }
  const sizer = new ChunkSizer({
    initial: c,
    adaptive: x.adaptive,
    workers: x.workers,
    targetMs: x.targetChunkMs,
  });
  // When each worker frees up: a min-heap (a uniform add keeps its order), so that a step costs
  // log(workers), not workers (on 128 cores a decision predicted 2,300 configurations, each
  // simulating about a thousand chunks: 90–190 ms with a scan of every worker per chunk).
  const free = new Array<number>(x.workers).fill(0);
  let left = x.n, chunks = 0, last = 0;
  for (let steps = 0; left > 0 && steps < MAX_STEPS; steps++) {
    const size = Math.min(left, sizer.next(left));
    // Steady: the chunk size settled, and the guided tail is far off: whole waves at once (every
    // worker takes one more chunk of the same duration per wave), so that a long job of short
    // chunks costs a few hundred steps, not one per chunk.
    const steady = TAIL_WAVES * x.workers * size;
    if (size === last && left > steady + x.workers * size) {
      const waves = Math.floor((left - steady) / (x.workers * size));
      const d = size * each(size) + x.chunkOverheadMs;
      for (let i = 0; i < free.length; i++) free[i] += waves * d;
      left -= waves * x.workers * size;
      chunks += waves * x.workers;
    }
    // The worker that frees up first takes the chunk: the root of the heap.
    const ms = size * each(size);
    free[0] += ms + x.chunkOverheadMs;
    siftDown(free);
    sizer.record(size, ms);
    left -= size;
    last = size;
    chunks++;
  }
  // Never reached with a settling chunk size; else the rest spread evenly.
  const rest = left > 0 ? (left * each(last) + (left / last) * x.chunkOverheadMs) / x.workers : 0;
  return { ms: Math.max(...free) + rest, chunks, lastChunkSize: last || c };
}

/** Restore a min-heap whose root grew. */
function siftDown(heap: number[]): void {
  const n = heap.length, v = heap[0];
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const c = l + 1 < n && heap[l + 1] < heap[l] ? l + 1 : l;
    if (heap[c] >= v) break;
    heap[i] = heap[c];
    i = c;
  }
  heap[i] = v;
}
