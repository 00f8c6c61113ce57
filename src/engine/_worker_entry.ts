// The module every pool worker runs. Never imported by the main entry: the pool starts it by URL.
import { runtime, workerPort } from "../runtime/mod.ts";
import {
  describeThrown,
  explainInlineError,
  isThenable,
  loadTask,
  type TaskSpec,
} from "../task/mod.ts";
import { busyThreads, threadCpuMs, threadId, threadName, threadSched } from "../system/mod.ts";
import {
  asBuffers,
  type BufferPath,
  bufferPaths,
  findTransferables,
  inspect,
  isBuffer,
  isDetached,
  locateUncloneable,
} from "./_cloneable.ts";
import {
  decodeValues,
  encodeValues,
  type Encoding,
  encodingByShape,
  longNumericArrays,
  type Wire,
} from "./encoding.ts";
import { markPoolWorker, whileLoading } from "./_in_worker.ts";
import {
  type FromWorker,
  type ItemMeasure,
  type SendTiming,
  toWire,
  type ToWorker,
} from "./_protocol.ts";

type Fn = (item: unknown) => unknown;
// In measure mode the first items are timed one by one (for the spread); the rest of the chunk
// runs without per-item timer calls, which would cost more than a very fast task itself.
const TIMED_ITEMS = 32;
markPoolWorker(); // before any task module loads: see _in_worker.ts
const port = workerPort();
const rt = runtime();
const loaded = new Map<string, Promise<Fn>>();
/** Tasks loaded already, by key: a chunk of one of them starts without waiting for a Promise. */
const ready = new Map<string, Fn>();
/** Specs by key: the pool sends a task's spec with the first chunk a worker gets of it. */
const specs = new Map<string, TaskSpec>();
/** The last chunk that had to wait (a task loading, a Promise result) while it is unfinished. */
let tail: Promise<void> | undefined;

/** The pool's count of this worker's answers to chunks (see `ToWorker`'s `replies`). */
let replies: Int32Array | undefined;
const post = (m: FromWorker, transfer?: Transferable[]) => {
  port.postMessage(m, transfer);
  // Counted once posted: a post that throws (a buffer that cannot move, then sent again) is none.
  if (replies && m.t !== "ready" && m.t !== "pong") Atomics.add(replies, 0, 1); // its answers
};

// Chunks run one after another, in the order they came. A chunk of a loaded, synchronous task
// runs in one microtask, without a Promise chain (with one-item chunks the Promise hops cost
// more than the item); a chunk that must wait makes the later ones queue behind it. Not inside
// the message event itself: on Deno 2.9 (node:worker_threads) that made chunked runs of a ~1 µs
// task 2× slower (measured).
port.onMessage((data) => {
  const msg = data as ToWorker;
  // A message runs only between calls: a chunk still in one was cut off (see `calling`).
  if (msg.t === "ping") return post({ t: "pong", id: msg.id, cut: cutOff ?? calling });
  if (msg.t === "replies") return void (replies = msg.count);
  queueMicrotask(() => {
    if (tail) return void (tail = track(tail.then(() => run(msg))));
    const p = run(msg);
    if (p) tail = track(p);
  });
});
// A chunk that could not be read here (see `FromWorker`): the pool is told in its turn, after
// the chunks before it, so that it fails that chunk (it waited for a reply that never came).
port.onMessageError((e) => {
  const notice = () => post({ t: "unread", error: `${e.name}: ${e.message}` });
  queueMicrotask(() => {
    if (tail) tail = track(tail.then(notice));
    else notice();
  });
});
post({ t: "ready", tid: threadId() });

/**
 * The chunk whose call of the task runs now (set around each stretch of synchronous calls, cleared
 * when it returns or throws). A runtime that cuts a call off (Deno, at a worker's heap limit)
 * leaves it set, and the pool's next ping names it (see `PoolWorker.watchStops`).
 */
let calling: number | undefined;
/**
 * The first chunk found cut off: one still marked `calling` when another stretch of calls began
 * (calls never nest, so only a cut leaves the mark), before a ping could see it.
 */
let cutOff: number | undefined;

/** A stretch of synchronous calls of chunk `id` begins (see `calling`). */
function enter(id: number): void {
  if (calling !== undefined) cutOff ??= calling;
  calling = id;
}

