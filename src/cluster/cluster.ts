/**
 * The cluster executor, caller side: runs a module task's chunks as BullMQ jobs on the workers
 * of other machines, and plans such runs (the chunk size that amortises the queue's round trip,
 * and whether the cluster beats this machine at all).
 *
 * @module
 */
import { keysOf, knownKeys, positiveInt, timerMs, wrongType } from "../args.ts";
import { abortError, type KnownResults, type Progress } from "../engine/mod.ts";
import { runtime } from "../runtime/mod.ts";
import type { TaskRef } from "../task/mod.ts";
import { checkRedisUrl, redactUrl } from "./_connection.ts";
import { measureQueue } from "./_measure.ts";
import { bestClusterPlan, type PlanInput } from "./_plan.ts";
import { type Done, runOnCluster } from "./_run.ts";
import { Session } from "./_session.ts";
import { queueName } from "./_queue_name.ts";
import type { ClusterOptions, ClusterProfile, WorkerCapacity } from "./types.ts";

export type { ClusterOptions, ClusterProfile, WorkerCapacity } from "./types.ts";

/** The fields of the `cluster` option (the compiler keeps the list complete). */
const CLUSTER_OPTION_KEYS = keysOf<ClusterOptions>({
  redis: 1,
  queue: 1,
  maxInFlight: 1,
  maxPayloadBytes: 1,
  redisTimeoutMs: 1,
});

/** Cluster options with every default filled in. */
export interface ResolvedCluster {
  redis: string;
  queue: string;
  maxInFlight?: number;
  maxPayloadBytes: number;
  redisTimeoutMs: number;
}

/**
 * Check the `cluster` option; TypeError/RangeError naming the field and the value.
 *
 * @param o The option's value.
 * @returns The options with defaults filled in.
 *
 * @example Usage
 * ```ts
 * import { checkClusterOptions } from "./cluster.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(checkClusterOptions({ redis: "redis://127.0.0.1:6379" }).queue, "amorsize");
 * assert.throws(() => checkClusterOptions({ redis: "http://x" }), TypeError);
 * ```
 */
export function checkClusterOptions(o: unknown): ResolvedCluster {
  // The value as every other check shows it (a number was "got number", "x" "got string"); an
  // array is no options object either (it was read as one without keys).
  if (o === null || typeof o !== "object" || Array.isArray(o)) {
    wrongType("cluster", "an object { redis, queue? }", o);
  }
  const c = o as ClusterOptions;
  knownKeys("cluster", c, CLUSTER_OPTION_KEYS);
  return {
    redis: checkRedisUrl("cluster.redis", c.redis),
    queue: queueName("cluster.queue", c.queue),
    maxInFlight: c.maxInFlight === undefined
      ? undefined
      : positiveInt("cluster.maxInFlight", c.maxInFlight),
    maxPayloadBytes: c.maxPayloadBytes === undefined
      ? 1024 * 1024
      : positiveInt("cluster.maxPayloadBytes", c.maxPayloadBytes),
    redisTimeoutMs: c.redisTimeoutMs === undefined
      ? 5000
      : timerMs("cluster.redisTimeoutMs", c.redisTimeoutMs),
  };
}

/** A run on the cluster: how, and what to report. */
export interface ClusterRunOptions {
  cluster: ClusterOptions;
  /** Items per job. */
  chunkSize: number;
  /** Stop the run; its jobs not started yet are removed from the queue. */
  signal?: AbortSignal;
  /** A job not finished this many ms after it was added fails the run (its pending jobs removed). */
  timeoutMs?: number;
  onProgress?: (progress: Progress) => void;
  /** Results computed already (by global index): not sent again. */
  known?: KnownResults;
  /** Hand results on in input order (default for map) or in completion order. */
  ordered?: boolean;
  /** Items in all, for progress (default: the data's length or size, when it has one). */
  total?: number;
}

/** The task as a cluster can run it: a module reference; inline functions are refused. */
function moduleTask(task: unknown): TaskRef {
  if (typeof task === "function") {
    throw new TypeError(
      `An inline function cannot run on a cluster: other machines cannot rebuild "${
        task.name || "anonymous"
      }" from here. Export it from a module deployed on every worker machine and pass ` +
        `task(import.meta.url, "name") instead`,
    );
  }
  const ref = task as TaskRef;
  if (!ref || typeof ref !== "object" || ref.kind !== "module") {
    throw new TypeError(`'task' must be a reference from task(module, name), got ${typeof task}`);
  }
  return ref;
}

