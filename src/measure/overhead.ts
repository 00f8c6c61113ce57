/**
 * What parallelism costs on this runtime, measured once per process and cached: worker start
 * (marginal method), per-chunk dispatch, round trip, worker memory, and the engine's own cost per
 * item (once a job of small items needs it). Workers started for measuring stay in the pool.
 *
 * @module
 */
import { measureChunk, type Pool, Run, Source, startHoldMs, workerSet } from "../engine/mod.ts";
import { runtime } from "../runtime/mod.ts";
import { type TaskSpec, taskSpec } from "../task/mod.ts";
import { median } from "./statistics.ts";

/** Measured costs of parallelism; each figure says whether it was measured or a fallback. */
export interface Overheads {
  /** Time to start the first worker until it answers (ms). */
  firstStartMs: number;
  /**
   * Extra time per additional worker started at once (ms): marginal method, (T(k) − T(1)) /
   * (k − 1) from the pool's batch starts; a per-runtime fallback until a batch was seen.
   */
  marginalStartMs: number;
  /** Main-thread cost per chunk when chunks are pipelined (ms). */
  chunkMs: number;
  /** Round trip of an empty chunk (ms). */
  roundTripMs: number;
  /**
   * The engine's own cost per (small) item, beyond the task and its encoding's cost (ms); measured
   * once items under 20 µs (or of unknown time) are decided on, a fallback of 0.2 µs before.
   */
  itemMs: number;
  /** Resident memory a worker adds (bytes). */
  workerMemoryBytes: number;
  /** "measured" or "fallback", per figure. */
  sources: Record<"start" | "chunk" | "memory" | "item", "measured" | "fallback">;
}

// Per-runtime fallbacks, from measurements on a 2-core Linux machine (docs/model.md): a pool
// worker's start until it answers (its entry module's imports included), the first and each
// further one started with it, and the calling thread's time in its constructor (see
// `startHold`). A pool's start of one worker, then of two, 3–4 processes each: Node 80–100 ms
// and 111–126, Bun 22–40 and 31–65, Deno 15–23 (its constructor's hold of 53–79 ms apart). The
// figures of a worker with nothing to import (Node 27, Bun 3, Deno 12 ms) held first calls'
// starts to a tenth of that on Bun. Node's worker entry is one module in the npm package (see
// `scripts/build_npm.ts`): a process's first automatic call started its worker in 30–35 ms
// (54–87 with the entry's 42 modules), a forced call one worker in 27–33 ms and two in 32–50.
const FALLBACK: Record<string, [first: number, marginal: number, hold: number]> = {
  node: [35, 15, 2],
  deno: [18, 10, 45],
  bun: [28, 10, 1],
};

let cached: Overheads | undefined;
/** Whether the engine's own cost per item was measured in this process (or tried, and failed). */
let itemTried = false;

/**
 * Items looked at under this long (ms) need the engine's own cost per item measured (three runs
 * of 20,000 items through the scheduler: 15–21 ms of a process's first call on Deno and Bun);
 * longer ones take the fallback, `FALLBACK_ITEM_MS`. Measured, the cost is 0.05–0.1 µs an item:
 * under 1 % of a 20 µs item, whatever its measure.
 */
const ENGINE_ITEM_MATTERS_MS = 0.02;
/** The engine's own cost per item until measured (ms; see `ENGINE_ITEM_MATTERS_MS`). */
const FALLBACK_ITEM_MS = 0.0002;
const noop = (x: unknown) => x;

/**
 * Measure (once per process) what workers cost here, on workers of `pool` (they stay there for
 * the run).
 *
 * @param pool The pool to measure on.
 * @param perItemMs The task's time per item as looked at (ms), if known: the engine's own cost per
 *   item is measured (once a process) only for items under 20 µs, or of unknown time.
 * @returns The overheads (cached after the first call).
 *
 * @example Usage
 * ```ts
 * import { measureOverheads } from "./overhead.ts";
 * import { createPool } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const pool = createPool({ maxWorkers: 2 });
 * const o = await measureOverheads(pool);
 * assert.ok(o.chunkMs > 0 && o.roundTripMs > 0);
 * await pool.close();
 * ```
 */
