/**
 * Sampling: run the task on a few items inside a pool worker (the conditions of execution) and
 * measure per-item time, CPU share, clone costs and sizes, heap growth and nested threads. The
 * sampled items' results are kept: under `execute` they become part of the output.
 *
 * @module
 */
import type { _PoolWorker } from "../engine/_pool_worker.ts";
import type { _Source } from "../engine/_source.ts";
import { _transferables, _uncloneable } from "../engine/_cloneable.ts";
import { _fromWire } from "../engine/_protocol.ts";
import { runtime } from "../runtime/detect.ts";
import type { TaskSpec } from "../task/_spec.ts";
import { _estimateBytes } from "./_bytes.ts";
import { _measureChunk } from "./_measure_chunk.ts";
import { _spreadIndices } from "./_spread.ts";
import { summarize, type Summary } from "./statistics.ts";

/** What sampling measured. */
export interface SampleProfile {
  /** Items run while sampling (warm-up included). */
  sampled: number;
  /** Items whose timings feed the statistics (warm-up calls excluded). */
  timed: number;
  /** Wall time per item (ms), in the worker. */
  perItemMs: Summary;
  /** CPU time / wall time over the timed items (null where the runtime has no CPU clock). */
  cpuRatio: number | null;
  /** From the CPU ratio: ≥ 0.7 cpu, 0.3–0.7 mixed, < 0.3 io. */
  workloadType: "cpu" | "mixed" | "io";
  /** Whether the task returns Promises. */
  isAsync: boolean;
  /** Mean estimated bytes of an item and a result when cloned. */
  inputBytes: number;
  outputBytes: number;
  /** Mean structured-clone time of an item and of a result on the main thread (ms). */
  inputCloneMs: number;
  outputCloneMs: number;
  /** Whether items or results hold ArrayBuffers / typed arrays (worth `transfer: true`). */
  transferables: boolean;
  /** Heap growth per item in the worker (bytes; best effort, a lower bound after GC). */
  heapGrowthPerItemBytes: number | null;
  /** Threads the task appears to use per item (> 1: nested parallelism); see `nestedReason`. */
  internalThreads: number;
  nestedReason?: string;
}

/** A workload problem found while sampling (the optimizer answers "inline" with the reason). */
export interface SampleFailure {
  index: number;
  kind: "task" | "clone" | "load";
  error: Error;
}

export interface WorkerSample {
  profile?: SampleProfile;
  failure?: SampleFailure;
  /** Index → result of every sampled item that succeeded. */
  known: Map<number, unknown>;
  /** Items pulled from a one-shot source (to give back, in order). */
  pulled: unknown[];
  /** Task time spent sampling (ms). */
  spentMs: number;
}

/**
 * Sample on `worker`, in rounds of growing size, until `budgetMs` of task time or `maxItems`.
 * `skip` holds indices already run (on the main thread) whose results are known.
 */
export async function _sampleInWorker(
  worker: _PoolWorker,
  spec: TaskSpec,
  src: _Source<unknown>,
  known: Map<number, unknown>,
  budgetMs: number,
  maxItems: number,
  signal?: AbortSignal,
): Promise<WorkerSample> {
  const rt = runtime();
  const out: WorkerSample = { known, pulled: [], spentMs: 0 };
  const spread = src.indexable ? _spreadIndices(src.total ?? 0, known) : undefined;
  const items: unknown[] = [], results: unknown[] = [];
  const wall: number[] = [], cpu: (number | null)[] = [], clone: number[] = [];
  let isAsync = false, heap = 0, heapItems = 0, sampled = 0;
  const threads0 = readThreads();
  for (let round = 0, size = 2; sampled < maxItems && out.spentMs < budgetMs; round++) {
    signal?.throwIfAborted();
    const batch = await nextItems(src, spread, Math.min(size, maxItems - sampled), known, out);
    if (batch.items.length === 0) break;
    for (let k = 0; k < batch.items.length; k++) {
      const why = _uncloneable(batch.items[k], 64);
      if (why) {
        const e = new Error(`Item ${batch.indices[k]} cannot be sent to a worker: it is ${why}`);
        out.failure = { index: batch.indices[k], kind: "clone", error: e };
        return out;
      }
    }
    const reply = await _measureChunk(worker, spec, batch.items, true);
    const got = reply.results;
    got.forEach((r, k) => known.set(batch.indices[k], r));
    if (reply.t === "fail") {
      const pos = reply.error.index ?? 0;
      out.failure = {
        index: batch.indices[pos] ?? -1,
        kind: reply.error.kind,
        error: _fromWire(reply.error),
      };
      return out;
    }
    const m = reply.measure!;
    sampled += got.length;
    out.spentMs += m.wallMs.reduce((a, b) => a + b, 0);
    if (round > 0 || got.length > 2) { // the first round is the JIT warm-up
      wall.push(...m.wallMs);
      cpu.push(...m.cpuUs);
      clone.push(...m.resultCloneMs);
    }
    if (m.heapBefore !== undefined && m.heapAfter !== undefined) {
      heap += Math.max(0, m.heapAfter - m.heapBefore);
      heapItems += got.length;
    }
    isAsync ||= m.async.some(Boolean);
    items.push(...batch.items);
    results.push(...got);
    size *= 3;
  }
  if (wall.length === 0) return out; // nothing beyond warm-up: the caller uses what it has
  out.profile = profile(items, results, wall, cpu, isAsync, heapItems ? heap / heapItems : null);
  out.profile.sampled = sampled;
  const extraThreads = threads0 === undefined ? 0 : (readThreads() ?? threads0) - threads0;
  if (extraThreads > 0) {
    out.profile.internalThreads = Math.max(out.profile.internalThreads, 1 + extraThreads);
    out.profile.nestedReason = `the process gained ${extraThreads} thread(s) while the task ran ` +
      `(/proc/self/status Threads)`;
  }
  void rt;
  return out;
}