function sizeOf(data: unknown): number | undefined {
  const d = data as { length?: unknown; size?: unknown };
  if (Array.isArray(data) || typeof d.length === "number") return d.length as number;
  return typeof d.size === "number" ? d.size : undefined;
}

/** Whatever `p` gives, or the abort reason once `signal` aborts first (`late` gets it then). */
function untilAborted<T>(
  p: Promise<T>,
  signal: AbortSignal | undefined,
  late?: (value: T) => void,
): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.then(late, () => {});
    return Promise.reject(abortError(signal));
  }
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      p.then(late, () => {});
      reject(abortError(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([p, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}

/** Connect, or throw the abort reason as soon as `signal` aborts (a late session is closed). */
function open(cfg: ResolvedCluster, signal: AbortSignal | undefined): Promise<Session> {
  return untilAborted(Session.open(cfg, signal), signal, (s) => void s.close());
}

/** Open a session, run, close: completed chunks in completion order, with progress. */
async function* chunks(
  task: unknown,
  data: Iterable<unknown> | AsyncIterable<unknown>,
  options: ClusterRunOptions,
): AsyncGenerator<Done> {
  const ref = moduleTask(task);
  const cfg = checkClusterOptions(options.cluster);
  const chunkSize = positiveInt("chunkSize", options.chunkSize);
  const session = await open(cfg, options.signal);
  const now = runtime().now;
  const t0 = now();
  const total = options.total ?? sizeOf(data);
  let done = 0;
  let last = -Infinity;
  const report = (force: boolean) => {
    const t = now();
    if (!options.onProgress || (!force && t - last < 50)) return;
    last = t;
    options.onProgress({ done, total, elapsedMs: t - t0, phase: "run" });
  };
  try {
    if (session.workers.length === 0) {
      throw new Error(
        `No amorsize worker is registered on the queue "${cfg.queue}" at ${
          redactUrl(cfg.redis)
        }: start one on each machine with: amorsize worker --redis ${
          redactUrl(cfg.redis)
        } --queue ${cfg.queue}`,
      );
    }
    const cores = session.workers.reduce((s, w) => s + w.cores, 0);
    const gen = runOnCluster(session, data, {
      module: ref.module,
      name: ref.name,
      chunkSize,
      maxInFlight: cfg.maxInFlight ?? Math.max(2, 2 * cores),
      maxPayloadBytes: cfg.maxPayloadBytes,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      known: options.known,
      ordered: options.ordered,
    });
    for await (const d of gen) {
      done += d.results.length;
      report(false);
      yield d;
    }
  } finally {
    report(true);
    await session.close();
  }
}

/**
 * Run a module task over `data` on the cluster and return the results in input order.
 *
 * @param task A module task, `task(module, name)` (inline functions are refused).
 * @param data An array, an iterable or an async iterable of JSON values.
 * @param options See {@linkcode ClusterRunOptions}.
 * @returns The results in input order.
 * @throws {TypeError} For an inline function, bad options, or an item that is not JSON.
 * @throws {RangeError} For an item over `maxPayloadBytes`.
 * @throws {TaskError} When the task throws (global item index, original error as cause).
 * @throws {Error} When Redis cannot be reached or is lost, or no worker is registered.
 *
 * @example Inline functions are refused before anything connects
 * ```ts
 * import { executeOnCluster } from "./cluster.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(
 *   executeOnCluster((x: number) => x, [1], { cluster: { redis: "redis://127.0.0.1:1" }, chunkSize: 1 }),
 *   /inline function cannot run on a cluster/,
 * );
 * ```
 */
export async function executeOnCluster(
  task: unknown,
  data: Iterable<unknown> | AsyncIterable<unknown>,
  options: ClusterRunOptions,
): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const d of chunks(task, data, options)) {
    for (let k = 0; k < d.results.length; k++) out[d.start + k] = d.results[k];
  }
  return out;
}

/**
 * Stream the results of a module task over `data` from the cluster: in input order, or in
 * completion order with `ordered: false`. Pulls from `data` only as jobs complete.
 *
 * @param task A module task, `task(module, name)`.
 * @param data An array, an iterable or an async iterable of JSON values (possibly infinite).
 * @param options See {@linkcode ClusterRunOptions}; `ordered` (default true).
 * @returns The results.
 *
 * @example Inline functions are refused
 * ```ts
 * import { mapOnCluster } from "./cluster.ts";
 * import assert from "node:assert/strict";
 *
 * const it = mapOnCluster((x: number) => x, [1], { cluster: { redis: "redis://127.0.0.1:1" }, chunkSize: 1 });
 * await assert.rejects(it.next(), TypeError);
 * ```
 */
export async function* mapOnCluster(
  task: unknown,
  data: Iterable<unknown> | AsyncIterable<unknown>,
  options: ClusterRunOptions & { ordered?: boolean },
): AsyncGenerator<unknown> {
  for await (const d of chunks(task, data, { ...options, ordered: options.ordered ?? true })) {
    yield* d.results;
  }
}

/** What the local optimization found, as the cluster plan needs it. */
export interface LocalTerms {
  /** Predicted wall time of the local decision (ms). */
  predictedMs: number;
  /** Items (undefined: a stream of unknown length). */
  items: number | undefined;
  /** Task time per item, sampled here (ms; undefined: not sampled, a small job). */
  perItemMs: number | undefined;
  /** Serial cost per item of encoding it and decoding its result here (ms). */
  encodeMsPerItem: number;
  /** Per-chunk cost of a worker pool (ms). */
  dispatchMs: number;
  /** The cluster must beat the local decision by this factor (the optimizer's minSpeedup). */
  minSpeedup: number;
  /** Longest job compute time wanted (ms; the engine's target chunk duration). */
  targetJobMs: number;
}

/** The cluster plan and the choice between it and the local decision. */
export interface ClusterPlan {
  /** Whether the cluster wins. */
  useCluster: boolean;
  /** Why. */
  reason: string;
  /** The cluster terms (for explain()). */
  profile: ClusterProfile;
}

/** Items assumed for a stream of unknown length when comparing the cluster with local runs. */
export const STREAM_ITEMS = 10_000;

/**
 * Measure the cluster (workers registered, queue round trip, per-job cost) and plan a run of the
 * task there; compare with the local decision.
 *
 * @param task The task (an inline function gets no cluster plan: it cannot run remotely).
 * @param cluster The `cluster` option.
 * @param local The local optimization's terms.
 * @param signal Stops the measuring: the abort reason is thrown, even while connecting.
 * @returns The plan and the choice.
 *
 * @example No Redis answering: no cluster plan, the local decision stands
 * ```ts
 * import { planCluster } from "./cluster.ts";
 * import { task } from "../task/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const plan = await planCluster(task(import.meta.url, "f"), { redis: "redis://127.0.0.1:1", redisTimeoutMs: 300 }, {
 *   predictedMs: 100, items: 100, perItemMs: 1, encodeMsPerItem: 0.001, dispatchMs: 0.1, minSpeedup: 1.2, targetJobMs: 200,
 * });
 * assert.equal(plan.useCluster, false);
 * assert.match(plan.reason, /Cannot reach Redis/);
 * ```
 */
export async function planCluster(
  task: unknown,
  cluster: ClusterOptions,
  local: LocalTerms,
  signal?: AbortSignal,
): Promise<ClusterPlan> {
  const cfg = checkClusterOptions(cluster);
  const items = local.items ?? STREAM_ITEMS;
  const base: ClusterProfile = {
    queue: cfg.queue,
    workers: [],
    cores: 0,
    roundTripMs: NaN,
    perJobMs: NaN,
    perItemMs: local.perItemMs ?? NaN,
    encodeMsPerItem: local.encodeMsPerItem,
    items,
    chunkSize: 0,
    jobs: 0,
    predictedMs: Infinity,
    breakdown: { latencyMs: NaN, serialMs: NaN, computeMs: NaN, windowMs: NaN },
    localMs: local.predictedMs,
  };
  const refuse = (why: string): ClusterPlan => ({
    useCluster: false,
    reason: `stays local: ${why}`,
    profile: { ...base, unavailable: why },
  });
  if (typeof task === "function") {
    return refuse("an inline function cannot run on other machines (use task(module, name))");
  }
  if (local.perItemMs === undefined) {
    return refuse("the task was not sampled (a small job: it stays here)");
  }
  let session: Session;
  try {
    session = await open(cfg, signal);
  } catch (e) {
    if (signal?.aborted) throw abortError(signal);
    return refuse(e instanceof Error ? e.message : String(e));
  }
  try {
    base.workers = session.workers;
    base.cores = session.workers.reduce((s, w) => s + w.cores, 0);
    if (base.cores === 0) return refuse(`no worker is registered on the queue "${cfg.queue}"`);
    let cost;
    try {
      cost = await untilAborted(measureQueue(session, cfg.redisTimeoutMs), signal);
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      return refuse(e instanceof Error ? e.message : String(e));
    }
    const ref = task as TaskRef;
    const remote = session.workers.map((w) => w.perItemMs[`${ref.module}#${ref.name}`])
      .filter((x): x is number => typeof x === "number" && x > 0).sort((a, b) => a - b);
    const input: PlanInput = {
      items,
      perItemMs: local.perItemMs,
      encodeMsPerItem: local.encodeMsPerItem,
      roundTripMs: cost.roundTripMs,
      perJobMs: cost.perJobMs,
      dispatchMs: local.dispatchMs,
      cores: base.cores,
      maxInFlight: cfg.maxInFlight ?? Math.max(2, 2 * base.cores),
      effectiveCores: session.workers.reduce((s, w) => s + w.cores / slowdown(w), 0),
      maxSlowdown: Math.max(...session.workers.map(slowdown)),
      slotsPerCore: session.workers.reduce((s, w) => s + w.concurrency, 0) / base.cores,
      targetJobMs: local.targetJobMs,
    };
    const reported = remote.length > 0 ? remote[Math.floor(remote.length / 2)] : undefined;
    return decideCluster(input, { ...base, ...cost, workersPerItemMs: reported }, local);
  } finally {
    await session.close();
  }
}

/** How much slower a worker's cores run than unloaded ones: its load per CPU, at least 1. */
function slowdown(w: WorkerCapacity): number {
  const l = w.loadPerCpu;
  return typeof l === "number" && Number.isFinite(l) && l > 1 ? l : 1;
}

/**
 * The decision from measured terms (no I/O): the best chunk size and whether the cluster beats
 * the local decision by `minSpeedup`.
 *
 * @param input The model's inputs.
 * @param base The profile so far (measurements).
 * @param local The local terms.
 * @returns The plan.
 *
 * @example Long tasks on many remote cores win; tiny jobs stay local
 * ```ts
 * import { decideCluster } from "./cluster.ts";
 * import assert from "node:assert/strict";
 *
 * const input = { items: 1000, perItemMs: 5, encodeMsPerItem: 0.01, roundTripMs: 1, perJobMs: 0.5, dispatchMs: 0.1, cores: 16, effectiveCores: 16, maxSlowdown: 1, maxInFlight: 32, slotsPerCore: 2, targetJobMs: 200 };
 * const local = { predictedMs: 2600, items: 1000, perItemMs: 5, encodeMsPerItem: 0.01, dispatchMs: 0.1, minSpeedup: 1.2, targetJobMs: 200 };
 * const base = { queue: "q", workers: [], cores: 16, roundTripMs: 1, perJobMs: 0.5, perItemMs: 5, encodeMsPerItem: 0.01, items: 1000, chunkSize: 0, jobs: 0, predictedMs: 0, breakdown: { latencyMs: 0, serialMs: 0, computeMs: 0, windowMs: 0 }, localMs: 2600 };
 * assert.equal(decideCluster(input, base, local).useCluster, true);
 * // 10 items of 10 µs: about 0.1 ms here, more than a round trip there.
 * const tiny = { ...input, items: 10, perItemMs: 0.01 };
 * assert.equal(decideCluster(tiny, base, { ...local, predictedMs: 0.1 }).useCluster, false);
 * ```
 */
export function decideCluster(
  input: PlanInput,
  base: ClusterProfile,
  local: LocalTerms,
): ClusterPlan {
  const best = bestClusterPlan(input);
  const profile: ClusterProfile = {
    ...base,
    chunkSize: best.chunkSize,
    jobs: best.jobs,
    predictedMs: best.predictedMs,
    breakdown: best.breakdown,
  };
  const ratio = local.predictedMs / best.predictedMs;
  const useCluster = ratio >= local.minSpeedup;
  const fmt = (x: number) => x >= 100 ? x.toFixed(0) : x.toFixed(1);
  const reason = useCluster
    ? `the cluster (${base.workers.length} workers, ${input.cores} cores) is predicted ` +
      `${ratio.toFixed(2)}× faster than running here (${fmt(best.predictedMs)} ms vs ${
        fmt(local.predictedMs)
      } ms) in ${best.jobs} jobs of ${best.chunkSize} items`
    : `stays local: the cluster is predicted ${fmt(best.predictedMs)} ms vs ${
      fmt(local.predictedMs)
    } ms here (needs ${local.minSpeedup}× faster; round trip ${fmt(input.roundTripMs)} ms)`;
  return { useCluster, reason, profile };
}
