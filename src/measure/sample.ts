/**
 * Sampling: run the task on a few items inside a pool worker (the conditions of execution) and
 * measure per-item time, CPU share, clone costs and sizes, heap growth and nested threads. The
 * sampled items' results are kept: under `execute` they become part of the output.
 *
 * @module
 */
import {
  abortError,
  ChunkTimeoutError,
  type Encoding,
  encodingByShape,
  findTransferables,
  fromWire,
  type KnownResults,
  measureChunk,
  measureEncodings,
  type PoolWorker,
  sentResults,
  type Source,
  uncloneable,
  unsendableItem,
} from "../engine/mod.ts";
import { runtime } from "../runtime/mod.ts";
import { type TaskSpec, taskSpec } from "../task/mod.ts";
import { externalLoadNow, otherRunnableThreads } from "../system/mod.ts";
import { estimateBytes } from "./_bytes.ts";
import { spreadIndices } from "./_spread.ts";
import { summarize, type Summary, warmedUp } from "./statistics.ts";
import { setLatest } from "../_latest.ts";

/** What sampling measured. */
export interface SampleProfile {
  /** Items run while sampling (warm-up included). */
  sampled: number;
  /** Items whose timings feed the statistics (warm-up calls excluded). */
  timed: number;
  /** Wall time per item (ms), in the worker. */
  perItemMs: Summary;
  /** CPU time / wall time over the timed items (null where the runtime has no CPU clock). */
  cpuRatio: number | null;
  /** From the CPU ratio: ≥ 0.7 cpu, 0.3–0.7 mixed, < 0.3 io; "cpu" where it is null. */
  workloadType: "cpu" | "mixed" | "io";
  /** Whether the task returns Promises. */
  isAsync: boolean;
  /** Mean estimated bytes of an item and a result when cloned. */
  inputBytes: number;
  /** Mean estimated bytes of a result when cloned. */
  outputBytes: number;
  /** Mean structured-clone time of an item and of a result on the main thread (ms). */
  inputCloneMs: number;
  /** Mean structured-clone time of a result on the main thread (ms). */
  outputCloneMs: number;
  /**
   * The cheapest exact chunk encoding measured for the items and for the results, with its
   * per-value round trip (encode + decode, ms): what the model charges and the engine uses.
   */
  encoding?: SampleEncoding;
  /**
   * An item's and a result's one crossing between this thread and a worker (ms): sampled ones sent
   * through the sampling worker and back, both sides' (de)serialisation and copies included (see
   * `crossing`). Measured for a side that goes as structured clone where cloning it here costs a
   * share of the work (see `ENCODING_SHARE`): a clone on one thread leaves out what crossing adds
   * (100 KB typed-array results crossed in up to 2× their clone time here). Else undefined.
   */
  itemCrossingMs?: number;
  /** See `itemCrossingMs`. */
  resultCrossingMs?: number;
  /**
   * A worker's own time to send one result of the task back (ms), as measured in this process's
   * workers on their replies (the engine's `resultSendMs`: a slope over the latest sends' times
   * and sizes, or the median per result of large ones; undefined before any): the workers' side
   * of a result's crossing, which neither a clone here nor an echo's mean of the two directions
   * tells (on Bun a worker's post of short strings cost 4–6× their clone).
   */
  resultSendMs?: number;
  /** Whether items or results hold ArrayBuffers / typed arrays (worth `transfer: true`). */
  transferables: boolean;
  /** Heap growth per item in the worker (bytes; best effort, a lower bound after GC). */
  heapGrowthPerItemBytes: number | null;
  /**
   * Runnable threads of other processes while sampling (the smallest reading of /proc/stat
   * `procs_running` less this process's own runnable threads; 0 where unreadable, or where not
   * read: a decision from the look that chose the plain loop with none, which more load could not
   * change, and its recalls). They share the cores.
   */
  externalLoad: number;
  /** Threads the task appears to use per item (> 1: nested parallelism); see `nestedReason`. */
  internalThreads: number;
  /** Why the task appears to use more than one thread (when `internalThreads` > 1). */
  nestedReason?: string;
}

/** Chunk encodings chosen from the sample, and their measured costs per value (ms). */
export interface SampleEncoding {
  /** The encoding of items sent to workers. */
  items: Encoding;
  /** Its measured cost per item, encode plus decode (ms), timed on the calling thread. */
  itemMs: number;
  /** The encoding of results sent back. */
  results: Encoding;
  /** Its measured cost per result, encode plus decode (ms), timed on the calling thread. */
  resultMs: number;
}

