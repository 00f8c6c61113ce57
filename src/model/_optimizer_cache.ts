// The optimizer's persisted decisions: the key of a job, lookup and store that never throw, and
// the JSON encoding of non-finite numbers. A store that may not be written here (a read-only home
// or file system, no permission: common on serverless hosts) is a silent miss; any other problem
// (a file where the directory should be, a full disk) is a miss and one warning; a stored value
// that does not look like a decision is a miss and is replaced. `AMORSIZE_CACHE=0` turns the
// cache off where the `cache` option is not given.
import { DEFAULTS } from "../defaults.ts";
import { runtime } from "../runtime/mod.ts";
import {
  checkStoreHome,
  createResultCache,
  resolveStoreDir,
  type ResultCache,
} from "../store/mod.ts";
import { ENV_ERROR, type SystemInfo } from "../system/mod.ts";
import type { TaskSpec } from "../task/mod.ts";
import { VERSION } from "../version.ts";
import type { Decision } from "./decide.ts";
import { keepRuns, type RunRecord } from "./run_feedback.ts";
import type { OptimizationProfile, OptimizeOptions } from "./optimization.ts";

/**
 * Overrides of the optimizer's cache for tests and benches (a temp dir, a clock, a TTL, and the
 * per-item time the key is built from: a measured timing is at the mercy of the machine's load).
 */
export interface CacheHooks {
  dir?: string;
  now?: () => number;
  ttlMs?: number;
  perItemMs?: (measured: number) => number;
  /** The cores other processes keep busy, as the load-change rule of a cache hit sees them. */
  busyCores?: (measured: number | undefined) => number | undefined;
  /** Where the loads of tasks in fresh workers are kept (see `storeWorkerLoad`). */
  loadsDir?: string;
}

/** What is stored per job: the decision, what the profile needs to explain it, its warnings. */
export interface CachedDecision {
  decision: Omit<Decision, "best" | "alternatives">;
  profile: Pick<
    OptimizationProfile,
    "sampledIn" | "sample" | "overheads" | "breakdown" | "alternatives" | "caps"
  >;
  warnings: string[];
  /** Automatic runs of this decision: predicted and measured (the newest of each executor). */
  runs?: RunRecord[];
  /** Cores other processes kept busy when the decision was made (see `loadChanged`). */
  busyCores?: number;
  /**
   * The items the predictions are for: those left after deciding (sampling runs some), not the
   * job's (see `applyCached`).
   */
  items?: number;
  /** The key the entry was found under (set by `lookupDecision`, not stored). */
  key?: string;
}

const _WARNING = "The result cache is not usable";
const _MAX_ALTERNATIVES = 200;
let hooks: CacheHooks = {};

/** Replace the hooks (`{}` restores the defaults); returns the previous ones. */
export function setOptimizerCacheHooks(next: CacheHooks): CacheHooks {
  const previous = hooks;
  hooks = { ...next };
  return previous;
}

/** The per-item time (ms) the cache key is built from: the measured one unless a hook says. */
export function keyPerItemMs(measured: number): number {
  return hooks.perItemMs ? hooks.perItemMs(measured) : measured;
}

/** The cores other processes keep busy (for a cached entry's load): measured unless a hook says. */
export function keyBusyCores(measured: number | undefined): number | undefined {
  return hooks.busyCores ? hooks.busyCores(measured) : measured;
}

/** The optimizer's cache: `storeDir("cache")` unless `dir` (or a hook) says otherwise. */
export function optimizerCache(dir?: string): ResultCache<unknown> {
  return createResultCache({
    dir: dir ?? hooks.dir,
    now: hooks.now,
    ttlMs: hooks.ttlMs,
    version: VERSION,
  });
}