/** `p`, forgotten as the tail once it settles (unless later chunks queued behind it). */
function track(p: Promise<void>): Promise<void> {
  const t: Promise<void> = p.then(() => {
    if (tail === t) tail = undefined;
  });
  return t;
}

function load(spec: TaskSpec): Promise<Fn> {
  let p = loaded.get(spec.key);
  if (!p) {
    p = whileLoading(() => loadTask(spec));
    p.then((fn) => ready.set(spec.key, fn), () => loaded.delete(spec.key)); // retry a fixed module
    loaded.set(spec.key, p);
  }
  return p;
}

/** Run one chunk; returns a Promise only when it had to wait (load, measure mode, async task). */
function run(msg: Extract<ToWorker, { t: "run" }>): Promise<void> | undefined {
  if (msg.spec) specs.set(msg.key, msg.spec);
  const fn = ready.get(msg.key);
  // A chunk that carries the spec waits for its load (`runAsync`), or has it already.
  if (msg.spec && fn !== undefined) post({ t: "loaded", id: msg.id });
  if (fn === undefined || msg.measure) return runAsync(msg, fn);
  const t0 = rt.now();
  const items = itemsOf(msg);
  const results: unknown[] = [];
  const skip = msg.skip ? new Set(msg.skip) : undefined;
  let pending: PromiseLike<unknown> | undefined;
  enter(msg.id);
  try {
    pending = loopFor(msg.key)(fn, items, results, skip);
  } catch (e) {
    failed(msg, e, results);
    return;
  }
  calling = undefined;
  if (pending !== undefined) return finishAsync(msg, fn, items, results, skip, pending, t0);
  postResults({ t: "done", id: msg.id, results, ms: rt.now() - t0 }, msg);
}

/** Wait for a Promise result, then run the rest of the chunk. */
async function finishAsync(
  msg: Extract<ToWorker, { t: "run" }>,
  fn: Fn,
  items: unknown[],
  results: unknown[],
  skip: Set<number> | undefined,
  first: PromiseLike<unknown>,
  t0: number,
): Promise<void> {
  try {
    const loop = loopFor(msg.key);
    let pending: PromiseLike<unknown> | undefined = first;
    while (pending !== undefined) {
      results.push(await pending);
      enter(msg.id);
      pending = loop(fn, items, results, skip);
      calling = undefined;
    }
  } catch (e) {
    return failed(msg, e, results);
  }
  postResults({ t: "done", id: msg.id, results, ms: rt.now() - t0 }, msg);
}

/** The chunk failed at item `results.length`: the results before it still go back. */
function failed(msg: Extract<ToWorker, { t: "run" }>, e: unknown, results: unknown[]): void {
  calling = undefined;
  const error = explainInlineError(specs.get(msg.key)!, e) ?? e;
  const i = results.length; // the failing item: one result per item before it
  const wire = toWire(error, "task", msg.start + i);
  const reply = {
    t: "fail" as const,
    id: msg.id,
    results: results.slice(0, i),
    error: wire,
    ms: 0,
  };
  postResults(reply, msg, "clone");
}

/**
 * The chunk's items as an array built by push, whatever the encoding: a loop that saw typed
 * arrays, cloned arrays and pushed arrays in turn (their V8 element kinds differ) was left
 * running a task 2–5× slower (measured on Deno 2.9, after a run with one-item chunks).
 */
function itemsOf(msg: Extract<ToWorker, { t: "run" }>): unknown[] {
  const items = Array.isArray(msg.items) ? copy(msg.items, msg.skip) : decodeValues(msg.items);
  asBuffers(items, msg.buffers);
  return items;
}

