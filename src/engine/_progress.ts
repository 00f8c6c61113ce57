// Progress reporting throttled to ~20 calls a second, plus one final call.
import type { Progress } from "./options.ts";

export class ProgressReporter {
  #cb?: (p: Progress) => void;
  #t0: number;
  #last = -Infinity;
  #now: () => number;
  done = 0;
  total?: number;

  constructor(cb: ((p: Progress) => void) | undefined, now: () => number, total?: number) {
    this.#cb = cb;
    this.#now = now;
    this.#t0 = now();
    this.total = total;
  }

  add(n: number): void {
    this.done += n;
    if (!this.#cb) return;
    const t = this.#now();
    if (t - this.#last < 50) return;
    this.#last = t;
    this.#emit(t);
  }

  finish(): void {
    if (this.#cb) this.#emit(this.#now());
  }

  #emit(t: number): void {
    this.#cb!({ done: this.done, total: this.total, elapsedMs: t - this.#t0, phase: "run" });
  }
}
