// One chunked run over the pool: pulls chunks from the source, dispatches them to the least
// loaded workers, retries a chunk once when its worker dies, and hands completed chunks to the
// consumer in completion order (the caller reorders). Bounded: at most `maxBuffered` completed
// chunks wait for the consumer, so a slow consumer slows the pulls (backpressure).
import type { WorkerFailure } from "../runtime/mod.ts";
import type { TaskSpec } from "../task/mod.ts";
import {
  type BufferPath,
  findTransferables,
  inspect,
  isBuffer,
  isCloneable,
  isDetached,
  locateUncloneable,
  uncloneable,
  unsendableItem,
} from "./_cloneable.ts";
import { watchAbort } from "./_abort_watch.ts";
import { ChunkSizer } from "./_chunk_sizer.ts";
import type { InFlight, PoolWorker } from "./_pool_worker.ts";
import type { KnownResults } from "./_known_results.ts";
import { fromWire, type ItemMeasure, type Reply, type ToWorker } from "./_protocol.ts";
import { encodeValues, type Encoding, encodingByShape, type Wire } from "./encoding.ts";
import type { Source } from "./_source.ts";
import {
  abortError,
  ChunkTimeoutError,
  loadTimedOut,
  TaskError,
  WorkerCrashError,
} from "./errors.ts";
import type { WorkerSet } from "./_worker_set.ts";
import { Throughput } from "./_throughput.ts";
import { describeThrown, thrownError } from "../task/mod.ts";
import { externalLoadNow } from "../system/mod.ts";

export interface RunOptions {
  spec: TaskSpec;
  workers: number;
  chunkSize: number;
  adaptive: boolean;
  targetChunkMs: number;
  transfer: boolean;
  measure?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Results already computed, by item index: sent as holes and filled in on return. */
  known?: KnownResults;
  /** Largest adaptive chunk (items; default the sizer's): streams keep it small for memory. */
  maxChunkItems?: number;
  /** Completed chunks allowed to wait for the consumer (default: unbounded). */
  maxBuffered?: number;
  /**
   * How items travel ("auto", the default: by the shape of the first chunk) and how results come
   * back ("auto": packed when numeric, else clone). See encoding.ts.
   */
  encoding?: { items: Encoding | "auto"; results: Encoding | "auto" };
  /**
   * The plain loop's warm time per item on the calling thread (ms), measured by the optimizer:
   * with it, the run changes course to the calling thread when the workers prove slower (see
   * {@linkcode Run.switched}). Undefined: the run stays on the workers.
   */
  inlinePerItemMs?: number;
  /** More workers the run may take when other processes' load falls (see {@linkcode Run.grown}). */
  grow?: Grow;
}

/**
 * How an automatic run may grow: other processes kept cores busy when it was decided (`load`), and
 * the decision gave it fewer workers than its caps for that reason; when that load falls, the run
 * takes the cores it freed.
 */
export interface Grow {
  /** Most workers: the optimizer's caps (cores, memory, nested threads). */
  workers: number;
  /** Cores other processes kept busy at the decision (runnable threads, at least 1). */
  load: number;
  /**
   * Other processes' load now. Default: their runnable threads and those of pool workers running
   * other calls' chunks (`externalLoadNow`); tests give their own.
   */
  readLoad?: () => number | undefined;
}

/** A completed chunk (or the part of a chunk before its failing item). */
export interface Completed {
  start: number;
  /** The chunk's results in input order; none where they were written in place (`inPlace`). */
  results: unknown[];
  /**
   * How many items the chunk completed where their results went straight to their indices in
   * the array a stream was given to write into (see `inlineChunks`); `results` is then empty.
   */
  inPlace?: number;
  ms: number;
  measure?: ItemMeasure;
}

interface Chunk {
  start: number;
  items: unknown[];
  attempts: number;
}

let nextId = 1;
type RunMessage = Extract<ToWorker, { t: "run" }>;