/** A workload problem found while sampling (the optimizer answers "inline" with the reason). */
export interface SampleFailure {
  index: number;
  /** `limit`: a call outlived `timeoutMs` or a signal aborted it (`error` is the run's). */
  kind: "task" | "clone" | "load" | "limit";
  error: Error;
}

export interface WorkerSample {
  profile?: SampleProfile;
  failure?: SampleFailure;
  /** Index → result of every sampled item that succeeded. */
  known: KnownResults;
  /** Items pulled from a one-shot source (to give back, in order). */
  pulled: unknown[];
  /** Task time spent sampling (ms). */
  spentMs: number;
  /**
   * Measures the sampled items' and results' crossing into `profile.itemCrossingMs` and
   * `resultCrossingMs`, where it can matter (see `crossing`): called once the workers helping the
   * sample are done, so that their replies do not take this thread meanwhile.
   */
  crossing?: () => Promise<void>;
}

/**
 * Sample on `worker`, in rounds of growing size, until `budgetMs` of task time or `maxItems`, or
 * until `enough` says the profile so far settles the decision (checked after each timed round
 * once a few items are timed: the sample grows only while it can still change the decision).
 * `known` holds indices already run (on the main thread) whose results are kept.
 */
export async function sampleInWorker(
  worker: PoolWorker,
  spec: TaskSpec,
  src: Source<unknown>,
  known: KnownResults,
  budgetMs: number,
  maxItems: number,
  limits: {
    signal?: AbortSignal;
    timeoutMs?: number;
    /**
     * Threads of this process's own busy meanwhile: workers starting, and other pool workers
     * running items of the job (runnable, but not other processes' load).
     */
    starting?: () => number;
    /**
     * Thread ids of this process's threads that count as load, read at each reading: pool
     * workers running other calls' chunks (not the sampler, workers starting, helpers).
     */
    loadTids?: () => ReadonlySet<string>;
    /**
     * Indices sent to workers meanwhile, shared with the other workers running items of the job:
     * the sampler skips theirs and adds its own before sending them.
     */
    claimed?: Set<number>;
    /**
     * Thread ids of the pool's other workers now (helpers, workers loading the task, workers of
     * other calls), left out of the sampled rounds' CPU time and busy threads: they are not the
     * task's own threads.
     */
    others?: () => string[];
    /**
     * The pool's other workers whose thread id is not known yet (starting): each may be a busy
     * thread of this process in a round, and is taken off its count. Counted, a worker loading a
     * library beside the sampler read as the task's own thread: "nested 1", workers capped at
     * cores / 2, and the plain loop decided and cached for a pure-JavaScript hash (Bun) and a
     * markdown renderer (Node).
     */
    untold?: () => number;
    /** The empty round trip to a worker (ms), taken off the crossing's time. */
    roundTripMs?: number;
    /** A guess of the time per item (ms; the look's, on this thread): sizes the first round. */
    perItemMs?: number;
  } = {},
  enough?: (soFar: SampleProfile) => boolean,
): Promise<WorkerSample> {
  const { signal, timeoutMs } = limits;
  const rt = runtime();
  const out: WorkerSample = { known, pulled: [], spentMs: 0 };
  const spread = src.indexable ? spreadIndices(src.total ?? 0, known) : undefined;
  const items: unknown[] = [], results: unknown[] = [];
  const t: Timed = {
    wall: [],
    computeMs: 0,
    cpuUs: 0,
    cpuKnown: true,
    waitMs: 0,
    items: 0,
    untimedMs: 0,
    untimedItems: 0,
  };
  let isAsync = false,
    heap = 0,
    heapItems = 0,
    sampled = 0,
    perItem = 0,
    roundCostMs = 0,
    lastItems = 0;
  // Busy threads where the OS gives per-thread CPU time: the fewest over the timed rounds of
  // ≥ 10 ms (a task's own threads are busy in every round, a JIT burst fades).
  let threads: BusyRound | undefined;
  let threadClock = false; // whether the worker reads per-thread CPU times at all
  const loads: number[] = [];
  // The load from the rounds' readings, read once for as many readings (an instant count where
  // there are fewer than two reads this process's threads: 0.2–0.8 ms).
  let load: { readings: number; count: number } | undefined;
  const loadSoFar = () => {
    if (load?.readings !== loads.length) {
      load = { readings: loads.length, count: externalLoad(loads, limits.loadTids) };
    }
    return load.count;
  };
  // Round 0 runs WARM_ITEMS items untimed (the JIT's warm-up) and, in the same message, the first
  // timed items (MIN_TIMED, up to FIRST_ROUND where the guess of the time per item leaves budget:
  // every message costs a wake-up of each side); then rounds grow ×8, each sized to fit what is
  // left of the budget.
  const guess = limits.perItemMs ?? 0;
  // At least MIN_TIMED items are timed (spread and heterogeneity need a few, and `warmedUp` as
  // many to leave out a stretch still compiling), or as many as the guess fits in the budget where
  // that is fewer and a worker of this process ran the task before (its code compiled there),
  // FEWEST_TIMED at the least: the budget is a share of the job, and eight items of a millisecond
  // were 3 % of a 400 ms job on their own (its `optimize` took 20–23 ms, 5.4 % of its plain
  // loop). A guess too high (a look of cold items) only sets the floor: rounds go on while the
  // budget lasts.
  const least = guess > 0 && sentResults(spec.key)
    ? Math.max(FEWEST_TIMED, Math.min(MIN_TIMED, Math.floor(budgetMs / guess)))
    : MIN_TIMED;
  let size = guess > 0
    ? Math.max(least, Math.min(FIRST_ROUND, Math.floor(budgetMs / guess)))
    : least;
  for (let round = 0; sampled < maxItems; round++) {
    // Past the budget once `least` items are timed, or past 4× the budget whatever was timed.
    if (round > 0 && out.spentMs >= budgetMs && t.items >= least) break;
    if (round > 0 && out.spentMs >= 4 * budgetMs) break;
    // Fast items: once enough are timed, more rounds cost more in messages than they tell.
    if (round > 0 && t.items >= 512 && out.spentMs >= budgetMs / 4) break;
    if (t.items >= 4096) break;
    if (signal?.aborted) throw abortError(signal);
    if (round > 0 && perItem > 0) {
      size = Math.max(
        least - t.items,
        1,
        Math.min(size, Math.floor(Math.max(budgetMs - out.spentMs, perItem) / perItem)),
      );
      // A round cut short by the budget, whose items take less than the last round's own cost
      // (the message, the measuring, the results' crossing), tells less than it costs: a round
      // of one 0.6 ms XML parse, after one of 10, took 3.8 ms. (Rounds that grow go on: many
      // microsecond items are what times them without a timer call each.)
      if (t.items >= least && size < lastItems && size * perItem < roundCostMs) break;
    }
    const batch = await nextItems(
      src,
      spread,
      Math.min(size + (round === 0 ? WARM_ITEMS : 0), maxItems - sampled),
      known,
      out,
      limits.claimed,
    );
    // The warm-up: none where the round holds no more (a job of a few items times them all).
    const warm = round === 0 && batch.items.length > WARM_ITEMS ? WARM_ITEMS : 0;
    if (batch.items.length === 0) break;
    for (const i of batch.indices) limits.claimed?.add(i);
    for (let k = 0; k < batch.items.length; k++) {
      const why = uncloneable(batch.items[k], 64);
      if (why) {
        const error = unsendableItem(batch.indices[k], why);
        out.failure = { index: batch.indices[k], kind: "clone", error };
        return out;
      }
    }
    // While the worker runs this round, count the threads the machine runs besides ours (where
    // ours cannot be read: the sampling worker, the main thread, workers of ours starting or
    // running items of the job, and one of the runtime's helpers).
    const probeLoad = setTimeout(() => {
      const others = otherRunnableThreads(
        limits.loadTids?.() ?? new Set(),
        3 + (limits.starting?.() ?? 0),
      );
      if (others !== undefined) loads.push(others);
    }, 1);
    const untold = limits.untold?.() ?? 0;
    const sent = rt.now();
    const reply = await measureChunk(worker, spec, batch.items, true, {
      timeoutMs,
      signal,
      first: batch.indices[0],
      indices: batch.indices,
      others: limits.others?.(),
      warm,
    });
    clearTimeout(probeLoad);
    const got = reply.results;
    got.forEach((r, k) => known.set(batch.indices[k], r));
    if (reply.t === "fail") {
      const pos = reply.error.index ?? 0;
      out.failure = {
        index: batch.indices[pos] ?? -1,
        kind: reply.error.kind,
        error: fromWire(reply.error),
      };
      return out;
    }
    const m = reply.measure!;
    roundCostMs = Math.max(0, rt.now() - sent - m.computeMs - (m.warmMs ?? 0));
    lastItems = got.length - warm;
    sampled += got.length;
    out.spentMs += m.computeMs + (m.warmMs ?? 0);
    perItem = m.computeMs / (got.length - warm);
    t.wall.push(...m.wallMs);
    t.computeMs += m.computeMs;
    t.items += got.length - warm;
    t.untimedMs += m.untimedMs;
    t.untimedItems += m.untimedItems;
    if (m.cpuUs === null) t.cpuKnown = false;
    else t.cpuUs += m.cpuUs;
    t.waitMs += m.waitMs ?? 0;
    threadClock ||= m.busyThreads !== undefined;
    const busy = m.busyThreads === undefined ? undefined : Math.max(1, m.busyThreads - untold);
    if (busy !== undefined && m.computeMs >= 10 && busy <= (threads?.busy ?? Infinity)) {
      threads = { busy, ms: m.computeMs };
      // The sampling thread's own share of the round on a CPU, where its own clock tells (the
      // time it waited for a CPU left out): see `nestedThreads`.
      if (m.waitMs !== undefined && m.cpuUs !== null) {
        threads.ownShare = m.cpuUs / 1000 / Math.max(1e-6, m.computeMs - m.waitMs);
      }
    }
    if (m.heapBefore !== undefined && m.heapAfter !== undefined) {
      heap += Math.max(0, m.heapAfter - m.heapBefore);
      heapItems += got.length - warm;
    }
    isAsync ||= m.async;
    items.push(...batch.items);
    results.push(...got);
    size *= 8;
    if (enough && t.items >= least && sampled < maxItems) {
      // Without timing the encodings (milliseconds each): whether to sample on does not hang on
      // them, and the final profile times them once.
      const soFar = profile(
        items,
        results,
        t,
        isAsync,
        heapItems ? heap / heapItems : null,
        threadClock ? threads ?? "short" : undefined,
        0,
      );
      soFar.externalLoad = loadSoFar();
      if (enough(soFar)) break;
    }
  }
  if (t.items === 0) return out; // nothing beyond warm-up: the caller uses what it has
  // The items left to run once sampling ends: what a cheaper encoding could save on.
  const rest = src.total === undefined ? Infinity : Math.max(0, src.total - known.size);
  out.profile = profile(
    items,
    results,
    t,
    isAsync,
    heapItems ? heap / heapItems : null,
    threadClock ? threads ?? "short" : undefined,
    rest,
  );
  out.profile.sampled = sampled;
  // The smallest reading: a real load from other processes persists across the rounds.
  out.profile.externalLoad = loadSoFar();
  out.crossing = crossings(worker, spec.key, out.profile, items, results, {
    roundTripMs: limits.roundTripMs ?? 0,
    signal,
    timeoutMs,
  });
  return out;
}

