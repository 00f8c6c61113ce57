/**
 * Chunk encodings: how a chunk's items (main thread → worker) and results (worker → main thread)
 * cross the worker boundary.
 *
 * - `"clone"`: the values as they are, structured-cloned by `postMessage`.
 * - `"packed"`: numbers, fixed-length tuples of numbers, or longer arrays of numbers (a result
 *   of 12,800 numbers…), in one `Int32Array` (all 32-bit integers) or `Float64Array` that is
 *   transferred (moved, not copied), with the arrays' lengths beside it. Exact for every number
 *   (`-0`, `NaN`, `±Infinity` included).
 * - `"json"`: one JSON string. Used only for values JSON provably keeps: finite numbers other than
 *   `-0`, strings, booleans, `null`, and dense arrays and plain objects of those, each object met
 *   once. Anything else (`undefined`, `-0`, `NaN`, `Infinity`, Dates, Maps, sparse arrays, class
 *   instances, shared or cyclic references, arrays with extra properties) never goes through JSON.
 *
 * A chunk whose values do not fit the run's encoding goes as `"clone"`: the encodings never
 * change a value.
 *
 * @module
 */

/** A chunk encoding. See the module documentation. */
export type Encoding = "clone" | "packed" | "json";

/** A chunk's values on the wire: an array (structured clone), packed numbers, or JSON text. */
export type Wire = unknown[] | PackedWire | JsonWire;

/**
 * Numbers (`k` = 0), tuples of `k` numbers, or (`k` = -1) arrays of numbers of the lengths `l`,
 * `n` values in all, in one buffer: an Int32Array when every number is a 32-bit integer (not
 * -0), else a Float64Array. Integers must come out as integers: a task fed numbers read from a
 * Float64Array sees them as doubles, and V8 re-optimises it for doubles (measured: an integer
 * loop ran 2× slower for the rest of the run).
 */
export interface PackedWire {
  p: Float64Array | Int32Array;
  k: number;
  n: number;
  /** Length of each array (`k` = -1 only). */
  l?: Uint32Array;
}

/** JSON text of an array of `n` values. */
export interface JsonWire {
  j: string;
  n: number;
}

/**
 * Fewest values worth packing: below this a buffer transfer costs more than cloning the values
 * (measured on Node: a transferred one-number buffer ≈ 9 µs a message, a cloned `[5]` ≈ 5 µs).
 */
const MIN_PACKED = 16;
/** Longest fixed-length tuple; longer arrays of numbers pack with their lengths (`k` = -1). */
const MAX_TUPLE = 16;
/** Deepest nesting the JSON check follows (deeper values go as clone). */
const MAX_DEPTH = 32;

/**
 * Encode `values` as `encoding`; positions in `skip` (sorted, within the chunk) hold no value
 * that matters (their results are known already): they travel as placeholders. Returns the wire
 * form and the buffers to transfer, or undefined when the values do not fit the encoding (send
 * them as clone then).
 *
 * @param values The chunk's values.
 * @param encoding The encoding to try.
 * @param skip Positions whose values do not matter (sorted ascending), or undefined.
 * @returns The wire form and its transfer list, or undefined.
 *
 * @example Usage
 * ```ts
 * import { decodeValues, encodeValues } from "./encoding.ts";
 * import assert from "node:assert/strict";
 *
 * const pairs = Array.from({ length: 16 }, (_, i) => [i, i % 2 ? -0 : NaN]);
 * const enc = encodeValues(pairs, "packed")!;
 * assert.equal(enc.transfer.length, 1); // one buffer, moved to the worker
 * assert.deepEqual(decodeValues(enc.wire), pairs);
 * assert.equal(encodeValues([...pairs, "two"], "packed"), undefined); // does not fit: clone
 * ```
 */
