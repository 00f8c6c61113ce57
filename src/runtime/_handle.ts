// Shared plumbing of worker handles: a message dispatcher that buffers messages posted before a
// listener is attached, and a once-only failure report.
import type { MessageEndpoint, WorkerFailure } from "./types.ts";

/**
 * The error of a worker that could not start (see `RuntimeAdapter.startWorker`): the runtime's
 * own says only "EAGAIN" (Node), "Resource temporarily unavailable (os error 11)" (Deno) or
 * "Failed to spawn worker thread" (Bun) where the system refused a thread.
 */
export function startFailure(e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  const refused = /EAGAIN|os error 11|temporarily unavailable|spawn/i.test(message)
    ? ": the system refused a new thread (a limit on threads or processes, such as a cgroup's " +
      "pids.max or ulimit -u, is reached)"
    : "";
  return new Error(`Could not start a worker (${message})${refused}`, { cause: e });
}

/** Message the worker side posts just before it exits on its own (see `worker_port.ts`). */
export const EXIT_NOTICE = "__amorsize_exit__";

type Listener = EventListenerOrEventListenerObject;

/** Buffers messages and failures until listeners are attached; delivers each failure once. */
export class Dispatcher {
  #buffer: unknown[] = [];
  #listeners = new Set<Listener>();
  #onMessage?: (data: unknown) => void;
  #failed?: WorkerFailure;
  #onFailure?: (failure: WorkerFailure) => void;
  #unread: Error[] = [];
  #onMessageError?: (error: Error) => void;
  terminated = false;

  /** Deliver one message from the worker (called synchronously from the runtime's handler). */
  message(data: unknown): void {
    if (this.terminated) return;
    if (isExitNotice(data)) return this.fail({ kind: "exit", code: data[EXIT_NOTICE] });
    if (!this.#onMessage && this.#listeners.size === 0) {
      this.#buffer.push(data);
      return;
    }
    this.#onMessage?.(data);
    for (const l of this.#listeners) deliver(l, data);
  }

  /**
   * A message of the worker that could not be read here (see `WorkerHandle.onMessageError`):
   * reported in order with the messages, never after `terminate`.
   */
  messageError(error: Error): void {
    if (this.terminated) return;
    if (!this.#onMessageError) this.#unread.push(error);
    else this.#onMessageError(error);
  }

  setOnMessageError(listener: (error: Error) => void): void {
    this.#onMessageError = listener;
    const pending = this.#unread;
    this.#unread = [];
    for (const e of pending) listener(e);
  }

  /** Record that the worker failed; reported once, and never after `terminate`. */
  fail(failure: WorkerFailure): void {
    if (this.terminated || this.#failed) return;
    this.#failed = failure;
    this.#onFailure?.(failure);
  }

  setOnMessage(listener: (data: unknown) => void): void {
    this.#onMessage = listener;
    this.#flush();
  }

  setOnFailure(listener: (failure: WorkerFailure) => void): void {
    this.#onFailure = listener;
    if (this.#failed) listener(this.#failed);
  }

  /** A comlink-compatible endpoint over this dispatcher. */
  endpoint(post: (message: unknown, transfer?: Transferable[]) => void): MessageEndpoint {
    return {
      postMessage: post,
      addEventListener: (_type, listener) => {
        this.#listeners.add(listener);
        this.#flush();
      },
      removeEventListener: (_type, listener) => void this.#listeners.delete(listener),
    };
  }

  #flush(): void {
    const pending = this.#buffer;
    this.#buffer = [];
    for (const data of pending) this.message(data);
  }
}

function isExitNotice(data: unknown): data is { [EXIT_NOTICE]: number | null } {
  return typeof data === "object" && data !== null && EXIT_NOTICE in data;
}

/**
 * Turn whatever a runtime reports as a worker error into an `Error`. Bun's `ErrorEvent` of an
 * error thrown from a worker's timer has no `error`, and its `message` is the whole printed
 * report: the source lines, a caret, then `error: <message>` (or `TypeError: …`) and the stack;
 * its message line is taken.
 *
 * @example Usage
 * ```ts
 * import { toError } from "./_handle.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(toError({ message: "Uncaught Error: boom" }).message, "boom");
 * const printed = '1 | throw new Error("boom");\n    ^\nerror: boom\n      at f (/t.ts:1:7)\n';
 * assert.equal(toError({ message: printed }).message, "boom");
 * // Not such a report: the message as it came.
 * assert.equal(toError({ message: "config invalid\nTypeError: x" }).message, "config invalid\nTypeError: x");
 * ```
 */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  const v = value as { message?: unknown; error?: unknown } | undefined;
  if (v?.error instanceof Error) return v.error;
  const message = typeof v?.message === "string" ? v.message : String(value);
  return new Error(printedMessage(message) ?? message.replace(/^Uncaught (\w*Error: )?/, ""));
}

/**
 * The error's own message in Bun's printed report (source lines `N | …`, a caret line, then
 * `name: message`, up to the stack's `at` lines), or undefined where the text is no such report.
 */
function printedMessage(text: string): string | undefined {
  const lines = text.split("\n");
  const source = (l: string) => /^\s*\d+ \| /.test(l);
  if (!lines.some(source)) return undefined;
  const first = lines.findIndex((l) => !source(l) && /^[\w$]+: /.test(l));
  if (first < 0) return undefined;
  const stack = lines.findIndex((l, k) => k > first && /^\s+at /.test(l));
  return lines.slice(first, stack < 0 ? undefined : stack).join("\n")
    .replace(/^[\w$]+: /, "").trim();
}

/** Hand `data` to a DOM-style listener (a function or an object with `handleEvent`). */
export function deliver(l: EventListenerOrEventListenerObject, data: unknown): void {
  const event = { data } as unknown as Event;
  if (typeof l === "function") l(event);
  else l.handleEvent(event);
}