/**
 * The crossing of a profile's sides between this thread and a worker (`itemCrossingMs`,
 * `resultCrossingMs`), where it can matter: a side that goes as structured clone (the profile's
 * encoding, or by its values' shape where none was chosen, as a run's chunks go) whose clone here, or `CROSSING_LEAST_MS` where that is more, costs
 * `ENCODING_SHARE` of an item's time or more. A clone here is no measure of it: 10,000 hashed
 * strings crossed at 0.5 µs each on Bun where a clone here read 0.2, and 40,000 results of a
 * SHA-256 hash (64 characters, 1–1.2 µs of work each) took 22–30 ms to come back from a worker on
 * Bun, where a clone here read 0.06 µs each (a decision from the look, which measured no
 * crossing, took two workers for such a job in 5 of 5 calls; measured, the plain loop). Measured
 * through `worker` with some of `items` and `results` (see `CROSSING_ITEMS`), once per task (by
 * `key`) and values of about that size in a process: a later look of the task takes the figure
 * at once. Returns the measurement to make (the caller picks when: a worker's replies take this
 * thread meanwhile), or undefined where nothing is left to measure.
 *
 * @example Usage
 * ```ts
 * import { crossings, type SampleProfile } from "./sample.ts";
 * import { summarize } from "./statistics.ts";
 * import { createPool, workerSet } from "../engine/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const pool = createPool({ maxWorkers: 1 });
 * try {
 *   const [worker] = workerSet(pool).ensure(1);
 *   // Results of about 100 bytes, a microsecond of work each, cloned here in a microsecond.
 *   const results = Array.from({ length: 2048 }, (_, i) => `result ${i} `.repeat(8));
 *   const p: SampleProfile = {
 *     sampled: 2048, timed: 2048, perItemMs: summarize([0.001]), cpuRatio: null,
 *     workloadType: "cpu", isAsync: false, inputBytes: 8, outputBytes: 100,
 *     inputCloneMs: 0, outputCloneMs: 0.001, transferables: false, heapGrowthPerItemBytes: null,
 *     externalLoad: 0, internalThreads: 1,
 *   };
 *   const measure = crossings(worker, "doc-example", p, [], results, { roundTripMs: 0 });
 *   await measure?.();
 *   assert.ok(p.resultCrossingMs !== undefined && p.resultCrossingMs >= 0);
 *   // The same task's results again, in this process: the figure at once, nothing to measure.
 *   const again: SampleProfile = { ...p, resultCrossingMs: undefined };
 *   assert.equal(crossings(worker, "doc-example", again, [], results, { roundTripMs: 0 }), undefined);
 *   assert.equal(again.resultCrossingMs, p.resultCrossingMs);
 * } finally {
 *   await pool.close();
 * }
 * ```
 */