/** A chunk that waits: the task's first load, measure mode (sampling). */
async function runAsync(msg: Extract<ToWorker, { t: "run" }>, fn: Fn | undefined): Promise<void> {
  const spec = specs.get(msg.key);
  if (fn === undefined) {
    try {
      if (!spec) throw new Error(`The pool sent task ${msg.key} without its spec`);
      fn = await load(spec);
    } catch (e) {
      return post({ t: "fail", id: msg.id, results: [], error: toWire(e, "load"), ms: 0 });
    }
    post({ t: "loaded", id: msg.id });
  }
  const t0 = rt.now(); // compute time only: the first chunk's module import is not counted
  const items = itemsOf(msg);
  // Built in order (push): a pre-sized array stays "holey", which structured clone copies slowly.
  const results: unknown[] = [];
  const m: ItemMeasure | undefined = msg.measure
    ? {
      wallMs: [],
      cpuUs: null,
      async: false,
      computeMs: 0,
      untimedMs: 0,
      untimedItems: 0,
    }
    : undefined;
  let cpu0: number | undefined, compute0 = 0;
  let threads0: Map<string, number> | undefined;
  let sched0: { runMs: number; waitMs: number } | undefined;
  const skip = msg.skip ? new Set(msg.skip) : undefined;
  // Measure mode: the warm-up items first, outside the measure.
  const warm = m ? Math.min(msg.warm ?? 0, items.length) : 0;
  try {
    for (let i = 0; i < warm; i++) {
      enter(msg.id);
      let r = skip?.has(i) ? undefined : fn(items[i]);
      calling = undefined;
      if (isThenable(r)) {
        m!.async = true;
        r = await r;
      }
      results.push(r);
    }
  } catch (e) {
    return failed(msg, e, results);
  }
  if (m && warm > 0) m.warmMs = rt.now() - t0;
  if (m) {
    m.heapBefore = rt.memory().heapUsedBytes;
    threads0 = threadCpuMs();
    sched0 = threadSched();
    cpu0 = rt.cpuTimeUs();
    compute0 = rt.now();
  }
  try {
    // Measure mode: the first items after the warm-up are timed one by one.
    for (let i = warm; m && i < Math.min(warm + TIMED_ITEMS, items.length); i++) {
      if (skip?.has(i)) {
        results.push(undefined); // known already: the main thread fills it in
        continue;
      }
      const w = rt.now();
      enter(msg.id);
      let r = fn(items[i]);
      calling = undefined;
      if (isThenable(r)) {
        m.async = true;
        r = await r;
      }
      m.wallMs.push(rt.now() - w);
      results.push(r);
    }
    if (m) m.untimedMs = rt.now(); // start of the untimed stretch
    // The rest in a sync loop, left only to await a Promise result.
    let pending: PromiseLike<unknown> | undefined;
    const loop = loopFor(msg.key);
    enter(msg.id);
    while ((pending = loop(fn, items, results, skip)) !== undefined) {
      calling = undefined;
      results.push(await pending);
      enter(msg.id);
    }
    calling = undefined;
  } catch (e) {
    return failed(msg, e, results);
  }
  if (m) {
    const end = rt.now();
    m.computeMs = end - compute0;
    // The untimed stretch (after the first TIMED_ITEMS): its duration, or none (0, not the
    // start time left in it: a round of few items then reported the worker's age as its time).
    if (items.length > warm + TIMED_ITEMS) {
      m.untimedMs = end - m.untimedMs;
      m.untimedItems = items.length - warm - TIMED_ITEMS;
    } else m.untimedMs = 0;
    const cpu1 = rt.cpuTimeUs();
    m.cpuUs = cpu0 === undefined || cpu1 === undefined ? null : cpu1 - cpu0;
    const sched1 = sched0 && threadSched();
    if (sched0 && sched1) {
      m.waitMs = Math.max(0, sched1.waitMs - sched0.waitMs);
      // This thread's own time on a CPU: what the task took of it. The process clock also counts
      // the calling thread and the runtime's helper threads (HTTP calls to a server in the same
      // process read 2.3× their wall time there, a CPU-bound task, and went to workers).
      m.cpuUs = 1000 * Math.max(0, sched1.runMs - sched0.runMs);
    }
    const threads1 = threads0 && threadCpuMs();
    if (threads0 && threads1 && msg.others) {
      // Other pool workers running items of the job meanwhile: not this chunk's threads or CPU.
      let othersMs = 0;
      for (const tid of msg.others) {
        othersMs += Math.max(0, (threads1.get(tid) ?? 0) - (threads0.get(tid) ?? 0));
        threads0.delete(tid);
        threads1.delete(tid);
      }
      if (m.cpuUs !== null && !sched1) m.cpuUs = Math.max(0, m.cpuUs - 1000 * othersMs);
    }
    if (threads0 && threads1) {
      m.busyThreads = busyThreads(threads0, threads1, m.computeMs, 0.5, threadName);
    }
    m.heapAfter = rt.memory().heapUsedBytes;
  }
  const reply = { t: "done" as const, id: msg.id, results, ms: rt.now() - t0 };
  postResults(m ? { ...reply, measure: m } : reply, msg);
}

