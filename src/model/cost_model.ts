/**
 * The cost model: predicted wall time of running N items on w workers with chunks of c, from the
 * sampled profile and the measured overheads. See docs/model.md for the derivation.
 *
 * @module
 */
import { estimateMakespan } from "./_makespan.ts";

/** Everything the model needs, all measured (or a documented fallback). */
export interface ModelInputs {
  /** Items in all (undefined: unknown length — predictions are per item). */
  n: number | undefined;
  /** Mean task time per item in a worker (ms). */
  perItemMs: number;
  /**
   * Time per item of the plain loop on the calling thread (ms), where it was measured apart from
   * a worker's (this thread may run the task at another speed); else `perItemMs`.
   */
  inlineItemMs?: number;
  /** Coefficient of variation of the per-item time. */
  cv: number;
  /** Longest sampled item (ms): no schedule finishes before it. */
  maxItemMs: number;
  /** Main-thread serial work per item: serialising the item, deserialising its result (ms). */
  mainPerItemMs: number;
  /** Worker-side clone work per item: deserialising the item, serialising the result (ms). */
  workerPerItemMs: number;
  /**
   * The same in chunks of a given size (ms), where the workers' sends of results were timed at
   * several sizes (a result's share of a post grows with the post); else `workerPerItemMs`.
   */
  workerPerItemAt?: (chunkSize: number) => number;
  /** Cost of one chunk message, paid on the main thread and on the worker (ms). */
  chunkMs: number;
  /** Round trip of an empty chunk (ms): the pipeline fill. */
  roundTripMs: number;
  /** Workers already started and warm. */
  warmWorkers: number;
  /** Start of the first worker (ms) and of each further one started together (ms). */
  firstStartMs: number;
  marginalStartMs: number;
  /**
   * The calling thread's time in each start (ms; see `startHold`): the workers started
   * together are started one after the other there, and that thread runs nothing meanwhile.
   * Default 0.
   */
  startHoldMs?: number;
  /**
   * Loading the task in workers that do not hold it yet (ms, once: they load it together): what
   * the import of its module took. Undefined: nothing to load.
   */
  loadMs?: number;
  /** Workers that hold the task already (default: the warm ones). */
  loadedWorkers?: number;
  /**
   * The CPU time this process may use, in cores (`cpuCapacity`: fractional under a quota); the
   * workers, the busy main thread and other processes share it.
   */
  cores: number;
  /** Runnable threads of other processes sharing those cores (0: an idle machine). */
  externalLoad?: number;
  /** Whether the engine adapts the chunk size, and toward which chunk duration (ms). */
  adaptive: boolean;
  targetChunkMs: number;
}

/** A predicted run of one configuration, with its parts (ms). */
export interface Prediction {
  /** Workers of the configuration. */
  workers: number;
  /** Items per chunk. */
  chunkSize: number;
  /** Predicted wall time (ms). */
  totalMs: number;
  /** Starting the workers that are not warm yet. */
  startMs: number;
  /** Main-thread serial work: clone of items and results, chunk messages. */
  serialMs: number;
  /** Ideal compute share: total worker work / workers. */
  computeMs: number;
  /** What the schedule adds over the ideal share: last wave, heterogeneity, contention. */
  imbalanceMs: number;
  /** Chunk messages (part of serialMs) and the pipeline fill. */
  dispatchMs: number;
  /** Number of chunks. */
  chunks: number;
}

/**
 * Predict the wall time of running the job on `workers` workers with chunks of `chunkSize`.
 *
 * @param m The measured inputs.
 * @param workers Worker count (≥ 1).
 * @param chunkSize Items per chunk (≥ 1; the initial size when adaptive).
 * @returns The prediction and its parts.
 *
 * @example Usage
 * ```ts
 * import { predictWorkers } from "./cost_model.ts";
 * import assert from "node:assert/strict";
 *
 * const p = predictWorkers({
 *   n: 2000, perItemMs: 1, cv: 0, maxItemMs: 1, mainPerItemMs: 0.001, workerPerItemMs: 0.001,
 *   chunkMs: 0.05, roundTripMs: 0.1, warmWorkers: 2, firstStartMs: 25, marginalStartMs: 15,
 *   cores: 2, adaptive: false, targetChunkMs: 200,
 * }, 2, 50);
 * assert.ok(p.totalMs > 1000 && p.totalMs < 1100);
 * ```
 */
