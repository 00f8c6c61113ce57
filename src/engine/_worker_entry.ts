// The module every pool worker runs. Never imported by the main entry: the pool starts it by URL.
import { runtime, workerPort } from "../runtime/mod.ts";
import { explainInlineError, loadTask, type TaskSpec } from "../task/mod.ts";
import { busyThreads, threadCpuMs, threadName } from "../system/mod.ts";
import { findTransferables, uncloneable } from "./_cloneable.ts";
import { type FromWorker, type ItemMeasure, toWire, type ToWorker } from "./_protocol.ts";

type Fn = (item: unknown) => unknown;
// In measure mode the first items are timed one by one (for the spread); the rest of the chunk
// runs without per-item timer calls, which would cost more than a very fast task itself.
const TIMED_ITEMS = 32;
const port = workerPort();
const rt = runtime();
const loaded = new Map<string, Promise<Fn>>();
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
  try {
    fn = await load(msg.spec);
  } catch (e) {
    return post({ t: "fail", id: msg.id, results: [], error: toWire(e, "load"), ms: 0 });
  }
  const t0 = rt.now(); // compute time only: the first chunk's module import is not counted
  const { items, start } = msg;
  const results = new Array<unknown>(items.length);
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
  if (m) {
    m.heapBefore = rt.memory().heapUsedBytes;
    threads0 = threadCpuMs();
    cpu0 = rt.cpuTimeUs();
    compute0 = rt.now();
  }
  const skip = msg.skip ? new Set(msg.skip) : undefined;
  let i = 0;
  try {
    for (; i < items.length; i++) {
      if (skip?.has(i)) continue;
      if (m && i === TIMED_ITEMS) m.untimedMs = rt.now(); // start of the untimed stretch
      if (m && i < TIMED_ITEMS) {
        const w = rt.now();
        let r = fn(items[i]);
        if (isThenable(r)) {
          m.async = true;
          r = await r;
        }
        m.wallMs.push(rt.now() - w);
        results[i] = r;
      } else {
        const r = fn(items[i]);
        results[i] = isThenable(r) ? await r : r;
      }
    }
  } catch (e) {
    const error = explainInlineError(msg.spec, e) ?? e;
    const wire = toWire(error, "task", start + i);
    const reply = {
      t: "fail" as const,
      id: msg.id,
      results: results.slice(0, i),
      error: wire,
      ms: 0,
    };
    return postResults(reply, start);
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
  for (let k = 0; k < results.length; k++) {
    const why = uncloneable(results[k], 16);
    if (why) return cloneFailure(msg, start + k, why, results.slice(0, k));
  }
  postResults(
    { t: "done", id: msg.id, results, ms: rt.now() - t0, measure: m },
    start,
    msg.transfer,
  );
}

function postResults(
  reply: Extract<FromWorker, { results: unknown[] }>,
  start: number,
  transfer = false,
): void {
  try {
    post(reply, transfer ? findTransferables(reply.results) : undefined);
  } catch (e) {
    const k = reply.results.findIndex((r) => {
      try {
        structuredClone(r);
        return false;
      } catch {
        return true;
      }
    });
    const why = e instanceof Error ? e.message : String(e);
    const at = Math.max(0, k);
    cloneFailure(reply, start + at, `not cloneable (${why})`, reply.results.slice(0, at));
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