async function nextItems(
  src: _Source<unknown>,
  spread: Iterator<number> | undefined,
  n: number,
  known: Map<number, unknown>,
  out: WorkerSample,
): Promise<{ items: unknown[]; indices: number[] }> {
  const items: unknown[] = [], indices: number[] = [];
  if (spread) {
    while (items.length < n) {
      const r = spread.next();
      if (r.done) break;
      if (known.has(r.value)) continue;
      indices.push(r.value);
      items.push(src.at(r.value));
    }
    return { items, indices };
  }
  const start = src.pulled;
  const got = src.isAsync ? await src.take(n) : src.takeSync(n);
  out.pulled.push(...got);
  got.forEach((x, k) => {
    items.push(x);
    indices.push(start + k);
  });
  return { items, indices };
}

function profile(
  items: unknown[],
  results: unknown[],
  wall: number[],
  cpu: (number | null)[],
  isAsync: boolean,
  heapPerItem: number | null,
): SampleProfile {
  const rt = runtime();
  const perItemMs = summarize(wall);
  const cpuKnown = cpu.every((c) => c !== null);
  const wallSum = wall.reduce((a, b) => a + b, 0);
  const cpuSum = cpu.reduce<number>((a, b) => a + (b ?? 0), 0) / 1000;
  // Process CPU time has a coarse tick on some systems: only trust it over enough wall time.
  const cpuRatio = cpuKnown && wallSum > 5 ? cpuSum / wallSum : null;
  const ratio = cpuRatio ?? 1;
  const time = (f: () => void) => {
    const t = rt.now();
    f();
    return rt.now() - t;
  };
  const inputCloneMs = time(() => structuredClone(items)) / items.length;
  const outputCloneMs = time(() => structuredClone(results)) / results.length;
  const mean = (vs: unknown[]) => vs.reduce<number>((a, v) => a + _estimateBytes(v), 0) / vs.length;
  return {
    sampled: items.length,
    timed: wall.length,
    perItemMs,
    cpuRatio,
    workloadType: ratio >= 0.7 ? "cpu" : ratio >= 0.3 ? "mixed" : "io",
    isAsync,
    inputBytes: mean(items),
    outputBytes: mean(results),
    inputCloneMs,
    outputCloneMs,
    transferables: _transferables([...items, ...results]).length > 0,
    heapGrowthPerItemBytes: heapPerItem,
    internalThreads: cpuRatio !== null && cpuRatio > 1.3 ? Math.round(cpuRatio) : 1,
    nestedReason: cpuRatio !== null && cpuRatio > 1.3
      ? `CPU time was ${cpuRatio.toFixed(1)}× wall time: the task runs threads of its own`
      : undefined,
  };
}

function readThreads(): number | undefined {
  const r = runtime().readTextFile("/proc/self/status");
  if (!r.ok) return undefined;
  const m = /^Threads:\s+(\d+)/m.exec(r.text);
  return m ? Number(m[1]) : undefined;
}
