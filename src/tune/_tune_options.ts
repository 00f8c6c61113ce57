// Checking the options of `tune`: each bad option throws a TypeError or RangeError naming it.
import {
  describeValue,
  fn,
  keysOf,
  knownKeys,
  oneOf,
  positiveInt,
  positiveNumber,
  timerMs,
} from "../args.ts";
import { checkRunOptions, defaultPool, type Executor } from "../engine/mod.ts";
import type { TuneOptions } from "./tune_types.ts";

const EXECUTORS: readonly Executor[] = ["inline", "async", "workers"];

function _list<T>(name: string, value: unknown, check: (n: string, v: unknown) => T): T[] {
  if (!Array.isArray(value) || value.length === 0) {
    // An empty list is the right type with nothing in range: a RangeError.
    const E = Array.isArray(value) ? RangeError : TypeError;
    throw new E(`'${name}' must be a non-empty array, got ${describeValue(value)}`);
  }
  return value.map((v, i) => check(`${name}[${i}]`, v));
}

/** Check `options`; throws on the first bad one. */
const TUNE_OPTION_KEYS = keysOf<TuneOptions>({
  strategy: 1,
  budgetMs: 1,
  maxConfigs: 1,
  timeoutMs: 1,
  repeats: 1,
  space: 1,
  signal: 1,
  onProgress: 1,
  pool: 1,
  seed: 1,
});

export function checkTuneOptions(options: TuneOptions): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`'options' must be an object, got ${describeValue(options)}`);
  }
  const o = options;
  knownKeys("options", o, TUNE_OPTION_KEYS);
  if (o.strategy !== undefined) oneOf("strategy", o.strategy, ["grid", "bayesian", "auto"]);
  if (o.budgetMs !== undefined) positiveNumber("budgetMs", o.budgetMs);
  if (o.maxConfigs !== undefined) positiveInt("maxConfigs", o.maxConfigs);
  if (o.timeoutMs !== undefined) timerMs("timeoutMs", o.timeoutMs);
  if (o.repeats !== undefined) positiveInt("repeats", o.repeats);
  if (o.seed !== undefined && !Number.isInteger(o.seed)) {
    const E = typeof o.seed === "number" ? RangeError : TypeError;
    throw new E(`'seed' must be an integer, got ${describeValue(o.seed)}`);
  }
  if (o.onProgress !== undefined) fn("onProgress", o.onProgress);
  checkRunOptions({ pool: o.pool, signal: o.signal });
  const s = o.space;
  if (s === undefined) return;
  if (s === null || typeof s !== "object" || Array.isArray(s)) {
    throw new TypeError(`'space' must be an object, got ${describeValue(s)}`);
  }
  knownKeys("space", s, ["workers", "chunkSizes", "executors"]);
  if (s.workers !== undefined) {
    // No more than the pool can start: a count beyond it would be measured as the pool's most
    // and reported as asked (1e9 warmed the shared pool up to its 1 024 workers first).
    const most = (o.pool ?? defaultPool()).maxWorkers;
    _list("space.workers", s.workers, (n, v) => {
      if (positiveInt(n, v) > most) {
        throw new RangeError(`'${n}' must be at most ${most} (the pool's maxWorkers), got ${v}`);
      }
      return v;
    });
  }
  if (s.chunkSizes !== undefined) _list("space.chunkSizes", s.chunkSizes, positiveInt);
  if (s.executors !== undefined) {
    _list("space.executors", s.executors, (n, v) => oneOf(n, v, EXECUTORS));
  }
}