/**
 * Whether the optimizer uses its cache: the `cache` option when given, else not when the
 * environment variable `AMORSIZE_CACHE` is `0`, `off`, `false` or `no`, else yes (unset, empty,
 * `1`, `on`, `true`, `yes`).
 *
 * @throws {RangeError} For another value of `AMORSIZE_CACHE` (`disabled` stored entries as if
 * it said yes), naming the variable and the value, as `AMORSIZE_CPUS` does (`ENV_ERROR`); and
 * where the cache is used, for a relative `AMORSIZE_HOME` (see `checkStoreHome`: it was a
 * store problem met only by a call that read or wrote the cache, a warning then).
 */
export function cacheEnabled(option: boolean | undefined): boolean {
  const on = option ?? cacheVariable();
  if (on && hooks.dir === undefined) checkStoreHome();
  return on;
}

function cacheVariable(): boolean {
  const raw = runtime().env("AMORSIZE_CACHE").value;
  const v = raw?.trim().toLowerCase();
  if (v === undefined || v === "" || ["1", "on", "true", "yes"].includes(v)) return true;
  if (["0", "off", "false", "no"].includes(v)) return false;
  throw Object.assign(
    new RangeError(
      `'AMORSIZE_CACHE' must be 0, off, false or no (or 1, on, true, yes), got ${
        JSON.stringify(raw)
      }`,
    ),
    { code: ENV_ERROR },
  );
}

/**
 * Whether `error` says the store may not be used here (no permission, a read-only file system):
 * then the cache is silently a miss, as if it were off.
 */
export function isNotPermitted(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (["EACCES", "EPERM", "EROFS"].includes(String(e?.code))) return true;
  if (["PermissionDenied", "NotCapable"].includes(String(e?.name))) return true;
  return /read-only file system|permission denied|Requires (read|write|sys|env) access/i.test(
    String(e?.message ?? ""),
  );
}

function _warn(
  warnings: string[],
  error: unknown,
  what = "the decision was measured, not cached",
): void {
  if (isNotPermitted(error)) return;
  const why = error instanceof Error ? error.message : String(error);
  const line = `${_WARNING} (${why.split("\n")[0]}): ${what}`;
  if (!warnings.includes(line)) warnings.push(line);
}

/** The decision stored under the first of `keys` that holds a usable one, or `undefined`. */
export async function lookupDecision(
  keys: readonly string[],
  warnings: string[],
  maxWorkers: number,
): Promise<CachedDecision | undefined> {
  await settleRecords();
  try {
    const cache = optimizerCache();
    for (const key of keys) {
      const got = await cache.get(key);
      if (!got.hit) continue;
      const value = decode(got.value) as CachedDecision;
      if (_looksValid(value, maxWorkers)) return { ...value, key };
    }
  } catch (error) {
    _warn(warnings, error);
  }
  return undefined;
}

/** Store a decision atomically; a failure becomes a warning. */
export async function storeDecision(
  key: string,
  decision: Decision,
  profile: OptimizationProfile,
  warnings: string[],
  busyCores?: number,
  items?: number,
): Promise<void> {
  const { best: _best, alternatives: _alternatives, ...rest } = decision;
  const value: CachedDecision = {
    decision: rest,
    profile: {
      sampledIn: profile.sampledIn,
      sample: profile.sample,
      overheads: profile.overheads,
      breakdown: profile.breakdown,
      alternatives: _prune(profile.alternatives),
      caps: profile.caps,
    },
    warnings: warnings.filter((w) =>
      !w.startsWith(_WARNING) && !(profile.system?.warnings ?? []).includes(w)
    ),
    busyCores,
    items,
  };
  try {
    await optimizerCache().set(key, encode(value));
  } catch (error) {
    _warn(warnings, error);
  }
}

/** The cache key of a fact of a task (see `lookupTaskMs`): per runtime and runtime version. */
function _factKey(fact: TaskFact, taskKey: string): string {
  const rt = runtime();
  return `${fact === "load" ? "worker load" : "item time"}|${rt.name}|${rt.version}|${taskKey}`;
}

/**
 * The loads of tasks in fresh workers and their items' times (7 days): `storeDir("loads")` unless
 * a hook says otherwise, apart from the decisions (`cacheStats` and `clearCache` count and clear
 * decisions only).
 */
