// One worker of the pool: its handle, the chunks in flight on it (run in FIFO order by the
// worker), the timer of the chunk it is running, and the watch for a silent stop.
import type { WorkerFailure, WorkerHandle } from "../runtime/mod.ts";
import { threadNow } from "../system/mod.ts";
import { setImmediate } from "node:timers";
import { decodeValues } from "./encoding.ts";
import type { FromWorker, Reply, ToWorker, WireError } from "./_protocol.ts";
import { recordSend } from "./_send_costs.ts";
import { asBuffers, isCloneable } from "./_cloneable.ts";

/** A chunk in flight: the owner is told how it ended. */
export interface InFlight {
  id: number;
  message: Extract<ToWorker, { t: "run" }>;
  transfer: Transferable[];
  timeoutMs?: number;
  /**
   * Whether the worker loads the task first (the chunk carries its spec): the load gets
   * `timeoutMs` of its own, then the chunk's items get theirs (see `onTimeout`).
   */
  loading?: boolean;
  /**
   * The run that sent it (see `Run`): a chunk whose inputs were moved (`message.transfer`) shares
   * its worker with no other run's chunk, whose abort or timeout would terminate the worker.
   */
  owner?: object;
  onReply(reply: Reply): void;
  onLost(failure: WorkerFailure, blamed: boolean): void;
  /** The time limit passed: while the task was still loading (`loading`), or its items ran. */
  onTimeout(loading: boolean): void;
}

/** What a pool worker tells its pool. */
export interface WorkerEvents {
  /** A chunk finished: the worker has room for another. */
  onFree(): void;
  /** The worker has no chunk left. */
  onIdle(w: PoolWorker): void;
  /** The worker died or was killed. */
  onDeath(w: PoolWorker): void;
}

/** The messages a worker counts as it posts them (see `PoolWorker.#armTimer`). */
const ANSWERS: ReadonlySet<string> = new Set(["loaded", "done", "fail", "unread"]);

/**
 * How often a worker with chunks in flight is asked whether a call of its was cut off (ms; see
 * `PoolWorker.watchStops`).
 */
const STOP_CHECK_MS = 1000;
/** CPU time of a worker's thread over `STOP_CHECK_MS` under which it did not run (ms). */
const STOP_IDLE_CPU_MS = 5;

export class PoolWorker {
  readonly handle: WorkerHandle;
  readonly ready: Promise<void>;
  readonly startedAt: number;
  readyAt?: number;
  /**
   * The most its heap may hold, as its share of the room under a cgroup memory limit (MiB; see
   * `heapShareMb`), where that bounded it when it started.
   */
  heapShareMb?: number;
  /** The worker's thread id, as it reported it when ready (where the OS tells). */
  tid?: string;
  inflight: InFlight[] = [];
  /** Keys of the tasks whose spec this worker has received (later chunks send the key only). */
  readonly specs: Set<string> = new Set();
  dead = false;
  /**
   * Whether the worker's calls may be cut off without a word (a Deno worker out of memory at its
   * heap limit: the runtime ends the call, and neither an error nor a reply for the chunk comes,
   * which was waited for forever). Then, while it has chunks in flight, it is pinged every
   * `STOP_CHECK_MS` (never two unanswered). Either answer tells the cut: a pong that names a chunk
   * as still in a call (`pong.cut`: a message runs there only between calls), or no pong at the
   * next look while the worker's thread did not run in between and sleeps in its event loop's wait
   * (`threadNow`; some cut workers answer nothing), where a live worker answers at once. The worker
   * then fails as a crash: its chunks are retried once elsewhere, as for any crash. A call blocked
   * in a synchronous wait (`Atomics.wait`, a child process) sleeps elsewhere; one that computes
   * runs; one that awaits I/O answers.
   */
  watchStops = false;
  #timer?: ReturnType<typeof setTimeout>;
  /** The worker's answers to chunks, counted there as it posts them (shared memory; see `#armTimer`). */
  #replies = new Int32Array(new SharedArrayBuffer(4));
  /** Those answers that reached this thread (read or not), counted as the worker counts (32 bits). */
  #repliesHere = 0;
  #stopTimer?: ReturnType<typeof setInterval>;
  /** The ping sent, unanswered yet. */
  #ping?: number;
  /** The worker thread's CPU time when the unanswered ping was sent (ms; where the OS tells). */
  #pingCpuMs?: number;
  #pings = 0;
  #rejectReady?: (e: Error) => void;
  #events: WorkerEvents;

