/**
 * Workers fed chunks of an array from its end while the calling thread runs it from the front: a
 * process's first `execute` finishes its job this way while deciding (see `runWhileLoading`).
 *
 * @module
 */
import type { PoolWorker } from "../engine/mod.ts";
import type { SampleFailure } from "../measure/mod.ts";
import { type Job, runOnWorker } from "./_job.ts";

/**
 * Least and most work of a chunk sent to a worker (ms at the pace measured): over the least, a
 * chunk outlasts a slice of the calling thread (`FINISH_SLICE_MS`), so the worker's next chunk,
 * sent while it runs one, is there before it is done; under the most, the last chunks end
 * together.
 */
const CHUNK_LEAST_MS = 4;
const CHUNK_MOST_MS = 50;

/**
 * Chunks in flight on each worker: the next one waits in the worker while one runs — a reply is
 * heard only between the calling thread's slices, which last an item where items are large.
 */
const IN_FLIGHT = 2;

/**
 * Workers fed chunks of `job`'s array from its end, below `back`, down to the calling thread's
 * position (`front()`): each worker holds up to `IN_FLIGHT` chunks, each about a quarter of the
 * work left over the threads (at least `CHUNK_LEAST_MS`, at most `CHUNK_MOST_MS`), so that the
 * last ones end close together. Results go to `job.known`. A worker that dies leaves its chunk's
 * items unknown (`lost`): the calling thread runs them. The first failing item stops the feed.
 */
export class BackFeed {
  /** Items at and past this index are the workers' (run, or in flight). */
  back: number;
  /** The first failure a worker replied with. */
  failure?: SampleFailure;
  /** Whether a worker died with a chunk (its items are left unknown). */
  lost = false;
  /** Whether a worker fed before it held the task could not load it (its chunk is `lost`). */
  unloaded = false;
  /** Why the first worker that could not load the task could not (see `unloaded`). */
  loadError?: Error;
  /** The calling thread's next index: no chunk reaches below it. */
  front: () => number;
  /** Workers fed so far. */
  readonly workers = new Set<PoolWorker>();
  #job: Job;
  #pace: () => number;
  #loops: Promise<void>[] = [];
  #stopped = false;
  #workerPace?: number;
  #waiting: (() => void)[] = [];
  /** Chunks in flight, by worker. */
  #held = new Map<PoolWorker, number>();

  /**
   * @param job The job (an array: `job.src` indexable, its total known).
   * @param front The calling thread's next index: no chunk reaches below it.
   * @param pace The calling thread's time per item (ms): sizes chunks until a worker replied.
   */
  constructor(job: Job, front: () => number, pace: () => number) {
    this.#job = job;
    this.front = front;
    this.#pace = pace;
    this.back = job.src.total!;
  }

  /**
   * Feed `worker`: it holds the task, or loads it (its chunks wait behind the load; one it cannot
   * load sets `unloaded`).
   */
  add(worker: PoolWorker): void {
    if (this.workers.has(worker) || this.#stopped) return;
    this.workers.add(worker);
    for (let k = 0; k < IN_FLIGHT; k++) this.#loops.push(this.#loop(worker));
  }

  /** Whether a chunk is in flight. */
  get busy(): boolean {
    for (const k of this.#held.values()) if (k > 0) return true;
    return false;
  }

  /** Resolves at the next reply (at once where none is in flight). */
  replied(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((r) => this.#waiting.push(r));
  }

  /** A chunk replied: whoever waits for one goes on. */
  #heard(): void {
    for (const r of this.#waiting.splice(0)) r();
  }

  /** Send no more chunks; resolves once those in flight replied. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
  }

  /**
   * The next chunk from the end for `worker`: the unknown items right below `back`, claimed; none
   * where none is left, "wait" where the worker holds a chunk already and another would leave the
   * other threads less than an item each (a chunk waiting in a worker is one the calling thread
   * cannot take: three items of 30 ms, a worker fed the last two while it loaded the task, and the
   * calling thread waited for both).
   */
  #claim(worker: PoolWorker, work?: number): [number, number] | "wait" | undefined {
    const known = this.#job.known, front = this.front();
    let to = this.back;
    while (to > front && known.has(to - 1)) to--;
    if (to <= front) return undefined;
    const threads = this.workers.size + 1;
    const workMs = work ?? Math.min(
      CHUNK_MOST_MS,
      Math.max(CHUNK_LEAST_MS, ((to - front) * this.#pace()) / (4 * threads)),
    );
    const size = Math.max(1, Math.round(workMs / (this.#workerPace ?? this.#pace())));
    let from = to - 1;
    while (from > front && to - from < size && !known.has(from - 1)) from--;
    if ((this.#held.get(worker) ?? 0) > 0) {
      let lo = front;
      while (lo < from && known.has(lo)) lo++;
      if (from - lo < threads - 1) return "wait";
    }
    this.back = from;
    return [from, to];
  }

  /**
   * One chunk on `worker`, before it is fed (see `add`): its time per item there (ms), timed in
   * the worker, or undefined where it did not run (the worker died, could not load the task, or
   * nothing was left to claim). The first chunk a worker runs shows whether the task runs cold
   * there (code to compile) or at once at the pace here.
   */
  tryOut(worker: PoolWorker): Promise<number | undefined> {
    if (this.#stopped || this.failure) return Promise.resolve(undefined);
    const range = this.#claim(worker, CHUNK_LEAST_MS);
    if (!range || range === "wait") return Promise.resolve(undefined);
    const tried = this.#send(worker, range).then((ran) =>
      this.#heardFrom(worker, range, ran) || undefined
    );
    this.#loops.push(tried.then(() => {})); // `stop` waits for it too
    return tried;
  }

  async #loop(worker: PoolWorker): Promise<void> {
    while (!this.#stopped && !this.failure) {
      const range = this.#claim(worker);
      if (!range) return;
      if (range === "wait") {
        await this.replied();
        continue;
      }
      // The reply is taken, and the next chunk claimed, in one go: one who waits for a reply
      // (`replied`) and finds no chunk in flight would stop the feed.
      if (this.#heardFrom(worker, range, await this.#send(worker, range)) === false) return;
    }
  }

  /** Send `[from, to)` to `worker`: its reply (see `runOnWorker`). */
  #send(worker: PoolWorker, [from, to]: [number, number]): ReturnType<typeof runOnWorker> {
    this.#held.set(worker, (this.#held.get(worker) ?? 0) + 1);
    return runOnWorker(this.#job, worker, Array.from({ length: to - from }, (_, k) => from + k));
  }

  /**
   * `worker` replied to `[from, to)` with `ran`: its time per item there (ms; undefined where not
   * timed), or false where the worker is done for: it died (`lost`), could not load the task
   * (`unloaded`; the calling thread runs the items then) or an item failed (`failure`).
   */
  #heardFrom(
    worker: PoolWorker,
    [from, to]: [number, number],
    ran: Awaited<ReturnType<typeof runOnWorker>>,
  ): number | undefined | false {
    this.#held.set(worker, this.#held.get(worker)! - 1);
    let perItem: number | undefined | false = false;
    if (!ran) this.lost = true; // the worker died (or the pool closed)
    else if (ran.failure?.kind === "load") {
      this.unloaded = this.lost = true;
      this.loadError ??= ran.failure.error;
    } else if (ran.failure) this.failure ??= ran.failure;
    else perItem = ran.ms > 0 ? (this.#workerPace = ran.ms / (to - from)) : undefined;
    this.#heard();
    return perItem;
  }
}
