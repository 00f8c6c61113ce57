// Helpers of the optimizer pipeline: the scan for values workers cannot receive, a profile from
// the first look alone, and the warnings a profile calls for.
import { type Source, uncloneable } from "../engine/mod.ts";
import { estimateBytes, type MainProbe, type SampleProfile, summarize } from "../measure/mod.ts";
import { runtime } from "../runtime/mod.ts";

/**
 * A scan of an array's items for values workers cannot receive or would damage (class
 * instances): up to 1024 items spread over the array, once, before sampling. The engine does no
 * such per-item scan on its send path (structured clone reports what it cannot clone).
 */
export function scanItems(src: Source<unknown>): { index: number; why: string } | undefined {
  if (!src.indexable) return undefined;
  const total = src.total ?? 0;
  const m = Math.min(total, 1024);
  for (let j = 0; j < m; j++) {
    const i = Math.floor((j * total) / m);
    const v = src.at(i);
    if (v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol")) {
      continue;
    }
    const why = uncloneable(v, 8);
    if (why) return { index: i, why };
  }
  return undefined;
}

/** Most values whose structured clone `mainProfile` times. */
const CLONE_SAMPLE = 64;
/** About the most bytes (estimated) of values whose structured clone `mainProfile` times. */
const CLONE_BYTES = 512 * 1024;
/** Most share of the job's serial time that timing clones may take (one value always is). */
const CLONE_SHARE = 0.02;

/**
 * A value's clone time (ms) that `mainProfile` took from timings, by task key and side (items or
 * results), with the mean estimated size of the values it was taken at and how many timings it
 * is the least of: a look of the same task whose values are within `CLONE_SIZE_RATIO`× that size
 * takes it again once `CLONE_TIMINGS` timings were taken (results of 100 KB: timing their clones
 * took 0.9–2.9 ms of each repeated call's 5 ms of deciding, on a job of 38 ms).
 */
const cloneTimes = new Map<string, { bytes: number; cloneMs: number; timings: number }>();
/** See `cloneTimes`: the least of this many timings is a value's clone time for the process. */
const CLONE_TIMINGS = 3;
/** See `cloneTimes`: values this many times larger or smaller than those timed are timed. */
const CLONE_SIZE_RATIO = 2;

/**
 * A profile from the look on the calling thread alone. The per-item time is the look's warm
 * estimate (the fastest batch per item): the single items before the batches are timed one by
 * one, and for microsecond-scale items one timer call costs more than the item. Their spread
 * still gives the variation and the longest item. With `jobMs` (the job's serial time), the
 * structured-clone cost of the looked-at items and results is timed here (the round trip a
 * worker would add), on as many values as keep that timing under `CLONE_SHARE` of the job: 64
 * order objects took 0.3 ms to clone twice, a quarter of a 1 ms job of validating 10,000 of them.
 * With `key` (the task's), a clone time already taken for the task's values of about the same
 * size is taken again (see `cloneTimes`).
 */
