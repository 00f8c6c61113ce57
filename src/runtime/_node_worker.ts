// A WorkerHandle over `node:worker_threads` (Node, and Deno: only this kind of worker stops when
// terminated in the middle of a busy loop on Deno, and only it takes a heap limit there).
import { Worker } from "node:worker_threads";
import { getHeapStatistics } from "node:v8";
import { packViews, unpackViews } from "./_packed_views.ts";
import { Dispatcher, startFailure, toError } from "./_handle.ts";
import type { StartWorkerOptions, WorkerHandle } from "./types.ts";

/**
 * The heap limit a worker gets when none is asked for: the calling thread's own limit. Deno must
 * be given one: a worker without an explicit limit that runs out of heap aborts the whole process.
 */
function defaultHeapLimitMb(): number {
  const bytes = getHeapStatistics().heap_size_limit;
  return Number.isFinite(bytes) && bytes > 0 ? Math.max(16, Math.floor(bytes / 2 ** 20)) : 4096;
}

/** Start a `node:worker_threads` worker; handlers are attached at once so no message is lost. */
export function startNodeWorker(url: URL, options: StartWorkerOptions = {}): WorkerHandle {
  let worker: Worker;
  try {
    worker = new Worker(url, {
      name: options.name,
      resourceLimits: {
        maxOldGenerationSizeMb: options.heapLimitMb ??
          Math.max(16, Math.min(defaultHeapLimitMb(), options.heapShareMb ?? Infinity)),
      },
    });
  } catch (e) {
    throw startFailure(e);
  }
  const d = new Dispatcher();
  // Deno: typed arrays travel packed (_packed_views.ts). Asked here, not through detect.ts, which
  // imports this file through deno.ts.
  const views = "Deno" in globalThis;
  worker.on("message", (data) => d.message(views ? unpackViews(data) : data));
  // A message this thread cannot deserialise (Node, Deno: a value nested thousands deep) is lost;
  // the worker lives on. As a failure it read as a crash, and the chunk ran twice to no avail.
  worker.on("messageerror", (e) => d.messageError(toError(e)));
  worker.on("error", (e) => d.fail({ kind: "error", error: toError(e) })); // keeps main alive
  worker.on("exit", (code) => d.fail({ kind: "exit", code }));
  const post = (message: unknown, transfer?: Transferable[]) => {
    if (d.terminated) return;
    if (views) [message, transfer] = packViews(message, transfer);
    // deno-lint-ignore no-explicit-any
    worker.postMessage(message, transfer as any);
  };
  return {
    endpoint: d.endpoint(post),
    postMessage: post,
    onMessage: (l) => d.setOnMessage(l),
    onFailure: (l) => d.setOnFailure(l),
    onMessageError: (l) => d.setOnMessageError(l),
    terminate: async () => {
      d.terminated = true;
      await worker.terminate();
    },
    canUnref: true,
    unref: () => worker.unref(),
    ref: () => worker.ref(),
  };
}
