// A WorkerHandle over the web `Worker` (Deno and Bun).
import { Dispatcher, startFailure, toError } from "./_handle.ts";
import type { StartWorkerOptions, WorkerHandle } from "./types.ts";

interface UnrefWorker extends Worker {
  unref?: () => void;
  ref?: () => void;
}

/** Start a module web worker; handlers are attached synchronously so no message is lost. */
export function startWebWorker(url: URL, options: StartWorkerOptions = {}): WorkerHandle {
  let worker: UnrefWorker;
  try {
    worker = new Worker(url, { type: "module", name: options.name });
  } catch (e) {
    throw startFailure(e);
  }
  const d = new Dispatcher();
  worker.onmessage = (e: MessageEvent) => d.message(e.data);
  // A message this thread cannot deserialise is lost; the worker lives on (see _node_worker.ts).
  worker.onmessageerror = (e: MessageEvent) => d.messageError(toError(e.data));
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault(); // Deno: otherwise the uncaught error kills the main process
    d.fail({ kind: "error", error: toError(e.error ?? e) });
  };
  // Bun reports a worker's exit with a "close" event; Deno relies on the worker's exit notice.
  worker.addEventListener("close", (e: Event) => {
    d.fail({ kind: "exit", code: (e as unknown as { code?: number }).code ?? null });
  });
  const post = (message: unknown, transfer?: Transferable[]) => {
    if (d.terminated) return;
    worker.postMessage(message, transfer ?? []);
  };
  const canUnref = typeof worker.unref === "function";
  return {
    endpoint: d.endpoint(post),
    postMessage: post,
    onMessage: (l) => d.setOnMessage(l),
    onFailure: (l) => d.setOnFailure(l),
    onMessageError: (l) => d.setOnMessageError(l),
    terminate: () => {
      d.terminated = true;
      worker.terminate();
      return Promise.resolve();
    },
    canUnref,
    unref: () => worker.unref?.(),
    ref: () => worker.ref?.(),
  };
}