  constructor(handle: WorkerHandle, now: () => number, events: WorkerEvents) {
    this.handle = handle;
    this.startedAt = now();
    this.#events = events;
    let resolveReady!: () => void;
    this.ready = new Promise((r, reject) => {
      resolveReady = r;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {}); // observed by whoever awaits it
    handle.postMessage({ t: "replies", count: this.#replies } satisfies ToWorker);
    handle.onMessage((data) => {
      // A task may post messages of its own to this thread (`parentPort.postMessage(null)`): a
      // value that is no object is none of the pool's (reading `.t` of null threw here, outside
      // any call, and ended the process).
      if (typeof data !== "object" || data === null) return;
      const msg = data as FromWorker;
      if (msg.t === "ready") {
        this.readyAt = now();
        this.tid = msg.tid;
        resolveReady();
        this.#watch();
        return this.#armTimer(); // a chunk's time limit counts from the worker being ready
      }
      if (msg.t === "pong") {
        if (msg.id !== this.#ping) return;
        this.#ping = undefined;
        if (msg.cut !== undefined && this.inflight.some((c) => c.id === msg.cut)) this.#cut();
        return;
      }
      if (ANSWERS.has(msg.t)) this.#repliesHere = (this.#repliesHere + 1) | 0; // (see `#armTimer`)
      if (msg.t === "loaded") {
        const head = this.inflight[0];
        if (head?.id === msg.id && head.loading) {
          head.loading = false;
          this.#armTimer(); // the items' time limit counts from here
        }
        return;
      }
      if (msg.t === "unread") return this.#unread(unreadItems(this.inflight[0], msg.error));
      if (msg.t !== "done" && msg.t !== "fail") return;
      const head = this.inflight[0];
      if (!head || head.id !== msg.id) return; // a stale reply of an abandoned chunk
      this.inflight.shift();
      this.#armTimer();
      if (msg.t === "done" && msg.sent) recordSend(head.message.key, msg.sent);
      // Decoded here, on receipt: every owner (the scheduler, sampling) gets plain arrays.
      const reply = msg as unknown as Reply;
      reply.results = decodeValues(msg.results);
      asBuffers(reply.results, msg.buffers);
      head.onReply(reply);
      if (this.inflight.length === 0) this.#idle();
      this.#events.onFree();
    });
    handle.onFailure((failure) => this.#die(failure));
    // A reply this thread could not read: the oldest chunk's (replies come in order).
    handle.onMessageError((e) => {
      this.#repliesHere = (this.#repliesHere + 1) | 0; // (a reply: results may not be readable)
      this.#unread(unreadResults(this.inflight[0], e));
    });
  }

  /**
   * The message of the oldest chunk in flight, or its reply, could not be read on the other side
   * (see `WorkerHandle.onMessageError`): the chunk fails with `error` (taken for a crash, it ran
   * again, to the same end, and reported "died twice"; a chunk the worker could not read was
   * never answered and the call waited forever). Then the worker is replaced, its other chunks
   * lost to it and run elsewhere: on Deno, a worker that had met both kinds of message stopped
   * answering in 4 of 6 runs (no reply, no pong) and the next run on it waited forever.
   */
  #unread(error: WireError | undefined): void {
    const head = this.inflight[0];
    if (!head || !error) return;
    this.inflight.shift();
    head.onReply({ t: "fail", id: head.id, results: [], error, ms: 0 });
    void this.kill();
  }

  /**
   * Send a chunk; throws what `postMessage` throws (a value structured clone refuses), and the
   * chunk is then not the worker's: a chunk left in `inflight` would hold the queue, every later
   * reply taken for a stale one.
   */
  send(chunk: InFlight): void {
    this.inflight.push(chunk);
    if (this.inflight.length === 1) {
      this.handle.ref();
      this.#armTimer();
      this.#watch();
    }
    try {
      this.handle.postMessage(chunk.message, chunk.transfer);
    } catch (e) {
      this.inflight = this.inflight.filter((x) => x !== chunk);
      this.#armTimer();
      if (this.inflight.length === 0) this.#idle();
      throw e;
    }
  }

  /** Terminate; the chunks in flight are reported lost (none blamed). */
  kill(): Promise<void> {
    if (this.dead) return Promise.resolve();
    this.#rejectReady?.(new Error("The worker was terminated before it was ready"));
    const lost = this.#detach();
    for (const c of lost) c.onLost({ kind: "exit", code: null }, false);
    return this.handle.terminate();
  }

  #die(failure: WorkerFailure): void {
    if (this.dead) return;
    const why = failure.kind === "exit" ? `exit code ${failure.code}` : failure.error.message;
    this.#rejectReady?.(new Error(`A pool worker failed to start: ${why}`));
    const lost = this.#detach();
    void this.handle.terminate();
    lost.forEach((c, i) => c.onLost(failure, i === 0)); // the head chunk was the one running
  }

  #detach(): InFlight[] {
    this.dead = true;
    clearTimeout(this.#timer);
    this.#unwatch();
    const lost = this.inflight;
    this.inflight = [];
    this.#events.onDeath(this);
    return lost;
  }

  /** No chunk is left: the watch ends, and the pool hears of it. */
  #idle(): void {
    this.#unwatch();
    this.#events.onIdle(this);
  }

  /** Start pinging, where `watchStops` and chunks are in flight (see there). */
  #watch(): void {
    if (!this.watchStops || this.#stopTimer || this.dead || this.readyAt === undefined) return;
    if (this.inflight.length === 0) return;
    this.#ping = undefined;
    this.#stopTimer = setInterval(() => this.#sendPing(), STOP_CHECK_MS);
  }

  #unwatch(): void {
    clearInterval(this.#stopTimer);
    this.#stopTimer = undefined;
  }

  #sendPing(): void {
    if (this.dead || this.inflight.length === 0) return this.#unwatch();
    const t = this.tid === undefined ? undefined : threadNow(this.tid);
    if (this.#ping !== undefined) {
      // Unanswered since the last look: a long call, unless the thread idled in its loop meanwhile.
      const idle = t?.inEventLoop === true && this.#pingCpuMs !== undefined &&
        t.cpuMs - this.#pingCpuMs < STOP_IDLE_CPU_MS;
      // The verdict waits for the messages already here (after a turn of the event loop): a pong
      // queued while this thread was held in the same phase as the timer is not a silence.
      const ping = this.#ping;
      if (idle) return void setImmediate(() => this.#ping === ping && !this.dead && this.#cut());
      this.#pingCpuMs = t?.cpuMs;
      return;
    }
    const ping: ToWorker = { t: "ping", id: this.#ping = ++this.#pings };
    this.#pingCpuMs = t?.cpuMs;
    this.handle.postMessage(ping);
  }

  /** A call of the worker was cut off (see `watchStops`): it fails as a crash. */
  #cut(): void {
    this.#die({
      kind: "error",
      error: new Error(
        "the runtime cut off a call in the worker without a word, as Deno does to a worker out " +
          "of memory at its heap limit (createPool({ workerHeapMb }) sets the limit)",
      ),
    });
  }

