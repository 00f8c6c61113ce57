/**
 * Argument checks for every public function: each throws at once, naming the argument and
 * showing the value in one wording (`'chunkSize' must be a positive integer, got -3`): a
 * RangeError for a number out of range (and an empty string), a TypeError for a value of the
 * wrong type.
 *
 * @module
 */

/**
 * A value as an error message shows it: strings quoted, numbers, booleans, `null` and `undefined`
 * as written, and `a function`, `an array` (`an empty array`), `an object`, `a symbol` for the
 * rest.
 *
 * @example Usage
 * ```ts
 * import { describeValue } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(describeValue({ a: 1 }), "an object");
 * assert.equal(describeValue("x"), '"x"');
 * assert.equal(describeValue([]), "an empty array");
 * ```
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "bigint") return `${value}n`;
  if (unreadable(value)) return "a revoked Proxy";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}

/**
 * Throw the one error for a bad value of a numeric argument: `'name' must be <what>, got <value>`;
 * a RangeError when `value` is a number (out of range), else a TypeError (not a number).
 *
 * @example Usage
 * ```ts
 * import { invalid } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => invalid("n", "an even number", 3), RangeError);
 * ```
 */
export function invalid(name: string, what: string, value: unknown): never {
  if (typeof value === "number") throw new RangeError(mustBe(name, what, value));
  wrongType(name, what, value);
}

/**
 * Throw a TypeError in the one wording: `'name' must be <what>, got <value>` (a value of the
 * wrong type, whatever it is).
 *
 * @example Usage
 * ```ts
 * import { wrongType } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => wrongType("data", "an iterable", 5), { name: "TypeError", message: "'data' must be an iterable, got 5" });
 * ```
 */
export function wrongType(name: string, what: string, value: unknown): never {
  throw new TypeError(mustBe(name, what, value));
}

const mustBe = (name: string, what: string, value: unknown) =>
  `'${name}' must be ${what}, got ${describeValue(value)}`;

/** `value` must be a positive integer. */
export function positiveInt(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    invalid(name, "a positive integer", value);
  }
  return value;
}

/** `value` must be a positive finite number. */
export function positiveNumber(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    invalid(name, "a positive number", value);
  }
  return value;
}

/**
 * The longest delay a timer takes (ms): 2^31 − 1, about 24.8 days; a longer one fires at once on
 * every runtime (it wraps to 1 ms).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `value` must be a positive number of milliseconds a timer can wait: at most
 * {@linkcode MAX_TIMER_MS} (a timeout of 2^31 ms fired every chunk at once).
 *
 * @example Usage
 * ```ts
 * import { timerMs } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(timerMs("timeoutMs", 1000), 1000);
 * assert.throws(() => timerMs("timeoutMs", 2 ** 31), RangeError);
 * ```
 */
export function timerMs(name: string, value: unknown): number {
  positiveNumber(name, value);
  if ((value as number) > MAX_TIMER_MS) {
    invalid(name, `at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer)`, value);
  }
  return value as number;
}

/** `value` must be a finite number ≥ 0. */
export function nonNegativeNumber(name: string, value: unknown): number {
  if (typeof value !== "number" || !(value >= 0) || value === Infinity) {
    invalid(name, "a non-negative number", value);
  }
  return value;
}

/** `value` must be an integer ≥ `min`. */
export function integerAtLeast(name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    invalid(name, min === 0 ? "a non-negative integer" : `an integer >= ${min}`, value);
  }
  return value;
}

/** `value` must be an integer. */
export function integerArg(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value)) invalid(name, "an integer", value);
  return value;
}

/** `value` must be one of `allowed`. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    wrongType(name, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, value);
  }
  return value as T;
}

/** `value` must be a boolean. */
export function bool(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") wrongType(name, "a boolean", value);
  return value;
}

/** `value` must be a function. */
export function fn(name: string, value: unknown): void {
  if (typeof value !== "function") wrongType(name, "a function", value);
}

/** `value` must be a string. */
export function stringArg(name: string, value: unknown): string {
  if (typeof value !== "string") wrongType(name, "a string", value);
  return value;
}

/** `value` must be a non-empty string (a RangeError for an empty one). */
export function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== "string") wrongType(name, "a non-empty string", value);
  if (value.trim() === "") {
    throw new RangeError(mustBe(name, "a non-empty string", value));
  }
  return value;
}

/** `value` must be `undefined` or a non-empty string. */
export function optionalString(name: string, value: unknown): string | undefined {
  return value === undefined ? undefined : nonEmptyString(name, value);
}

/** `value` must be an array. */
export function arrayArg(name: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) wrongType(name, "an array", value);
  return value;
}