export function encodeValues(
  values: unknown[],
  encoding: Encoding,
  skip?: readonly number[],
): { wire: Wire; transfer: Transferable[] } | undefined {
  if (encoding === "packed") {
    const p = pack(values, skip);
    if (!p) return undefined;
    return { wire: p, transfer: p.l ? [p.p.buffer, p.l.buffer] : [p.p.buffer] };
  }
  if (encoding === "json") {
    const j = toJson(values, skip);
    return j === undefined ? undefined : { wire: { j, n: values.length }, transfer: [] };
  }
  return { wire: values, transfer: [] };
}

/**
 * The values of a wire form, as they were encoded.
 *
 * @param wire What {@linkcode encodeValues} produced (or a plain array).
 * @returns The values.
 *
 * @example Usage
 * ```ts
 * import { decodeValues, encodeValues } from "./encoding.ts";
 * import assert from "node:assert/strict";
 *
 * const enc = encodeValues([{ a: 1, b: ["x", true, null] }], "json")!;
 * assert.deepEqual(decodeValues(enc.wire), [{ a: 1, b: ["x", true, null] }]);
 * ```
 */
export function decodeValues(wire: Wire): unknown[] {
  if (Array.isArray(wire)) return wire;
  if ("j" in wire) return JSON.parse(wire.j);
  // Arrays built by push, never `new Array(n)`: V8 keeps a pre-sized array "holey" for good, and
  // structured clone (Node's postMessage) copies holey arrays element by element, ~10× slower.
  const { p, k, n } = wire;
  const out: unknown[] = [];
  if (k === -1) {
    const l = wire.l!;
    for (let i = 0, o = 0; i < n; i++) {
      const a: number[] = [];
      for (const end = o + l[i]; o < end; o++) a.push(p[o]);
      out.push(a);
    }
  } else if (k === 0) {
    for (let i = 0; i < n; i++) out.push(p[i]);
  } else if (k === 2) {
    for (let i = 0, o = 0; i < n; i++, o += 2) out.push([p[o], p[o + 1]]);
  } else {
    for (let i = 0, o = 0; i < n; i++) {
      const t: number[] = [];
      for (let j = 0; j < k; j++) t.push(p[o++]);
      out.push(t);
    }
  }
  return out;
}

/** Number of values a wire form holds. */
export function wireLength(wire: Wire): number {
  return Array.isArray(wire) ? wire.length : wire.n;
}

/**
 * The encoding that fits `values` by their shape alone, without timing: `"packed"` when the first
 * value is a number or a short tuple of numbers (and there are at least 16 values: fewer cost
 * less to clone), else `"clone"`. The encoder checks every value when it packs. (JSON
 * is only ever chosen by measurement: see {@linkcode measureEncodings}.)
 *
 * @param values Values to look at (a chunk, or sampled items or results).
 * @returns `"packed"` or `"clone"`.
 *
 * @example Usage
 * ```ts
 * import { encodingByShape } from "./encoding.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(encodingByShape(Array(16).fill(2.5)), "packed");
 * assert.equal(encodingByShape(Array(16).fill([1, 2])), "packed");
 * assert.equal(encodingByShape(Array(16).fill({ a: 1 })), "clone");
 * assert.equal(encodingByShape([1, 2, 3]), "clone"); // too few to be worth a buffer
 * ```
 */
export function encodingByShape(values: unknown[]): Encoding {
  if (values.length < MIN_PACKED) return "clone";
  const k = tupleLength(values);
  return k !== undefined && k >= 0 ? "packed" : "clone";
}

/**
 * Whether `values` look like arrays of numbers longer than a tuple (the first one does). Such
 * values pack, but whether packing beats structured clone depends on the runtime (the check
 * that no array carries extra properties costs more on some): measure it (see
 * {@linkcode measureEncodings}) rather than choose by shape.
 *
 * @param values Values to look at.
 * @returns Whether the first value is an array of more than 16 numbers.
 *
 * @example Usage
 * ```ts
 * import { longNumericArrays } from "./encoding.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(longNumericArrays([Array(100).fill(0.5)]), true);
 * assert.equal(longNumericArrays([[1, 2]]), false); // a tuple: packs by shape
 * ```
 */
