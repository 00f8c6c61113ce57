// The module every pool worker runs. Never imported by the main entry: the pool starts it by URL.
import { runtime, workerPort } from "../runtime/mod.ts";
import { describeThrown, explainInlineError, loadTask, type TaskSpec } from "../task/mod.ts";
import { busyThreads, threadCpuMs, threadName, threadWaitMs } from "../system/mod.ts";
import { findTransferables, uncloneable } from "./_cloneable.ts";
import {
  decodeValues,
  encodeValues,
  type Encoding,
  encodingByShape,
  type Wire,
} from "./encoding.ts";
import { markPoolWorker } from "./_in_worker.ts";
import { type FromWorker, type ItemMeasure, toWire, type ToWorker } from "./_protocol.ts";

type Fn = (item: unknown) => unknown;
// In measure mode the first items are timed one by one (for the spread); the rest of the chunk
// runs without per-item timer calls, which would cost more than a very fast task itself.
const TIMED_ITEMS = 32;
markPoolWorker(); // before any task module loads: see _in_worker.ts
const port = workerPort();
const rt = runtime();
const loaded = new Map<string, Promise<Fn>>();
/** Specs by key: the pool sends a task's spec with the first chunk a worker gets of it. */
const specs = new Map<string, TaskSpec>();
let queue: Promise<void> = Promise.resolve();

const post = (m: FromWorker, transfer?: Transferable[]) => port.postMessage(m, transfer);
const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === "object" || typeof v === "function") &&
  typeof (v as { then?: unknown }).then === "function";

port.onMessage((data) => {
  const msg = data as ToWorker;
  if (msg.t === "ping") return post({ t: "pong", id: msg.id });
  queue = queue.then(() => run(msg));
});
post({ t: "ready" });

function load(spec: TaskSpec): Promise<Fn> {
  let p = loaded.get(spec.key);
  if (!p) {
    p = loadTask(spec);
    p.catch(() => loaded.delete(spec.key)); // a module fixed on disk can be retried
    loaded.set(spec.key, p);
  }
  return p;
}

async function run(msg: Extract<ToWorker, { t: "run" }>): Promise<void> {
  let fn: Fn;
  if (msg.spec) specs.set(msg.key, msg.spec);
  const spec = specs.get(msg.key);
  try {
    if (!spec) throw new Error(`The pool sent task ${msg.key} without its spec`);
    fn = await load(spec);
  } catch (e) {
    return post({ t: "fail", id: msg.id, results: [], error: toWire(e, "load"), ms: 0 });
  }
  const t0 = rt.now(); // compute time only: the first chunk's module import is not counted
  // Always an array built by push, whatever the encoding: a loop that saw typed arrays, cloned
  // arrays and pushed arrays in turn (their V8 element kinds differ) was left running a task 2–5×
  // slower (measured on Deno 2.9, after a run with one-item chunks).
  const items: unknown[] = Array.isArray(msg.items)
    ? copy(msg.items, msg.skip)
    : decodeValues(msg.items);
  const { start } = msg;
  // Built in order (push): a pre-sized array stays "holey", which structured clone copies slowly.
  const results: unknown[] = [];
  const m: ItemMeasure | undefined = msg.measure
    ? {
      wallMs: [],
      cpuUs: null,
      async: false,
      resultCloneMs: 0,
      computeMs: 0,
      untimedMs: 0,
      untimedItems: 0,
    }
    : undefined;
  let cpu0: number | undefined, compute0 = 0;
  let threads0: Map<string, number> | undefined;
  let wait0: number | undefined;
  if (m) {
    m.heapBefore = rt.memory().heapUsedBytes;
    threads0 = threadCpuMs();
    wait0 = threadWaitMs();
    cpu0 = rt.cpuTimeUs();
    compute0 = rt.now();
  }
  const skip = msg.skip ? new Set(msg.skip) : undefined;
  try {
    // Measure mode: the first items are timed one by one.
    for (let i = 0; m && i < Math.min(TIMED_ITEMS, items.length); i++) {
      if (skip?.has(i)) {
        results.push(undefined); // known already: the main thread fills it in
        continue;
      }
      const w = rt.now();
      let r = fn(items[i]);
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
    while ((pending = loop(fn, items, results, skip)) !== undefined) {
      results.push(await pending);
    }
  } catch (e) {
    const error = explainInlineError(spec!, e) ?? e;
    const i = results.length; // the failing item: one result per item before it
    const wire = toWire(error, "task", start + i);
    const reply = {
      t: "fail" as const,
      id: msg.id,
      results: results.slice(0, i),
      error: wire,
      ms: 0,
    };
    return postResults(reply, start, msg.skip, "clone");
  }
  if (m) {
    const end = rt.now();
    m.computeMs = end - compute0;
    if (items.length > TIMED_ITEMS) {
      m.untimedMs = end - m.untimedMs;
      m.untimedItems = items.length - TIMED_ITEMS;
    }
    const cpu1 = rt.cpuTimeUs();
    m.cpuUs = cpu0 === undefined || cpu1 === undefined ? null : cpu1 - cpu0;
    const wait1 = wait0 === undefined ? undefined : threadWaitMs();
    if (wait0 !== undefined && wait1 !== undefined) m.waitMs = Math.max(0, wait1 - wait0);
    const threads1 = threads0 && threadCpuMs();
    if (threads0 && threads1) {
      m.busyThreads = busyThreads(threads0, threads1, m.computeMs, 0.5, threadName);
    }
    m.heapAfter = rt.memory().heapUsedBytes;
    const c0 = rt.now();
    try {
      structuredClone(results);
    } catch { /* reported below */ }
    m.resultCloneMs = rt.now() - c0;
  }
  postResults(
    { t: "done", id: msg.id, results, ms: rt.now() - t0, measure: m },
    start,
    msg.skip,
    msg.enc,
    msg.transfer,
  );
}

/** The results' encoding for this reply: packed or JSON where asked and they fit, else clone. */
function encodeResults(
  results: unknown[],
  skip: number[] | undefined,
  enc: Encoding | "auto",
): { wire: Wire; transfer: Transferable[] } | undefined {
  const want = enc === "auto" ? encodingByShape(results) : enc;
  return want === "clone" ? undefined : encodeValues(results, want, skip);
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
    const r = fn(items[i]);
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

function postResults(
  reply: Extract<FromWorker, { results: unknown }> & { results: unknown[] },
  start: number,
  skip: number[] | undefined,
  enc: Encoding | "auto",
  transfer = false,
): void {
  const results = reply.results;
  const encoded = results.length > 0 ? encodeResults(results, skip, enc) : undefined;
  if (encoded) return post({ ...reply, results: encoded.wire }, encoded.transfer);
  // As clone: values that structured clone would damage (class instances lose their methods)
  // are reported here, in the worker, off the main thread.
  for (let k = 0; k < results.length; k++) {
    const why = uncloneable(results[k], 16);
    if (why) return cloneFailure(reply, start + k, why, results.slice(0, k));
  }
  try {
    post(reply, transfer ? findTransferables(results) : undefined);
  } catch (e) {
    const k = results.findIndex((r) => {
      try {
        structuredClone(r);
        return false;
      } catch {
        return true;
      }
    });
    const why = describeThrown(e);
    const at = Math.max(0, k);
    cloneFailure(reply, start + at, `not cloneable (${why})`, results.slice(0, at));
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
    post({ ...reply, results: before });
  } catch {
    post({ ...reply, results: [] });
  }
}
