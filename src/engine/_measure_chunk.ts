// Run one chunk on one pool worker and wait for its reply, outside the scheduler: sampling, the
// overhead measurements, and the load check before an inline run moves to workers.
import type { PoolWorker } from "./_pool_worker.ts";
import { watchAbort } from "./_abort_watch.ts";
import { bufferPaths } from "./_cloneable.ts";
import { fromWire, type Reply } from "./_protocol.ts";
import { abortError, ChunkTimeoutError, loadTimedOut } from "./errors.ts";
import type { TaskSpec } from "../task/mod.ts";

let nextId = 1_000_000_000;

/**
 * Send `items` as one chunk (measure mode optional, its first `warm` items run before the
 * measure); resolves with the worker's reply.
 */
export function measureChunk(
  worker: PoolWorker,
  spec: TaskSpec,
  items: unknown[],
  measure: boolean,
  limits: {
    timeoutMs?: number;
    signal?: AbortSignal;
    first?: number;
    /** The items' indices, where they are not `first`, `first + 1`, … (named by a timeout). */
    indices?: readonly number[];
    others?: string[];
    warm?: number;
  } = {},
): Promise<Reply> {
  const { timeoutMs, signal, first = 0, indices, others, warm } = limits;
  // Buffers among the items arrive as plain Uint8Arrays: the worker makes Buffers of them again.
  const buffers = bufferPaths(items);
  // A worker that died takes no message and would never reply.
  if (worker.dead) return Promise.reject(new Error("The sampling worker exited"));
  return new Promise<Reply>((resolve, reject) => {
    const id = nextId++;
    // An abort stops the worker (a stuck item cannot hold the caller); the pool replaces it.
    const onAbort = () => {
      reject(abortError(signal!));
      void worker.kill();
    };
    if (signal?.aborted) return onAbort();
    const unwatch = signal && watchAbort(signal, onAbort);
    const settle = <T>(f: (v: T) => void) => (v: T) => {
      unwatch?.();
      f(v);
    };
    resolve = settle(resolve);
    reject = settle(reject);
    worker.send({
      id,
      message: {
        t: "run",
        id,
        key: spec.key,
        spec,
        items,
        ...(buffers ? { buffers } : {}),
        start: 0,
        transfer: false,
        measure,
        enc: "clone",
        ...(others && others.length > 0 ? { others } : {}),
        ...(warm ? { warm } : {}),
      },
      transfer: [],
      timeoutMs,
      loading: true,
      onReply: (reply) => {
        // The worker holds the task now (a run sends it no more), unless it could not load it.
        if (reply.t === "done" || reply.error.kind !== "load") worker.specs.add(spec.key);
        resolve(reply);
      },
      onLost: (f) =>
        reject(
          new Error(
            f.kind === "exit"
              ? `The sampling worker exited (code ${f.code})`
              : `The sampling worker failed: ${f.error.message}`,
          ),
        ),
      onTimeout: (loading) => {
        const e = new ChunkTimeoutError(first, first + items.length, timeoutMs!, indices);
        reject(loading ? loadTimedOut(e, spec, timeoutMs!) : e);
        void worker.kill();
      },
    });
  });
}

/**
 * Have `worker` load the task (an empty chunk). Resolves with the load error, undefined once it
 * loaded, or null when the worker failed otherwise (it died, the pool closed).
 */
export async function loadIn(
  worker: PoolWorker,
  spec: TaskSpec,
): Promise<Error | undefined | null> {
  const reply = await measureChunk(worker, spec, [], false).catch(() => undefined);
  if (reply?.t === "done") return undefined;
  return reply?.t === "fail" && reply.error.kind === "load" ? fromWire(reply.error) : null;
}