export function predictWorkers(m: ModelInputs, workers: number, chunkSize: number): Prediction {
  const n = m.n ?? 1;
  const at = m.workerPerItemAt;
  const perItemWorker = m.perItemMs + (at ? at(Math.min(chunkSize, n)) : m.workerPerItemMs);
  const span = estimateMakespan({
    n,
    perItemMs: perItemWorker,
    perItemAt: at && ((size) => m.perItemMs + at(size)),
    chunkOverheadMs: m.chunkMs,
    workers,
    chunkSize: Math.min(chunkSize, n),
    adaptive: m.adaptive,
    targetChunkMs: m.targetChunkMs,
  });
  const dispatchMs = span.chunks * m.chunkMs;
  const serialMs = n * m.mainPerItemMs + dispatchMs;
  const computeMs = (n * perItemWorker) / workers;
  // Contention: workers, the busy main thread and other processes share `cores` CPUs.
  let wall = Math.max(serialMs, span.ms);
  const mainBusy = wall > 0 ? Math.min(1, serialMs / wall) : 0;
  // Fair share: each busy thread gets cores / (threads wanting a core), relative to the one
  // sampling worker's share, under which the per-item time was measured.
  const load = m.externalLoad ?? 0;
  const share = (threads: number) => Math.min(1, m.cores / Math.max(threads, 1e-9));
  const speed = Math.max(0.05, share(load + workers + mainBusy) / share(load + 1));
  wall = Math.max(serialMs, span.ms / speed);
  // Heterogeneity: the last chunks finish late by about σ·√c·√(2 ln w); no schedule beats the
  // longest item.
  const lastChunk = Math.max(1, span.lastChunkSize);
  const het = workers > 1
    ? m.perItemMs * m.cv * Math.sqrt(lastChunk) * Math.sqrt(2 * Math.log(workers))
    : 0;
  wall = Math.max(wall + het, m.maxItemMs);
  const startMs = startCost(m, workers);
  const fill = m.roundTripMs + Math.min(chunkSize, n) * m.mainPerItemMs;
  return {
    workers,
    chunkSize,
    totalMs: startMs + fill + wall,
    startMs,
    serialMs,
    computeMs,
    imbalanceMs: Math.max(0, wall - Math.max(computeMs, serialMs)),
    dispatchMs: dispatchMs + fill,
    chunks: span.chunks,
  };
}

/**
 * Cost of starting the workers of `workers` that are not warm yet (together: the first of them a
 * whole start, the others the marginal cost each), and of their load of the task (ms).
 *
 * @param m The warm workers and the costs.
 * @param workers The workers of the configuration.
 * @returns The cost (ms).
 *
 * @example Usage
 * ```ts
 * import { startCost } from "./cost_model.ts";
 * import assert from "node:assert/strict";
 *
 * const m = { warmWorkers: 0, firstStartMs: 30, marginalStartMs: 10 };
 * assert.equal(startCost(m, 3), 50);
 * assert.equal(startCost({ ...m, loadMs: 100 }, 3), 150); // they load the task together
 * // Three started workers, one of them holding the task: the others load it.
 * assert.equal(startCost({ ...m, warmWorkers: 3, loadMs: 100, loadedWorkers: 1 }, 3), 100);
 * assert.equal(startCost({ ...m, warmWorkers: 3, loadMs: 100 }, 3), 0);
 * // One worker started: two more start together.
 * assert.equal(startCost({ ...m, warmWorkers: 1 }, 3), 40);
 * // Each start holding the calling thread 45 ms (Deno): three starts, 135 ms more.
 * assert.equal(startCost({ ...m, startHoldMs: 45 }, 3), 185);
 * ```
 */
export function startCost(
  m: Pick<
    ModelInputs,
    "warmWorkers" | "firstStartMs" | "marginalStartMs" | "startHoldMs" | "loadMs" | "loadedWorkers"
  >,
  workers: number,
): number {
  // The workers not started yet start together, after those that are: the first of them pays a
  // whole start (a worker started alone took 25–40 ms on Deno, against 10 ms more for each one
  // started with it), the others the marginal cost; and each holds the calling thread in turn.
  const fresh = Math.max(0, workers - m.warmWorkers);
  const start = fresh === 0
    ? 0
    : fresh * (m.startHoldMs ?? 0) + m.firstStartMs + (fresh - 1) * m.marginalStartMs;
  const load = workers > (m.loadedWorkers ?? m.warmWorkers) ? m.loadMs ?? 0 : 0;
  return start + load;
}

