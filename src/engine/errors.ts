/**
 * Errors of the engine. Every item yields one result or one error that names its index.
 *
 * @module
 */
import { describeThrown, type TaskSpec } from "../task/mod.ts";

/**
 * A task threw (or its result could not be cloned) on one item. `cause` is the original error;
 * from a worker, rebuilt with its message, stack, built-in class, own fields and cause chain.
 *
 * @example Usage
 * ```ts
 * import { TaskError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new TaskError(7, new Error("bad input"));
 * assert.equal(e.index, 7);
 * assert.match(e.message, /item 7: bad input/);
 * ```
 */
export class TaskError extends Error {
  /** Always `"TaskError"`. */
  override name = "TaskError";
  /** Index of the failing item in the input. */
  readonly index: number;
  /**
   * Wrap the error a task threw on item `index`.
   *
   * @param index Index of the failing item.
   * @param cause The original error.
   */
  constructor(index: number, cause: Error) {
    super(`Task failed on item ${index}: ${cause.message}`, { cause });
    this.index = index;
  }
}

/**
 * A worker died twice while running the same chunk (process exit, out of memory, a crash), or
 * once when the chunk cannot be retried because its inputs were transferred to that worker.
 *
 * @example Usage
 * ```ts
 * import { WorkerCrashError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new WorkerCrashError(10, 20, "exit code 1");
 * assert.deepEqual([e.start, e.end], [10, 20]);
 * ```
 */
export class WorkerCrashError extends Error {
  /** Always `"WorkerCrashError"`. */
  override name = "WorkerCrashError";
  /** First item index of the chunk (inclusive). */
  readonly start: number;
  /** Last item index of the chunk (exclusive). */
  readonly end: number;
  /**
   * Describe the chunk whose worker died and how.
   *
   * @param start First item index of the chunk.
   * @param end One past the last item index of the chunk.
   * @param why How the worker died.
   * @param retried Whether the chunk was retried once (false: its inputs were transferred).
   */
  constructor(start: number, end: number, why: string, retried = true) {
    super(
      retried
        ? `A worker died twice while running items ${start}..${end - 1} (${why}); the chunk ` +
          `was retried once`
        : `A worker died while running items ${start}..${end - 1} (${why}); the chunk cannot ` +
          `be retried: its inputs were transferred to that worker (transfer: true)`,
    );
    this.start = start;
    this.end = end;
  }
}

/**
 * A chunk ran longer than `timeoutMs`; its worker was terminated and replaced. The message names
 * the item when the chunk held one, else the chunk's items (a range, or the indices of a sampled
 * chunk, which are spread over the data): a chunk's items are timed together, so which of them
 * was slow is not known.
 *
 * @example Usage
 * ```ts
 * import { ChunkTimeoutError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new ChunkTimeoutError(0, 4, 100);
 * assert.equal(e.message, "Chunk of items 0..3 exceeded the timeout of 100 ms");
 * assert.equal(new ChunkTimeoutError(7, 8, 100).message, "Item 7 exceeded the timeout of 100 ms");
 * const spread = new ChunkTimeoutError(0, 301, 100, [0, 150, 300]);
 * assert.equal(spread.message, "Chunk of items 0, 150, 300 exceeded the timeout of 100 ms");
 * ```
 */
export class ChunkTimeoutError extends Error {
  /** Always `"TimeoutError"` (the name of the web platform's timeout errors). */
  override name = "TimeoutError";
  /** First item index of the chunk (inclusive; the lowest of `items`). */
  readonly start: number;
  /** One past the last item index of the chunk (one past the highest of `items`). */
  readonly end: number;
  /** The chunk's item indices, where they are not `start`, `start + 1`, … `end - 1`. */
  readonly items?: readonly number[];
  /**
   * Describe the chunk that exceeded `timeoutMs`.
   *
   * @param start First item index of the chunk.
   * @param end One past the last item index.
   * @param timeoutMs The limit that was exceeded.
   * @param items The chunk's item indices, where they are not in a row (a sampled chunk).
   */
  constructor(start: number, end: number, timeoutMs: number, items?: readonly number[]) {
    const listed = items !== undefined && !inRow(items);
    const what = listed
      ? `Chunk of items ${shortList(items)}`
      : end - start === 1
      ? `Item ${start}`
      : `Chunk of items ${start}..${end - 1}`;
    super(`${what} exceeded the timeout of ${timeoutMs} ms`);
    if (listed && items.length > 0) {
      this.start = Math.min(...items);
      this.end = Math.max(...items) + 1;
      this.items = [...items];
    } else {
      this.start = start;
      this.end = end;
    }
  }
}

/** Whether `xs` are consecutive increasing integers. */
function inRow(xs: readonly number[]): boolean {
  return xs.every((x, k) => x === xs[0] + k);
}

/** Up to eight indices, then how many in all. */
function shortList(xs: readonly number[]): string {
  const most = 8;
  const head = xs.slice(0, most).join(", ");
  return xs.length > most ? `${head}, … (${xs.length} items)` : head;
}

/**
 * A `ChunkTimeoutError` that ran out while the task was loading, saying so (a module whose import
 * took longer than `timeoutMs` read as a chunk of instant items that took too long).
 *
 * @param e The timeout (a `ChunkTimeoutError`).
 * @param spec The task.
 * @param timeoutMs The limit.
 * @returns `e`, its message about the load.
 *
 * @example Usage
 * ```ts
 * import { ChunkTimeoutError, loadTimedOut } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const spec = { kind: "module" as const, key: "k", module: "file:///tasks.ts", name: "f" };
 * const e = loadTimedOut(new ChunkTimeoutError(0, 7, 200), spec, 200);
 * assert.equal(e.message, "Loading the task module file:///tasks.ts exceeded the timeout of 200 ms");
 * ```
 */
export function loadTimedOut<E extends Error>(e: E, spec: TaskSpec, timeoutMs: number): E {
  const what = spec.kind === "module" ? spec.module : "of the task";
  e.message = `Loading the task module ${what} exceeded the timeout of ${timeoutMs} ms`;
  return e;
}

/**
 * The error a run ends with when its signal aborts: the signal's reason when it is an Error (the
 * default reason is a DOMException named `AbortError`), else an Error named `AbortError` that
 * describes the reason.
 *
 * @param signal An aborted signal.
 * @returns The error to reject with.
 *
 * @example Usage
 * ```ts
 * import { abortError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const c = new AbortController();
 * c.abort("stop");
 * assert.equal(abortError(c.signal).name, "AbortError");
 * assert.equal(abortError(c.signal).message, "stop");
 * ```
 */
export function abortError(signal: AbortSignal): Error {
  const r = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error(r === undefined ? "The operation was aborted" : describeThrown(r));
  e.name = "AbortError";
  return e;
}

/**
 * The error of work that a pool's `close()` ended, or that met a pool closed while the call went
 * on: one message wherever it is met (deciding, loading the task in workers, starting them).
 *
 * @returns The error.
 *
 * @example Usage
 * ```ts
 * import { poolClosedError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   poolClosedError().message,
 *   "The pool is closed: create a new one with createPool()",
 * );
 * ```
 */
export function poolClosedError(): Error {
  return new Error(POOL_CLOSED);
}

/** The message of {@linkcode poolClosedError}. */
export const POOL_CLOSED = "The pool is closed: create a new one with createPool()";
