// A data source the scheduler pulls chunks from: an array, any iterable or an async iterable
// (possibly infinite). Pulls only what is asked for (backpressure).
import { describeValue, readableArg, wrongType } from "../args.ts";
import { thrownError } from "../task/mod.ts";
import { watchAbort } from "./_abort_watch.ts";
import { abortError } from "./errors.ts";

export class Source<I> {
  /** Total number of items, when known (arrays, typed arrays, Sets and Maps). */
  readonly total: number | undefined;
  pulled = 0;
  done = false;
  #array?: ArrayLike<I>;
  #front: I[] = [];
  #exhausted = false;
  #it?: Iterator<I>;
  #ait?: AsyncIterator<I>;
  #signal?: AbortSignal;
  /** Whether an abort left a `next()` of the async iterator pending (see `#next`). */
  #abandoned = false;
  /** A pull cut short, whose last `next()` is still pending (see `take`). */
  #pending?: Promise<void>;
  /**
   * What the iterator threw after a pull had items already: those items are returned first (a
   * run computes them), the throw comes with the next pull (see `#failed`). A throw of the
   * iterator is always an Error here: a value that is not one (a string, `null`, `undefined`)
   * becomes an Error that describes it, with the value as its `cause`, on every executor (the
   * local executors read a thrown `undefined` as no error at all: the run ended as if the data
   * had, short of its items).
   */
  #thrown?: { error: Error };