/**
 * The best speedup over the plain loop that any number of workers from 2 to `cores` could reach
 * on `serialMs` of work: a perfect split over as many as run at once (the workers, at most `cpu`
 * of them: a quota of 1.5 cores runs two workers three quarters of the time each), with only the
 * start of the workers not warm yet and a couple of message round trips (0.2 ms) added, their
 * load of the task stretched where more threads than cores run it; workers that hold the task
 * already run items meanwhile. Under
 * `minSpeedup` no worker configuration can pay. More workers split the work finer but cost more
 * to start: on many cores the best is often fewer than all of them.
 *
 * @param serialMs The job's time in the plain loop (ms).
 * @param cores The most workers.
 * @param cpu The CPU time the workers share, in cores (at most `cores`; fractional under a quota).
 * @param start The warm workers, the start costs and the task's load in the others (ms).
 * @returns The best speedup and the worker count that reaches it.
 *
 * @example Usage
 * ```ts
 * import { perfectSplit } from "./cost_model.ts";
 * import assert from "node:assert/strict";
 *
 * // 150 ms of work on 16 cold cores, 27 ms for the first worker and 15 ms for each more:
 * // 16 workers would take 9.4 + 252 ms; 3 workers 50 + 57 ms.
 * const start = { warmWorkers: 0, firstStartMs: 27, marginalStartMs: 15 };
 * const best = perfectSplit(150, 16, 16, start);
 * assert.equal(best.workers, 3);
 * assert.ok(best.speedup > 1.35 && best.speedup < 1.45);
 * // Two warm workers under a quota of 1.5 cores: 1.5×, less the round trips.
 * const quota = perfectSplit(150, 2, 1.5, { ...start, warmWorkers: 2 });
 * assert.ok(quota.speedup > 1.49 && quota.speedup < 1.5);
 * // Cold workers that must also import a task module of 100 ms, two of them beside this thread
 * // on 2 cores: 150 / (75 + 42 + 1.5 × 100).
 * assert.ok(perfectSplit(150, 2, 2, { ...start, loadMs: 100 }).speedup < 0.6);
 * // One worker holds the task already: it runs 127 ms of the work while the other starts and
 * // loads the task, then both share the last 23 ms: 150 / (127 + 11.5 + 0.2).
 * const one = perfectSplit(150, 2, 2, { ...start, warmWorkers: 1, loadedWorkers: 1, loadMs: 100 });
 * assert.ok(one.speedup > 1.08 && one.speedup < 1.09);
 * ```
 */
export function perfectSplit(
  serialMs: number,
  cores: number,
  cpu: number,
  start: Pick<
    ModelInputs,
    "warmWorkers" | "firstStartMs" | "marginalStartMs" | "startHoldMs" | "loadMs" | "loadedWorkers"
  >,
): { speedup: number; workers: number } {
  let best = { speedup: 0, workers: 1 };
  // Workers that can run items at once (warm, and holding the task where it has a module to
  // load) work alone until the others are ready, then all of them.
  const atOnce = (start.loadMs ?? 0) > 0
    ? start.loadedWorkers ?? start.warmWorkers
    : start.warmWorkers;
  for (let w = 2; w <= cores; w++) {
    const ready = Math.min(atOnce, w, cpu);
    // Workers that load the task together, beside this thread, share the CPU: their load
    // stretches by (loads + 1) / cpu where that is over 1 (two workers loading a module graph on
    // 2 cores took 400 ms where one alone took 250, and this thread ran at a third of its pace).
    const loads = Math.max(0, w - (start.loadedWorkers ?? start.warmWorkers));
    const stretch = loads > 0 ? Math.max(1, (loads + 1) / cpu) : 1;
    const late = startCost(start, w) + (stretch - 1) * (start.loadMs ?? 0);
    const all = Math.min(w, cpu);
    const ms = ready <= 0
      ? late + serialMs / all
      : serialMs <= ready * late
      ? serialMs / ready
      : late + (serialMs - ready * late) / all;
    const speedup = serialMs / (ms + 0.2);
    if (speedup > best.speedup) best = { speedup, workers: w };
  }
  return best;
}

