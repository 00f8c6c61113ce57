// Messages between the pool (main thread) and its workers. Raw postMessage, no RPC layer: one
// message per chunk each way. Fields at their defaults are left out: every property is
// serialised, and with one-item chunks the message itself is most of a chunk's cost.
import { isInstance, type TaskSpec, thrownError } from "../task/mod.ts";
import type { Encoding, Wire } from "./encoding.ts";
import type { BufferPath } from "./_cloneable.ts";

/** An error as it crosses the worker boundary. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** Absolute item index the error belongs to, when it belongs to one. */
  index?: number;
  /** What kind of failure: the task threw, a value could not be cloned, the task did not load. */
  kind: "task" | "clone" | "load";
  /** The built-in class it was made by, where not `Error` (`TypeError`, `AggregateError`…). */
  type?: string;
  /** Its `cause`: an Error as its own record, another value as it is (absent: none). */
  cause?: { error: WireError } | { value: unknown };
  /** An `AggregateError`'s `errors`. */
  errors?: WireError[];
  /** Its own enumerable properties but `name`, `message`, `stack` (`code`, `errno`…). */
  props?: Record<string, unknown>;
  /** Its own properties that are not enumerable (zod's `issues`), defined so again. */
  hidden?: Record<string, unknown>;
}

/** Measurements taken when a chunk runs in measure mode (sampling). */
export interface ItemMeasure {
  /** Wall time of each of the first items (ms), timed one by one. */
  wallMs: number[];
  /** Wall time (ms) and count of the items after those, timed as one stretch without timers. */
  untimedMs: number;
  untimedItems: number;
  /** Wall time of the whole loop over the chunk (ms): per-item timer overhead included. */
  computeMs: number;
  /**
   * CPU time over the chunk (µs): the worker thread's own where the OS tells
   * (/proc/thread-self/schedstat), else the process's less the other pool workers' threads; null
   * where neither is known.
   */
  cpuUs: number | null;
  /**
   * Time the worker's thread spent runnable but waiting for a CPU over the chunk (ms, from
   * /proc/thread-self/schedstat; undefined where the OS does not tell): other processes' load.
   */
  waitMs?: number;
  /**
   * Threads of this process each on the CPU ≥ 50 % of the chunk's wall time (per-thread CPU
   * time from /proc; undefined where the OS does not tell). 1 = the worker alone.
   */
  busyThreads?: number;
  /** Heap used before and after the chunk, bytes (undefined where unknown). */
  heapBefore?: number;
  heapAfter?: number;
  /** Whether any result was a Promise (async task). */
  async: boolean;
  /** Wall time of the warm-up items run before the measure (ms; see the message's `warm`). */
  warmMs?: number;
}

export type ToWorker =
  | {
    t: "run";
    id: number;
    /** The task's key; the spec itself travels only the first time a worker meets the task. */
    key: string;
    spec?: TaskSpec;
    /** The chunk's items (see encoding.ts). */
    items: Wire;
    start: number;
    /** Send buffers in the results by transfer (absent: false). */
    transfer?: boolean;
    /** Measure mode, for sampling (absent: false). */
    measure?: boolean;
    /** How to send the results back (absent: "auto": packed when they are numeric, else clone). */
    enc?: Encoding | "auto";
    /** Positions (within the chunk) whose results are already known: not run. */
    skip?: number[];
    /**
     * Measure mode: threads of other pool workers (their ids) running items of the same job
     * meanwhile, left out of this chunk's CPU time and busy threads.
     */
    others?: string[];
    /**
     * Measure mode: the first `warm` items run before the measure starts (the JIT's warm-up), so
     * that warming up and timing take one message, not two (absent: 0).
     */
    warm?: number;
    /**
     * Where the items' Buffers are (the item's position within the chunk, then the keys down to
     * it): Buffers again on arrival.
     */
    buffers?: BufferPath[];
  }
  | { t: "ping"; id: number }
  // Sent once, first: a counter in shared memory that the worker raises as it posts each answer
  // to a chunk (`loaded`, `done`, `fail`, `unread`), so that a time limit that runs out while the
  // answer waits in this thread's queue is told from a load or chunk still running (see
  // `PoolWorker`).
  | { t: "replies"; count: Int32Array };

/**
 * How long a worker took to send its previous reply of the same task (ms: results encoded,
 * checked and posted, timed in the worker), and how many results it held: a reply cannot time
 * its own send, so the next one of the task carries it.
 */
export interface SendTiming {
  ms: number;
  values: number;
}

export type FromWorker =
  | { t: "ready"; tid?: string }
  | {
    t: "done";
    id: number;
    results: Wire;
    ms: number;
    measure?: ItemMeasure;
    sent?: SendTiming;
    /** Where the results' Buffers are (as `buffers` of a run): Buffers again on arrival. */
    buffers?: BufferPath[];
  }
  | { t: "fail"; id: number; results: Wire; error: WireError; ms: number; buffers?: BufferPath[] }
  | {
    t: "pong";
    id: number;
    /** A chunk whose call was still under way when the ping ran: it was cut off (see `PoolWorker.watchStops`). */
    cut?: number;
  }
  // The task of chunk `id` is loaded: its time limit counts from now (the load had its own).
  | { t: "loaded"; id: number }
  // A message from the pool could not be read here (its structured clone could not be
  // deserialised: a value nested too deep for this runtime). Sent in the order chunks run, so
  // it names the oldest chunk the pool is waiting for, whose message it was.
  | { t: "unread"; error: string };

/** A chunk's reply as the pool hands it on: the results decoded. */
export type Reply =
  | {
    t: "done";
    id: number;
    results: unknown[];
    ms: number;
    measure?: ItemMeasure;
    sent?: SendTiming;
  }
  | { t: "fail"; id: number; results: unknown[]; error: WireError; ms: number };