export class Run {
  readonly sizer: ChunkSizer;
  error?: Error;
  /** Index of the first failing item (results before it are still delivered). */
  errorIndex = Infinity;
  /** Set by an ordered consumer: items before this index were handed on (bounds the look-ahead). */
  consumedUpTo?: number;
  /** Most chunks this run had queued on one worker at once (diagnostics). */
  peakInflight = 0;
  /**
   * Set when the run changed course: the workers' measured throughput made the rest of the
   * items faster on the calling thread (`RunOptions.inlinePerItemMs`). The chunks in flight
   * finish; the items not yet pulled stay in the source for the caller to run there.
   */
  switched?: { afterItems: number; workerItemsPerMs: number; inlineItemsPerMs: number };
  /**
   * The items of an automatic run (one that may change course, `RunOptions.inlinePerItemMs`)
   * whose values could not travel — an item a worker cannot receive, a result it cannot send
   * back — from the first such in each chunk on: the calling thread runs them, and the rest of
   * the source, as the plain loop would (automatic `execute` failed with a TaskError there, where
   * `optimize` had said workers and the plain loop returned every result). No further chunk is
   * sent; the chunks in flight finish.
   */
  readonly returned: { start: number; items: unknown[] }[] = [];
  /**
   * Set when the run took more workers (`RunOptions.grow`): after `afterItems` items came back,
   * other processes' load had been under the decision's at `GROW_READINGS` readings in a row.
   */
  grown?: { afterItems: number; from: number; to: number };
  /** The run's workers now: `RunOptions.workers`, or more once grown. */
  #count: number;
  /** Completed chunks allowed to wait for the consumer (`RunOptions.maxBuffered`, grown). */
  #maxBuffered: number;
  /**
   * Load readings (with `RunOptions.grow`): the load the workers are sized for, when the next
   * reading is due and the wait after it, the readings in a row under that load and the least
   * cores they freed, and the items completed so far.
   */
  #loads = { load: 0, due: -Infinity, waitMs: 0, seen: 0, freed: Infinity, items: 0 };
  #workers: WorkerSet;
  #src: Source<unknown>;
  #cfg: RunOptions;
  #retry: Chunk[] = [];
  /**
   * With `transfer`, over an array: how many items hold each buffer (see `#transferable`).
   * Buffers this run moved to a worker, for the message of an item that shares one.
   */
  #holders?: Map<ArrayBuffer, number>;
  #moved = new WeakSet<ArrayBuffer>();
  #inflight = new Map<number, { chunk: Chunk; worker: PoolWorker }>();
  #done: Completed[] = [];
  #wake?: () => void;
  #pumping = false;
  #again = false;
  #unwatch?: () => void;
  #closed = false;
  #unsubscribe: () => void;
  /** The items' encoding, once the first chunk was looked at. */
  #itemEnc?: Encoding;
  /** Whether an item of this run held a Buffer inside it (see `#encode`). */
  #nestedBuffers = false;
  /** The throughput watch behind a change of course (with `inlinePerItemMs`). */
  #course?: Course;

  /** A run over `workers` (the set behind a pool: `workerSet(pool)`). */
  constructor(workers: WorkerSet, src: Source<unknown>, cfg: RunOptions) {
    this.#workers = workers;
    this.#src = src;
    this.#cfg = cfg;
    this.#count = cfg.workers;
    this.#maxBuffered = cfg.maxBuffered ?? Infinity;
    if (cfg.grow) this.#loads.load = cfg.grow.load;
    // A run that may change course starts with chunks small enough for its first waves to be
    // evidence (at most 1/16 of the items per worker; the adaptive size grows from there).
    const watch = cfg.inlinePerItemMs !== undefined && cfg.inlinePerItemMs > 0 &&
      src.total !== undefined;
    const initial = watch && cfg.adaptive
      ? Math.min(cfg.chunkSize, Math.max(1, Math.ceil(src.total! / (16 * cfg.workers))))
      : cfg.chunkSize;
    this.sizer = new ChunkSizer({
      initial,
      adaptive: cfg.adaptive,
      workers: cfg.workers,
      targetMs: cfg.targetChunkMs,
      maxItems: cfg.maxChunkItems,
    });
    if (watch) this.#course = { throughput: new Throughput(), done: 0 };
    // Another run's chunk finishing frees a worker this run may be waiting for.
    this.#unsubscribe = this.#workers.onFree(() => void this.#pump());
    if (cfg.signal) {
      if (cfg.signal.aborted) this.abort(abortError(cfg.signal));
      else this.#unwatch = watchAbort(cfg.signal, (e) => this.abort(e));
    }
  }