/**
 * The best speedup over the plain loop of this thread running items all along, beside 1 to
 * `cores` − 1 workers that start now and load the task (a process's first call: see
 * `runWhileLoading`): this thread runs alone until they are ready — at `cpu` / (threads) of its
 * pace where the loads, each taking two threads (`LOAD_THREADS`), and this thread outnumber the
 * cores; their loads stretch as much — then the rest splits over them and this thread. Unlike
 * {@linkcode perfectSplit}, the workers' start and load cost only what this thread does not run
 * meanwhile — but for the starts' hold of this thread (`startHoldMs`), in which it runs nothing.
 *
 * @param serialMs The job's time in the plain loop (ms).
 * @param cores The cores (this thread takes one of them).
 * @param cpu The CPU time this process may use, in cores (fractional under a quota).
 * @param start The start costs and the task's load in a worker (ms).
 * @returns The best speedup and the worker count that reaches it (0: none pays).
 *
 * @example Usage
 * ```ts
 * import { splitWithHere } from "./cost_model.ts";
 * import assert from "node:assert/strict";
 *
 * const start = { firstStartMs: 25, marginalStartMs: 10, loadMs: 250 };
 * // 1 s of work on 2 cores: one worker ready after 25 + 1.5 × 250 = 400 ms, this thread at two
 * // thirds of its pace meanwhile (267 ms of the work), then 733 ms over two threads: 767 ms.
 * const two = splitWithHere(1000, 2, 2, start);
 * assert.equal(two.workers, 1);
 * assert.ok(two.speedup > 1.30 && two.speedup < 1.31);
 * // 300 ms of work: done here before a worker is ready.
 * assert.equal(splitWithHere(300, 2, 2, start).workers, 0);
 * // On 8 cores, 3 s of work: five workers, their loads (11 threads on 8 cores) stretched 1.375×.
 * assert.equal(splitWithHere(3000, 8, 8, start).workers, 5);
 * // 140 ms of work, a start that holds this thread 45 ms (Deno), nothing to load: 45 + 12 +
 * // (140 − 8) / 2 = 123 ms, 1.14×; holding it 1 ms (Bun), 1.78×.
 * const deno = { firstStartMs: 12, marginalStartMs: 10, startHoldMs: 45 };
 * assert.ok(splitWithHere(140, 2, 2, deno).speedup < 1.15);
 * assert.ok(splitWithHere(140, 2, 2, { ...deno, startHoldMs: 1 }).speedup > 1.75);
 * ```
 */
export function splitWithHere(
  serialMs: number,
  cores: number,
  cpu: number,
  start: Pick<ModelInputs, "firstStartMs" | "marginalStartMs" | "startHoldMs" | "loadMs">,
): { speedup: number; workers: number } {
  let best = { speedup: 1, workers: 0 };
  for (let w = 1; w < Math.max(2, cores); w++) {
    // The starts hold this thread first, one after the other: it runs nothing meanwhile.
    const held = w * (start.startHoldMs ?? 0);
    // The loads beside this thread share the CPU, each worker with a compiler thread of its own
    // (`LOAD_THREADS`): each thread at cpu / (threads) of a core.
    const stretch = Math.max(1, (LOAD_THREADS * w + 1) / cpu);
    const late = startCost({ warmWorkers: 0, ...start, startHoldMs: 0 }, w) +
      (stretch - 1) * (start.loadMs ?? 0);
    const hereByThen = late / stretch;
    const ms = held +
      (serialMs <= hereByThen
        ? serialMs * stretch
        : late + (serialMs - hereByThen) / Math.min(w + 1, cpu));
    const speedup = serialMs / (ms + 0.2);
    if (speedup > best.speedup) best = { speedup, workers: w };
  }
  return best;
}

/**
 * Threads a worker keeps busy while it loads the task and runs its first items (see
 * {@linkcode splitWithHere}): its own, and the runtime's compiler compiling the task's code. One
 * fresh Deno worker loading a module of npm libraries and running its first markdown renders, on
 * the other core of 2, left this thread 40 % slower at its own renders.
 */
const LOAD_THREADS = 2;

/**
 * Predicted wall time of the plain loop on the calling thread (ms).
 *
 * @param m The measured inputs.
 * @returns N × the per-item time here (`inlineItemMs`, else `perItemMs`).
 *
 * @example Usage
 * ```ts
 * import { predictInline } from "./cost_model.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(predictInline({ n: 10, perItemMs: 2 } as never), 20);
 * ```
 */
export function predictInline(m: ModelInputs): number {
  return (m.n ?? 1) * (m.inlineItemMs ?? m.perItemMs);
}

/**
 * Predicted wall time of the `async` executor: `concurrency` calls in flight, bound by the wait
 * per item (waves of the mean wait, the last one as long as the longest call) and by the CPU each
 * call needs on the calling thread (ms).
 *
 * @param m The measured inputs.
 * @param cpuPerItemMs CPU time per item (ms).
 * @param concurrency Calls in flight.
 * @returns The predicted time.
 *
 * @example Usage
 * ```ts
 * import { predictAsync } from "./cost_model.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(predictAsync({ n: 100, perItemMs: 5 } as never, 0.05, 10), 50);
 * ```
 */
export function predictAsync(m: ModelInputs, cpuPerItemMs: number, concurrency: number): number {
  const n = m.n ?? 1;
  const tail = Math.max(0, (m.maxItemMs ?? m.perItemMs) - m.perItemMs);
  return Math.max(n * cpuPerItemMs, Math.ceil(n / concurrency) * m.perItemMs + tail);
}
