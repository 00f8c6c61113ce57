/**
 * The cluster worker: a BullMQ worker that runs each chunk job on this machine's worker pool and
 * registers its capacity in Redis with a heartbeat.
 *
 * @module
 */
import { cpus, hostname, loadavg } from "node:os";
import process from "node:process";
import { keysOf, knownKeys, positiveInt, timerMs } from "../args.ts";
import { createPool, KnownResults, type Pool, prepare, Source, TaskError } from "../engine/mod.ts";
import { runtime } from "../runtime/mod.ts";
import { probeSystem } from "../system/mod.ts";
import { task, taskSpec } from "../task/mod.ts";
import { VERSION } from "../version.ts";
import { checkRedisUrl, closeRedis, connectRedis, describe, redactUrl } from "./_connection.ts";
import { loadDriver } from "./_driver.ts";
import {
  CHUNK_JOB,
  type ChunkJobData,
  type ChunkReply,
  PING_JOB,
  toWireError,
} from "./_protocol.ts";
import { queueName } from "./_queue_name.ts";
import { register, unregister } from "./_registry.ts";
import type { WorkerCapacity } from "./types.ts";

/** Options of {@linkcode startClusterWorker}. */
export interface ClusterWorkerOptions {
  /** Redis URL, `redis://host:port`. */
  redis: string;
  /** Queue name (default `"amorsize"`). */
  queue?: string;
  /** Pool workers on this machine (default: the probe's effective cores). */
  workers?: number;
  /** Chunk jobs taken at once (default: twice `workers`, so the next job waits ready). */
  concurrency?: number;
  /** BullMQ job lock in whole ms (default 30000): a job whose worker dies is re-queued after it. */
  lockDurationMs?: number;
  /** How often BullMQ looks for stalled jobs, in whole ms (default 30000). */
  stalledIntervalMs?: number;
  /** Heartbeat of the capacity registration in whole ms (default 2000; it expires after 3 beats). */
  heartbeatMs?: number;
  /** Give up connecting after this many ms (default 5000; at most 2^31 − 1). */
  redisTimeoutMs?: number;
}

const WORKER_OPTION_KEYS = keysOf<ClusterWorkerOptions>({
  redis: 1,
  queue: 1,
  workers: 1,
  concurrency: 1,
  lockDurationMs: 1,
  stalledIntervalMs: 1,
  heartbeatMs: 1,
  redisTimeoutMs: 1,
});

/** A running cluster worker. */
export interface ClusterWorker {
  /** What it registered. */
  readonly capacity: WorkerCapacity;
  /** Resolves once the worker has stopped. */
  readonly closed: Promise<void>;
  /**
   * Stop taking jobs and unregister. By default the jobs in progress finish first, then Redis
   * gets at most `redisTimeoutMs` to take their results; with `force` (also on a later call,
   * while a graceful close waits), nothing is waited for: the jobs are handed back (BullMQ
   * re-queues them when their lock expires) and the registration expires on its own.
   */
  close(options?: { force?: boolean }): Promise<void>;
}

/**
 * Start a cluster worker: it takes chunk jobs from the queue, runs each on this machine's pool
 * (its own effective cores) and returns the results; it registers its capacity with a heartbeat.
 * The task modules named by the jobs must be importable here (the same code deployed everywhere).
 *
 * @param options See {@linkcode ClusterWorkerOptions}.
 * @returns The running worker; `close()` stops it.
 * @throws {TypeError} If `redis` is not a redis:// URL or an option has the wrong type.
 * @throws {RangeError} If a number is out of range: `workers`, `concurrency`, `heartbeatMs`,
 * `lockDurationMs` and `stalledIntervalMs` are positive integers, and every `…Ms` is at most
 * 2^31 − 1 (the longest timer).
 * @throws {Error} If Redis cannot be reached, or bullmq/ioredis are not installed.
 *
 * @example Usage (needs a Redis server; skipped when none answers)
 * ```ts
 * import { startClusterWorker } from "./worker.ts";
 * import assert from "node:assert/strict";
 *
 * try {
 *   const w = await startClusterWorker({ redis: "redis://127.0.0.1:6390", redisTimeoutMs: 500 });
 *   assert.ok(w.capacity.cores >= 1);
 *   await w.close();
 * } catch (e) {
 *   assert.match(String(e), /Cannot reach Redis/);
 * }
 * ```
 */