  /** Completed chunks, in completion order; throws the run's error after the good ones. */
  async *chunks(): AsyncGenerator<Completed> {
    try {
      void this.#pump();
      while (true) {
        if (this.#done.length > 0) {
          const next = this.#done.shift()!;
          void this.#pump();
          yield next;
          continue;
        }
        if (this.#finished()) break;
        await new Promise<void>((r) => (this.#wake = r));
      }
      if (this.error) throw this.error;
    } finally {
      this.#cleanup();
    }
  }

  /** An ordered consumer handed on every item before `upTo`: allow more look-ahead. */
  consumed(upTo: number): void {
    this.consumedUpTo = upTo;
    void this.#pump();
  }

  /** Stop the run with `error`: busy workers of this run are terminated (and replaced later). */
  abort(error: Error): void {
    this.#fail(error, -1);
    this.#stopBusy();
    this.#notify();
  }

  #finished(): boolean {
    if (this.error) {
      // Done once no chunk before the failing item is in flight or waiting for a retry.
      const before = (c: Chunk) => c.start < this.errorIndex;
      return ![...this.#inflight.values()].some((x) => before(x.chunk)) &&
        !this.#retry.some(before);
    }
    // While a pull is under way its chunk is in neither queue: not finished yet.
    return !this.#pumping && (this.#src.done || this.#returning) &&
      this.#retry.length === 0 && this.#inflight.size === 0;
  }

  async #pump(): Promise<void> {
    if (this.#closed) return;
    if (this.#pumping) return void (this.#again = true);
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        while (this.#wanted() && this.#done.length < this.#maxBuffered) {
          if (this.#src.done && this.#retry.length === 0) break; // start no worker for nothing
          if (this.#tooFarAhead() || !this.#pickWorker()) break;
          const chunk = this.#retry.shift() ?? (await this.#pull());
          if (!chunk || this.#closed) break;
          if (this.error && chunk.start >= this.errorIndex) continue; // cancelled
          if (this.#allKnown(chunk)) continue;

          const worker = this.#pickWorker();
          if (!worker) {
            this.#retry.unshift(chunk);
            break;
          }
          this.#send(worker, chunk);
        }
      } while (this.#again && this.#wanted());
    } catch (e) {
      this.#fail(thrownError(e), -1);
    } finally {
      this.#pumping = false;
      this.#notify();
    }
  }

  /** Whether the calling thread may run items of this run (an automatic run: see `returned`). */
  get #mayReturn(): boolean {
    return this.#cfg.inlinePerItemMs !== undefined && this.#cfg.inlinePerItemMs > 0;
  }

  /** Whether chunks should still go out: none after an error, except retries before it. */
  #wanted(): boolean {
    if (this.#closed) return false;
    if (this.#returning) return this.#retry.length > 0; // a lost chunk still runs on a worker
    if (!this.error) return true;
    return this.#retry.some((c) => c.start < this.errorIndex);
  }

  /** Whether the rest of the items go to the calling thread (see `switched`, `returned`). */
  get #returning(): boolean {
    return this.switched !== undefined || this.returned.length > 0;
  }

  async #pull(): Promise<Chunk | undefined> {
    if (this.error || this.#returning) return undefined;
    if (this.#src.done) return undefined;
    const start = this.#src.pulled;
    const n = this.sizer.next(this.#src.remaining);
    let items: unknown[];
    try {
      items = this.#src.isAsync ? await this.#src.take(n) : this.#src.takeSync(n);
    } catch (e) {
      // The source threw on item `start`: the chunks before it still deliver their results (an
      // ordered map yielded 0–8 of 500 results computed before a generator threw).
      this.#fail(thrownError(e), start);
      return undefined;
    }
    return items.length === 0 ? undefined : { start, items, attempts: 0 };
  }

  #tooFarAhead(): boolean {
    if (this.#retry.length > 0 || this.consumedUpTo === undefined) return false;
    const window = this.#count * 4 * this.sizer.next(undefined);
    return this.#src.pulled - this.consumedUpTo > window;
  }

  #pickWorker(): PoolWorker | undefined {
    const cap = this.sizer.inflightPerWorker();
    let best: PoolWorker | undefined;
    // A known total already bounds the workers (prepare and growth: never more than items); a
    // source of unknown length starts them as chunks need them (one beyond the chunks in flight).
    const wanted = this.#src.total !== undefined
      ? this.#count
      : Math.min(this.#count, this.#inflight.size + 1);
    this.#workers.ensure(wanted);
    // Runs at once share the pool: a run that holds fewer than `wanted` workers takes the least
    // loaded of them all, with one more started where none is idle and the pool has room (runs of
    // one worker each, `pool.run` among them, all queued on the pool's first worker while the
    // others idled); one that holds `wanted` keeps to those.
    const mine = new Set([...this.#inflight.values()].map((f) => f.worker));
    let choice = mine.size >= wanted ? [...mine] : this.#workers.live;
    if (mine.size < wanted && !choice.some((w) => w.inflight.length === 0)) {
      this.#workers.ensure(this.#workers.size + 1); // at `maxWorkers`: none started
      choice = this.#workers.live;
    }
    for (const w of choice) {
      if (w.dead || w.inflight.length >= cap || !this.#mayShare(w)) continue;
      if (!best || w.inflight.length < best.inflight.length) best = w;
    }
    return best;
  }

  /**
   * Whether this run may queue a chunk on `w` beside the chunks of other runs there. Not when
   * either side moves its inputs (`transfer`): a run that stops (an abort, a timeout, a consumer
   * that breaks out of `map`) terminates the workers holding its chunks, and a chunk whose
   * buffers went to that worker cannot be sent again. Another call's abort on a shared pool failed
   * a call with `transfer: true` with a WorkerCrashError ("terminated") though no worker crashed.
   */
  #mayShare(w: PoolWorker): boolean {
    return w.inflight.every((c) =>
      c.owner === this || (!this.#cfg.transfer && c.message.transfer !== true)
    );
  }

  // The send path does no per-item work beyond the encoding's own pass: structured clone reports
  // values it cannot clone (functions, symbols…) by throwing, and only then is the culprit looked
  // for. Values it would damage silently (class instances, whose methods would be lost): items
  // that are class instances are caught by that pass (the packed and JSON encoders take none; the
  // clone copy checks each item's prototype); class instances nested deeper inside items are
  // looked for on the first chunk when it goes as clone, on chunks that do not fit the run's
  // packed or JSON encoding, and by the optimizer on its sample. Results are checked in the worker, off this thread.
  #send(worker: PoolWorker, chunk: Chunk): void {
    const skip = this.#skips(chunk);
    let encoded;
    try {
      encoded = this.#encode(chunk, skip);
    } catch { // an item whose shape cannot be read (a revoked Proxy: every trap throws)
      this.#itemEnc ??= "clone";
      return this.#unreadable(worker, chunk);
    }
    if ("at" in encoded) return this.#cloneFailed(worker, chunk, encoded.at, encoded.why);
    const id = nextId++;
    const key = this.#cfg.spec.key;
    // Only what differs from the defaults travels (every property is serialised).
    const message: RunMessage = { t: "run", id, key, items: encoded.wire, start: chunk.start };
    if (!worker.specs.has(key)) message.spec = this.#cfg.spec;
    if (skip) message.skip = skip;
    // Buffers among the items arrive as plain Uint8Arrays: the worker makes Buffers of them again.
    if (encoded.buffers) message.buffers = encoded.buffers;
    if (this.#cfg.transfer) message.transfer = true;
    if (this.#cfg.measure) message.measure = true;
    const enc = this.#cfg.encoding?.results;
    if (enc !== undefined && enc !== "auto") message.enc = enc;
    const user = this.#cfg.transfer ? this.#transferable(chunk.items) : [];
    const detached = this.#cfg.transfer
      ? findTransferables(chunk.items).find(isDetached) as ArrayBuffer | undefined
      : undefined;
    if (detached) {
      // Node drops a message whose transfer list holds a detached buffer, and the call waited
      // forever; Deno and Bun throw. The item is named on every runtime.
      const k = chunk.items.findIndex((x) => findTransferables([x]).some(isDetached));
      return this.#cloneFailed(
        worker,
        chunk,
        k,
        this.#moved.has(detached)
          ? "or shares an ArrayBuffer with an earlier item that this run moved to a worker " +
            "(transfer: true moves each buffer once; items of a stream are not looked ahead at: " +
            "give each item a buffer of its own, or leave transfer off)"
          : "or holds an ArrayBuffer already transferred (detached): a buffer is transferred once",
      );
    }
    for (const b of user) this.#moved.add(b as ArrayBuffer);
    const flight: InFlight = {
      id,
      message,
      transfer: encoded.transfer.length === 0 ? user : [...encoded.transfer, ...user],
      timeoutMs: this.#cfg.timeoutMs,
      loading: message.spec !== undefined,
      owner: this,
      onReply: (reply) => this.#reply(id, chunk, reply),
      onLost: (f, blamed) => this.#lost(id, chunk, f, blamed),
      onTimeout: (loading) => {
        const end = chunk.start + chunk.items.length;
        const e = new ChunkTimeoutError(chunk.start, end, this.#cfg.timeoutMs!);
        this.#fail(
          loading ? loadTimedOut(e, this.#cfg.spec, this.#cfg.timeoutMs!) : e,
          chunk.start,
        );
        void worker.kill();
      },
    };
    this.#inflight.set(id, { chunk, worker });
    try {
      try {
        worker.send(flight);
      } catch (e) {
        // A buffer that cannot move (a WebAssembly.Memory's, Deno's node:buffer pool): Deno and
        // Bun refuse the whole message, where Node copies that buffer. Copy the items' buffers.
        if (user.length === 0 || user.some(isDetached)) throw e;
        for (const b of user) this.#moved.delete(b as ArrayBuffer);
        flight.transfer = encoded.transfer;
        worker.send(flight);
      }
      worker.specs.add(key);
      this.peakInflight = Math.max(this.peakInflight, worker.inflight.length);
    } catch (e) { // not sent: the worker dropped it (`PoolWorker.send`)
      this.#inflight.delete(id);
      const k = chunk.items.findIndex((x) => !isCloneable(x));
      const why = `not cloneable (${describeThrown(e)})`;
      this.#cloneFailed(worker, chunk, Math.max(k, 0), locateUncloneable(chunk.items[k]) ?? why);
    }
  }

  /**
   * The items of `chunk` as they travel, or the first of them that cannot go and why. Packed and
   * JSON chunks hold no class instance (their encoders take none): only a chunk that goes as
   * clone is looked into, the first one, or one that does not fit the encoding. Throws where an
   * item cannot be read at all (a revoked Proxy).
   */
  #encode(chunk: Chunk, skip: number[] | undefined): Encoded | { at: number; why: string } {
    const first = this.#itemEnc === undefined;
    if (first) this.#itemEnc = this.#chooseItemEncoding(chunk.items);
    const encoded = this.#itemEnc === "clone"
      ? undefined
      : encodeValues(chunk.items, this.#itemEnc!, skip);
    if (encoded) return encoded;
    // Looked into, the Buffers inside the items are found too (a Buffer again on arrival): once
    // the run met one, every chunk is looked into.
    let buffers: BufferPath[] | undefined;
    if (first || this.#itemEnc !== "clone" || this.#nestedBuffers) {
      for (let k = 0; k < chunk.items.length; k++) {
        const found = inspect(chunk.items[k], 16);
        if (found.why) return { at: k, why: found.why };
        for (const path of found.buffers ?? []) {
          (buffers ??= []).push([k, ...path]);
          if (path.length > 0) this.#nestedBuffers = true;
        }
      }
    }
    const copy = cloneable(chunk.items, skip);
    if (typeof copy === "number") return { at: copy, why: uncloneable(chunk.items[copy], 1)! };
    return { wire: copy.items, transfer: [], buffers: buffers ?? copy.buffers };
  }

  /** The user's encoding, or the one the first chunk's shape calls for. */
  #chooseItemEncoding(items: unknown[]): Encoding {
    const want = this.#cfg.encoding?.items ?? "auto";
    return want === "auto" ? encodingByShape(items) : want;
  }

  /** An item of `chunk` could not be read to be sent (a revoked Proxy): fail at the first such. */
  #unreadable(worker: PoolWorker, chunk: Chunk): void {
    const k = Math.max(0, chunk.items.findIndex((x) => uncloneable(x, 1) !== undefined));
    const why = uncloneable(chunk.items[k], 1) ?? "an object that cannot be read";
    return this.#cloneFailed(worker, chunk, k, why);
  }

  /**
   * Item `k` of `chunk` cannot be sent: the items before it still run, then the run fails — or,
   * automatic, the calling thread runs the rest (see `returned`).
   */
  #cloneFailed(worker: PoolWorker, chunk: Chunk, k: number, why: string): void {
    const index = chunk.start + k;
    if (this.#mayReturn) this.returned.push({ start: index, items: chunk.items.slice(k) });
    else this.#fail(cloneError(index, why), index);
    if (k > 0 && !worker.dead) {
      this.#send(worker, { start: chunk.start, items: chunk.items.slice(0, k), attempts: 0 });
    }
  }

  /**
   * Whether every result of `chunk` is known already (the optimizer's look ran its items): then
   * it is complete at once, without a worker. Sent as holes, such chunks went to a worker and
   * back, and their replies read as items of no time: the adaptive size doubled on each (a look
   * of 2,049 items of 1 µs, chunks of 256: the run's chunks grew to 1,198 items by its fourth).
   */
  #allKnown(chunk: Chunk): boolean {
    const skip = this.#skips(chunk);
    if (skip?.length !== chunk.items.length) return false;
    const known = this.#cfg.known!;
    const results = chunk.items.map((_, k) => known.get(chunk.start + k));
    this.#done.push({ start: chunk.start, results, ms: 0 });
    this.#notify();
    return true;
  }

  /** Positions of `chunk` whose results are known already (sorted), or undefined. */
  #skips(chunk: Chunk): number[] | undefined {
    const known = this.#cfg.known;
    if (!known || known.size === 0) return undefined;
    const at = known.within(chunk.start, chunk.start + chunk.items.length);
    return at.length === 0 ? undefined : at.map((i) => i - chunk.start);
  }

  #reply(id: number, chunk: Chunk, reply: Reply): void {
    const worker = this.#inflight.get(id)?.worker;
    if (!this.#inflight.delete(id) || this.#closed) return;
    const known = this.#cfg.known;
    const skip = known ? this.#skips(chunk) : undefined;
    if (skip) {
      const r = reply.results; // may be shorter than the chunk (a failure part-way)
      for (const k of skip) if (k < r.length) r[k] = known!.get(chunk.start + k);
    }
    if (reply.t === "done") {
      // The items the worker ran: known ones went as holes and took it no time.
      const ran = chunk.items.length - (skip?.length ?? 0);
      this.sizer.record(ran, reply.ms);
      if (this.#course && worker) this.#watchCourse(worker, ran, reply.ms);
      if (this.#cfg.grow) this.#watchLoad(this.#cfg.grow, ran);
      if (chunk.start < this.errorIndex) {
        this.#done.push({
          start: chunk.start,
          results: reply.results,
          ms: reply.ms,
          measure: reply.measure,
        });
      }
    } else {
      const index = reply.error.index ?? chunk.start;
      if (reply.results.length > 0 && chunk.start < index) {
        this.#done.push({ start: chunk.start, results: reply.results, ms: reply.ms });
      }
      const cause = fromWire(reply.error);
      if (reply.error.kind === "clone" && this.#mayReturn) {
        this.returned.push({ start: index, items: chunk.items.slice(index - chunk.start) });
      } else this.#fail(reply.error.kind === "load" ? cause : new TaskError(index, cause), index);
    }
    void this.#pump();
    this.#notify();
  }

  /**
   * Change course when the evidence is strong: once every worker of the run has replied (their
   * start-up is behind) and `COURSE_STRETCHES` stretches between replies are measured, the
   * workers' throughput (see `Throughput`: each worker from its first reply, its slowest stretch
   * left out) against the plain loop's measured rate: when that would finish the items not yet
   * pulled in under `COURSE_MARGIN` of the workers' time (and at least `COURSE_MIN_GAIN_MS`
   * sooner), no further chunk is sent.
   */
  #watchCourse(worker: PoolWorker, items: number, workerMs: number): void {
    const c = this.#course!;
    if (this.#returning || this.error) return;
    c.done += items;
    c.throughput.reply(worker, items, performance.now(), workerMs);
    const left = this.#src.remaining ?? 0;
    const workers = Math.min(this.#count, this.#workers.maxWorkers);
    if (
      c.throughput.workers < workers || c.throughput.measured < COURSE_STRETCHES ||
      left === 0 || this.#retry.length > 0
    ) return;
    const workerRate = c.throughput.itemsPerMs();
    const inlineRate = 1 / this.#cfg.inlinePerItemMs!;
    const onWorkers = left / workerRate, here = left / inlineRate;
    if (here < COURSE_MARGIN * onWorkers && onWorkers - here >= COURSE_MIN_GAIN_MS) {
      this.switched = {
        afterItems: c.done,
        workerItemsPerMs: workerRate,
        inlineItemsPerMs: inlineRate,
      };
    }
  }

  /**
   * Take more workers when the evidence is strong: at `GROW_READINGS` readings in a row (at chunk
   * replies, `GROW_EVERY_MS` apart at least, the wait doubling after each reading that saw no fall,
   * up to `GROW_MOST_MS`), other processes kept at least one core fewer busy than at the decision.
   * The run then takes the least number of cores the readings freed, within the caps and as many
   * as the items not yet pulled keep busy `GROW_REST_MS` each at the workers' pace so far; the pool
   * starts them as chunks go out. The load so taken up is the new reference.
   */
  #watchLoad(g: Grow, items: number): void {
    const r = this.#loads;
    r.items += items;
    const most = Math.min(g.workers, this.#workers.maxWorkers);
    if (this.#returning || this.error || this.#count >= most) return;
    const now = performance.now();
    if (now < r.due) return;
    const freed = Math.floor(r.load - (this.#readLoad(g) ?? r.load));
    if (freed < 1) {
      r.seen = 0;
      r.freed = Infinity;
      r.waitMs = Math.min(GROW_MOST_MS, 2 * r.waitMs || GROW_EVERY_MS);
      r.due = now + r.waitMs;
      return;
    }
    r.seen++;
    r.freed = Math.min(r.freed, freed);
    r.waitMs = GROW_EVERY_MS;
    r.due = now + r.waitMs;
    if (r.seen < GROW_READINGS) return;
    const per = this.sizer.perItemMs, left = this.#src.remaining ?? 0;
    const busy = per === undefined ? 0 : Math.floor((left * per) / GROW_REST_MS);
    const to = Math.min(most, this.#count + r.freed, this.#count + left, busy);
    if (to <= this.#count) return;
    this.grown = { afterItems: r.items, from: this.grown?.from ?? this.#count, to };
    this.#maxBuffered *= to / this.#count;
    r.load -= to - this.#count;
    r.seen = 0;
    r.freed = Infinity;
    this.#count = to;
    this.sizer.setWorkers(to);
  }

  /** Other processes' load now (see `Grow.readLoad`); this run's workers are its own threads. */
  #readLoad(g: Grow): number | undefined {
    if (g.readLoad) return g.readLoad();
    const mine = new Set([...this.#inflight.values()].map((x) => x.worker));
    return externalLoadNow(this.#workers.busyTids(mine));
  }

  /**
   * The buffers of a chunk's items to move with it: over an array, only those that no item outside
   * the chunk holds too (views of one buffer split over two chunks: moving it with the first left
   * the second's view detached, and a TaskError blamed the caller); those are copied instead.
   */
  #transferable(items: unknown[]): Transferable[] {
    const found = findTransferables(items) as ArrayBuffer[];
    if (found.length === 0 || !this.#src.indexable || this.#src.total === undefined) return found;
    if (!this.#holders) {
      const holders = this.#holders = new Map<ArrayBuffer, number>();
      for (let i = 0; i < this.#src.total; i++) {
        for (const b of findTransferables([this.#src.at(i)]) as ArrayBuffer[]) {
          holders.set(b, (holders.get(b) ?? 0) + 1);
        }
      }
    }
    const here = new Map<ArrayBuffer, number>();
    for (const x of items) {
      for (const b of findTransferables([x]) as ArrayBuffer[]) here.set(b, (here.get(b) ?? 0) + 1);
    }
    return found.filter((b) => (this.#holders!.get(b) ?? 0) <= (here.get(b) ?? 0));
  }

  #lost(id: number, chunk: Chunk, failure: WorkerFailure, blamed: boolean): void {
    const worker = this.#inflight.get(id)?.worker;
    if (!this.#inflight.delete(id) || this.#closed) return;
    if (worker) this.#course?.throughput.forget(worker);
    // Transferred inputs went with the worker: such a chunk cannot be sent again.
    const moved = this.#cfg.transfer && findTransferables(chunk.items).some(isDetached);
    if (moved || (blamed && ++chunk.attempts >= 2)) {
      let why = failure.kind === "exit"
        ? failure.code === null ? "terminated" : `exit code ${failure.code}`
        : `error: ${failure.error.message}`;
      const share = worker?.heapShareMb;
      if (share !== undefined && failure.kind === "error" && /memory/i.test(why)) {
        why += `; its heap was limited to at most ${share} MiB, its share of the room left ` +
          "under the cgroup's memory limit (a worker over it would get the process killed): " +
          "fewer workers, or createPool({ workerHeapMb }), give each more";
      }
      const end = chunk.start + chunk.items.length;
      this.#fail(new WorkerCrashError(chunk.start, end, why, !moved), chunk.start);
    } else {
      this.#retry.unshift(chunk);
    }
    void this.#pump();
    this.#notify();
  }

  #fail(error: Error, index: number): void {
    const at = index < 0 ? -1 : index;
    if (this.error && at >= this.errorIndex) return;
    this.error = error;
    this.errorIndex = at < 0 ? -1 : at;
    if (at < 0) this.#done = [];
    else this.#done = this.#done.filter((c) => c.start < at);
    this.#notify();
  }

  /** Terminate the workers running this run's chunks (the pool replaces them on demand). */
  #stopBusy(): void {
    const busy = new Set([...this.#inflight.values()].map((x) => x.worker));
    this.#inflight.clear();
    for (const w of busy) void w.kill();
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  #cleanup(): void {
    this.#closed = true;
    // Chunks still running were abandoned (a consumer that stopped early, chunks after a failing
    // item): their workers are stopped, so the next call does not queue behind them.
    this.#stopBusy();
    this.#unsubscribe();
    this.#retry = [];
    this.#done = [];
    this.#unwatch?.();
    // After a change of course the caller runs the rest of the source (and closes it).
    if (!this.#returning || this.error) void this.#src.close();
  }
}

/** The throughput watch of a run that may change course (see `Run.#watchCourse`). */
interface Course {
  throughput: Throughput;
  /** Items completed by the run's chunks in all. */
  done: number;
}

/** Least time between two load readings (ms): a moment's idle core is not evidence. */
const GROW_EVERY_MS = 20;
/** Most time between two load readings (ms): each costs this thread a few hundred µs. */
const GROW_MOST_MS = 320;
/** Readings in a row that must each see the load fallen before the run grows. */
const GROW_READINGS = 2;
/** Least work the items left must give each worker of a grown run, at the pace so far (ms). */
const GROW_REST_MS = 50;

/** Stretches between replies measured (each worker's slowest left out) before it is evidence. */
const COURSE_STRETCHES = 4;
/** The calling thread must be predicted to need less than this share of the workers' time. */
const COURSE_MARGIN = 0.75;
/** …and to finish at least this much sooner (ms): no change of course for a trifle. */
const COURSE_MIN_GAIN_MS = 2;

/**
 * The chunk's items for structured clone: a copy built by push, so that it is a "packed" array
 * (a slice of a holey array — `Array(n).fill(x)` — stays holey, and V8's structured clone copies
 * holey arrays element by element, ~10× slower on Node), with known positions left out. The same
 * pass checks each item's own prototype: returns the position of the first class instance (which
 * structured clone would turn into a plain object without its methods) instead of a copy, and
 * notes where the Buffers are (a Buffer again on arrival).
 */
function cloneable(
  items: unknown[],
  skip: number[] | undefined,
): { items: unknown[]; buffers?: BufferPath[] } | number {
  const out: unknown[] = [];
  let buffers: BufferPath[] | undefined;
  let s = 0;
  for (let k = 0; k < items.length; k++) {
    const x = items[k];
    if (skip && skip[s] === k) {
      s++;
      out.push(undefined);
      continue;
    }
    if (typeof x === "object" && x !== null) {
      const proto = Object.getPrototypeOf(x);
      if (proto !== Object.prototype && proto !== Array.prototype) {
        if (isBuffer(x)) (buffers ??= []).push([k]);
        else if (uncloneable(x, 1)) return k;
      }
    }
    out.push(x);
  }
  return buffers ? { items: out, buffers } : { items: out };
}

/** A chunk's items as they travel (see `encodeValues`); `buffers` as in `RunMessage`. */
interface Encoded {
  wire: Wire;
  transfer: Transferable[];
  buffers?: BufferPath[];
}

function cloneError(index: number, why: string): TaskError {
  return new TaskError(index, unsendableItem(index, why));
}