export async function measureOverheads(pool: Pool, perItemMs?: number): Promise<Overheads> {
  const needItem = !(perItemMs !== undefined && perItemMs >= ENGINE_ITEM_MATTERS_MS);
  if (cached && (cached.sources.start === "measured" || pool.size > 0)) {
    if (needItem && !itemTried) cached = await withItemCost(pool, cached);
    return refineMarginal(cached, pool);
  }
  const rt = runtime();
  const [fbFirst, fbMarginal] = startFallback(rt.name);
  const sources: Overheads["sources"] = {
    start: "fallback",
    chunk: "fallback",
    memory: "fallback",
    item: "fallback",
  };
  let firstStartMs = fbFirst, marginalStartMs = fbMarginal, workerMemoryBytes = 12 * 2 ** 20;
  const rss0 = rt.memory().rssBytes ?? 0;
  // Sanity: a start costs 0.2..1000 ms; otherwise keep the runtime's fallback.
  const sane = (ms: number | undefined) => ms !== undefined && ms > 0.2 && ms < 1000;
  if (pool.size === 0) {
    const t1 = await pool.warm(1);
    if (sane(t1)) {
      firstStartMs = t1;
      sources.start = "measured";
    }
    const grown = (rt.memory().rssBytes ?? 0) - rss0;
    if (grown > 2 ** 20 && grown < 2 ** 31) {
      workerMemoryBytes = grown;
      sources.memory = "measured";
    }
  } else {
    // A worker started alone already (the optimizer's, loading the task while items ran on the
    // calling thread): its start, as timed then.
    await Promise.all(workerSet(pool).ensure(1).map((w) => w.ready)).catch(() => {});
    const alone = pool.startBatches.find((b) => b.count === 1)?.ms;
    if (sane(alone)) {
      firstStartMs = alone!;
      sources.start = "measured";
    }
  }
  // Marginal method: T(k) of a batch of k workers started together against T(1).
  const batch = pool.startBatches.find((b) => b.count >= 2);
  if (batch && sources.start === "measured") {
    const m = (batch.ms - firstStartMs) / (batch.count - 1);
    if (m > 0.05 && m < 10 * fbMarginal) marginalStartMs = m;
  }
  const { roundTripMs, pipelinedMs: pipelined } = await measureMessaging(pool, taskSpec(noop), 10);
  const chunkMs = pipelined > 0.005 && pipelined < 5 ? pipelined : 0.05;
  if (chunkMs === pipelined) sources.chunk = "measured";
  cached = {
    firstStartMs,
    marginalStartMs,
    chunkMs,
    roundTripMs,
    itemMs: FALLBACK_ITEM_MS,
    workerMemoryBytes,
    sources,
  };
  if (needItem) cached = await withItemCost(pool, cached);
  return cached;
}

/** `o` with the engine's own cost per item measured (tried once a process), else `o` as it is. */
async function withItemCost(pool: Pool, o: Overheads): Promise<Overheads> {
  itemTried = true;
  const itemMs = await enginePerItem(pool, taskSpec(noop), o.chunkMs, o.roundTripMs)
    .catch(() => undefined);
  return itemMs === undefined ? o : { ...o, itemMs, sources: { ...o.sources, item: "measured" } };
}

/** What {@linkcode measureMessaging} measured (ms). */
export interface Messaging {
  /** Median round trip of a one-item chunk to a worker and back. */
  roundTripMs: number;
  /** Time per chunk with 64 chunks in flight at once. */
  pipelinedMs: number;
}

/**
 * The messaging costs of a worker of `pool`: the round trip of a one-item chunk of `spec` (median
 * of `trips`, after two discarded warm-up trips), and the time per chunk when 64 are pipelined.
 */
export async function measureMessaging(
  pool: Pool,
  spec: TaskSpec,
  trips: number,
): Promise<Messaging> {
  const rt = runtime();
  const w = workerSet(pool).ensure(1)[0];
  const times: number[] = [];
  for (let i = 0; i < trips + 2; i++) {
    const t = rt.now();
    await measureChunk(w, spec, [i], false);
    times.push(rt.now() - t);
  }
  const K = 64;
  const t = rt.now();
  await Promise.all(Array.from({ length: K }, (_, i) => measureChunk(w, spec, [i], false)));
  return { roundTripMs: median(times.slice(2)), pipelinedMs: (rt.now() - t) / K };
}

