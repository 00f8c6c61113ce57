// Run-time chunk sizing. Policy (documented in docs/engine.md, "Adaptive chunk size"):
//  1. Start from the given chunk size.
//  2. Track the per-item compute time the workers report, smoothed like joblib (the first
//     sample as-is, then 0.8 · old + 0.2 · new).
//  3. Move toward chunks of `targetMs` (default 10 ms): at most doubling or halving per chunk.
//  4. Never below a floor of `minChunkMs` (default 2 ms) of work, so messages stay cheap, and
//     never above `maxItems` (default 4096) items, so that tiny items do not grow into huge
//     chunks: past a few milliseconds of work a chunk gains nothing, and memory in flight (and
//     the streaming look-ahead) is proportional to the chunk size.
//  5. When the remaining count is known, shrink toward the end ("guided" scheduling, as OpenMP):
//     at most remaining / (2 · workers) items per chunk, so the last wave leaves no worker idle.
//  6. Chunks in flight per worker: enough short chunks to keep ~10 ms of work queued (2 to 8),
//     so that a worker never waits for a main thread that the OS has not yet woken (on a loaded
//     machine a wake-up takes milliseconds); one once chunks are long (> 50 ms).
// `adaptive: false` keeps the given size exactly and one size for every chunk.

/** Work to keep queued on each worker while chunks are short (ms). */
const QUEUED_MS = 10;

export interface SizerOptions {
  initial: number;
  adaptive: boolean;
  workers: number;
  targetMs: number;
  minChunkMs?: number;
  maxItems?: number;
}

export class ChunkSizer {
  #size: number;
  #perItemMs?: number;
  #o: Required<SizerOptions>;

  constructor(o: SizerOptions) {
    this.#o = { ...o, minChunkMs: o.minChunkMs ?? 2, maxItems: o.maxItems ?? 4096 };
    this.#size = o.initial;
  }

  /** Size of the next chunk, given how many items remain (undefined when unknown). */
  next(remaining: number | undefined): number {
    let size = this.#size;
    if (!this.#o.adaptive) return size;
    if (remaining !== undefined) {
      const guided = Math.ceil(remaining / (2 * this.#o.workers));
      const floor = this.#perItemMs ? Math.ceil(this.#o.minChunkMs / this.#perItemMs) : 1;
      size = Math.max(Math.min(size, guided), Math.min(floor, size));
    }
    return Math.max(1, size);
  }

  /** Record a finished chunk: `items` items took `ms` of compute in the worker. */
  record(items: number, ms: number): void {
    if (items <= 0 || !(ms >= 0)) return;
    const per = Math.max(ms / items, 1e-6);
    this.#perItemMs = this.#perItemMs === undefined ? per : 0.8 * this.#perItemMs + 0.2 * per;
    if (!this.#o.adaptive) return;
    const ideal = Math.max(
      1,
      Math.min(this.#o.maxItems, Math.round(this.#o.targetMs / this.#perItemMs)),
    );
    this.#size = Math.max(1, Math.min(2 * this.#size, Math.max(ideal, Math.floor(this.#size / 2))));
  }

  /** How many chunks to keep in flight on each worker. */
  inflightPerWorker(): number {
    if (this.#perItemMs === undefined) return 2;
    const chunkMs = this.#perItemMs * this.#size;
    if (chunkMs > 50) return 1;
    return Math.max(2, Math.min(8, Math.ceil(QUEUED_MS / chunkMs)));
  }

  /** The run's workers changed (grown): the guided bound follows them. */
  setWorkers(workers: number): void {
    this.#o.workers = Math.max(1, workers);
  }

  /** Smoothed per-item compute time (ms), once measured. */
  get perItemMs(): number | undefined {
    return this.#perItemMs;
  }
}
