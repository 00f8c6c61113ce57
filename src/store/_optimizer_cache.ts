// The optimizer's persisted decisions: lookup and store that never throw. Any problem with the
// store (no permission, a file where the directory should be, a full disk) is a miss and one
// warning; a stored value that does not look like a decision is a miss and is replaced.
import type { Decision } from "../model/decide.ts";
import type { OptimizationProfile } from "../model/optimization.ts";
import { VERSION } from "../version.ts";
import { fastRead } from "./_cache_fast_read.ts";
import { decode, encode } from "./_finite_json.ts";
import { createResultCache, type ResultCache } from "./result_cache.ts";

/** Overrides of the optimizer's cache for tests and benches (a temp dir, a clock, a TTL). */
export interface CacheHooks {
  dir?: string;
  now?: () => number;
  ttlMs?: number;
}

/** What is stored per job: the decision, what the profile needs to explain it, its warnings. */
export interface CachedDecision {
  decision: Omit<Decision, "best" | "alternatives">;
  profile: Pick<
    OptimizationProfile,
    "sampledIn" | "sample" | "overheads" | "breakdown" | "alternatives" | "caps"
  >;
  warnings: string[];
}

const _WARNING = "The result cache is not usable";
const _MAX_ALTERNATIVES = 200;
const _WEEK_MS = 7 * 24 * 3600 * 1000;
let hooks: CacheHooks = {};

/** Replace the hooks (`{}` restores the defaults); returns the previous ones. */
export function setOptimizerCacheHooks(next: CacheHooks): CacheHooks {
  const previous = hooks;
  hooks = { ...next };
  return previous;
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

function _warn(warnings: string[], error: unknown): void {
  const why = error instanceof Error ? error.message : String(error);
  const line = `${_WARNING} (${why.split("\n")[0]}): the decision was measured, not cached`;
  if (!warnings.includes(line)) warnings.push(line);
}

/** The decision stored under the first of `keys` that holds a usable one, or `undefined`. */
export async function lookupDecision(
  keys: readonly string[],
  warnings: string[],
): Promise<CachedDecision | undefined> {
  try {
    const cache = optimizerCache();
    const now = (hooks.now ?? Date.now)();
    for (const key of keys) {
      const fast = fastRead(cache.dir, key, VERSION, hooks.ttlMs ?? _WEEK_MS, now);
      let stored: unknown;
      if (fast.hit) stored = fast.value;
      else if (!fast.slow) continue;
      else {
        const got = await cache.get(key);
        if (!got.hit) continue;
        stored = got.value;
      }
      const value = decode(stored) as CachedDecision;
      if (_looksValid(value)) return value;
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
  };
  try {
    await optimizerCache().set(key, encode(value));
  } catch (error) {
    _warn(warnings, error);
  }
}

/** Put a stored decision in place: the profile's fields and warnings; returns the decision. */
export function applyCached(
  c: CachedDecision,
  profile: OptimizationProfile,
  warnings: string[],
): Decision {
  Object.assign(profile, c.profile);
  for (const w of c.warnings) if (!warnings.includes(w)) warnings.push(w);
  return { ...c.decision, best: c.profile.breakdown, alternatives: c.profile.alternatives };
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

function _looksValid(v: CachedDecision): boolean {
  const d = v?.decision;
  return typeof d === "object" && d !== null &&
    ["inline", "async", "workers"].includes(d.executor) &&
    Number.isInteger(d.workers) && d.workers >= 0 &&
    Number.isInteger(d.chunkSize) && d.chunkSize >= 1 &&
    typeof d.reason === "string" && typeof v.profile === "object" && v.profile !== null &&
    Array.isArray(v.profile.alternatives) && Array.isArray(v.warnings);
}