export function mainProfile(p: MainProbe, jobMs?: number, key?: string): SampleProfile {
  const clone = jobMs !== undefined;
  const rt = runtime();
  // At most CLONE_SAMPLE values, spread over those looked at (the look may hold thousands of
  // microsecond items, and cloning all of them would cost more than the job), and about
  // CLONE_BYTES of them (64 results of 100 KB took 1.3 ms to clone, a twentieth of that job).
  const spreadOver = (all: unknown[]) => {
    const step = Math.max(1, all.length / CLONE_SAMPLE);
    const vs: unknown[] = [];
    let bytes = 0;
    for (let i = 0; i < all.length && vs.length < CLONE_SAMPLE; i += step) {
      if (vs.length >= 2 && bytes >= CLONE_BYTES) break;
      const v = all[Math.floor(i)];
      vs.push(v);
      bytes += estimateBytes(v);
    }
    return { vs, bytes: bytes / Math.max(1, vs.length) };
  };
  // The mean estimated size of a value (the memory cap's input) and its clone time, with `clone`.
  // One value is cloned twice first (the first meets cold code: 0.29 ms on Deno for one number,
  // where the second took 4 µs); the second caps how many values the share allows. Those (one at
  // least) are cloned three times, and so is an empty array: a value's cost is what it adds to a
  // clone (the fastest of each), for a chunk's clone is one call whose fixed cost the measured
  // message costs already hold. (Timed as the whole clone over one value, a number cost 4 µs, three
  // times the item's compute, and 20,000 such items were kept inline at 0.46× predicted; they ran
  // 1.4× faster on two workers. Four values first, then at least four cloned twice, took 0.84 ms
  // for results of 100 KB, twice the share of a 22 ms job; one value, 0.2 ms.)
  const measure = (all: unknown[], side: string) => {
    if (!clone || all.length === 0) return { bytes: 0, cloneMs: 0 };
    const { vs, bytes } = spreadOver(all);
    const slot = `${side}|${key}`;
    const known = key === undefined ? undefined : cloneTimes.get(slot);
    const alike = known !== undefined && bytes <= CLONE_SIZE_RATIO * known.bytes &&
      known.bytes <= CLONE_SIZE_RATIO * bytes;
    if (alike && known.timings >= CLONE_TIMINGS) return { bytes, cloneMs: known.cloneMs };
    const timedMs = cloneMs(vs);
    if (key !== undefined && timedMs !== undefined) {
      cloneTimes.set(
        slot,
        alike
          ? { bytes, cloneMs: Math.min(known.cloneMs, timedMs), timings: known.timings + 1 }
          : { bytes, cloneMs: timedMs, timings: 1 },
      );
    }
    return { bytes, cloneMs: timedMs ?? 0 };
  };
  const cloneMs = (vs: unknown[]): number | undefined => {
    const timed = (xs: unknown[]) => {
      const t = rt.now();
      structuredClone(xs);
      return rt.now() - t;
    };
    const fastest = (xs: unknown[]) => Math.min(timed(xs), timed(xs), timed(xs));
    try {
      timed(vs.slice(0, 1));
      const one = timed(vs.slice(0, 1));
      const fits = Math.floor((CLONE_SHARE * (jobMs ?? 0)) / Math.max(one, 1e-6) / 3);
      const count = Math.max(1, Math.min(vs.length, fits));
      const step = vs.length / count;
      const some = Array.from({ length: count }, (_, k) => vs[Math.floor(k * step)]);
      return Math.max(0, fastest(some) - fastest([])) / count;
    } catch {
      return undefined;
    }
  };
  const input = measure(p.items, "in");
  const output = measure(clone ? p.results.values(CLONE_SAMPLE) : [], "out");
  const times = p.times;
  const warm = times.length > 1 ? times.slice(1) : times; // the first call includes JIT warm-up
  const perItemMs = summarize(warm.length ? warm : [0]);
  if (p.warmPerItemMs > 0) {
    perItemMs.median = p.warmPerItemMs;
    perItemMs.mean = p.warmPerItemMs + p.slowPerItemMs; // items the batches did not meet
    perItemMs.min = Math.min(perItemMs.min, p.warmPerItemMs);
  }
  return {
    sampled: times.length,
    timed: warm.length,
    perItemMs,
    cpuRatio: null,
    workloadType: "cpu",
    isAsync: p.isAsync,
    inputBytes: input.bytes,
    outputBytes: output.bytes,
    inputCloneMs: input.cloneMs,
    outputCloneMs: output.cloneMs,
    transferables: false,
    heapGrowthPerItemBytes: null,
    externalLoad: 0,
    internalThreads: 1,
  };
}

export function addWarnings(
  warnings: string[],
  sp: SampleProfile,
  sys: { memory: { availableBytes: number | null } },
  n: number | undefined,
): void {
  if (sp.transferables) {
    warnings.push(
      "Items or results hold ArrayBuffers or typed arrays: pass transfer: true to move them instead of copying",
    );
  }
  const avail = sys.memory.availableBytes;
  if (n !== undefined && avail && n * sp.outputBytes > 0.5 * avail) {
    warnings.push(
      `The results (≈${(n * sp.outputBytes / 2 ** 20).toFixed(0)} MiB) need more than half the ` +
        `available memory: stream them with map() instead of collecting them with execute()`,
    );
  }
  if (sp.perItemMs.cv > 0.7) {
    warnings.push(
      `Item times vary widely (CV ${
        sp.perItemMs.cv.toFixed(2)
      }): chunks are kept small for balance`,
    );
  }
}