// The engine's own cost per item, beyond the task and the encoding: slicing chunks, the loops on
// both sides, reassembly (numbers, packed: the encoding's part is as small as it gets). Measured
// through the real scheduler with a no-op
// task on one worker: 20,000 numbers in chunks of 2,000, the best of 3 runs (warm JIT).
async function enginePerItem(
  pool: Pool,
  spec: TaskSpec,
  chunkMs: number,
  roundTripMs: number,
): Promise<number | undefined> {
  const n = 20_000;
  const rt = runtime();
  let best = Infinity;
  for (let round = 0; round < 3; round++) { // the first rounds warm up the JIT on both sides
    const src = new Source<unknown>(Array.from({ length: n }, (_, i) => i));
    const t = rt.now();
    const run = new Run(workerSet(pool), src, {
      spec,
      workers: 1,
      chunkSize: 2_000,
      adaptive: false,
      targetChunkMs: 200,
      transfer: false,
      encoding: { items: "packed", results: "packed" },
    });
    for await (const _ of run.chunks()) { /* drain */ }
    best = Math.min(best, (rt.now() - t - 10 * chunkMs - roundTripMs) / n);
  }
  return best > 0 && best < 0.05 ? best : undefined;
}

function refineMarginal(o: Overheads, pool: Pool): Overheads {
  const batch = pool.startBatches.find((b) => b.count >= 2);
  if (!batch) return o;
  const m = (batch.ms - o.firstStartMs) / (batch.count - 1);
  if (m > 0.05 && m < 10 * o.firstStartMs) o.marginalStartMs = m;
  return o;
}

/**
 * Forget the overheads measured in this process: the next `measureOverheads` measures afresh.
 *
 * @example Usage
 * ```ts
 * import { cachedOverheads, forgetOverheads } from "./overhead.ts";
 * import assert from "node:assert/strict";
 *
 * forgetOverheads();
 * assert.equal(cachedOverheads(), undefined);
 * ```
 */
export function forgetOverheads(): void {
  cached = undefined;
  itemTried = false;
}

/** The overheads measured earlier in this process, if any (never measures). */
export function cachedOverheads(): Overheads | undefined {
  return cached;
}

/**
 * The overheads measured earlier in this process, else the runtime's fallbacks (never starts a
 * worker): for decisions that only need rough worker costs (an I/O-bound async task).
 */
export function overheadsOrFallback(runtimeName: string): Overheads {
  if (cached) return cached;
  const [first, marginal] = startFallback(runtimeName);
  return {
    firstStartMs: first,
    marginalStartMs: marginal,
    chunkMs: 0.05,
    roundTripMs: 0.1,
    itemMs: FALLBACK_ITEM_MS,
    workerMemoryBytes: 12 * 2 ** 20,
    sources: { start: "fallback", chunk: "fallback", memory: "fallback", item: "fallback" },
  };
}

/** The per-runtime fallback start costs (ms): the first worker, and each further one. */
export function startFallback(runtimeName: string): [first: number, marginal: number] {
  const [first, marginal] = FALLBACK[runtimeName] ?? [25, 15];
  return [first, marginal];
}

/**
 * How long starting a worker holds the calling thread (ms): as timed in this process, else the
 * runtime's fallback (Deno 45 ms: its constructor held the thread 39–55 ms in each of 10 starts,
 * a process's first as much as the next; Node 2, Bun 1). The start's other costs
 * (`Overheads.firstStartMs`, timed from the constructor's return) run beside this thread; this
 * part does not.
 *
 * @param runtimeName The runtime (`runtime().name`).
 * @returns The hold (ms).
 *
 * @example Usage
 * ```ts
 * import { startHold } from "./overhead.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(startHold("deno") >= 0);
 * ```
 */
export function startHold(runtimeName: string): number {
  return startHoldMs() ?? FALLBACK[runtimeName]?.[2] ?? 5;
}