export function crossings(
  worker: PoolWorker,
  key: string,
  p: SampleProfile,
  items: unknown[],
  results: unknown[],
  how: { roundTripMs: number; signal?: AbortSignal; timeoutMs?: number },
): (() => Promise<void>) | undefined {
  // Sampled values too few to cross in about `CROSSING_MS` tell only the round trip's jitter (64
  // numbers read 1.9 µs each): not timed.
  const some = (values: unknown[], bytes: number, cloneMs: number) => {
    const count = Math.max(CROSSING_ITEMS, Math.ceil(CROSSING_MS / Math.max(3 * cloneMs, 1e-6)));
    const most = Math.min(count, CROSSING_MOST, Math.floor(CROSSING_BYTES / (bytes || 1)));
    const enough = values.length >= most || 3 * cloneMs * values.length >= CROSSING_MS;
    return enough ? values.slice(-Math.max(1, most)) : undefined;
  };
  // A side to measure: its values, or none where this process measured values of its size.
  const side = (
    name: string,
    enc: Encoding | undefined,
    values: unknown[],
    bytes: number,
    cloneMs: number,
  ) => {
    // Without an encoding measured, a run's chunks go by their shape (numbers packed).
    const atLeast = Math.max(cloneMs, CROSSING_LEAST_MS);
    const goes = enc ?? encodingByShape(values);
    if (goes !== "clone" || !(atLeast >= ENCODING_SHARE * p.perItemMs.mean)) return;
    const known = crossed.get(`${name}|${key}`);
    if (
      known && bytes <= CROSSED_SIZE_RATIO * known.bytes &&
      known.bytes <= CROSSED_SIZE_RATIO * bytes
    ) {
      return known.ms;
    }
    return some(values, bytes, atLeast);
  };
  const enc = p.encoding;
  const ins = side("items", enc?.items, items, p.inputBytes, p.inputCloneMs);
  const outs = side("results", enc?.results, results, p.outputBytes, p.outputCloneMs);
  if (typeof ins === "number") p.itemCrossingMs = ins;
  if (typeof outs === "number") p.resultCrossingMs = outs;
  const measure = async (name: string, values: unknown[], bytes: number) => {
    const ms = await crossing(worker, values, how);
    if (ms !== undefined) {
      setLatest(crossed, `${name}|${key}`, { bytes, ms }, CROSSED_KEPT);
    }
    return ms;
  };
  if (!Array.isArray(ins) && !Array.isArray(outs)) return undefined;
  return async () => {
    if (Array.isArray(ins)) p.itemCrossingMs = await measure("items", ins, p.inputBytes);
    if (Array.isArray(outs)) p.resultCrossingMs = await measure("results", outs, p.outputBytes);
  };
}

