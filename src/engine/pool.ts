/**
 * The persistent worker pool: workers started once and reused across calls, idle workers that
 * never keep the process alive, prompt `close()`.
 *
 * @module
 */
import { runtime } from "../runtime/detect.ts";
import { PoolWorker } from "./_pool_worker.ts";
import { positiveInt } from "./_validate.ts";

/** Options of {@linkcode createPool}. */
export interface PoolOptions {
  /** Most workers the pool may start (default: the runtime's hardware concurrency). */
  maxWorkers?: number;
  /**
   * Idle workers are terminated after this many milliseconds without work. Default: never where
   * the runtime can let an idle worker not keep the process alive (Node, Bun), 250 ms where it
   * cannot (Deno's web Worker has no `unref`).
   */
  idleTimeoutMs?: number;
}

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
 * A pool of workers. Create one with {@linkcode createPool}, or let `execute`/`map` use the
 * shared default pool.
 */
export class Pool {
  /** Most workers this pool starts. */
  readonly maxWorkers: number;
  /** Idle timeout in ms (Infinity: never). */
  readonly idleTimeoutMs: number;
  #workers: PoolWorker[] = [];
  #closed = false;
  #idleTimer?: ReturnType<typeof setTimeout>;
  #started = 0;
  #onFree = new Set<() => void>();
  /** Start times of batches of workers started together: `count` workers ready in `ms`. */
  readonly startBatches: { count: number; ms: number }[] = [];

  /**
   * Create a pool; workers start on first use (or with {@linkcode Pool.warm}).
   *
   * @param options See {@linkcode PoolOptions}.
   */
  constructor(options: PoolOptions = {}) {
    const rt = runtime();
    this.maxWorkers = options.maxWorkers === undefined
      ? rt.hardwareConcurrency()
      : positiveInt("maxWorkers", options.maxWorkers);
    const idle = options.idleTimeoutMs;
    if (idle !== undefined && !(idle >= 0)) {
      throw new RangeError(`'idleTimeoutMs' must be a non-negative number, got ${idle}`);
    }
    // Workers that can be unref'd stay warm for free; others would keep the process alive.
    this.idleTimeoutMs = idle ?? (rt.workersCanUnref ? Infinity : 250);
  }

  /** Whether {@linkcode Pool.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Workers alive now. */
  get size(): number {
    return this.#workers.length;
  }

  /** Workers started over the pool's life (replacements included). */
  get startedCount(): number {
    return this.#started;
  }

  /**
   * Start workers until `n` are alive (at most `maxWorkers`); returns the first `n`.
   *
   * @ignore internal to the engine
   */
  _ensure(n: number): PoolWorker[] {
    if (this.#closed) throw new Error("The pool is closed");
    const want = Math.min(n, this.maxWorkers);
    const batch: PoolWorker[] = [];
    while (this.#workers.length < want) {
      const rt = runtime();
      const handle = rt.startWorker(workerEntryUrl(), { name: "amorsize" });
      const w = new PoolWorker(handle, rt.now, {
        onFree: () => this.#freed(),
        onIdle: (x) => this.#idle(x),
        onDeath: (x) => this.#remove(x),
      });
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
  _onFree(listener: () => void): () => void {
    this.#onFree.add(listener);
    return () => void this.#onFree.delete(listener);
  }

  /**
   * Start workers until `n` are alive and wait until they are ready.
   *
   * @param n How many workers to have ready (capped at `maxWorkers`).
   * @returns The time it took, in milliseconds.
   */
  async warm(n: number): Promise<number> {
    const t0 = runtime().now();
    const ws = this._ensure(positiveInt("n", n));
    await Promise.all(ws.map((w) => w.ready));
    for (const w of ws) if (w.inflight.length === 0) this.#idle(w);
    return runtime().now() - t0;
  }

  /** Terminate every worker now. Pending work fails; the pool cannot be used again. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    await Promise.all([...this.#workers].map((w) => w.kill()));
    this.#workers = [];
  }

  /** `await using pool = createPool()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
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
    if (!this.#closed) this.#freed(); // room for a replacement
  }

  #freed(): void {
    for (const listener of [...this.#onFree]) listener();
  }
}

/**
 * Create a worker pool for explicit reuse across calls.
 *
 * @param options See {@linkcode PoolOptions}.
 * @returns A new pool; close it with `close()` or `await using`.
 * @throws {RangeError} If `maxWorkers` is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { createPool } from "./pool.ts";
 * import assert from "node:assert/strict";
 *
 * const pool = createPool({ maxWorkers: 2 });
 * assert.equal(pool.maxWorkers, 2);
 * await pool.close();
 * ```
 */
export function createPool(options?: PoolOptions): Pool {
  return new Pool(options);
}

let shared: Pool | undefined;

/** The pool `execute` and `map` use when no pool is given. */
export function defaultPool(): Pool {
  if (!shared || shared.closed) shared = new Pool({ maxWorkers: 1024 });
  return shared;
}
