// Messages between the pool (main thread) and its workers. Raw postMessage, no RPC layer: one
// message per chunk each way. Fields at their defaults are left out: every property is
// serialised, and with one-item chunks the message itself is most of a chunk's cost.
import { type TaskSpec, thrownError } from "../task/mod.ts";
import type { Encoding, Wire } from "./encoding.ts";

/** An error as it crosses the worker boundary. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** Absolute item index the error belongs to, when it belongs to one. */
  index?: number;
  /** What kind of failure: the task threw, a value could not be cloned, the task did not load. */
  kind: "task" | "clone" | "load";
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
  /** Process CPU time over the chunk (µs; null where the runtime has no CPU clock). */
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
  }
  | { t: "ping"; id: number };

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
  }
  | { t: "fail"; id: number; results: Wire; error: WireError; ms: number }
  | { t: "pong"; id: number }
  // The task of chunk `id` is loaded: its time limit counts from now (the load had its own).
  | { t: "loaded"; id: number };

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

/** Serialise an error for the wire. */
export function toWire(e: unknown, kind: WireError["kind"], index?: number): WireError {
  const err = thrownError(e); // its name and message can be read
  if (!(e instanceof Error)) return { name: "Error", message: err.message, index, kind };
  let stack: string | undefined;
  try {
    stack = typeof err.stack === "string" ? err.stack : undefined;
  } catch { /* a stack getter that throws: none */ }
  return { name: err.name, message: err.message, stack, index, kind };
}

/** Rebuild an Error from the wire, keeping name, message and the worker's stack. */
export function fromWire(w: WireError): Error {
  const e = new Error(w.message);
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}
