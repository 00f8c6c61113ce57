// Chunk encodings: values come out exactly as they went in (property-based, over a seeded
// generator of odd values), through the encoders alone and through real workers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute, map, task, TaskError } from "../mod.ts";
import {
  decodeValues,
  encodeValues,
  type Encoding,
  encodingByShape,
  longNumericArrays,
  measureEncodings,
} from "../src/engine/encoding.ts";
import { modelInputs } from "../src/model/_inputs.ts";
import { crossings, sampleInWorker } from "../src/measure/sample.ts";
import { summarize } from "../src/measure/statistics.ts";
import { KnownResults, resultSendMs, Source, workerSet } from "../src/engine/mod.ts";
import { recordSend } from "../src/engine/_send_costs.ts";
import { taskSpec } from "../src/task/mod.ts";
import { fixtureModule } from "./_helpers.ts";
import { mulberry32Random } from "../src/tune/gp/_random.ts";
import type { SampleProfile } from "../src/measure/sample.ts";
import type { Overheads } from "../src/measure/overhead.ts";
import type { SystemInfo } from "../src/system/system_info.ts";

// ── a small generator of odd values, seeded ──────────────────────────────────────────────────

/** The project's seeded generator (mulberry32): the same seed, the same values. */
const prng = mulberry32Random;

const ODD_NUMBERS = [
  0,
  -0,
  NaN,
  Infinity,
  -Infinity,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 31,
  -(2 ** 31) - 1,
  0.1 + 0.2,
  1e-310, // subnormal
];
const ODD_STRINGS = ["", "a", "\u0000", "\ud800", "x\udfffy", "😀", "\u2028\u2029", '"\\/', "é"];

