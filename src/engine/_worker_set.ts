// The workers behind a public `Pool`: started on demand up to `maxWorkers`, unref'd when idle,
// terminated after the idle timeout, replaced when they die; listeners hear when a worker may
// have room for another chunk. The engine, the measurements and the optimizer use this; the
// public `Pool` only wraps it (see `workerSet`).
import { runtime } from "../runtime/mod.ts";
import { memoryRoomNow, RUNTIME_THREADS, threadRoomNow } from "../system/mod.ts";
import { poolClosedError } from "./errors.ts";
import { PoolWorker } from "./_pool_worker.ts";

const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/**
 * The worker entry module, next to this file (`.ts` in the source tree, `.js` when built). When
 * amorsize itself was imported from http(s) (a JSR or CDN URL), the worker starts from a `data:`
 * module that imports the entry: `node:worker_threads` accepts only `file:` and `data:` URLs and
 * web Workers may refuse a cross-origin script, but both import a remote module from `data:`.
 * (Deno asks for the same `--allow-import` either way; hosts such as jsr.io are allowed by default.)
 */
export function workerEntryUrl(): URL {
  const entry = new URL(`./_worker_entry${ext}`, import.meta.url);
  if (entry.protocol !== "http:" && entry.protocol !== "https:") return entry;
  const body = `import ${JSON.stringify(entry.href)};`;
  return new URL(`data:text/javascript,${encodeURIComponent(body)}`);
}

/**
 * The calling thread's time in each worker's start in this process (ms; the first 16): a
 * `node:worker_threads` worker's constructor holds the calling thread 40–55 ms on Deno (a
 * process's first as much as the next), 0.7–4 ms on Node, 0.1–4 ms on Bun.
 */
const holds: number[] = [];

/**
 * How long starting a worker holds the calling thread in this process (ms): the median of the
 * starts timed so far, undefined before the first. The thread runs nothing meanwhile, unlike the
 * rest of a worker's start (its thread's own) and its load of a task.
 *
 * @returns The median hold, or undefined.
 *
 * @example Usage
 * ```ts
 * import { startHoldMs } from "./_worker_set.ts";
 * import assert from "node:assert/strict";
 *
 * const ms = startHoldMs();
 * assert.ok(ms === undefined || ms >= 0);
 * ```
 */
export function startHoldMs(): number | undefined {
  if (holds.length === 0) return undefined;
  return [...holds].sort((a, b) => a - b)[holds.length >> 1];
}

/**
 * A new worker's share of the room left under a cgroup memory limit (MiB; see
 * `StartWorkerOptions.heapShareMb`): `roomBytes` over the workers expected still to start, this
 * one included (`workersLeft`, at least 1: a worker past the cores takes half the room left), and
 * one more for the calling thread, less what a worker holds beside the heap that the limit bounds
 * (`WORKER_BESIDE_MB`); at least 16; undefined without a limit (the runtime's default stands). A
 * worker over its heap limit fails alone, with an out-of-memory error; one over the cgroup's took
 * the process down.
 *
 * @example Usage
 * ```ts
 * import { heapShareMb } from "./_worker_set.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(heapShareMb(null, 2), undefined); // no cgroup memory limit
 * assert.equal(heapShareMb(480 * 2 ** 20, 2), 96); // two workers and the calling thread
 * assert.equal(heapShareMb(120 * 2 ** 20, 1), 16);
 * ```
 */
export function heapShareMb(roomBytes: number | null, workersLeft: number): number | undefined {
  if (roomBytes === null) return undefined;
  const share = roomBytes / 2 ** 20 / (Math.max(1, workersLeft) + 1);
  return Math.max(16, Math.floor(share - WORKER_BESIDE_MB));
}

/**
 * What a worker holds beside the old generation that its heap limit bounds (MiB): its young
 * generation (up to three semi-spaces of 16 MiB in V8) and its isolate (an idle worker added 15
 * MiB to a Deno process). With the whole share as its old generation, two workers filling theirs
 * under a 512 MiB limit got the process killed in 2 of 8 runs (Deno).
 */