  // The data as `execute` takes it (the public type `Data` of options.ts, spelled out: that module
  // refers to the Pool, which runs single items on a Source). `signal`: an abort ends a wait for
  // an async iterable's next item at once, with the abort's error.
  constructor(data: Iterable<I> | AsyncIterable<I>, total?: number, signal?: AbortSignal) {
    this.#signal = signal;
    readableArg("data", data);
    if (data instanceof DataView) {
      throw new TypeError(
        "'data' must be an array, an iterable or an async iterable, got a DataView (not " +
          "iterable: pass a typed array over its buffer, e.g. new Uint8Array(view.buffer))",
      );
    }
    if (Array.isArray(data) || ArrayBuffer.isView(data)) {
      this.#array = data as unknown as ArrayLike<I>;
      this.total = this.#array.length;
    } else if (data && typeof (data as Iterable<I>)[Symbol.iterator] === "function") {
      this.#it = iteratorOf((data as Iterable<I>)[Symbol.iterator](), "[Symbol.iterator]");
      this.total = total ?? sizeOf(data);
    } else if (data && typeof (data as AsyncIterable<I>)[Symbol.asyncIterator] === "function") {
      this.#ait = iteratorOf(
        (data as AsyncIterable<I>)[Symbol.asyncIterator](),
        "[Symbol.asyncIterator]",
      );
      this.total = total;
    } else {
      wrongType("data", "an array, an iterable or an async iterable", data);
    }
    if (this.total === 0) this.done = this.#exhausted = true;
  }

  /**
   * Stop watching the signal: the call it was given for is over, and the source goes on as data
   * of another (`optimize`'s `result.data`). Aborting `optimize`'s signal after it returned
   * failed a later `execute(task, result.data)` with that AbortError.
   */
  releaseSignal(): void {
    this.#signal = undefined;
  }

  /** The iterator's throw that the next pull delivers, if a pull met one (see `#thrown`). */
  get throwsNext(): Error | undefined {
    return this.#thrown?.error;
  }

  /** Whether pulling may need to await (async iterables). */
  get isAsync(): boolean {
    return this.#ait !== undefined;
  }

  /** Items not pulled yet, when the total is known. */
  get remaining(): number | undefined {
    return this.total === undefined ? undefined : this.total - this.pulled;
  }

  /** Random access to item `i` (array sources only; undefined otherwise). */
  at(i: number): I | undefined {
    return this.#array ? this.#array[i] : undefined;
  }

  /** Items [`start`, `end`) by index, without pulling them (array sources only; else empty). */
  slice(start: number, end: number): I[] {
    return this.#array ? Array.prototype.slice.call(this.#array, start, end) as I[] : [];
  }

  /** Whether items can be read by index without pulling ({@linkcode Source.at}). */
  get indexable(): boolean {
    return this.#array !== undefined;
  }

  /** Give back items pulled from a one-shot source: they are pulled again first. */
  unshift(items: I[]): void {
    if (items.length === 0) return;
    this.#front = [...items, ...this.#front];
    this.pulled -= items.length;
    this.done = false;
  }

  /** Pull up to `n` items synchronously (arrays and iterables). */
  takeSync(n: number): I[] {
    if (this.#front.length > 0) return this.#fromFront(n);
    if (this.done) return [];
    this.#rethrow();
    let out: I[];
    if (this.#array) {
      const end = Math.min(this.#array.length, this.pulled + n);
      out = Array.prototype.slice.call(this.#array, this.pulled, end) as I[];
      if (end >= this.#array.length) this.done = this.#exhausted = true;
    } else {
      out = [];
      while (out.length < n) {
        let r: IteratorResult<I>;
        try {
          r = result(this.#it!.next());
        } catch (e) {
          const error = thrownError(e);
          if (this.#failed(error, out.length)) break;
          throw error;
        }
        if (r.done) {
          this.done = this.#exhausted = true;
          break;
        }
        out.push(r.value);
      }
    }
    this.pulled += out.length;
    return out;
  }

  /**
   * Pull up to `n` items of an array source without copying them: they are `items[from]` …
   * `items[to - 1]`, read in place (a slice per chunk cost a run of 400,000 sub-microsecond items
   * a third of its time on Bun). Undefined where the next items come otherwise (an iterable, or
   * items given back by `unshift`): pull those with `takeSync`.
   */
  takeInPlace(n: number): { items: ArrayLike<I>; from: number; to: number } | undefined {
    if (!this.#array || this.#front.length > 0) return undefined;
    const from = this.pulled, to = Math.min(this.#array.length, from + n);
    this.pulled = to;
    if (to >= this.#array.length) this.done = this.#exhausted = true;
    return { items: this.#array, from, to };
  }

  #fromFront(n: number): I[] {
    const out = this.#front.splice(0, n);
    this.pulled += out.length;
    if (this.#front.length === 0 && this.#exhausted) this.done = true;
    return out;
  }

  /**
   * Pull up to `n` items (awaiting an async iterable). An async iterable is awaited for its first
   * item; the pull ends with the items that came before a timer of 0 ms fired, and the `next()`
   * then pending is left to finish in the background: its item, its end or its throw comes with
   * the next pull. A source of events that gave 3 items and then waited for more held their
   * results until 16 had come (or for good). One timer per pull, not a race per item: a fast
   * source's items are awaited as they were.
   */
  async take(n: number): Promise<I[]> {
    if (this.#pending) await this.#pending;
    if (this.#front.length > 0) return this.#fromFront(n);
    if (!this.#ait) return this.takeSync(n);
    this.#rethrow();
    const ait = this.#ait, out: I[] = [];
    let cut = false, timer: ReturnType<typeof setTimeout> | undefined;
    const pull = async (): Promise<void> => {
      while (out.length < n && !this.done) {
        if (out.length === 1 && timer === undefined) timer = setTimeout(() => stop(), 0);
        let r: IteratorResult<I>;
        try {
          r = result(await this.#next(ait));
        } catch (e) {
          const error = thrownError(e);
          if (cut) return this.#late({ error });
          if (this.#failed(error, out.length)) break;
          throw error;
        }
        if (cut) return this.#late(r);
        if (r.done) this.done = this.#exhausted = true;
        else out.push(r.value);
      }
    };
    let stop = () => {};
    try {
      await new Promise<void>((resolve, reject) => {
        const pulling = pull();
        stop = () => {
          cut = true; // the pull goes on in the background (see `#late`)
          const clear = () => void (this.#pending = undefined);
          this.#pending = pulling.then(clear, clear);
          resolve();
        };
        pulling.then(resolve, reject);
      });
    } finally {
      clearTimeout(timer);
    }
    this.pulled += out.length;
    return out;
  }

  /** What the `next()` of a pull cut short gave: kept for the next pull (see `take`). */
  #late(r: IteratorResult<I> | { error: Error }): void {
    if (this.done) return; // closed meanwhile
    if ("error" in r) this.#thrown = r;
    else if (r.done) this.#exhausted = true;
    else this.#front.push(r.value);
    if (this.#front.length === 0 && this.#exhausted) this.done = true;
  }

  /**
   * Whether a throw of the iterator waits for the next pull: where this pull has `pulled` items
   * already and the throw is the source's own (not an abort), so that the items before it run
   * (ordered `map` yielded none of 500 results computed before a generator threw on the 501st).
   */
  #failed(error: Error, pulled: number): boolean {
    if (pulled === 0 || this.#signal?.aborted) return false;
    this.#thrown = { error };
    return true;
  }

  /**
   * Pull up to `n` items as `take` does, for a look ahead of the run (the optimizer's look and
   * sampling): a throw of the source (not an abort) ends the look with the items so far and is
   * kept for the run's next pull, which delivers the results before it first.
   */
  async takeAhead(n: number): Promise<I[]> {
    try {
      return await this.take(n);
    } catch (e) {
      return this.#defer(e);
    }
  }

  /** {@linkcode Source.takeAhead}, synchronously (arrays and iterables). */
  takeAheadSync(n: number): I[] {
    try {
      return this.takeSync(n);
    } catch (e) {
      return this.#defer(e);
    }
  }

  /** Keep a throw of the source for its next pull (no items now); an abort's is thrown at once. */
  #defer(error: unknown): I[] {
    if (this.#signal?.aborted) throw error;
    this.#thrown = { error: thrownError(error) };
    this.done = this.#exhausted = false; // a throw to deliver: not at its end yet
    return [];
  }

  /** The iterator's throw kept by `#failed`, now. */
  #rethrow(): void {
    const t = this.#thrown;
    if (!t) return;
    this.#thrown = undefined;
    this.done = this.#exhausted = true;
    throw t.error;
  }

  /**
   * The async iterator's next result, or the abort's error as soon as the signal aborts: an async
   * generator awaiting something that never settles held every executor but the workers' after
   * the abort, for good. That `next()` is left pending (see `close`).
   */
  #next(ait: AsyncIterator<I>): Promise<IteratorResult<I>> {
    const next = ait.next();
    const signal = this.#signal;
    if (!signal) return next;
    return new Promise((resolve, reject) => {
      const unwatch = watchAbort(signal, (e) => {
        this.#abandoned = true;
        reject(e);
      });
      if (signal.aborted) {
        unwatch();
        this.#abandoned = true;
        reject(abortError(signal));
      }
      next.then((r) => {
        unwatch();
        resolve(r);
      }, (e) => {
        unwatch();
        reject(e);
      });
    });
  }

  /**
   * Stop early: let the underlying iterator clean up. Where an abort left its `next()` pending,
   * its `return()` is not waited for: an async generator runs it only after that `next()`.
   */
  async close(): Promise<void> {
    if (this.done && !this.#abandoned) return;
    this.done = true;
    try {
      this.#it?.return?.();
      const returned = this.#ait?.return?.();
      // An async generator runs `return()` only after a pending `next()`, which may never settle.
      if (!this.#abandoned && this.#pending === undefined) await returned;
      else {
        this.#abandoned = false; // closed: a second close has nothing to do
        this.#pending = undefined;
        Promise.resolve(returned).catch(() => {});
      }
    } catch { /* closing is best effort */ }
  }
}

// Only the sizes of built-in collections are trusted: any other iterable's `length` or `size`
// may say anything (a wrong total would end the run early or never), so it counts as unknown.
function sizeOf(data: unknown): number | undefined {
  return data instanceof Set || data instanceof Map ? data.size : undefined;
}

/**
 * An iterator's `next()` result, checked as `for…of` checks it: anything but an object throws
 * (an iterator returning `undefined` from `next()` was read as endless `undefined` items, until
 * memory ran out).
 */
function result<T>(r: IteratorResult<T>): IteratorResult<T> {
  if (typeof r !== "object" || r === null) {
    throw new TypeError(
      `'data' iterator's next() must return an object ({ value, done }), got ${describeValue(r)}`,
    );
  }
  return r;
}

/**
 * The iterator that `data[method]()` returned, or a TypeError naming `data` where it has no
 * `next` method (it failed at the first pull, naming a private field of this file).
 */
function iteratorOf<T extends { next: unknown }>(it: T, method: string): T {
  const some = (typeof it === "object" || typeof it === "function") && it !== null;
  if (some && typeof it.next === "function") return it;
  throw new TypeError(
    `'data' must be an array, an iterable or an async iterable, got one whose ${method}() ` +
      `returned ${it === null ? "null" : typeof it} without a next() method`,
  );
}