/**
 * The least a value's crossing is taken to cost (ms), in the test of whether it can matter (see
 * `crossings`): a clone here is no bound of it. Results of a SHA-256 hash (64 characters) read
 * 0.005–0.06 µs cloned here and crossed at 0.32 µs each on Deno, 0.94 on Bun.
 */
const CROSSING_LEAST_MS = 5e-5;

/** Crossings measured in this process, by side and task key (see `crossings`): the latest. */
const crossed = new Map<string, { bytes: number; ms: number }>();
/** Sides of tasks remembered at most in `crossed` (the least recently measured go first). */
const CROSSED_KEPT = 256;
/** Values within this factor of a measured crossing's mean size take it again (see `crossings`). */
const CROSSED_SIZE_RATIO = 2;

/**
 * Sampled items (or results) sent through a worker and back to time their crossing: at least
 * this many, and as many as would cross in about `CROSSING_MS` at three times their clone time
 * here (up to `CROSSING_MOST`): against a round trip's jitter of ~0.05 ms, eight short strings
 * tell nothing, and 10,000 hashed ones crossed at 0.5 µs each on Bun where a clone here read 0.2.
 */
const CROSSING_ITEMS = 8;
/** See `CROSSING_ITEMS` (ms). */
const CROSSING_MS = 0.25;
/** See `CROSSING_ITEMS`. */
export const CROSSING_MOST = 1024;
/** …fewer where they hold more than this many bytes (cloned), one at the least. */
const CROSSING_BYTES = 4 * 2 ** 20;