/** Measured encodings of long numeric-array results, by task key (measured once per worker). */
const measuredResults = new Map<string, Encoding>();

/**
 * The results' encoding for this reply: packed or JSON where asked and they fit, else clone.
 * Automatic: packed for numbers and numeric tuples; for longer arrays of numbers, the encoding
 * measured cheapest on the first such results of the task (see `longNumericArrays`).
 */
function encodeResults(
  results: unknown[],
  key: string,
  skip: number[] | undefined,
  enc: Encoding | "auto",
): { wire: Wire; transfer: Transferable[] } | undefined {
  let want = enc === "auto" ? encodingByShape(results) : enc;
  if (enc === "auto" && want === "clone" && longNumericArrays(results)) {
    want = measuredResults.get(key) ?? measureResults(results, key);
  }
  return want === "clone" ? undefined : encodeValues(results, want, skip);
}

/**
 * Packed or clone, whichever round trip of the first result is faster here (best of 4 each;
 * a few ms, once per task and worker). Packing checks every array for extra properties, which
 * costs more than a clone on some runtimes (Bun 1.4: 5× a clone of 12,800 numbers).
 */
function measureResults(results: unknown[], key: string): Encoding {
  const sample = results.slice(0, 1);
  const time = (f: () => unknown) => {
    let best = Infinity;
    for (let r = 0; r < 4; r++) {
      const t0 = rt.now();
      f();
      best = Math.min(best, rt.now() - t0);
    }
    return best;
  };
  const packed = encodeValues(sample, "packed") === undefined ? Infinity : time(() => {
    const e = encodeValues(sample, "packed")!;
    return decodeValues(structuredClone(e.wire, { transfer: e.transfer as ArrayBuffer[] }));
  });
  const best = packed < time(() => structuredClone(sample)) ? "packed" : "clone";
  measuredResults.set(key, best);
  return best;
}

/**
 * A copy built by push (a structured clone's array has another V8 element kind). Skipped
 * positions (results known, sent as `undefined`) get another item of the chunk instead, which
 * keeps the kind of the items' own (they are never run).
 */
function copy(values: unknown[], skip: number[] | undefined): unknown[] {
  const out: unknown[] = [];
  if (!skip) {
    for (let i = 0; i < values.length; i++) out.push(values[i]);
    return out;
  }
  let filler: unknown;
  for (let i = 0, s = 0; i < values.length; i++) {
    if (s < skip.length && skip[s] === i) s++;
    else {
      filler = values[i];
      break;
    }
  }
  for (let i = 0, s = 0; i < values.length; i++) {
    if (s < skip.length && skip[s] === i) {
      s++;
      out.push(filler);
    } else out.push(values[i]);
  }
  return out;
}

/**
 * Run the items after the last result (`results.length`) until the end or a Promise result, which
 * it returns; a throw leaves `results.length` at the failing item. Deliberately without a
 * try/finally or an `await` around the loop: V8 (Deno 2.9) does not optimise a hot loop inside a
 * try block or an async function the same way, measured 5× slower for a 0.5 µs task.
 */
function runSync(
  fn: Fn,
  items: unknown[],
  results: unknown[],
  skip: Set<number> | undefined,
): PromiseLike<unknown> | undefined {
  const n = items.length;
  for (let i = results.length; i < n; i++) {
    if (skip !== undefined && skip.has(i)) {
      results.push(undefined); // known already: the main thread fills it in
      continue;
    }
    // Through `Function.prototype.call`: Deno's Maglev tier inlined a direct call, and a task with
    // a hot loop of its own ran at 0.73× a plain loop's pace from a worker's third round on (200
    // items of 1 ms in chunks of 4: 201 ms a round, then 266–274; the plain loop 196–202). Named
    // in full, not by a binding of this module: the loop is compiled again from its source.
    const r = Function.prototype.call.call(fn, undefined, items[i]);
    if (isThenable(r)) return r;
    results.push(r);
  }
  return undefined;
}

type Loop = typeof runSync;
const loops = new Map<string, Loop>();

/**
 * A copy of {@linkcode runSync} of the task's own (compiled from its source once per task): its
 * call of the task then only ever sees that one task, so V8 can inline the task into the loop as
 * it does in a plain loop. One shared copy, called with many tasks, or with one item at a time,
 * left a task with a hot inner loop running 2–5× slower (measured on Deno 2.9 after a run with
 * chunks of 1 item).
 */