export async function startClusterWorker(options: ClusterWorkerOptions): Promise<ClusterWorker> {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `'options' must be an object, got ${options === null ? "null" : typeof options}`,
    );
  }
  knownKeys("options", options, WORKER_OPTION_KEYS);
  const url = checkRedisUrl("redis", options.redis);
  const queue = queueName("queue", options.queue);
  const cores = options.workers === undefined
    ? (await probeSystem()).effectiveCores
    : positiveInt("workers", options.workers);
  const concurrency = options.concurrency === undefined
    ? 2 * cores
    : positiveInt("concurrency", options.concurrency);
  // Whole ms a timer can wait: BullMQ hands the lock and stalled times to Redis (PX), which
  // takes integers only, and a timer longer than MAX_TIMER_MS fires at once.
  const wholeMs = (name: string, value: number) => timerMs(name, positiveInt(name, value));
  const heartbeatMs = wholeMs("heartbeatMs", options.heartbeatMs ?? 2000);
  const timeoutMs = timerMs("redisTimeoutMs", options.redisTimeoutMs ?? 5000);
  const lockDuration = wholeMs("lockDurationMs", options.lockDurationMs ?? 30000);
  const stalledInterval = wholeMs("stalledIntervalMs", options.stalledIntervalMs ?? 30000);

  const driver = await loadDriver();
  const client = await connectRedis(driver, url, {
    timeoutMs,
    reconnect: true,
    name: "amorsize-worker",
  });
  const rt = runtime();
  const capacity: WorkerCapacity = {
    id: `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    host: hostname(),
    pid: process.pid,
    cores,
    concurrency,
    runtime: `${rt.name} ${rt.version}`,
    version: VERSION,
    perItemMs: {},
    loadPerCpu: loadPerCpu(),
    seenAt: Date.now(),
  };
  // Kept warm for the worker's life (closed by close()), also where idle workers keep a process
  // alive (Deno): this process is meant to stay up.
  const pool = createPool({ maxWorkers: cores, idleTimeoutMs: Infinity });
  // Jobs in the processor now; `idle` is called when the count falls to 0.
  let active = 0;
  let idle: (() => void) | undefined;
  const processor = async (job: { name: string; data: unknown }): Promise<ChunkReply> => {
    if (job.name === PING_JOB) return { results: "[]", ms: 0, worker: capacity.id };
    if (job.name !== CHUNK_JOB) throw new Error(`Unknown job "${job.name}" on an amorsize queue`);
    active++;
    try {
      return await runChunk(job.data as ChunkJobData, pool, capacity);
    } finally {
      if (--active === 0) idle?.();
    }
  };
  const worker = new driver.bullmq.Worker(queue, processor, {
    connection: client,
    concurrency,
    lockDuration,
    stalledInterval,
    autorun: false,
  });
  worker.on("error", (e: unknown) => {
    console.error(`amorsize worker: ${describe(e)} (Redis ${redactUrl(url)})`);
  });
  const beat = async () => {
    capacity.seenAt = Date.now();
    capacity.loadPerCpu = loadPerCpu();
    try {
      await register(client, queue, capacity, 3 * heartbeatMs);
    } catch { /* Redis away for a moment: the next beat registers again */ }
  };
  await register(client, queue, capacity, 3 * heartbeatMs);
  const timer = setInterval(beat, heartbeatMs);
  worker.run().catch(() => {}); // ends with close(); its errors are reported by "error" events
  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let force = false;
  let forceNow!: () => void;
  const forced = new Promise<boolean>((r) => (forceNow = () => r(false)));
  // A graceful close stops taking jobs and waits for the jobs in progress, then at most
  // `timeoutMs` for Redis (BullMQ writes their results; a Redis that is away would hold it
  // forever). A forced close, or a second call with `force`, waits for nothing: it drops the
  // connection before the pool ends the jobs in progress, so that they are not marked failed but
  // come back to the queue when their locks expire; the registration expires on its own. BullMQ's
  // own close is always forced: a graceful one cannot be forced later, and waits on Redis.
  const shutdown = async () => {
    clearInterval(timer);
    let clean = false;
    let pausing: Promise<void> | undefined;
    try {
      if (!force) {
        // Resolves once the jobs in progress have finished and their results are written.
        pausing = worker.pause(false);
        const jobsDone = new Promise<boolean>((r) => {
          idle = () => r(true);
          if (active === 0) r(true);
        });
        if (await Promise.race([jobsDone, forced])) {
          clean = await within(pausing, timeoutMs, forced);
        }
      }
    } finally {
      if (!clean) {
        client.disconnect();
        // A pause cut short reconnects BullMQ's blocking connection when it ends: drop it again.
        pausing?.then(() => worker.disconnect()).catch(() => {});
      }
      await within(worker.close(true).catch(() => {}), timeoutMs, forced);
      if (clean) {
        await within(unregister(client, queue, capacity.id).catch(() => {}), timeoutMs, forced);
      }
      await pool.close();
      if (clean) await closeRedis(client);
      else client.disconnect();
      resolveClosed();
    }
  };
  const close = (o: { force?: boolean } = {}) => {
    if (o.force === true && !force) {
      force = true;
      forceNow();
    }
    closing ??= shutdown();
    return closing;
  };
  return { capacity, closed, close };
}

/** Whether `p` resolves within `ms` and before `stop` does (a timer that never outlives it). */
async function within(p: Promise<unknown>, ms: number, stop: Promise<boolean>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p.then(() => true, () => false),
      stop,
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The machine's 1-minute load average per logical CPU (0 where the runtime has none). */
function loadPerCpu(): number {
  try {
    return loadavg()[0] / Math.max(1, cpus().length);
  } catch {
    return 0;
  }
}

async function runChunk(
  data: ChunkJobData,
  pool: Pool,
  capacity: WorkerCapacity,
): Promise<ChunkReply> {
  const now = runtime().now;
  const t0 = now();
  const items = JSON.parse(data.items) as unknown[];
  const cores = capacity.cores;
  const ref = task(data.module, data.name);
  const config = {
    executor: "workers" as const,
    workers: Math.min(cores, Math.max(1, items.length)),
    chunkSize: Math.max(1, Math.ceil(items.length / cores)),
    concurrency: 1,
    adaptive: false,
  };
  const src = new Source<unknown>(items);
  const job = prepare(ref, { spec: taskSpec(ref), src, config, known: new KnownResults() }, {
    pool,
  });
  const results: unknown[] = new Array(items.length);
  let error: ChunkReply["error"];
  const filled = new Set<number>();
  let done = items.length;
  try {
    for await (const c of job.stream(false)) {
      for (let k = 0; k < c.results.length; k++) {
        results[c.start + k] = c.results[k];
        filled.add(c.start + k);
      }
    }
  } catch (e) {
    if (!(e instanceof TaskError)) throw e; // the module cannot load, the pool broke: job fails
    error = toWireError(e.index, e.cause);
    done = e.index; // the engine delivers every result before the failing item
  }
  for (let i = 0; i < done; i++) {
    if (!filled.has(i)) throw new Error(`amorsize worker: no result for item ${data.start + i}`);
  }
  const ms = now() - t0;
  if (!error && items.length > 0) {
    const key = `${data.module}#${data.name}`;
    const perItem = ms * Math.min(cores, items.length) / items.length;
    const old = capacity.perItemMs[key];
    capacity.perItemMs[key] = old === undefined ? perItem : 0.7 * old + 0.3 * perItem;
  }
  let json: string;
  try {
    json = JSON.stringify(results.slice(0, done));
  } catch {
    // A result that is not JSON (a BigInt, a cycle): a task error at the first such item.
    const parts: string[] = [];
    for (let i = 0; i < done; i++) {
      try {
        parts.push(JSON.stringify(results[i]) ?? "null");
      } catch (e) {
        error = toWireError(
          i,
          new TypeError(
            `The result of item ${data.start + i} cannot be sent back from the cluster: it ` +
              `cannot be written as JSON (${describe(e)})`,
          ),
        );
        break;
      }
    }
    json = `[${parts.join(",")}]`;
  }
  return { results: json, error, ms, worker: capacity.id };
}