/**
 * One crossing of a value to a worker or back (ms; see `SampleProfile.itemCrossingMs`): the
 * values as one chunk of a task that returns its input, the faster of two, less the empty round
 * trip — so each went to the worker and back, and half of that per value is one crossing.
 * Undefined where the worker died or failed; an abort or a chunk over `timeoutMs` ends the call,
 * as in sampling.
 */
async function crossing(
  worker: PoolWorker,
  values: unknown[],
  limits: { roundTripMs: number; signal?: AbortSignal; timeoutMs?: number },
): Promise<number | undefined> {
  if (values.length === 0 || worker.dead) return undefined;
  const rt = runtime();
  let best = Infinity;
  for (let round = 0; round < 2; round++) {
    const t0 = rt.now();
    let reply;
    try {
      reply = await measureChunk(worker, echo, values, false, limits);
    } catch (e) {
      if (limits.signal?.aborted || e instanceof ChunkTimeoutError) throw e;
      return undefined;
    }
    if (reply.t !== "done") return undefined;
    best = Math.min(best, rt.now() - t0 - reply.ms);
  }
  return Math.max(0, best - limits.roundTripMs) / values.length / 2;
}
const echo = taskSpec((x: unknown) => x);

/**
 * Runnable threads of other processes from the readings taken while rounds ran: the smallest.
 * With fewer than two readings (sampling stopped early), three readings now on the calling
 * thread (`externalLoadNow`), else 0.
 */
function externalLoad(loads: number[], loadTids?: () => ReadonlySet<string>): number {
  if (loads.length >= 2) return Math.min(...loads);
  return externalLoadNow(loadTids?.()) ?? 0;
}

/**
 * Clone cost, as a share of the compute time per item, below which the encodings are not timed
 * (see `profile`): at 2 % the cheapest encoding could save at most 1 % of a worker's time.
 */
const ENCODING_SHARE = 0.02;

/**
 * Clone time over the items left to run below which the encodings are not timed (see `profile`):
 * timing them costs a few milliseconds, and a cheaper encoding saves a part of the clone time
 * (a 150-item job of markdown documents spent 4 ms ranking encodings that could save < 2 ms).
 */
const ENCODING_PAYBACK_MS = 10;

/** Bytes of values (as estimated) whose clone times a value's clone in a profile, at most. */
const CLONE_BYTES = 256 * 1024;
/** Values whose clone times a value's clone in a profile, at the least (all where fewer). */
const MIN_CLONED = 8;

/** Items timed at the least, budget permitting (see the loop). */
const MIN_TIMED = 8;
/** Items timed at the least whatever the budget (see the loop). */
const FEWEST_TIMED = 3;
/** Items of the first round run before its measure starts: the JIT's warm-up. */
const WARM_ITEMS = 2;
/** Timed items of the first round at the most (see the loop). */
const FIRST_ROUND = 16;

interface Timed {
  wall: number[];
  untimedMs: number;
  untimedItems: number;
  computeMs: number;
  cpuUs: number;
  cpuKnown: boolean;
  /** Time the sampling thread waited for a CPU while runnable (ms; 0 where unknown). */
  waitMs: number;
  items: number;
}

async function nextItems(
  src: Source<unknown>,
  spread: Iterator<number> | undefined,
  n: number,
  known: KnownResults,
  out: WorkerSample,
  claimed?: ReadonlySet<number>,
): Promise<{ items: unknown[]; indices: number[] }> {
  const items: unknown[] = [], indices: number[] = [];
  if (spread) {
    while (items.length < n) {
      const r = spread.next();
      if (r.done) break;
      if (known.has(r.value) || claimed?.has(r.value)) continue;
      indices.push(r.value);
      items.push(src.at(r.value));
    }
    return { items, indices };
  }
  const start = src.pulled;
  // A throw of the source ends sampling there: the run meets it.
  const got = src.isAsync ? await src.takeAhead(n) : src.takeAheadSync(n);
  out.pulled.push(...got);
  got.forEach((x, k) => {
    items.push(x);
    indices.push(start + k);
  });
  return { items, indices };
}