/**
 * Built-in Error classes a receiving thread rebuilds an error with, most derived first: on the
 * calling thread a task's error keeps its class (`instanceof TypeError`), as on the inline
 * executor. A task's own class (`class MyError extends Error`) cannot be rebuilt there: it
 * arrives as the built-in class it extends, with its name and fields.
 */
const BUILT_IN = [
  "AggregateError",
  "EvalError",
  "RangeError",
  "ReferenceError",
  "SyntaxError",
  "TypeError",
  "URIError",
  "DOMException",
] as const;

/** Most errors of a `cause` chain (or of an `AggregateError`'s `errors`) carried, in depth. */
const MAX_DEPTH = 8;

/**
 * Serialise an error for the wire: name, message, stack, and what a caller reads off an error the
 * inline executor hands over as it is — its class, its `cause` chain, an `AggregateError`'s
 * `errors` and its own properties such as `code` (values that `carried` refuses are left out:
 * by default those structured clone refuses).
 */
export function toWire(
  e: unknown,
  kind: WireError["kind"],
  index?: number,
  carried: (value: unknown) => boolean = cloneable,
  depth = 0,
): WireError {
  const err = thrownError(e); // its name and message can be read
  if (!isInstance(e, Error)) {
    const w: WireError = { name: "Error", message: err.message, index, kind };
    if (err !== e && carried(e)) w.cause = { value: e }; // the value thrown, as inline keeps it
    return w;
  }
  let stack: string | undefined;
  try {
    stack = typeof err.stack === "string" ? err.stack : undefined;
  } catch { /* a stack getter that throws: none */ }
  const w: WireError = { name: err.name, message: err.message, stack, index, kind };
  if (err !== e) return w; // an Error that cannot be read: the readable one stands in for it
  try {
    w.type = BUILT_IN.find((name) => {
      const ctor = (globalThis as Record<string, unknown>)[name];
      return typeof ctor === "function" && e instanceof ctor;
    });
    if (w.type === undefined) delete w.type;
    if (depth < MAX_DEPTH) {
      if ("cause" in e) {
        const cause = e.cause;
        if (isInstance(cause, Error)) {
          w.cause = { error: toWire(cause, kind, undefined, carried, depth + 1) };
        } else if (carried(cause)) w.cause = { value: cause };
      }
      const errors = (e as Partial<AggregateError>).errors;
      if (w.type === "AggregateError" && Array.isArray(errors)) {
        w.errors = errors.slice(0, 64).map((x) => toWire(x, kind, undefined, carried, depth + 1));
      }
    }
    // Every own property, not only the enumerable ones: zod's ZodError keeps its `issues`, the
    // field its users read, in a property that is not enumerable.
    for (const key of Object.getOwnPropertyNames(e)) {
      if (key === "name" || key === "message" || key === "stack" || key === "cause") continue;
      const value = (e as unknown as Record<string, unknown>)[key];
      if (!carried(value)) continue;
      if (Object.prototype.propertyIsEnumerable.call(e, key)) (w.props ??= {})[key] = value;
      else (w.hidden ??= {})[key] = value;
    }
  } catch { /* a getter or proxy that throws: what was read so far */ }
  return w;
}

/** Whether structured clone takes `value` (a failure path only: the cost does not matter). */
function cloneable(value: unknown): boolean {
  if (isInstance(value, Error)) return false; // carried as its own record
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Rebuild an Error from the wire: name, message and the worker's stack, its built-in class, its
 * `cause` chain, an `AggregateError`'s `errors` and its own properties.
 */
export function fromWire(w: WireError): Error {
  const globals = globalThis as unknown as Record<string, new (...args: unknown[]) => Error>;
  const ctor = w.type === undefined ? undefined : globals[w.type];
  let e: Error;
  try {
    if (w.type === "DOMException" && ctor) e = new ctor(w.message, w.name);
    else if (w.type === "AggregateError" && ctor) {
      e = new ctor((w.errors ?? []).map(fromWire), w.message);
    } else e = ctor ? new ctor(w.message) : new Error(w.message);
  } catch {
    e = new Error(w.message);
  }
  try {
    if (e.name !== w.name) e.name = w.name;
    // The worker's stack; where it had none (a value that is not an Error, Bun's BuildMessage),
    // no frames rather than this thread's, which would point here. Not enumerable, as a native
    // stack is (a DOMException on Bun has none: it must not show as one of its fields).
    const stack = w.stack ?? `${w.name}: ${w.message}`;
    Object.defineProperty(e, "stack", { value: stack, writable: true, configurable: true });
  } catch { /* a class whose name or stack cannot be set: its own */ }
  if (w.cause) {
    const cause = "error" in w.cause ? fromWire(w.cause.error) : w.cause.value;
    // As `new Error(message, { cause })` defines it: own, not enumerable.
    Object.defineProperty(e, "cause", { value: cause, writable: true, configurable: true });
  }
  if (w.props) {
    for (const [key, value] of Object.entries(w.props)) {
      try {
        (e as unknown as Record<string, unknown>)[key] = value;
      } catch { /* a read-only property of the class (DOMException's code): its own value */ }
    }
  }
  for (const [key, value] of Object.entries(w.hidden ?? {})) {
    // One the runtime gives every error (Bun's `line`, `column`) stays this error's own.
    if (Object.hasOwn(e, key)) continue;
    try {
      Object.defineProperty(e, key, { value, writable: true, configurable: true });
    } catch { /* an object that takes no new properties: without it */ }
  }
  return e;
}