function _loads(): ResultCache<unknown> {
  const dir = hooks.loadsDir ?? resolveStoreDir("loads");
  return createResultCache({ dir, now: hooks.now, version: VERSION });
}

/**
 * What an earlier process timed of a task (by spec key; ms): `"load"`, its load in a fresh
 * worker; `"item"`, its warm time per item on the calling thread, kept where its items were large
 * (see `LARGE_ITEM_MS`). Timings of earlier processes, per runtime and version.
 */
export type TaskFact = "load" | "item";

/**
 * The time an earlier process stored for a fact of the task (ms), or `undefined`: none stored, or
 * a store problem (never a throw, never a warning: the time is then estimated as it was before
 * anything was stored).
 */
export async function lookupTaskMs(fact: TaskFact, taskKey: string): Promise<number | undefined> {
  try {
    const got = await _loads().get(_factKey(fact, taskKey));
    const ms = got.hit ? (got.value as { ms?: unknown } | null)?.ms : undefined;
    return typeof ms === "number" && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}

/** Keep a fact of a task (ms) for later processes; a store problem is ignored. */
export async function storeTaskMs(fact: TaskFact, taskKey: string, ms: number): Promise<void> {
  try {
    await _loads().set(_factKey(fact, taskKey), { ms });
  } catch { /* not kept: later processes estimate it as before */ }
}

/** Runs this process is recording (see `recordRun`): a lookup waits for them. */
const _recording = new Set<Promise<boolean>>();

/**
 * Keep a run's measured time next to the decision stored under `key` (see `keepRuns`), as
 * one locked read-modify-write of the entry: processes recording runs of one job at once lose
 * none. A missing entry is left alone; a store problem, or another process holding the entry's
 * lock for 5 s, leaves the run unrecorded (a warning where `warnings` is given). It never
 * throws. A caller need not wait for it: this process's next lookup does (`settleRecords`), so
 * `execute` returns its results without it (1.3–2.4 ms per call on Node, on a 15 ms job).
 *
 * @returns Whether the run was recorded.
 */
export function recordRun(key: string, run: RunRecord, warnings?: string[]): Promise<boolean> {
  const p = _record(key, run, warnings);
  _recording.add(p);
  void p.then(() => _recording.delete(p));
  return p;
}

/** Wait for the runs this process is recording (see {@linkcode recordRun}). */
export async function settleRecords(): Promise<void> {
  while (_recording.size > 0) await Promise.all([..._recording]);
}

async function _record(key: string, run: RunRecord, warnings?: string[]): Promise<boolean> {
  try {
    return await optimizerCache().update(key, (got) => {
      if (!got.hit) return undefined;
      const value = decode(got.value) as CachedDecision;
      // The lookup checks the workers against the machine.
      if (!_looksValid(value, Infinity)) return undefined;
      value.runs = keepRuns(value.runs ?? [], run);
      return encode(value);
    });
  } catch (error) {
    if (warnings) _warn(warnings, error, "the run's time was not recorded");
    return false;
  }
}

/**
 * Put a stored decision in place: the profile's fields and warnings; returns the decision. Its
 * predictions were for the items left after deciding then (the look and the sample ran some);
 * they are scaled to the items left now (`items`), so that a run is measured against a
 * prediction for the items it runs: a run of 17 items of 20 measured against a prediction for 14
 * reads 1.21× slower than predicted, and an executor never run (no correction) looks that much
 * better.
 */
export function applyCached(
  c: CachedDecision,
  profile: OptimizationProfile,
  warnings: string[],
  items: number | undefined,
): Decision {
  Object.assign(profile, c.profile);
  for (const w of c.warnings) if (!warnings.includes(w)) warnings.push(w);
  const then = c.items;
  const k = items !== undefined && typeof then === "number" && then > 0 ? items / then : 1;
  const alternatives = c.profile.alternatives.map((a) => ({
    ...a,
    predictedMs: a.predictedMs * k,
  }));
  profile.alternatives = alternatives;
  return {
    ...c.decision,
    predictedMs: c.decision.predictedMs * k,
    serialMs: c.decision.serialMs * k,
    best: c.profile.breakdown,
    alternatives,
  };
}

/** Many cores give many alternatives: keep the non-worker ones and the best worker ones. */
function _prune(alternatives: Decision["alternatives"]): Decision["alternatives"] {
  const workers = alternatives.filter((a) => a.executor === "workers" && !a.rejected);
  if (alternatives.length <= _MAX_ALTERNATIVES) return alternatives;
  const cut = workers.map((a) => a.predictedMs).sort((a, b) => a - b)[_MAX_ALTERNATIVES - 8];
  return alternatives.filter((a) =>
    a.executor !== "workers" || (!a.rejected && a.predictedMs < cut)
  );
}

const _int = (v: unknown, lo: number, hi: number) =>
  typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;
const _num = (v: unknown) => typeof v === "number"; // NaN: not predicted (inline answers)

/**
 * Whether a stored value is a decision this machine can run as is: an entry edited by hand (a
 * worker count above the cores this process may use, a chunk size of 0, a missing field) is a
 * miss, and the job is measured again.
 */
function _looksValid(v: CachedDecision, maxWorkers: number): boolean {
  const d = v?.decision;
  if (typeof d !== "object" || d === null) return false;
  if (!["inline", "async", "workers"].includes(d.executor)) return false;
  return _int(d.workers, d.executor === "workers" ? 1 : 0, Math.max(1, maxWorkers)) &&
    _int(d.chunkSize, 1, 2 ** 30) && _int(d.concurrency, 1, 1024) &&
    _num(d.predictedSpeedup) && _num(d.predictedMs) && _num(d.serialMs) &&
    typeof d.reason === "string" && typeof v.profile === "object" && v.profile !== null &&
    Array.isArray(v.profile.alternatives) && Array.isArray(v.warnings) &&
    v.warnings.every((w) => typeof w === "string");
}

// ── The key of a job: what must match for a stored decision to be the decision `optimize` would
// make again. A changed task, a data size in another octave, a per-item time two octaves away,
// another runtime or machine, another library version or other options that steer the decision
// all give another key, hence a miss.

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
    ...decisionOptions(o),
  ]);
}