function profile(
  items: unknown[],
  results: unknown[],
  t: Timed,
  isAsync: boolean,
  heapPerItem: number | null,
  threads: BusyRound | "short" | undefined,
  /** Items left to run after sampling (0 for a profile so far: the encodings are not timed). */
  rest: number,
): SampleProfile {
  const rt = runtime();
  // The items timed once the task's code was warm (see `warmedUp`): a fresh worker compiles it
  // as it calls it, and the run's many items go at the warm pace.
  const wall = warmedUp(t.wall);
  const perItemMs = summarize(wall);
  // The mean comes from the stretch timed without per-item timer calls when there is one (a very
  // fast task costs less than the timer calls around it); below ~20 µs a per-item spread is
  // mostly timer noise, so heterogeneity is not claimed there.
  if (t.untimedItems >= 16) {
    const stretch = t.untimedMs / t.untimedItems;
    const sum = wall.reduce((a, b) => a + b, 0);
    if (stretch < 0.05) {
      perItemMs.mean = stretch;
      perItemMs.median = Math.min(perItemMs.median, stretch);
    } else perItemMs.mean = (sum + t.untimedMs) / (wall.length + t.untimedItems);
  }
  if (perItemMs.mean < 0.02) perItemMs.cv = 0;
  // The rounds' CPU time (the worker thread's own where the OS tells, else the process's: see
  // `ItemMeasure.cpuUs`) has a coarse tick on some systems: only trusted over enough wall time. The
  // time the sampling thread waited for a CPU (other processes' load) is not the task's: without
  // it, a CPU-bound task on a loaded machine would look I/O-bound.
  const ranMs = t.computeMs - Math.min(t.waitMs, 0.95 * t.computeMs);
  const cpuRatio = t.cpuKnown && t.computeMs > 5 ? t.cpuUs / 1000 / ranMs : null;
  const ratio = cpuRatio ?? 1;
  const mean = (vs: unknown[]) => {
    const k = Math.min(vs.length, 256); // a size estimate from at most 256 values
    let sum = 0;
    for (let i = 0; i < k; i++) sum += estimateBytes(vs[Math.floor((i * vs.length) / k)]);
    return sum / k;
  };
  const inputBytes = mean(items), outputBytes = mean(results);
  // A clone's cost per value, from values spread over the sample of about `CLONE_BYTES` at most
  // (13 arrays of 5,000 numbers, cloned whole in each round's profile: 15 ms of a Node call);
  // the final profile takes the faster of two clones (the first may meet cold code or a GC).
  const cloneMs = (vs: unknown[], bytes: number) => {
    const k = Math.min(vs.length, Math.max(MIN_CLONED, Math.ceil(CLONE_BYTES / (bytes || 1))));
    const some = k < vs.length
      ? Array.from({ length: k }, (_, i) => vs[Math.floor((i * vs.length) / k)])
      : vs;
    let best = Infinity;
    for (let r = 0; r < (rest > 0 ? 2 : 1); r++) {
      const t0 = rt.now();
      structuredClone(some);
      best = Math.min(best, rt.now() - t0);
    }
    return best / some.length;
  };
  const inputCloneMs = cloneMs(items, inputBytes);
  const outputCloneMs = cloneMs(results, outputBytes);
  // The encodings are timed (a millisecond or more each) only where they can matter: when
  // cloning an item and its result costs at least `ENCODING_SHARE` of its compute time, and
  // `ENCODING_PAYBACK_MS` over the `rest` of the items. Else structured clone stays, with its
  // cost as measured.
  const bothMs = inputCloneMs + outputCloneMs;
  const cheap = bothMs < ENCODING_SHARE * perItemMs.mean || bothMs * rest < ENCODING_PAYBACK_MS;
  const [itemEnc] = !cheap
    ? measureEncodings(items, rt.now)
    : [{ encoding: "clone" as const, perValueMs: inputCloneMs }];
  const [resultEnc] = !cheap
    ? measureEncodings(results, rt.now)
    : [{ encoding: "clone" as const, perValueMs: outputCloneMs }];
  return {
    sampled: items.length,
    timed: t.items,
    perItemMs,
    cpuRatio,
    workloadType: ratio >= 0.7 ? "cpu" : ratio >= 0.3 ? "mixed" : "io",
    isAsync,
    inputBytes,
    outputBytes,
    inputCloneMs,
    outputCloneMs,
    encoding: {
      items: itemEnc.encoding,
      itemMs: itemEnc.perValueMs,
      results: resultEnc.encoding,
      resultMs: resultEnc.perValueMs,
    },
    transferables: findTransferables([...items.slice(0, 64), ...results.slice(0, 64)]).length > 0,
    heapGrowthPerItemBytes: heapPerItem,
    externalLoad: 0,
    ...nestedThreads(cpuRatio, threads),
  };
}