class Gen {
  constructor(readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  number(): number {
    const k = this.int(4);
    if (k === 0) return this.pick(ODD_NUMBERS);
    if (k === 1) return this.int(2000) - 1000;
    return (this.r() - 0.5) * 10 ** (this.int(40) - 20);
  }
  string(): string {
    return this.int(3) === 0
      ? this.pick(ODD_STRINGS)
      : Array.from({ length: this.int(6) }, () => String.fromCharCode(this.int(0x3000))).join("");
  }
  /** A JSON-friendly value: plain objects, dense arrays, finite numbers (no -0), strings… */
  plain(depth = 0): unknown {
    const k = this.int(depth > 2 ? 4 : 7);
    if (k === 0) return this.int(2000) - 1000 + (this.int(2) ? 0.5 : 0) || 1;
    if (k === 1) return this.string();
    if (k === 2) return this.int(2) === 0;
    if (k === 3) return null;
    if (k === 4) return Array.from({ length: this.int(4) }, () => this.plain(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = this.int(4); i > 0; i--) {
      o[this.pick(["a", "b", "1", "__proto__x", "é"])] = this.plain(depth + 1);
    }
    return o;
  }
  /** Anything structured clone keeps (no functions, symbols or class instances). */
  odd(depth = 0): unknown {
    const k = this.int(depth > 2 ? 8 : 22);
    switch (k) {
      case 0:
      case 1:
        return this.number();
      case 2:
        return this.string();
      case 3:
        return undefined;
      case 4:
        return null;
      case 5:
        return this.int(2) === 1;
      case 6:
        return BigInt(this.int(1000)) * 10n ** 20n;
      case 7:
        return new Date(this.int(2) ? this.int(2 ** 40) : NaN);
      case 8: { // sparse
        const a: unknown[] = [];
        a[this.int(5) + 1] = this.odd(depth + 1);
        return a;
      }
      case 9: { // an array with an extra property
        const a: unknown[] = [this.number(), this.number()];
        (a as unknown as Record<string, unknown>).label = this.string();
        return a;
      }
      case 10: { // a numeric tuple (the packed shape)
        return [this.number(), this.number()];
      }
      case 11:
        return new Map([[this.odd(depth + 1), this.odd(depth + 1)]]);
      case 12:
        return new Set([this.number(), this.string()]);
      case 13:
        return new Float64Array([this.number(), this.number()]);
      case 14:
        return /a+b/gi;
      case 15: { // a shared reference inside one value
        const inner = { v: this.number() };
        return { a: inner, b: inner };
      }
      case 16: // (null-prototype objects are left out: structured clone itself gives them one)
        return { nested: [this.number(), { deeper: this.odd(depth + 1) }] };
      case 17:
        return { u: undefined, n: this.number(), s: this.string() };
      case 18:
        return JSON.parse('{"__proto__": 1, "k": [1, 2]}');
      case 19:
        return new Error("e");
      default:
        return this.plain(depth + 1);
    }
  }
}

// ── exact comparison ─────────────────────────────────────────────────────────────────────────

/**
 * Whether `b` is an exact copy of `a`: Object.is on primitives (-0, NaN), the same prototypes,
 * the same own enumerable keys (holes and extra array properties count), and the same sharing of
 * objects within the value (a shared object is shared in the copy, not duplicated).
 */
const show = (v: unknown) => {
  try {
    return typeof v === "bigint" ? `${v}n` : Object.is(v, -0) ? "-0" : String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
};

function exactCopy(a: unknown, b: unknown, path = "$", seen = new Map<object, unknown>()): void {
  if (typeof a !== "object" || a === null) {
    assert.ok(Object.is(a, b), `${path}: ${show(a)} became ${show(b)}`);
    return;
  }
  assert.ok(typeof b === "object" && b !== null, `${path}: an object became ${show(b)}`);
  if (seen.has(a)) {
    assert.ok(seen.get(a) === b, `${path}: a shared object was duplicated`);
    return;
  }
  assert.ok(![...seen.values()].includes(b), `${path}: two objects became one`);
  seen.set(a, b);
  const pa = Object.getPrototypeOf(a), pb = Object.getPrototypeOf(b);
  assert.equal(pa?.constructor?.name, pb?.constructor?.name, `${path}: prototype`);
  if (a instanceof Date) return assert.ok(Object.is(a.getTime(), (b as Date).getTime()), path);
  if (a instanceof RegExp) return assert.equal(String(a), String(b), path);
  if (a instanceof Error) return assert.equal(a.message, (b as Error).message, path);
  if (a instanceof Map) {
    const ea = [...a], eb = [...(b as Map<unknown, unknown>)];
    assert.equal(ea.length, eb.length, path);
    ea.forEach((e, i) => exactCopy(e, eb[i], `${path}.entries[${i}]`, seen));
    return;
  }
  if (a instanceof Set) return exactCopy([...a], [...(b as Set<unknown>)], path, seen);
  if (ArrayBuffer.isView(a)) {
    return exactCopy(Array.from(a as Float64Array), Array.from(b as Float64Array), path, seen);
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  assert.deepEqual(kb, ka, `${path}: keys`);
  if (Array.isArray(a)) assert.equal((b as unknown[]).length, a.length, `${path}: length`);
  for (const k of ka) {
    exactCopy(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      `${path}.${k}`,
      seen,
    );
  }
}

function exactEach(input: unknown[], output: unknown[], label: string): void {
  assert.equal(output.length, input.length, `${label}: length`);
  for (let i = 0; i < input.length; i++) exactCopy(input[i], output[i], `${label}[${i}]`);
}

// ── data sets ────────────────────────────────────────────────────────────────────────────────

type Shape = "numbers" | "pairs" | "triples" | "long" | "plain" | "odd" | "mixed";
const SHAPES: Shape[] = ["numbers", "pairs", "triples", "long", "plain", "odd", "mixed"];

function dataSet(g: Gen, shape: Shape, n: number): unknown[] {
  const one = (): unknown => {
    switch (shape) {
      case "numbers":
        return g.number();
      case "pairs":
        return [g.number(), g.number()];
      case "triples":
        return [g.number(), g.number(), g.number()];
      case "long": // arrays of numbers longer than a tuple, now and then anything
        return g.int(80) === 0
          ? g.odd()
          : Array.from({ length: 17 + g.int(40) }, () => g.int(3) ? g.int(1000) : g.number());
      case "plain":
        return g.plain();
      case "odd":
        return g.odd();
      case "mixed": // mostly numbers, now and then anything
        return g.int(10) === 0 ? g.odd() : g.number();
    }
  };
  return Array.from({ length: n }, one);
}

// ── the encoders alone ───────────────────────────────────────────────────────────────────────

test("encodings: an accepted chunk comes back exactly, any encoding (1,200 seeded chunks)", () => {
  const accepted: Record<Encoding, number> = { clone: 0, packed: 0, json: 0 };
  for (let seed = 1; seed <= 200; seed++) {
    const g = new Gen(prng(seed));
    for (const shape of SHAPES) {
      const values = dataSet(g, shape, 1 + g.int(60));
      for (const enc of ["clone", "packed", "json"] as const) {
        const e = encodeValues(values, enc);
        if (!e) continue;
        accepted[enc]++;
        // The wire form crosses a structured clone (as postMessage does), buffers transferred.
        const wire = structuredClone(e.wire, { transfer: e.transfer as ArrayBuffer[] });
        exactEach(values, decodeValues(wire), `seed ${seed} ${shape} ${enc}`);
      }
    }
  }
  // Both special encodings were exercised (numbers and tuples pack; plain data fits JSON).
  assert.ok(accepted.packed >= 400, `packed accepted ${accepted.packed} chunks`);
  assert.ok(accepted.json >= 200, `json accepted ${accepted.json} chunks`);
});

test("encodings: a chunk with skipped positions packs by its first value not skipped", () => {
  // A run's first chunk holds the look's items as skipped positions (their results are known):
  // placeholders of any kind there, the shape read past them — however many lead the chunk.
  const lead = Array.from({ length: 2046 }, (_, i) => i);
  const values: unknown[] = [
    ...lead.map(() => "ran"),
    ...Array.from({ length: 1079 }, (_, i) => [i, -i]),
  ];
  const e = encodeValues(values, "packed", lead);
  assert.ok(e, "pairs after 2,046 skipped positions pack");
  const back = decodeValues(structuredClone(e.wire));
  assert.deepEqual(back.slice(2046), values.slice(2046));
  // The skipped positions are read in one pass, not searched per position (a search of them per
  // position read them 2 million times: 4–9 ms on such a chunk on Bun).
  let reads = 0;
  const counted = new Proxy(lead, {
    get: (t, k, r) => {
      if (typeof k === "string" && /^\d+$/.test(k)) reads++;
      return Reflect.get(t, k, r);
    },
  });
  assert.ok(encodeValues(values, "packed", counted));
  assert.ok(reads <= 3 * lead.length, `${reads} reads of 2,046 skipped positions`);
  // A gap among the skipped positions: position 1 is the first value, read as a number.
  const gapped = encodeValues(
    [undefined, 7, undefined, undefined, 8.5, ...Array(60).fill(1)],
    "packed",
    [0, 2, 3],
  );
  assert.ok(gapped);
  assert.deepEqual(decodeValues(gapped.wire).slice(4, 6), [8.5, 1]);
  // Nothing skipped at the front: the first value sets the shape, and a tuple there refuses numbers.
  assert.equal(encodeValues([[1, 2], ...Array(63).fill(3)], "packed", [5]), undefined);
});

test("encodings: values JSON or packing would change are refused, one by one", () => {
  const notJson: unknown[] = [
    undefined,
    -0,
    NaN,
    Infinity,
    new Date(0),
    [1, , 3], // sparse
    Object.assign([1, 2], { label: "x" }),
    Object.create(null),
    new Map(),
    { u: undefined },
    { f: () => 1 },
    1n,
    (() => {
      const o = { v: 1 };
      return [o, o];
    })(),
    new (class P {
      x = 1;
    })(),
  ];
  for (const v of notJson) {
    assert.equal(encodeValues([1, v, "a"], "json"), undefined, `json took ${show(v)}`);
  }
  const notPacked: unknown[] = [
    "1",
    null,
    undefined,
    [1, "2"],
    [1, 2, 3],
    [1, , 2].slice(0, 2),
    Object.assign([1, 2], { label: "x" }),
    new Float64Array(2),
  ];
  const pairs = () => Array.from({ length: 20 }, (_, i) => [i, -i] as unknown);
  assert.ok(encodeValues(pairs(), "packed"));
  for (const v of notPacked) {
    const values = pairs();
    values[11] = v;
    assert.equal(encodeValues(values, "packed"), undefined, `packed took ${show(v)}`);
  }
  // Arrays longer than a tuple: each must be a plain, dense array of numbers and nothing more.
  const arrays = () => Array.from({ length: 3 }, (_, i) => Array(20 + i).fill(i) as unknown);
  assert.ok(encodeValues(arrays(), "packed"));
  const sparse = Array(20).fill(1);
  delete sparse[7];
  const notPackedArrays: unknown[] = [
    5,
    "x",
    null,
    sparse,
    Object.assign(Array(20).fill(1), { label: "x" }),
    [...Array(19).fill(1), "1"],
    [...Array(19).fill(1), undefined],
    new Float64Array(20),
  ];
  for (const v of notPackedArrays) {
    const values = arrays();
    values[1] = v;
    assert.equal(encodeValues(values, "packed"), undefined, `packed took ${show(v)}`);
  }
  const numbers: unknown[] = Array.from({ length: 20 }, (_, i) => i);
  assert.ok(encodeValues(numbers, "packed"));
  numbers[19] = "19";
  assert.equal(encodeValues(numbers, "packed"), undefined);
  // Skipped positions (results known already) may hold anything: they travel as placeholders.
  const values: unknown[] = Array.from({ length: 20 }, (_, i) => i);
  values[1] = undefined;
  const e = encodeValues(values, "packed", [1])!;
  assert.deepEqual(decodeValues(e.wire), values.map((v) => v ?? 0));
});

test("encodings: the shape look and the measured costs", () => {
  const many = <T>(x: T) => Array<T>(16).fill(x);
  assert.equal(encodingByShape(many(1)), "packed");
  assert.equal(encodingByShape(many([1, 2, 3])), "packed");
  assert.equal(encodingByShape(many("a")), "clone");
  assert.equal(encodingByShape([1, 2]), "clone"); // too few to be worth a buffer
  assert.equal(encodingByShape([]), "clone");
  // Long numeric arrays pack, but only by measurement (the worker times both), never by shape.
  assert.equal(encodingByShape(many(Array(17).fill(1))), "clone");
  assert.equal(longNumericArrays([Array(17).fill(1)]), true);
  assert.equal(longNumericArrays([Array(16).fill(1)]), false);
  assert.equal(longNumericArrays([Array(17).fill("a")]), false);
  const costs = measureEncodings([{ a: 1 }, { a: 2 }], () => performance.now());
  assert.deepEqual(costs.map((c) => c.encoding).sort(), ["clone", "json"]);
  assert.ok(costs.every((c) => c.perValueMs >= 0));
  const odd = measureEncodings([{ a: undefined }], () => performance.now());
  assert.deepEqual(odd.map((c) => c.encoding), ["clone"]); // JSON would drop `a`
});

/**
 * Runs `f` (awaited) with `structuredClone` and `JSON.stringify` spied on: the lengths of the
 * arrays cloned on this thread, the count of stringify calls, each of which adds `stringifyMs` to
 * `clock`.
 */
async function spied<T>(f: () => T | Promise<T>, clock?: { t: number }, stringifyMs = 0) {
  const g = globalThis as { structuredClone: typeof structuredClone };
  const clone = g.structuredClone, stringify = JSON.stringify;
  const cloned: number[] = [];
  let stringified = 0;
  g.structuredClone = ((v: unknown, o?: StructuredSerializeOptions) => {
    if (Array.isArray(v)) cloned.push(v.length);
    return clone(v, o);
  }) as typeof structuredClone;
  JSON.stringify = ((...a: Parameters<typeof stringify>) => {
    stringified++;
    if (clock) clock.t += stringifyMs;
    return stringify(...a);
  }) as typeof JSON.stringify;
  try {
    return { value: await f(), cloned, stringified };
  } finally {
    g.structuredClone = clone;
    JSON.stringify = stringify;
  }
}

test("measureEncodings: large values are timed a few at a time, an encoding far slower than clone briefly", async () => {
  // 40 arrays of 1,000 numbers: each fits clone, packed and JSON. A clock that reads 1 ms later
  // at each reading makes a clone of two of them take the time of a ranking round; JSON's
  // stringify takes 5 ms more each call, ten times the others.
  const values = Array.from(
    { length: 40 },
    (_, i) => Array.from({ length: 1000 }, (_, k) => i + k / 7),
  );
  const clock = { t: 0 };
  const s = await spied(() => measureEncodings(values, () => ++clock.t), clock, 5);
  assert.deepEqual(s.value.map((c) => c.encoding).sort(), ["clone", "json", "packed"]);
  assert.equal(s.value.at(-1)!.encoding, "json");
  // Not all 40 cloned (to size the sample, or to time clone), nor stringified to check that JSON
  // fits them; JSON's two warm-up calls show it cannot win: no timed rounds.
  assert.ok(Math.max(...s.cloned) < values.length / 2, `cloned ${s.cloned}`);
  assert.ok(s.stringified <= 2, `stringify called ${s.stringified} times`);
});

// ── through real workers ─────────────────────────────────────────────────────────────────────

const identity = (x: unknown) => x;

test("encodings: exact round trips through workers, every encoding, every shape", async () => {
  const pool = createPool({ maxWorkers: 2 });
  try {
    for (let seed = 1; seed <= 6; seed++) {
      const g = new Gen(prng(1000 + seed));
      for (const shape of SHAPES) {
        const data = dataSet(g, shape, 60 + g.int(60));
        for (const encoding of ["auto", "clone", "packed", "json"] as const) {
          const out = await execute(identity, data, {
            executor: "workers",
            workers: 2,
            chunkSize: 1 + g.int(16),
            adaptive: false,
            encoding,
            pool,
          });
          exactEach(data, out, `seed ${seed} ${shape} ${encoding}`);
        }
      }
    }
  } finally {
    await pool.close();
  }
});

test("encodings: automatic mode keeps values exact (the optimizer's choice)", async () => {
  const pool = createPool({ maxWorkers: 2 });
  try {
    for (const shape of ["numbers", "pairs", "plain", "mixed"] as const) {
      const g = new Gen(prng(77));
      const data = dataSet(g, shape, 3000);
      const out = await execute(identity, data, { pool, cache: false });
      exactEach(data, out, `auto ${shape}`);
    }
  } finally {
    await pool.close();
  }
});

test("encodings: results of another shape than the items come back exactly", async () => {
  const pool = createPool({ maxWorkers: 2 });
  try {
    const data = Array.from({ length: 200 }, (_, i) => i - 100);
    const tasks: [string, (x: number) => unknown][] = [
      ["pair", (x: number) => [x, -x]],
      ["odd", (x: number) => (x % 7 === 0 ? -0 : x % 11 === 0 ? undefined : x / 3)],
      ["object", (x: number) => ({ x, s: String(x) })],
      // Long numeric arrays (packed in automatic mode where the worker measured it faster).
      ["long", (x: number) => Array.from({ length: 20 + (x & 7) }, (_, j) => j % 5 ? x / j : -0)],
    ];
    for (const [name, fn] of tasks) {
      for (const encoding of ["auto", "clone", "packed", "json"] as const) {
        const out = await execute(fn, data, {
          executor: "workers",
          workers: 2,
          chunkSize: 13,
          encoding,
          pool,
        });
        exactEach(data.map(fn), out, `${name} ${encoding}`);
      }
    }
  } finally {
    await pool.close();
  }
});

test("encodings: an uncloneable item late in a chunk: the items before it still run", async () => {
  const data: unknown[] = Array.from({ length: 10 }, (_, i) => i);
  data[7] = () => 0;
  const seen: unknown[] = [];
  let error: unknown;
  try {
    for await (
      const r of map((x: number) => x * 2, data as number[], {
        executor: "workers",
        workers: 1,
        chunkSize: 10,
        encoding: "clone",
      })
    ) seen.push(r);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof TaskError && error.index === 7, String(error));
  assert.match(String(error), /function/);
  assert.deepEqual(seen, [0, 2, 4, 6, 8, 10, 12]);
});

test("encodings: class instances are reported, without a deep scan of every item", async () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const cases: [string, unknown[], number, number][] = [];
  // In a packed run: the chunk does not fit the encoding, so it is scanned.
  const numbers: unknown[] = Array.from({ length: 200 }, (_, i) => i);
  numbers[153] = new Point(1);
  cases.push(["packed run", numbers, 20, 153]);
  // In a clone run (objects): the copy that prepares each chunk checks every item's prototype.
  const objects: unknown[] = Array.from({ length: 200 }, (_, i) => ({ i }));
  objects[171] = new Point(2);
  cases.push(["clone run", objects, 20, 171]);
  // Nested deeper: found by the look at the first chunk.
  const nested: unknown[] = Array.from({ length: 200 }, (_, i) => ({ i }));
  nested[7] = { i: 7, at: [new Point(3)] };
  cases.push(["nested, first chunk", nested, 20, 7]);
  for (const [label, data, chunkSize, index] of cases) {
    await assert.rejects(
      execute((x: unknown) => x, data, { executor: "workers", workers: 2, chunkSize }),
      (e: unknown) => e instanceof TaskError && e.index === index && /class Point/.test(e.message),
      label,
    );
  }
});

test("encodings: 'encoding' is checked", async () => {
  await assert.rejects(
    execute((x: number) => x, [1], { encoding: "xml" as never }),
    (e: unknown) => e instanceof TypeError && /'encoding' must be one of/.test(e.message),
  );
});

/** The model's inputs for 1,000 items of `profile` on 2 warm workers (engine cost 0.0001 ms). */
function inputsOf(
  profile: Partial<SampleProfile>,
  sendAt?: (values: number) => number | undefined,
) {
  const o = { itemMs: 0.0001, chunkMs: 0.02, roundTripMs: 0.05 } as unknown as Overheads;
  const sys = {
    logicalCores: 2,
    affinityCores: 2,
    cpuQuota: null,
    effectiveCores: 2,
    sources: { effectiveCores: "/sys/devices/system/cpu/online" },
  } as unknown as SystemInfo;
  const sp = { externalLoad: 0, ...profile } as SampleProfile;
  return modelInputs(1000, sp, o, sys, 2, true, 200, sendAt);
}

test("encodings: the model charges the chosen encoding's measured costs, else clone's", () => {
  const profile = {
    perItemMs: { mean: 0.001, median: 0.001, cv: 0, max: 0.002 },
    inputCloneMs: 0.0004,
    outputCloneMs: 0.0002,
  } as Partial<SampleProfile>;
  const clone = inputsOf(profile);
  assert.ok(Math.abs(clone.mainPerItemMs - (0.0004 + 0.0002 + 0.0001) / 2) < 1e-12);
  const packed = inputsOf({
    ...profile,
    encoding: { items: "packed", itemMs: 0.00002, results: "packed", resultMs: 0.00001 },
  });
  assert.ok(Math.abs(packed.mainPerItemMs - (0.00002 + 0.00001 + 0.0001) / 2) < 1e-12);
  assert.equal(packed.workerPerItemMs, packed.mainPerItemMs);
});

test("encodings: the model charges a side's measured crossing where it exceeds its clone", () => {
  const profile = {
    perItemMs: { mean: 0.1, median: 0.1, cv: 0, max: 0.1 },
    inputCloneMs: 0.001,
    outputCloneMs: 0.03,
    resultCrossingMs: 0.09,
  } as Partial<SampleProfile>;
  const crossed = inputsOf(profile);
  assert.ok(Math.abs(crossed.mainPerItemMs - (0.001 + 0.09 + 0.0001) / 2) < 1e-12);
  // A crossing under the clone time changes nothing; a side that goes in another encoding than
  // clone ignores it (the crossing was timed with clone).
  const less = inputsOf({ ...profile, itemCrossingMs: 0.0005 });
  assert.ok(Math.abs(less.mainPerItemMs - (0.001 + 0.09 + 0.0001) / 2) < 1e-12);
  const packed = inputsOf({
    ...profile,
    encoding: { items: "clone", itemMs: 0.001, results: "packed", resultMs: 0.002 },
  });
  assert.ok(Math.abs(packed.mainPerItemMs - (0.003 + 0.0001) / 2) < 1e-12);
});

test("encodings: the model charges a worker's measured send of a result on the workers' side", () => {
  const profile = {
    perItemMs: { mean: 0.001, median: 0.001, cv: 0, max: 0.001 },
    inputCloneMs: 0.0001,
    outputCloneMs: 0.0001,
  } as Partial<SampleProfile>;
  const half = (0.0001 + 0.0001 + 0.0001) / 2;
  // A send of 0.5 µs a result (Bun's post of short strings) in place of half the result's clone:
  // the workers pay it, the main thread as before.
  const sent = inputsOf({ ...profile, resultSendMs: 0.0005 });
  assert.ok(Math.abs(sent.mainPerItemMs - half) < 1e-12);
  assert.ok(Math.abs(sent.workerPerItemMs - (half - 0.0001 / 2 + 0.0005)) < 1e-12);
  // A send under half the crossing changes nothing.
  const cheap = inputsOf({ ...profile, resultSendMs: 0.00001 });
  assert.ok(Math.abs(cheap.workerPerItemMs - half) < 1e-12);
});

test("encodings: a result's send is read at a reply's size where sends of about that size were timed", () => {
  // Posts of 4 results at 0.02 ms each, of 64 at 0.3 ms each (and 0.01 ms a post): one slope
  // through both charges every chunk about 0.3 ms a result.
  const key = "send-by-size-test";
  for (let k = 0; k < 3; k++) {
    recordSend(key, { values: 4, ms: 0.09 });
    recordSend(key, { values: 64, ms: 19.21 });
  }
  const slope = resultSendMs(key)!;
  assert.ok(slope > 0.3, `${slope}`);
  assert.ok(resultSendMs(key, 4)! < 0.05, `${resultSendMs(key, 4)}`);
  assert.ok(resultSendMs(key, 3)! < 0.05, `${resultSendMs(key, 3)}`);
  assert.ok(Math.abs(resultSendMs(key, 64)! - 0.3) < 0.01, `${resultSendMs(key, 64)}`);
  assert.equal(resultSendMs(key, 16), slope); // no send near 16: the slope
  // Read again after a newer send (the reads are kept until one): the newer sends count.
  const other = "send-by-size-test-2";
  for (let k = 0; k < 3; k++) recordSend(other, { values: 16, ms: 0.5 });
  assert.equal(resultSendMs(other, 16), 0.5 / 16);
  assert.equal(resultSendMs(other), undefined); // one size only, under 1,024 results: no slope
  for (let k = 0; k < 3; k++) recordSend(other, { values: 16, ms: 3.2 });
  assert.equal(resultSendMs(other, 16), 3.2 / 16); // the median of six
  recordSend(other, { values: 2048, ms: 20.48 });
  assert.ok(resultSendMs(other)! > 0, `${resultSendMs(other)}`); // a slope now
  // The model's inputs take it by chunk size: a result's send in place of half its crossing.
  const profile = {
    perItemMs: { mean: 0.25, median: 0.25, cv: 0, max: 0.25 },
    inputCloneMs: 0.0001,
    outputCloneMs: 0.01,
    resultSendMs: slope,
  } as Partial<SampleProfile>;
  const m = inputsOf(profile, (v) => resultSendMs(key, v));
  const half = (0.0001 + 0.01 + 0.0001) / 2;
  assert.ok(Math.abs(m.workerPerItemMs - (half - 0.01 / 2 + slope)) < 1e-12);
  assert.ok(Math.abs(m.workerPerItemAt!(4) - (half - 0.01 / 2 + resultSendMs(key, 4)!)) < 1e-12);
  // No send measured for the task: nothing by size either.
  assert.equal(
    inputsOf({ ...profile, resultSendMs: undefined }, () => 1).workerPerItemAt,
    undefined,
  );
});

test("engine: a run's workers time their sends of results, kept per task", async () => {
  const pool = createPool({ maxWorkers: 2 });
  try {
    const t = task<number, string>(fixtureModule("tasks/basic"), "hexOf");
    const spec = taskSpec(t);
    assert.equal(resultSendMs(spec.key), undefined);
    // Chunks of different sizes (16 to 2048 results), several per worker: each reply after a
    // worker's first of the task carries the send of the one before.
    const data = Array.from({ length: 8192 }, (_, i) => i);
    for (const chunkSize of [16, 256, 2048]) {
      await execute(t, data, { pool, workers: 2, chunkSize, adaptive: false, cache: false });
    }
    const ms = resultSendMs(spec.key);
    assert.ok(ms !== undefined && ms >= 0 && ms < 1, `a result's send read ${ms} ms`);
  } finally {
    await pool.close();
  }
});

test("sampling: the crossing of large results and of many short strings is measured through a worker, not of numbers", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    const sample = async (name: string, data: unknown[], maxItems = 64, budgetMs = 5) => {
      const s = await sampleInWorker(
        workerSet(pool).ensure(1)[0],
        taskSpec(task(fixtureModule("tasks/basic"), name)),
        new Source<unknown>(data),
        new KnownResults(),
        budgetMs,
        maxItems,
      );
      await s.crossing?.();
      return s.profile!;
    };
    // A side is timed only where it goes as structured clone and its clone, or 0.05 µs where
    // that is more (`CROSSING_LEAST_MS`: no clone here bounds a crossing), is at least 2 % of the
    // task's time (`ENCODING_SHARE`). Numbers cost next to nothing to clone, but that is a
    // reading: beside other work a pause inside one clone's timing once made a number's clone
    // 2 % of a 0.5 ms item, and the items of makeDoubles were timed, as the rule says.
    const byRule = (p: SampleProfile) => {
      const sides = [
        [p.itemCrossingMs, p.encoding?.items, p.inputCloneMs],
        [p.resultCrossingMs, p.encoding?.results, p.outputCloneMs],
      ] as const;
      for (const [ms, encoding, cloneMs] of sides) {
        if (ms === undefined) continue;
        // Structured clone, chosen, or by the values' shape where no encoding was (numbers pack).
        assert.ok(encoding === "clone" || encoding === undefined, `${encoding}`);
        const least = Math.max(cloneMs, 5e-5);
        assert.ok(least >= 0.02 * p.perItemMs.mean, `${cloneMs} against ${p.perItemMs.mean}`);
      }
    };
    // 20,000 doubles back per item, in an object (structured clone only): cloning them costs far
    // more than 2 % of making them.
    const big = await sample("makeDoubles", new Array(4000).fill(20_000));
    const crossed = big.resultCrossingMs;
    assert.ok(crossed !== undefined && Number.isFinite(crossed) && crossed >= 0, `${crossed}`);
    byRule(big);
    byRule(await sample("square", Array.from({ length: 4000 }, (_, i) => i)));
    // Short strings in and out (structured clone; a clone is a share of so fast a task): timed on
    // hundreds of them, however few microseconds they add up to per item. (A budget that lets the
    // sample take them all, whatever the load: too few sampled are not timed.)
    const words = Array.from({ length: 4000 }, (_, i) => `item ${i} alpha beta gamma delta`);
    // Timed where a side goes as structured clone and its clone is at least 2 % of the task's
    // time (`ENCODING_SHARE`): 0.04–0.5 µs a string against 0.01–0.25 µs an identity call, beside
    // two CPU hogs. The rule reads the sampled mean, which time lost to other threads inside the
    // stretch of 4,000 calls inflates: beside two hogs one run of the whole suite left a crossing
    // untimed, as the rule says it should.
    const strings = await sample("identity", words, 4000, 1000);
    assert.equal(strings.sampled, 4000);
    const sides = [
      [strings.itemCrossingMs, strings.encoding?.items, strings.inputCloneMs],
      [strings.resultCrossingMs, strings.encoding?.results, strings.outputCloneMs],
    ] as const;
    for (const [ms, encoding, cloneMs] of sides) {
      if (encoding !== "clone" || Math.max(cloneMs, 5e-5) < 0.02 * strings.perItemMs.mean) continue;
      assert.ok(ms !== undefined && Number.isFinite(ms) && ms >= 0, `${ms}`);
    }
  } finally {
    await pool.close();
  }
});

test("crossings: measured where values go as clone and can matter, once per task and size in a process", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    const worker = workerSet(pool).ensure(1)[0];
    const how = { roundTripMs: 0 };
    // Results of about 100 bytes from a task of 1 µs an item, whose clone here read nothing: no
    // clone here bounds a crossing (at least 0.05 µs is taken), so it can matter, and is measured.
    const results = Array.from({ length: 2048 }, (_, i) => `result ${i} `.repeat(8));
    const profile = (perItemMs: number, o: Pick<SampleProfile, "encoding"> = {}, bytes = 100) => {
      const p: SampleProfile = {
        sampled: 2048,
        timed: 2048,
        perItemMs: summarize([perItemMs]),
        cpuRatio: null,
        workloadType: "cpu",
        isAsync: false,
        inputBytes: 8,
        outputBytes: bytes,
        inputCloneMs: 0,
        outputCloneMs: 0,
        transferables: false,
        heapGrowthPerItemBytes: null,
        externalLoad: 0,
        internalThreads: 1,
      };
      if (o.encoding) p.encoding = o.encoding;
      return p;
    };
    const key = `crossings-test-${Math.random()}`;
    const first = profile(0.001);
    const measure = crossings(worker, key, first, [], results, how);
    assert.ok(measure, "a crossing to measure");
    await measure();
    const ms = first.resultCrossingMs;
    assert.ok(ms !== undefined && Number.isFinite(ms) && ms >= 0, `${ms}`);
    assert.equal(first.itemCrossingMs, undefined); // no items given
    // The same task's results again: the figure at once. Results 4× the size: measured again.
    const again = profile(0.001);
    assert.equal(crossings(worker, key, again, [], results, how), undefined);
    assert.equal(again.resultCrossingMs, ms);
    const larger = profile(0.001, {}, 400);
    assert.ok(crossings(worker, key, larger, [], results, how));
    // Not measured: results of 1 ms items (a crossing of 0.05 µs is no share of them), results
    // that go packed, and too few values to time (8 results, read as 0.05 µs each).
    const other = `${key}-other`;
    assert.equal(crossings(worker, other, profile(1), [], results, how), undefined);
    const packed = profile(0.001, {
      encoding: { items: "clone", results: "packed", itemMs: 0, resultMs: 0 },
    });
    assert.equal(crossings(worker, other, packed, [], results, how), undefined);
    assert.equal(crossings(worker, other, profile(0.001), [], results.slice(0, 8), how), undefined);
    // Numbers with no encoding chosen: a run's chunks pack them (by their shape), not measured.
    const numbers = Array.from({ length: 2048 }, (_, i) => i * 0.5);
    assert.equal(crossings(worker, other, profile(0.001), numbers, numbers, how), undefined);
  } finally {
    await pool.close();
  }
});

test("sampling: a clone's cost per value is timed on a few large values, not on all sampled", async () => {
  const pool = createPool({ maxWorkers: 1 });
  try {
    // 24 arrays of 8,000 numbers (~64 KB each) into a task that returns them.
    const data = Array.from({ length: 24 }, (_, i) => new Array(8000).fill(i + 0.5));
    const worker = workerSet(pool).ensure(1)[0];
    const spec = taskSpec(task(fixtureModule("tasks/basic"), "identity"));
    const s = await spied(() =>
      sampleInWorker(worker, spec, new Source<unknown>(data), new KnownResults(), 2000, 24)
    );
    const profile = s.value.profile!;
    assert.ok(profile.sampled >= 20, `sampled ${profile.sampled}`);
    assert.ok(profile.inputCloneMs > 0 && profile.outputCloneMs > 0);
    assert.ok(Math.max(...s.cloned) < profile.sampled / 2, `cloned ${s.cloned}`);
  } finally {
    await pool.close();
  }
});
