// The job payload: what a chunk job carries to a worker and what the worker returns. Items and
// results travel as JSON text (BullMQ stores job data as JSON), encoded once per item here so the
// size of each item is known before it is sent.

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

/** An error thrown by the task, as it crosses back. */
export interface WireError {
  /** Index of the failing item within the chunk. */
  index: number;
  name: string;
  message: string;
  stack?: string;
}

/** What a worker returns for a chunk job. */
export interface ChunkReply {
  /** Results in item order, a JSON array: all of them, or those before the failing item. */
  results: string;
  /** The task's error, when it threw on an item. */
  error?: WireError;
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

/** Rebuild a task's error on the calling side: same name, message and stack. */
export function fromWireError(e: WireError): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

/** An error as it crosses the wire. */
export function toWireError(index: number, e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  return { index, name: err.name, message: err.message, stack: err.stack };
}