  /**
   * Time the head chunk (or its load) from now. A limit that runs out once the worker answered
   * (its count of answers — `loaded`, `done`, `fail`, `unread` — is past those that reached this
   * thread) is no timeout: the answer waits in this thread's queue, behind the timer, while this
   * thread was held. Chunks of a trivial task under `timeoutMs: 2` failed so on Deno ("Chunk of
   * items 28..41 exceeded the timeout of 2 ms", and the optimizer's sampled "Item 0"). The limit is
   * then given once more (the answer is read first), and runs out as before where no answer came.
   * Messages of the task's own (`parentPort.postMessage`) that look like answers are counted here
   * only: this thread's count then runs ahead, and limits run out as they did without the count.
   */
  #armTimer(): void {
    clearTimeout(this.#timer);
    const head = this.inflight[0];
    if (!head?.timeoutMs || this.readyAt === undefined) return;
    let answered = false;
    const expire = () => {
      if (this.inflight[0] !== head || this.dead) return;
      if (!answered && ((Atomics.load(this.#replies, 0) - this.#repliesHere) | 0) > 0) {
        answered = true;
        this.#timer = setTimeout(expire, head.timeoutMs);
        return;
      }
      head.onTimeout(head.loading === true);
    };
    this.#timer = setTimeout(expire, head.timeoutMs);
  }
}

/**
 * Why the worker could not read `chunk`'s message: the first item that structured clone cannot
 * copy on this thread either, named as an item that cannot be sent; else the chunk's items.
 */
function unreadItems(chunk: InFlight | undefined, why: string): WireError | undefined {
  if (!chunk) return undefined;
  const { items, start, skip } = chunk.message;
  const skipped = new Set(skip);
  const k = Array.isArray(items)
    ? items.findIndex((x, i) => !skipped.has(i) && !isCloneable(x))
    : -1;
  const which = k >= 0 ? `Item ${start + k}` : `The items of the chunk from item ${start}`;
  return {
    name: "DataCloneError",
    message: `${which} cannot be sent to a worker: the worker could not read ${
      k >= 0 ? "it" : "them"
    } (${why}; a value nested too deep for this runtime?)`,
    index: start + Math.max(k, 0),
    kind: "clone",
  };
}

/** Why the reply to `chunk` could not be read on this thread. */
function unreadResults(chunk: InFlight | undefined, e: Error): WireError | undefined {
  if (!chunk) return undefined;
  const { start, items } = chunk.message;
  // The reply holds the chunk's results together: which of them could not be read is not known.
  const which = !Array.isArray(items)
    ? `the chunk from item ${start}`
    : items.length === 1
    ? `item ${start}`
    : `items ${start}..${start + items.length - 1}`;
  return {
    name: "DataCloneError",
    message: `The results of ${which} cannot be received from the worker: ` +
      `this thread could not read them (${e.name}: ${e.message}; a value nested too deep for ` +
      `this runtime?)`,
    index: start,
    kind: "clone",
  };
}