export function longNumericArrays(values: unknown[]): boolean {
  return tupleLength(values) === -1;
}

/** Per-value cost of an encoding (ms): encode plus decode, as measured here. */
export interface EncodingCost {
  encoding: Encoding;
  /** Encode + decode per value (ms); for clone, one structuredClone (serialise + deserialise). */
  perValueMs: number;
}

/**
 * Time every encoding that fits a few values spread over `values` (round trips on this thread,
 * warm, best of 3) and return the costs, cheapest first. Clone is always among them. Costs about
 * a millisecond per encoding; an encoding several times slower than the cheapest is timed less;
 * where only clone fits, one clone times it.
 *
 * @param values Sample values (items or results).
 * @param now The clock (ms).
 * @returns The costs of the encodings that keep the values timed exactly, cheapest first.
 *
 * @example Usage
 * ```ts
 * import { measureEncodings } from "./encoding.ts";
 * import assert from "node:assert/strict";
 *
 * const costs = measureEncodings(Array.from({ length: 64 }, (_, i) => i), () => performance.now());
 * assert.ok(costs.some((c) => c.encoding === "packed"));
 * assert.ok(costs.some((c) => c.encoding === "clone"));
 * ```
 */
export function measureEncodings(values: unknown[], now: () => number): EncodingCost[] {
  if (values.length === 0) return [{ encoding: "clone", perValueMs: 0 }];
  // A few values spread over the sample rank the encodings as well as all of them: as many as
  // one clone handles in `RANK_MS` (at least 2, or `MIN_PACKED` where numbers or tuples pack:
  // fewer do not), sized by a clone of the fewest, so that timing large values costs about a
  // millisecond per encoding, not several (13 arrays of 5,000 numbers, all checked, cloned and
  // timed: 92–231 ms on the three runtimes). The encodings that fit them are timed; a chunk that
  // an encoding does not fit goes as clone.
  const spread = (k: number) =>
    k < values.length
      ? Array.from({ length: k }, (_, i) => values[Math.floor((i * values.length) / k)])
      : values;
  const least = Math.min(values.length, (tupleLength(values) ?? -1) >= 0 ? MIN_PACKED : 2);
  const t0 = now();
  structuredClone(spread(least));
  const perValue = Math.max(now() - t0, 1e-4) / least;
  const vs = spread(Math.min(values.length, Math.max(least, Math.ceil(RANK_MS / perValue))));
  const candidates: Encoding[] = ["clone"];
  if (pack(vs) !== undefined) candidates.push("packed");
  if (jsonFits(vs)) candidates.push("json");
  // Nothing to compare with: one clone gives the cost (structured clone is native code, with no
  // JIT to warm up).
  if (candidates.length === 1) {
    const t1 = now();
    structuredClone(vs);
    return [{ encoding: "clone", perValueMs: Math.max(now() - t1, 1e-4) / vs.length }];
  }
  const costs: EncodingCost[] = [];
  for (const encoding of candidates) {
    const once = () => {
      if (encoding === "clone") return void structuredClone(vs);
      decodeValues(encodeValues(vs, encoding)!.wire);
    };
    // Warm-up until the JIT has compiled the encoder (≈ `WARM_MS` of calls, at least 2, at most
    // 100): a cold encoder (packing, the JSON safety walk) runs many times slower than it will
    // over a whole run; structured clone is native code (2 calls). Its pace sizes the timed
    // rounds (≈ `RANK_MS` each); the best of 3 is kept.
    // An encoding whose fastest call costs `CUT` times the cheapest so far, per value, cannot win
    // once warm: it is not timed further (JSON of arrays of numbers: 7 times a clone, 3 ms a call
    // on two arrays of 5,000).
    const warmMs = encoding === "clone" ? 0 : WARM_MS;
    const cheapest = Math.min(...costs.map((c) => c.perValueMs));
    let calls = 0, fastest = Infinity;
    const w0 = now();
    while (calls < 2 || (calls < 100 && now() - w0 < warmMs)) {
      const c0 = now();
      once();
      fastest = Math.min(fastest, now() - c0);
      calls++;
      if (calls >= 2 && fastest / vs.length > CUT * cheapest) break;
    }
    if (fastest / vs.length > CUT * cheapest) {
      costs.push({ encoding, perValueMs: fastest / vs.length });
      continue;
    }
    const per = Math.max((now() - w0) / calls, 1e-4);
    const reps = Math.max(1, Math.min(200, Math.round(RANK_MS / per)));
    let best = Infinity;
    for (let round = 0; round < 3; round++) {
      const t = now();
      for (let r = 0; r < reps; r++) once();
      best = Math.min(best, (now() - t) / reps);
    }
    costs.push({ encoding, perValueMs: best / vs.length });
  }
  return costs.sort((a, b) => a.perValueMs - b.perValueMs);
}

