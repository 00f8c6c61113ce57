// Progress reporting throttled to ~20 calls a second, plus one final call.
import type { Progress } from "./options.ts";

/**
 * A rejection of a Promise an `onProgress` callback returned (an `async` callback), by sink (one
 * call's reports, see `report`): thrown at its next report, as a synchronous throw fails the call
 * at once (left unhandled, it ended the process).
 */
const rejected = new WeakMap<object, unknown>();

/**
 * Report `p` to `cb`: a throw fails the caller at once; a Promise it returns that rejects fails
 * it at the next report of the same `sink` (`last`: this is the call's final report, whose
 * rejection is dropped). One call's reports share a sink (its deciding and its run), so that a
 * callback two concurrent calls share fails only the call whose report it rejected.
 *
 * @param cb The caller's `onProgress`.
 * @param p The progress.
 * @param last Whether this is the final report.
 * @param sink The call's reports: one object per call, shared by its deciding and its run.
 *
 * @example Usage
 * ```ts
 * import { report } from "./_progress.ts";
 * import assert from "node:assert/strict";
 *
 * const sink = async () => {
 *   throw new Error("sink down");
 * };
 * const call = {}; // one call's reports
 * report(sink, { done: 1, elapsedMs: 1 }, false, call);
 * await new Promise((r) => setTimeout(r, 0));
 * report(sink, { done: 1, elapsedMs: 1 }, false, {}); // another call's report: not its rejection
 * assert.throws(() => report(sink, { done: 2, elapsedMs: 2 }, false, call), { message: "sink down" });
 * ```
 */
export function report(
  cb: (p: Progress) => void,
  p: Progress,
  last: boolean,
  sink: object,
): void {
  if (rejected.has(sink)) {
    const e = rejected.get(sink);
    rejected.delete(sink);
    throw e;
  }
  const r: unknown = cb(p);
  if (typeof (r as PromiseLike<unknown> | undefined)?.then === "function") {
    (r as PromiseLike<unknown>).then(undefined, (e) => {
      if (!last) rejected.set(sink, e);
    });
  }
}

/**
 * A run's progress: `done` counts the chunks completed (results deciding computed included).
 * Reported from `t0` (the call's start: deciding counts) and never under `floor` (the items done
 * when deciding ended, reported then: the run counts them only as it reaches them), to `sink`
 * (deciding's, see `report`).
 */
export class ProgressReporter {
  #cb?: (p: Progress) => void;
  #t0: number;
  #last = -Infinity;
  #lastDone = -1;
  #now: () => number;
  #floor: number;
  #sink: object;
  done = 0;
  total?: number;

  constructor(
    cb: ((p: Progress) => void) | undefined,
    now: () => number,
    total?: number,
    from: { t0?: number; floor?: number; sink?: object } = {},
  ) {
    this.#cb = cb;
    this.#now = now;
    this.#t0 = from.t0 ?? now();
    this.#floor = from.floor ?? 0;
    this.#sink = from.sink ?? {}; // this call's own, where deciding gave none
    this.total = total;
  }

  add(n: number): void {
    this.done += n;
    if (!this.#cb) return;
    const t = this.#now();
    if (t - this.#last < 50) return;
    this.#last = t;
    this.#emit(t, false);
  }

  /** The final report (none where the last one reported as many items done). */
  finish(): void {
    if (this.#cb && Math.max(this.done, this.#floor) !== this.#lastDone) {
      this.#emit(this.#now(), true);
    }
  }

  #emit(t: number, last: boolean): void {
    const done = this.#lastDone = Math.max(this.done, this.#floor);
    const p: Progress = { done, total: this.total, elapsedMs: t - this.#t0, phase: "run" };
    report(this.#cb!, p, last, this.#sink);
  }
}
