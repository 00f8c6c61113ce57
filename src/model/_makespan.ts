// When the last worker finishes: the engine's own chunk-size policy (the real ChunkSizer) fed
// with the predicted per-item time, chunks handed to the worker that frees up first.
import { ChunkSizer } from "../engine/mod.ts";

export interface MakespanInput {
  n: number;
  perItemMs: number;
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

export function estimateMakespan(x: MakespanInput): Makespan {
  const c = Math.max(1, Math.min(x.chunkSize, x.n));
  if (!x.adaptive && Math.ceil(x.n / c) > MAX_SIMULATED) {
    // Uniform chunks: full waves of w chunks, the last wave possibly partial.
    const chunks = Math.ceil(x.n / c);
    const d = c * x.perItemMs + x.chunkOverheadMs;
    return { ms: Math.ceil(chunks / x.workers) * d, chunks, lastChunkSize: x.n - (chunks - 1) * c };
  }
  const sizer = new ChunkSizer({
    initial: c,
    adaptive: x.adaptive,
    workers: x.workers,
    targetMs: x.targetChunkMs,
  });
  const free = new Array<number>(x.workers).fill(0);
  let left = x.n, chunks = 0, last = c;
  while (left > 0 && chunks < 100_000) {
    const size = Math.min(left, sizer.next(left));
    let k = 0;
    for (let i = 1; i < free.length; i++) if (free[i] < free[k]) k = i;
    free[k] += size * x.perItemMs + x.chunkOverheadMs;
    sizer.record(size, size * x.perItemMs);
    left -= size;
    last = size;
    chunks++;
  }
  return { ms: Math.max(...free), chunks, lastChunkSize: last };
}