function loopFor(key: string): Loop {
  let loop = loops.get(key);
  if (!loop) {
    try {
      loop = new Function("isThenable", `return ${runSync.toString()}`)(isThenable) as Loop;
    } catch {
      loop = runSync; // where code cannot be compiled at run time, the shared copy
    }
    loops.set(key, loop);
  }
  return loop;
}

/**
 * Send a chunk's reply: results packed or as JSON where asked (`enc`, default the message's) and
 * they fit, else as they are.
 */
function postResults(
  reply: Extract<FromWorker, { results: unknown }> & { results: unknown[] },
  msg: Extract<ToWorker, { t: "run" }>,
  enc: Encoding | "auto" = msg.enc ?? "auto",
): void {
  if (reply.t !== "done") return sendResults(reply, msg, enc);
  // A done reply carries the send of the one before it (of the task, on this worker) and its own
  // send is timed for the next: the worker's side of the results' crossing, as the run pays it.
  const prev = lastSend.get(msg.key);
  if (prev) reply.sent = prev;
  const timed = measuredResults.has(msg.key);
  const t0 = rt.now();
  sendResults(reply, msg, enc);
  // Not a send that also timed the results' encodings (once per task: milliseconds).
  if (measuredResults.has(msg.key) === timed) {
    lastSend.set(msg.key, { ms: rt.now() - t0, values: reply.results.length });
  } else lastSend.delete(msg.key);
}

/** The send of this worker's last done reply, by task key (see `SendTiming`). */
const lastSend = new Map<string, SendTiming>();

/** See `postResults`. */
function sendResults(
  reply: Extract<FromWorker, { results: unknown }> & { results: unknown[] },
  msg: Extract<ToWorker, { t: "run" }>,
  enc: Encoding | "auto",
): void {
  const results = reply.results;
  const encoded = results.length > 0 ? encodeResults(results, msg.key, msg.skip, enc) : undefined;
  if (encoded) return post({ ...reply, results: encoded.wire }, encoded.transfer);
  // As clone: values that structured clone would damage (class instances lose their methods)
  // are reported here, in the worker, off the main thread. Primitives need no look. Buffers
  // (node:zlib's, node:crypto's results) arrive as plain Uint8Arrays: the pool makes Buffers of
  // them again.
  let buffers: BufferPath[] | undefined;
  for (let k = 0; k < results.length; k++) {
    const r = results[k];
    if (typeof r !== "object" && typeof r !== "function" && typeof r !== "symbol") continue;
    if (isBuffer(r)) {
      (buffers ??= []).push([k]);
      continue;
    }
    const found = inspect(r, 16);
    if (found.why) return cloneFailure(reply, msg.start + k, found.why, results.slice(0, k));
    for (const path of found.buffers ?? []) (buffers ??= []).push([k, ...path]);
  }
  if (buffers) reply = { ...reply, buffers };
  const moved = msg.transfer ? findTransferables(results) : [];
  try {
    post(reply, moved);
  } catch (e) {
    // A buffer that cannot move (WebAssembly memory, Deno's node:buffer pool): copied instead,
    // as Node does (Deno and Bun refused the message).
    if (moved.length > 0 && !moved.some(isDetached)) {
      try {
        return post(reply);
      } catch {
        // not cloneable either: named below
      }
    }
    const k = results.findIndex((r) => {
      try {
        structuredClone(r);
        return false;
      } catch {
        return true;
      }
    });
    // The clone's own message names neither the value nor where it is (a function's source on
    // Deno and Node, "The object can not be cloned." on Bun): looked for through the result.
    const why = (k >= 0 ? locateUncloneable(results[k]) : undefined) ??
      `not cloneable (${describeThrown(e)})`;
    const at = Math.max(0, k);
    cloneFailure(reply, msg.start + at, why, results.slice(0, at));
  }
}

/** Fail the chunk at `index`; the results before it still go back (in order, nothing lost). */
function cloneFailure(msg: { id: number }, index: number, why: string, before: unknown[]): void {
  const error = new Error(
    `Result of item ${index} cannot be sent back from the worker: it is ${why}`,
  );
  error.name = "DataCloneError";
  const reply = { t: "fail" as const, id: msg.id, error: toWire(error, "clone", index), ms: 0 };
  try {
    post({ ...reply, results: before, buffers: bufferPaths(before) });
  } catch {
    post({ ...reply, results: [] });
  }
}