/** Time of one timed round of {@linkcode measureEncodings}, and of the values it times (ms). */
const RANK_MS = 0.15;
/** Warm-up of an encoder before {@linkcode measureEncodings} times it (ms). */
const WARM_MS = 0.5;
/**
 * How many times the cheapest encoding's cost an encoding's faster of its first two calls may
 * take before {@linkcode measureEncodings} stops timing it (a first call of an encoder cold runs
 * up to seven times its warm time; the second, warmer).
 */
const CUT = 4;

// ── packed ───────────────────────────────────────────────────────────────────────────────────

/**
 * By the first value not at a position of `skip` (ascending; the packer checks every one): 0 for
 * numbers, k for plain arrays of k ≤ 16 numbers, -1 for longer arrays of numbers, undefined for
 * anything else. One pass over `skip`: a search of it per position took 4–9 ms on Bun, on the
 * calling thread, for a run's first chunk whose first 2,046 positions the look had run (100,000
 * items of 0.2 µs; a worker packs that chunk's results through the same code; on Deno and Node no
 * difference was measured).
 */
function tupleLength(values: unknown[], skip?: readonly number[]): number | undefined {
  let first = 0;
  for (const i of skip ?? []) {
    if (i > first) break;
    if (i === first) first++;
  }
  const v = values[first];
  if (typeof v === "number") return 0;
  if (!Array.isArray(v) || v.length < 1 || typeof v[0] !== "number") return undefined;
  return v.length > MAX_TUPLE ? -1 : v.length;
}

function pack(values: unknown[], skip?: readonly number[]): PackedWire | undefined {
  const n = values.length;
  const k = tupleLength(values, skip);
  if (k === -1) return packArrays(values, skip);
  if (n < MIN_PACKED || k === undefined) return undefined;
  const p = new Float64Array(n * Math.max(k, 1));
  let int = true; // every number a 32-bit integer other than -0
  let s = 0; // next skipped position (index into skip)
  const nextSkip = () => (skip && s < skip.length ? skip[s] : -1);
  let skipAt = nextSkip();
  if (k === 0) {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (i === skipAt) {
        s++;
        skipAt = nextSkip();
        if (typeof v !== "number") continue; // a placeholder: zero
      }
      if (typeof v !== "number") return undefined;
      p[i] = v;
      if (int && ((v | 0) !== v || (v === 0 && 1 / v < 0))) int = false;
    }
    return { p: int ? new Int32Array(p) : p, k, n };
  }
  for (let i = 0, o = 0; i < n; i++, o += k) {
    const v = values[i];
    if (i === skipAt) {
      s++;
      skipAt = nextSkip();
      if (!isTuple(v, k)) continue; // a placeholder: zeros
    } else if (!isTuple(v, k)) return undefined;
    const t = v as number[];
    for (let j = 0; j < k; j++) {
      const x = t[j];
      p[o + j] = x;
      if (int && ((x | 0) !== x || (x === 0 && 1 / x < 0))) int = false;
    }
  }
  return { p: int ? new Int32Array(p) : p, k, n };
}

