// Build the model inputs and the worker caps from the measurements.
import type { Overheads, SampleProfile } from "../measure/mod.ts";
import { cpuCapacity, RUNTIME_THREADS, type SystemInfo } from "../system/mod.ts";
import type { ModelInputs } from "./cost_model.ts";

export function modelInputs(
  n: number | undefined,
  profile: SampleProfile,
  o: Overheads,
  sys: SystemInfo,
  warmWorkers: number,
  adaptive: boolean,
  targetChunkMs: number,
  sendAt?: (values: number) => number | undefined,
): ModelInputs {
  // Each direction's encoding round trip (encode + decode; for structured clone, serialise +
  // deserialise): the main thread pays half of each (encoding items, decoding results), the
  // worker the other halves. The encoding is the one the engine will use (the cheapest exact one
  // measured on the sample), else structured clone.
  // Plus the engine's own per-item work (chunk slicing, loops, reassembly), measured through
  // the scheduler on one worker: shared by the two sides like the encodings.
  // A side that goes as structured clone (the sampler's encoding): its measured crossing through
  // a worker, when more than its clone here — it counts the copies and the other thread's
  // (de)serialisation that a clone on one thread leaves out.
  const enc = profile.encoding;
  const cloneIn = (enc?.items ?? "clone") === "clone";
  const cloneOut = (enc?.results ?? "clone") === "clone";
  const inMs = Math.max(
    enc?.itemMs ?? profile.inputCloneMs,
    cloneIn ? profile.itemCrossingMs ?? 0 : 0,
  );
  const outMs = Math.max(
    enc?.resultMs ?? profile.outputCloneMs,
    cloneOut ? profile.resultCrossingMs ?? 0 : 0,
  );
  const half = (inMs + outMs + (o.itemMs ?? 0)) / 2;
  // The workers' side: a result's send as measured in them (`resultSendMs`) in place of half its
  // crossing, where that is more.
  // By a reply's size where the sends were timed at several (`sendAt`): a result's share of a post
  // grows with the post.
  const send = profile.resultSendMs ?? 0;
  const worker = (sendMs: number) => Math.max(half, half - outMs / 2 + sendMs);
  const known = new Map<number, number>();
  const workerAt = (chunkSize: number) => {
    let ms = known.get(chunkSize);
    if (ms === undefined) known.set(chunkSize, ms = worker(sendAt!(chunkSize) ?? send));
    return ms;
  };
  return {
    n,
    perItemMs: Math.max(profile.perItemMs.mean, 1e-5),
    cv: profile.perItemMs.cv,
    maxItemMs: profile.perItemMs.max,
    mainPerItemMs: half,
    workerPerItemMs: worker(send),
    ...(sendAt && profile.resultSendMs !== undefined ? { workerPerItemAt: workerAt } : {}),
    chunkMs: o.chunkMs,
    roundTripMs: o.roundTripMs,
    warmWorkers,
    firstStartMs: o.firstStartMs,
    marginalStartMs: o.marginalStartMs,
    cores: cpuCapacity(sys),
    externalLoad: profile.externalLoad,
    adaptive,
    targetChunkMs,
  };
}

/**
 * Most workers memory allows: 80 % of available (or limited) memory over a worker's needs (its
 * own memory, and a chunk's values and heap growth: none known yet, its own alone).
 */
export function memoryWorkerCap(
  sys: SystemInfo,
  o: Pick<Overheads, "workerMemoryBytes">,
  profile: Pick<SampleProfile, "inputBytes" | "outputBytes" | "heapGrowthPerItemBytes"> = NO_VALUES,
  chunkSize = 1,
): number {
  // No room at all (a container at or over its limit) is a figure too: one worker at most (it was
  // dropped as unknown, and the limit alone gave 17 workers to a container 1 GiB over its 1 GiB).
  const avail = [sys.memory.availableBytes, sys.memory.limitBytes].filter((x): x is number =>
    typeof x === "number" && x >= 0
  );
  if (avail.length === 0) return Infinity;
  const usable = 0.8 * Math.min(...avail);
  const perWorker = o.workerMemoryBytes +
    (profile.heapGrowthPerItemBytes ?? 0) * chunkSize +
    2 * (profile.inputBytes + profile.outputBytes) * chunkSize;
  return Math.max(1, Math.floor(usable / Math.max(perWorker, 1)));
}

/** A chunk of values of no size, for `memoryWorkerCap` before any was measured. */
const NO_VALUES = { inputBytes: 0, outputBytes: 0, heapGrowthPerItemBytes: null };

/**
 * Most workers a cgroup's limit on threads (`pids.max`) leaves room for: the pool's workers
 * running now (their threads count in the room already) and one more per thread left beyond
 * `RUNTIME_THREADS`, which the runtime keeps for its own (Deno and Bun may abort the process
 * where one of their threads is refused); Infinity without a limit.
 *
 * @param limit The limit (`SystemInfo.threads.limit`); `null`: none.
 * @param room Threads left under it now (`threadRoomNow()`); `null`: unknown.
 * @param running The pool's workers running now.
 */
export function threadWorkerCap(
  limit: number | null,
  room: number | null,
  running: number,
): number {
  if (limit === null || room === null) return Infinity;
  return running + Math.max(0, room - RUNTIME_THREADS);
}

/** Most workers given threads the task runs itself, or a large libuv thread pool. */
export function nestedWorkerCount(
  cores: number,
  profile: SampleProfile,
  uvThreadpool: number | undefined,
): { cap: number; reason?: string } {
  if (profile.internalThreads > 1) {
    return {
      cap: Math.max(1, Math.floor(cores / profile.internalThreads)),
      reason: `${profile.nestedReason}; workers capped at cores / ${profile.internalThreads}`,
    };
  }
  if (profile.isAsync && uvThreadpool !== undefined && uvThreadpool > cores) {
    const per = Math.max(1, Math.round(uvThreadpool / cores));
    return {
      cap: Math.max(1, Math.floor(cores / per)),
      reason: `UV_THREADPOOL_SIZE=${uvThreadpool} exceeds the ${cores} cores and the task is ` +
        `async (its I/O already runs on the thread pool); workers capped at cores / ${per}`,
    };
  }
  return { cap: Infinity };
}
