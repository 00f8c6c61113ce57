/**
 * The worker side of the adapter: how code running inside a worker talks to its parent, on any
 * runtime. It also makes a worker's own exit observable to the parent (Deno reports no exit event).
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import { deliver, EXIT_NOTICE, toError } from "./_handle.ts";
import type { MessageEndpoint } from "./types.ts";
import { detectRuntimeName } from "./detect.ts";
import { packViews, unpackViews } from "./_packed_views.ts";

/** The channel between a worker and its parent. */
export interface WorkerPort {
  /** Post a message to the parent. */
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Receive messages from the parent. */
  onMessage(listener: (data: unknown) => void): void;
  /**
   * Called for each message from the parent that this thread could not read (its structured
   * clone could not be deserialised here: a value nested too deep for this runtime), in order
   * with the messages. The message itself is lost.
   */
  onMessageError(listener: (error: Error) => void): void;
  /** The same channel as a comlink-compatible endpoint (`Comlink.expose(api, port.endpoint)`). */
  endpoint: MessageEndpoint;
}

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: "message" | "messageerror", l: (e: { data: unknown }) => void): void;
  close?: () => void;
}

/**
 * The port of the current worker. Call it once, from the worker's entry module.
 *
 * @returns The port to the parent.
 * @throws {Error} If called outside a worker.
 *
 * @example Usage (inside a worker module)
 * ```ts ignore
 * import { workerPort } from "./worker_port.ts";
 *
 * const port = workerPort();
 * port.onMessage((data) => port.postMessage(data));
 * ```
 */
export function workerPort(): WorkerPort {
  // node:worker_threads workers (Node, Deno) have a parent port; web workers (Bun) have `self`.
  const port = parentPort;
  if (port) {
    const wrapped = new Map<EventListenerOrEventListenerObject, (data: unknown) => void>();
    // Deno: typed arrays travel packed both ways (see _packed_views.ts).
    const views = detectRuntimeName() === "deno";
    const post = (m: unknown, t?: Transferable[]) => {
      if (views) [m, t] = packViews(m, t);
      port.postMessage(m, t as never);
    };
    const received = (data: unknown) => (views ? unpackViews(data) : data);
    return {
      postMessage: post,
      onMessage: (l) => void port.on("message", (data) => l(received(data))),
      onMessageError: (l) => void port.on("messageerror", (e) => l(toError(e))),
      endpoint: {
        postMessage: post,
        addEventListener: (_type, l) => {
          const w = (data: unknown) => deliver(l, received(data));
          wrapped.set(l, w);
          port.on("message", w);
        },
        removeEventListener: (_type, l) => {
          const w = wrapped.get(l);
          if (w) port.off("message", w);
          wrapped.delete(l);
        },
      },
    };
  }
  const scope = globalThis as unknown as WorkerScope;
  if (detectRuntimeName() === "node" || typeof scope.postMessage !== "function") {
    throw new Error("workerPort() must be called inside a worker");
  }
  installExitNotice(scope);
  return {
    postMessage: (m, t) => scope.postMessage(m, t ?? []),
    onMessage: (l) => scope.addEventListener("message", (e) => l(e.data)),
    onMessageError: (l) => scope.addEventListener("messageerror", (e) => l(toError(e.data))),
    endpoint: scope as unknown as MessageEndpoint,
  };
}

// Deno gives the parent of a web Worker no exit event: tell it before process.exit / Deno.exit / self.close.
function installExitNotice(scope: WorkerScope): void {
  if (detectRuntimeName() !== "deno") return;
  const g = globalThis as unknown as {
    Deno: { exit(code?: number): never };
    process?: { exit(code?: number): never };
  };
  const exit = g.Deno.exit.bind(g.Deno);
  const notify = (code: number | undefined) => scope.postMessage({ [EXIT_NOTICE]: code ?? 0 });
  g.Deno.exit = (code?: number) => (notify(code), exit(code));
  if (g.process) g.process.exit = (code?: number) => (notify(code), exit(code));
  const close = scope.close?.bind(scope);
  if (close) scope.close = () => (notify(0), close());
}
