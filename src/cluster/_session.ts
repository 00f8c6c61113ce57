// A caller's connection to a cluster: the BullMQ queue its chunk jobs go to, a QueueEvents reader
// of their completions (from the stream position taken before any job is added, so none is
// missed), and a command client that also watches that Redis keeps answering.
import type { Job, Queue, QueueEvents } from "bullmq";
import { runtime } from "../runtime/mod.ts";
import { closeRedis, connectRedis, describe, redactUrl } from "./_connection.ts";
import { loadDriver, type RedisClient } from "./_driver.ts";
import { type ChunkReply, jobId } from "./_protocol.ts";
import { listWorkers } from "./_registry.ts";
import type { WorkerCapacity } from "./types.ts";

/** A finished job as the caller sees it. */
export type Finished =
  | { id: string; ok: true; reply: ChunkReply }
  | { id: string; ok: false; reason: string; missing?: true };

/** What a session needs from the options, checked. */
export interface SessionConfig {
  redis: string;
  queue: string;
  redisTimeoutMs: number;
}

export class Session {
  readonly config: SessionConfig;
  readonly queue: Queue;
  readonly workers: WorkerCapacity[];
  readonly run = `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  #events: QueueEvents;
  #client: RedisClient;
  #eventsClient: RedisClient;
  #listeners = new Set<(f: Finished) => void>();
  #lost?: Error;
  #onLost = new Set<(e: Error) => void>();
  #health?: ReturnType<typeof setInterval>;
  #closed = false;
  #seq = 0;
  #lastError = "";
  #polling = false;

  private constructor(
    config: SessionConfig,
    queue: Queue,
    events: QueueEvents,
    client: RedisClient,
    eventsClient: RedisClient,
    workers: WorkerCapacity[],
  ) {
    this.config = config;
    this.queue = queue;
    this.#events = events;
    this.#client = client;
    this.#eventsClient = eventsClient;
    this.workers = workers;
  }

  /**
   * Connect (or throw a clear Error within `redisTimeoutMs`, or the abort reason once `signal`
   * aborts), list the workers, start reading.
   */
  static async open(config: SessionConfig, signal?: AbortSignal): Promise<Session> {
    const driver = await loadDriver();
    const opts = { timeoutMs: config.redisTimeoutMs, reconnect: true, signal };
    const client = await connectRedis(driver, config.redis, { ...opts, name: "amorsize-caller" });
    let eventsClient: RedisClient | undefined;
    try {
      eventsClient = await connectRedis(driver, config.redis, { ...opts, name: "amorsize-events" });
      const workers = await listWorkers(client, config.queue);
      const last = await client.xrevrange(`bull:${config.queue}:events`, "+", "-", "COUNT", 1);
      const queue = new driver.bullmq.Queue(config.queue, { connection: client });
      const events = new driver.bullmq.QueueEvents(config.queue, {
        connection: eventsClient,
        lastEventId: last.length > 0 ? last[0][0] : "0",
        blockingTimeout: 1000,
      });
      queue.on("error", () => {});
      events.on("error", () => {});
      const s = new Session(config, queue, events, client, eventsClient, workers);
      s.#start();
      return s;
    } catch (e) {
      await closeRedis(client);
      if (eventsClient) await closeRedis(eventsClient);
      throw e;
    }
  }

  /** A new job id of this session's run. */
  nextId(): string {
    return jobId(this.run, this.#seq++);
  }

  /** Call `listener` with every finished job of this run (duplicates included). */
  onFinished(listener: (f: Finished) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Call `listener` once Redis stops answering for longer than `redisTimeoutMs`. */
  onLost(listener: (e: Error) => void): () => void {
    if (this.#lost) queueMicrotask(() => listener(this.#lost!));
    this.#onLost.add(listener);
    return () => void this.#onLost.delete(listener);
  }

  /**
   * Look up jobs by id (catches completions whose event was missed). A job that no longer exists
   * (Redis restarted or flushed, the job removed) is reported finished with `missing` set: no
   * completion can come for it.
   */
  async poll(ids: string[]): Promise<void> {
    if (this.#polling || this.#lost) return;
    this.#polling = true;
    try {
      await this.#poll(ids);
    } finally {
      this.#polling = false;
    }
  }

  async #poll(ids: string[]): Promise<void> {
    for (const id of ids) {
      const job = (await this.queue.getJob(id)) as Job | undefined;
      if (!job) {
        this.#emit({ id, ok: false, reason: "it is no longer in Redis", missing: true });
        continue;
      }
      if (!job.finishedOn) continue;
      if (job.failedReason) this.#emit({ id, ok: false, reason: job.failedReason });
      else if (job.returnvalue) this.#emit({ id, ok: true, reply: job.returnvalue as ChunkReply });
    }
  }

  /** Remove jobs not started yet (started ones finish; their results are ignored). */
  async removePending(ids: string[]): Promise<void> {
    if (this.#lost || ids.length === 0) return;
    await Promise.allSettled(ids.map((id) => this.queue.remove(id)));
  }

  /** Close every connection (promptly, even when Redis is gone). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#health);
    this.#listeners.clear();
    const lost = this.#lost !== undefined;
    if (lost) {
      this.#client.disconnect();
      this.#eventsClient.disconnect();
    }
    await Promise.allSettled([
      withTimeout(this.#events.close(), 1500),
      withTimeout(this.queue.close(), 1500),
    ]);
    await Promise.allSettled([closeRedis(this.#client), closeRedis(this.#eventsClient)]);
  }

  #emit(f: Finished): void {
    for (const l of [...this.#listeners]) l(f);
  }

  #start(): void {
    const prefix = `${this.run}-`;
    this.#events.on(
      "completed",
      ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => {
        if (!jobId.startsWith(prefix)) return;
        const reply = typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue;
        this.#emit({ id: jobId, ok: true, reply: reply as ChunkReply });
      },
    );
    this.#events.on(
      "failed",
      ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
        if (jobId.startsWith(prefix)) this.#emit({ id: jobId, ok: false, reason: failedReason });
      },
    );
    // Health: a PING at least every ~timeout/4; no answer for the whole timeout = Redis lost.
    const now = runtime().now;
    let lastOk = now();
    let inFlight = false;
    const limit = this.config.redisTimeoutMs;
    this.#health = setInterval(async () => {
      if (this.#lost || this.#closed) return;
      if (now() - lastOk > limit) {
        this.#lost = new Error(
          `Lost the connection to Redis at ${redactUrl(this.config.redis)}: no answer for ${
            Math.round(now() - lastOk)
          } ms${
            this.#lastError ? `, last error: ${this.#lastError}` : ""
          } (the run's pending jobs stay in the queue "${this.config.queue}")`,
        );
        for (const l of [...this.#onLost]) l(this.#lost);
        return;
      }
      if (inFlight) return;
      inFlight = true;
      try {
        await withTimeout(this.#client.ping(), limit);
        lastOk = now();
      } catch (e) {
        this.#lastError = describe(e);
      } finally {
        inFlight = false;
      }
    }, Math.max(50, Math.min(1000, limit / 4)));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