/**
 * The options that change a decision besides the job, the cores and the measurements, with their
 * defaults: what a cached decision is keyed on, and a remembered one taken again with (see
 * `recallDecision`).
 *
 * @example Usage
 * ```ts
 * import { decisionOptions } from "./_optimizer_cache.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(decisionOptions({ minSpeedup: 2 }), decisionOptions({ minSpeedup: 2 }));
 * assert.notDeepEqual(decisionOptions({ minSpeedup: 2 }), decisionOptions({}));
 * ```
 */
export function decisionOptions(o: OptimizeOptions): (number | boolean)[] {
  return [
    o.minSpeedup ?? DEFAULTS.minSpeedup,
    o.adaptive ?? DEFAULTS.adaptive,
    o.targetChunkMs ?? DEFAULTS.targetChunkMs,
    o.sampleBudgetMs ?? DEFAULTS.sampleBudgetMs,
    o.maxConcurrency ?? DEFAULTS.maxConcurrency,
  ];
}

// ── JSON has no Infinity or NaN (the optimizer's caps are often Infinity, predictions NaN): in the
// entries they travel as { "$num": "Infinity" }; `undefined` fields are dropped.

/** A copy of `v`, non-finite numbers replaced by `{ $num: "Infinity" | "-Infinity" | "NaN" }`. */
function encode(v: unknown): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? v : { $num: String(v) };
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = encode(x);
    return out;
  }
  return v;
}

/** The inverse of {@linkcode encode}. */
export function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.$num === "string" && Object.keys(o).length === 1) return Number(o.$num);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decode(x);
    return out;
  }
  return v;
}
