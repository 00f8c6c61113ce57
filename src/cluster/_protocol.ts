// The job payload: what a chunk job carries to a worker and what the worker returns. Items and
// results travel as JSON text (BullMQ stores job data as JSON), encoded once per item here so the
// size of each item is known before it is sent.
import { isDeepStrictEqual } from "node:util";
import { toWire, type WireError } from "../engine/mod.ts";

/** BullMQ job name of a chunk of items. */
export const CHUNK_JOB = "chunk";
/** BullMQ job name of an empty job (measures the queue round trip). */
export const PING_JOB = "ping";

/** Data of a chunk job. */
export interface ChunkJobData {
  /** Payload format version. */
  v: 1;
  /** The run the chunk belongs to. */
  run: string;
  /** Global index of the chunk's first item. */
  start: number;
  /** The task: module URL and export name (every worker imports the same deployed code). */
  module: string;
  name: string;
  /** The items, a JSON array. */
  items: string;
}

/** What a worker returns for a chunk job. */
export interface ChunkReply {
  /** Results in item order, a JSON array: all of them, or those before the failing item. */
  results: string;
  /** The task's error, when it threw on an item (`index`: the item's within the chunk). */
  error?: WireError & { index: number };
  /** Milliseconds the chunk took on the worker. */
  ms: number;
  /** Id of the worker that ran it. */
  worker: string;
}

/** Prefix of the Redis keys amorsize itself writes for `queue` (BullMQ's own use `bull:`). */
export function registryPrefix(queue: string): string {
  return `amorsize:${queue}:worker:`;
}

/** Job id of chunk `n` of run `run` (BullMQ ids may not contain ":"). */
export function jobId(run: string, n: number): string {
  return `${run}-${n}`;
}

/**
 * A task's error as it crosses back, the failing item's index within the chunk: what the
 * engine's workers carry (class, `cause` chain, `errors`, own properties such as `code`), the
 * values among them that JSON would change left out.
 */
export function toWireError(index: number, e: unknown): WireError & { index: number } {
  return { ...toWire(e, "task", index, jsonable), index };
}

/** Whether `value` comes back from JSON as it is (a BigInt, a Date, a Map or `undefined` would not). */
function jsonable(value: unknown): boolean {
  try {
    const text = JSON.stringify(value);
    return text !== undefined && isDeepStrictEqual(JSON.parse(text), value);
  } catch {
    return false;
  }
}
