// The key of a job in the optimizer's result cache: what must match for a stored decision to be
// the decision `optimize` would make again. A changed task, a data size in another octave, a
// per-item time two octaves away, another runtime or machine, another library version or other
// options that steer the decision all give another key, hence a miss.
import { DEFAULTS } from "../defaults.ts";
import type { OptimizeOptions } from "../model/optimization.ts";
import { runtime } from "../runtime/detect.ts";
import type { SystemInfo } from "../system/system_info.ts";
import type { TaskSpec } from "../task/_spec.ts";
import { VERSION } from "../version.ts";

/** What the key is made of. */
export interface KeyInput {
  spec: TaskSpec;
  /** Items in all (`undefined`: unknown length). */
  n: number | undefined;
  /** Per-item time measured on the calling thread by the optimizer's first look (ms). */
  perItemMs: number;
  sys: SystemInfo;
  /** Worker cap in force (effective cores, or `maxWorkers` when lower). */
  cores: number;
  options: OptimizeOptions;
}

/** Octave of the item count: ⌊log2 n⌋ (`"?"` when the length is unknown). */
export function sizeBucket(n: number | undefined): string {
  return n === undefined ? "?" : String(Math.floor(Math.log2(Math.max(1, n))));
}

/** Octave of the per-item time: round(log2 µs); everything under 1/64 µs is one bucket. */
export function timeOctave(perItemMs: number): number {
  const us = Number.isFinite(perItemMs) ? Math.max(perItemMs * 1000, 1 / 64) : 1 / 64;
  return Math.round(Math.log2(us));
}

/** Octave of the memory this process may use (the limit, else the total); `"?"` if unknown. */
function _memoryBucket(sys: SystemInfo): string {
  const bytes = sys.memory.limitBytes ?? sys.memory.totalBytes;
  return typeof bytes === "number" && bytes > 0 ? String(Math.round(Math.log2(bytes))) : "?";
}

/**
 * The cache keys of a job, each a JSON array of its parts (readable in the entry file): the key to
 * store under first, then the keys one per-item octave lower and higher. The per-item time comes
 * from one or two items timed once, and a timing only ever comes out slow (preemption, cold code),
 * so the stored timing and the new one may each be inflated: a lookup tries the neighbouring
 * octaves too, and a workload 4× faster or slower misses all three.
 */
export function optimizerCacheKeys(k: KeyInput): [store: string, ...others: string[]] {
  const b = timeOctave(k.perItemMs);
  return [_key(k, b), _key(k, b - 1), _key(k, b + 1)];
}

function _key(k: KeyInput, timeBucket: number): string {
  const rt = runtime();
  const o = k.options;
  return JSON.stringify([
    "optimize",
    VERSION,
    k.spec.key,
    `n~2^${sizeBucket(k.n)}`,
    `item~2^${timeBucket}us`,
    `${rt.name} ${rt.version}`,
    `cores ${k.sys.effectiveCores}/${k.cores}`,
    `mem~2^${_memoryBucket(k.sys)}`,
    o.minSpeedup ?? DEFAULTS.minSpeedup,
    o.adaptive ?? DEFAULTS.adaptive,
    o.targetChunkMs ?? DEFAULTS.targetChunkMs,
    o.sampleBudgetMs ?? DEFAULTS.sampleBudgetMs,
  ]);
}