/**
 * A sampling round's busy threads (see `nestedThreads`): how many, over how long a round (ms),
 * and the sampling thread's own share of the round on a CPU, where its own clock tells.
 */
export interface BusyRound {
  busy: number;
  ms: number;
  ownShare?: number;
}

/**
 * Nested parallelism, measured where it can be: threads each busy ≥ 50 % of a sampling round's
 * wall time (per-thread CPU time), while the sampling thread itself was on a CPU for under
 * `OWN_WAITED` of the round (its own clock, the time it waited for a CPU left out): the task
 * awaited the work of those threads (a pool of its own, an async call of the runtime's thread
 * pool, a native library's threads). The runtime's JIT compiler and GC threads work beside the
 * task's thread, which goes on computing: a fresh worker compiling an XML parser had a second
 * thread busy through a 17 ms round while its own thread was on a CPU 70 % of it, and on Node,
 * which names every thread "node", that read as nested — workers capped at cores / 2, the plain
 * loop chosen where two workers ran 1.5× faster. Not seen: a task whose own thread computes
 * alongside the threads it starts. `"short"`: the OS gives per-thread times, but no round lasted
 * the 10 ms they need — no evidence either way, so none is claimed (the process clock over such
 * short rounds is no better: with a 4 ms tick it read 2.6× wall time for a single-threaded task
 * on 2 cores). Where the OS gives no per-thread times, the process CPU/wall ratio stands in, with
 * a high bar (2.5): it counts every helper thread of the runtime, which busy libraries keep at
 * 1.3–1.8× without any nested parallelism.
 *
 * @param cpuRatio The sampled rounds' CPU time over their wall time (the sampling thread's own
 * clock where the OS tells, else the process's), or null where unknown.
 * @param threads The round with the fewest busy threads (of 10 ms or more), `"short"` where the
 * OS gives per-thread times but no round was that long, undefined where it gives none.
 * @returns The threads one item keeps busy, and why where more than one.
 *
 * @example Usage
 * ```ts
 * import { nestedThreads } from "./sample.ts";
 * import assert from "node:assert/strict";
 *
 * // A second thread busy while the task's own thread waited: the task's own pool.
 * assert.equal(nestedThreads(0.1, { busy: 2, ms: 50, ownShare: 0.1 }).internalThreads, 2);
 * // While it computed: the runtime's compiler.
 * assert.equal(nestedThreads(0.9, { busy: 2, ms: 50, ownShare: 0.9 }).internalThreads, 1);
 * ```
 */
export function nestedThreads(
  cpuRatio: number | null,
  threads: BusyRound | "short" | undefined,
): { internalThreads: number; nestedReason?: string } {
  if (threads === "short") return { internalThreads: 1 };
  if (threads) {
    const own = threads.ownShare;
    return threads.busy > 1 && !(own !== undefined && own >= OWN_WAITED)
      ? {
        internalThreads: threads.busy,
        nestedReason: `${threads.busy} threads of this process were each on the CPU for at ` +
          `least half of a ${threads.ms.toFixed(0)} ms sampling round` +
          (own === undefined ? "" : `, the task's own thread ${(100 * own).toFixed(0)} % of it`) +
          `: the task runs threads of its own`,
      }
      : { internalThreads: 1 };
  }
  return cpuRatio !== null && cpuRatio > 2.5
    ? {
      internalThreads: Math.round(cpuRatio),
      nestedReason: `CPU time was ${cpuRatio.toFixed(1)}× wall time: the task runs threads of ` +
        `its own`,
    }
    : { internalThreads: 1 };
}

/** The sampling thread's share of a round on a CPU under which it waited on other threads. */
const OWN_WAITED = 0.5;