/**
 * Why `value` cannot be read at all, where it cannot: a revoked Proxy (or one whose
 * `getPrototypeOf` trap throws) fails every check with the runtime's own words, naming nothing.
 */
function unreadable(value: unknown): string | undefined {
  if ((typeof value !== "object" || value === null) && typeof value !== "function") return;
  try {
    Reflect.getPrototypeOf(value);
    Array.isArray(value);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * `value` must be readable: a revoked Proxy (or one whose `getPrototypeOf` trap throws) is a
 * TypeError naming the argument.
 *
 * @example Usage
 * ```ts
 * import { readableArg } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * const { proxy, revoke } = Proxy.revocable([1, 2], {});
 * assert.equal(readableArg("data", proxy), proxy);
 * revoke();
 * assert.throws(() => readableArg("data", proxy), /^TypeError: 'data' cannot be read: it is a revoked Proxy/);
 * ```
 */
export function readableArg<T>(name: string, value: T): T {
  const why = unreadable(value);
  if (why !== undefined) {
    throw new TypeError(
      `'${name}' cannot be read: it is a revoked Proxy, or a Proxy whose traps throw (${why})`,
    );
  }
  return value;
}

/** `value` must be a plain object (not `null`, not an array). */
export function objectArg<T>(name: string, value: T): T {
  readableArg(name, value);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    wrongType(name, "an object", value);
  }
  return value;
}

/**
 * `value` must be `undefined` (read as `{}`) or an object: the options bag of a function.
 *
 * @example Usage
 * ```ts
 * import { optionsArg } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(optionsArg("options", undefined), {});
 * assert.throws(() => optionsArg("options", null as never), /'options' must be an object, got null/);
 * ```
 */
export function optionsArg<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return objectArg(name, value) as Partial<T>;
}

/**
 * `value` must have a JSON form at the top level (not `undefined`, a function or a symbol, which
 * JSON drops from an enclosing object). Cycles and BigInts are caught when serialising.
 */
export function jsonValue(name: string, value: unknown): void {
  const type = typeof value;
  if (type === "undefined" || type === "function" || type === "symbol") {
    wrongType(name, "JSON-serialisable", value);
  }
}

/**
 * The keys of an options type, listed once and checked by the compiler: every key of `T` must be
 * there, and nothing else (`keysOf<PoolOptions>({ maxWorkers: 1, idleTimeoutMs: 1 })`).
 *
 * @example Usage
 * ```ts
 * import { keysOf } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * interface O { a?: number; b?: string }
 * assert.deepEqual(keysOf<O>({ a: 1, b: 1 }), ["a", "b"]);
 * ```
 */
export function keysOf<T>(keys: Record<keyof Required<T>, 1>): readonly string[] {
  return Object.keys(keys);
}

/** Edit distance between two short strings (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + cost);
    }
    row = next;
  }
  return row[b.length];
}

/**
 * The known name closest to `name` (fewest edits, a prefix counting as close), or `undefined`
 * when none is within a third of the longer name's length (at least 2 edits).
 *
 * @example Usage
 * ```ts
 * import { closest } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(closest("worker", ["workers", "chunkSize"]), "workers");
 * assert.equal(closest("colour", ["workers", "chunkSize"]), undefined);
 * ```
 */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const prefix = k.toLowerCase().startsWith(name.toLowerCase()) ||
      name.toLowerCase().startsWith(k.toLowerCase());
    const d = prefix ? Math.min(1, distance(name, k)) : distance(name, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  const limit = Math.max(2, Math.floor(Math.max(name.length, best?.length ?? 0) / 3));
  return bestD <= limit ? best : undefined;
}

/**
 * `value` (an options object) must have only `known` keys: a TypeError names the first unknown
 * key and the closest known one (`'options' has no option "worker"; did you mean "workers"?`),
 * or lists the known keys when none is close. Keys whose value is `undefined` are ignored.
 *
 * @example Usage
 * ```ts
 * import { knownKeys } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * knownKeys("options", { workers: 2 }, ["workers", "chunkSize"]);
 * assert.throws(() => knownKeys("options", { worker: 2 }, ["workers", "chunkSize"]), {
 *   name: "TypeError",
 *   message: `'options' has no option "worker"; did you mean "workers"?`,
 * });
 * ```
 */
export function knownKeys(name: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key) || (value as Record<string, unknown>)[key] === undefined) continue;
    const near = closest(key, known);
    throw new TypeError(
      `'${name}' has no option ${JSON.stringify(key)}; ` +
        (near
          ? `did you mean ${JSON.stringify(near)}?`
          : `the options are ${[...known].sort().join(", ")}`),
    );
  }
}