const WORKER_BESIDE_MB = 64;

/** A set of persistent workers. */
export class WorkerSet {
  /** Most workers this set starts. */
  readonly maxWorkers: number;
  /** Idle timeout in ms (Infinity: never). */
  readonly idleTimeoutMs: number;
  /** Heap limit of each worker in MiB (undefined: the runtime's default). */
  readonly heapLimitMb: number | undefined;
  #workers: PoolWorker[] = [];
  #closed = false;
  #idleTimer?: ReturnType<typeof setTimeout>;
  #started = 0;
  /**
   * Workers alive when the system last refused a new thread: the most this set holds until one
   * of them goes (undefined: no refusal).
   */
  #ceiling?: number;
  #onFree = new Set<() => void>();
  /** Start times of batches of workers started together: `count` workers ready in `ms`. */
  readonly startBatches: { count: number; ms: number }[] = [];

  constructor(maxWorkers: number, idleTimeoutMs: number, heapLimitMb?: number) {
    this.maxWorkers = maxWorkers;
    this.idleTimeoutMs = idleTimeoutMs;
    this.heapLimitMb = heapLimitMb;
  }

  /**
   * The workers this set is expected to hold at most: its `maxWorkers`, or the cores where that
   * is more (the default pool's is 1,024: runs take as many as they were given).
   */
  #expected(): number {
    return Math.min(this.maxWorkers, runtime().hardwareConcurrency());
  }

  /** Whether {@linkcode WorkerSet.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Workers alive now. */
  get size(): number {
    return this.#workers.length;
  }

  /**
   * Thread ids of the live workers that hold chunks of a run, but `except` (those that reported
   * one): runnable, they run calls' chunks (the load readings count them as other calls' load).
   * A worker holding only the optimizer's own messages (loading the task, sampling, helping) is
   * not counted: a worker loading a library for the call deciding read as a busy core of two,
   * and the plain loop was decided and cached ("one worker cannot beat the plain loop") for a
   * job that ran 1.9× faster on two workers (markdown, a process's first call, Node).
   */
  busyTids(except: ReadonlySet<PoolWorker> = new Set()): Set<string> {
    return new Set(
      this.#workers.flatMap((w) =>
        w.dead || w.tid === undefined || except.has(w) ||
          !w.inflight.some((f) => f.owner !== undefined)
          ? []
          : [w.tid]
      ),
    );
  }

  /** The live workers, in the order they were started. */
  get live(): PoolWorker[] {
    return this.#workers.filter((w) => !w.dead);
  }

  /** How many live workers hold the task of `key` (it was sent to them). */
  holding(key: string): number {
    return this.#workers.filter((w) => !w.dead && w.specs.has(key)).length;
  }

  /** Workers started over the set's life (replacements included). */
  get startedCount(): number {
    return this.#started;
  }

  /** Start workers until `n` are alive (at most `maxWorkers`); returns the first `n`. */
  ensure(n: number): PoolWorker[] {
    if (this.#closed) throw poolClosedError();
    const batch: PoolWorker[] = [];
    let want = Math.min(n, this.maxWorkers, this.#ceiling ?? Infinity);
    while (this.#workers.length < want) {
      const rt = runtime();
      let handle;
      // Under a cgroup memory limit, the worker's share of the room left (see `heapShareMb`).
      const share = this.heapLimitMb === undefined && rt.workerHeapLimits
        ? heapShareMb(memoryRoomNow(), this.#expected() - this.#workers.length)
        : undefined;
      try {
        // Under a cgroup's limit on threads, the last ones are the runtime's (see
        // `RUNTIME_THREADS`): a worker takes none of them.
        const room = threadRoomNow();
        if (room !== null && room <= RUNTIME_THREADS) throw noThreadLeft(room);
        const held = rt.now();
        handle = rt.startWorker(workerEntryUrl(), {
          name: "amorsize",
          heapLimitMb: this.heapLimitMb,
          heapShareMb: share,
        });
        if (holds.length < 16) holds.push(rt.now() - held);
      } catch (e) {
        // The system refused a thread (a cgroup's pids.max, ulimit -u), or would: the workers
        // running do the work; with none, it fails naming the cause.
        if (this.#workers.length === 0) throw e;
        want = this.#ceiling = this.#workers.length;
        break;
      }
      const w = new PoolWorker(handle, rt.now, {
        onFree: () => this.#freed(),
        onIdle: (x) => this.#idle(x),
        onDeath: (x) => this.#remove(x),
      });
      if (share !== undefined) w.heapShareMb = share;
      // A worker over its heap limit that stops without a word (Deno) is watched for it.
      w.watchStops = rt.workerHeapLimits && !rt.workerOutOfMemoryReported;
      // Referenced while it starts (someone may await `ready`), then only while it has work: a
      // worker that never gets any must not keep the process alive either.
      void w.ready.then(() => w.inflight.length === 0 && this.#idle(w), () => {});
      this.#started++;
      this.#workers.push(w);
      batch.push(w);
    }
    if (batch.length > 0) this.#recordBatch(batch);
    return this.#workers.slice(0, want);
  }

  /** Call `listener` whenever a worker may have room for another chunk; returns unsubscribe. */
  onFree(listener: () => void): () => void {
    this.#onFree.add(listener);
    return () => void this.#onFree.delete(listener);
  }

  /** Start workers until `n` are alive and wait until they are ready; returns the time (ms). */
  async warm(n: number): Promise<number> {
    const t0 = runtime().now();
    const ws = this.ensure(n);
    await Promise.all(ws.map((w) => w.ready));
    for (const w of ws) if (w.inflight.length === 0) this.#idle(w);
    return runtime().now() - t0;
  }

  /** Terminate every worker now. Pending work fails; the set cannot be used again. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    const killed = Promise.all([...this.#workers].map((w) => w.kill()));
    this.#workers = [];
    // Runs waiting for a free worker hold no chunk that the kills could fail: woken, they find
    // the set closed and fail with `poolClosedError()` (they waited forever).
    this.#freed();
    await killed;
  }

  #idle(w: PoolWorker): void {
    w.handle.unref();
    if (!Number.isFinite(this.idleTimeoutMs)) return;
    if (this.#workers.some((x) => x.inflight.length > 0)) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#workers.some((x) => x.inflight.length > 0)) return;
      // Workers still starting are left alone: they report idle once ready.
      for (const x of [...this.#workers]) if (x.readyAt !== undefined) void x.kill();
    }, this.idleTimeoutMs);
    (this.#idleTimer as { unref?: () => void }).unref?.();
  }

  #recordBatch(batch: PoolWorker[]): void {
    void Promise.all(batch.map((w) => w.ready)).then(() => {
      const ms = Math.max(...batch.map((w) => w.readyAt! - w.startedAt));
      if (this.startBatches.length < 16) this.startBatches.push({ count: batch.length, ms });
    }, () => {});
  }

  #remove(w: PoolWorker): void {
    this.#workers = this.#workers.filter((x) => x !== w);
    this.#ceiling = undefined; // its thread is free: a new one may start
    if (!this.#closed) this.#freed(); // room for a replacement
  }

  #freed(): void {
    for (const listener of [...this.#onFree]) listener();
  }
}

/** A worker not started: the threads left under the cgroup's limit are the runtime's. */
function noThreadLeft(room: number): Error {
  return new Error(
    `Could not start a worker: ${room} thread${room === 1 ? " is" : "s are"} left under the ` +
      `cgroup's limit on threads (pids.max), and the last ${RUNTIME_THREADS} are kept for the ` +
      "runtime's own",
  );
}

const sets = new WeakMap<object, WorkerSet>();

/** Register the worker set behind a public pool (called by its constructor). */
export function attachWorkerSet(pool: object, set: WorkerSet): void {
  sets.set(pool, set);
}

/** The worker set behind a public pool. */
export function workerSet(pool: object): WorkerSet {
  const set = sets.get(pool);
  if (!set) throw new TypeError("Not an amorsize pool (create one with createPool)");
  return set;
}