/**
 * Arrays of numbers of any length (`k` = -1): the numbers one after another, the lengths beside
 * them. Skipped positions travel as empty arrays.
 */
function packArrays(values: unknown[], skip?: readonly number[]): PackedWire | undefined {
  const n = values.length;
  const l = new Uint32Array(n);
  let total = 0, s = 0;
  for (let i = 0; i < n; i++) {
    if (skip && s < skip.length && skip[s] === i) {
      s++;
      continue; // a placeholder: no numbers
    }
    const v = values[i];
    if (!Array.isArray(v) || !isTuple(v, v.length)) return undefined;
    l[i] = v.length;
    total += v.length;
  }
  if (total < MIN_PACKED) return undefined;
  const p = new Float64Array(total);
  let int = true;
  for (let i = 0, o = 0; i < n; i++) {
    const len = l[i];
    if (len === 0) continue;
    const a = values[i] as number[];
    for (let j = 0; j < len; j++, o++) {
      const x = a[j];
      p[o] = x;
      if (int && ((x | 0) !== x || (x === 0 && 1 / x < 0))) int = false;
    }
  }
  return { p: int ? new Int32Array(p) : p, k: -1, n, l };
}

/** A plain array of exactly `k` numbers and nothing else (no holes, no extra properties). */
function isTuple(v: unknown, k: number): boolean {
  if (!Array.isArray(v) || v.length !== k || Object.getPrototypeOf(v) !== Array.prototype) {
    return false;
  }
  for (let j = 0; j < k; j++) if (typeof v[j] !== "number") return false;
  // Extra named properties would be lost (a hole reads as undefined and failed above).
  return Object.keys(v).length === k;
}

// ── JSON ─────────────────────────────────────────────────────────────────────────────────────

/** JSON text of `values` when JSON keeps every one of them exactly, else undefined. */
function toJson(values: unknown[], skip?: readonly number[]): string | undefined {
  if (!jsonFits(values, skip)) return undefined;
  if (!skip) return JSON.stringify(values);
  const copy = values.slice();
  for (const i of skip) copy[i] = null;
  return JSON.stringify(copy);
}

/** Whether JSON keeps every one of `values` exactly (those at `skip` travel as null). */
function jsonFits(values: unknown[], skip?: readonly number[]): boolean {
  const seen = new Set<object>();
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    if (skip && s < skip.length && skip[s] === i) {
      s++;
      continue; // travels as null; its result is known already
    }
    if (!jsonSafe(values[i], seen, 0)) return false;
  }
  return true;
}

function jsonSafe(v: unknown, seen: Set<object>, depth: number): boolean {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number": // NaN, ±Infinity become null and -0 becomes 0 in JSON
      return Number.isFinite(v) && (v !== 0 || 1 / v > 0);
    case "object": {
      if (v === null) return true;
      if (depth >= MAX_DEPTH || seen.has(v)) return false; // JSON would copy a shared object
      seen.add(v);
      const proto = Object.getPrototypeOf(v);
      if (Array.isArray(v)) {
        if (proto !== Array.prototype) return false;
        for (let i = 0; i < v.length; i++) {
          if (!jsonSafe(v[i], seen, depth + 1)) return false; // a hole reads as undefined
        }
        return Object.keys(v).length === v.length; // extra properties would be lost
      }
      if (proto !== Object.prototype) return false; // class instances, Dates, Maps, null-proto…
      const o = v as Record<string, unknown>;
      for (const key in o) {
        if (!Object.hasOwn(o, key) || !jsonSafe(o[key], seen, depth + 1)) return false;
      }
      // Symbol keys and non-enumerable properties: neither structured clone nor JSON keeps them
      // (a chunk that goes as clone names a symbol-keyed one: see `inspect`; automatic mode
      // looked for them in its sample before it chose JSON).
      return true;
    }
    default: // undefined, functions, symbols, bigints
      return false;
  }
}
