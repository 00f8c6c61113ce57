// Find values that structured clone would reject or silently damage (class instances lose their
// methods), and collect transferable buffers.
import { Buffer } from "node:buffer";

const CLONEABLE_PROTOS = new Set<unknown>([
  Object.prototype,
  Array.prototype,
  null,
  Date.prototype,
  RegExp.prototype,
  Map.prototype,
  Set.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
]);
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);

/**
 * Whether structured clone copies `value` on this thread: a clone of it whole (for failure paths,
 * naming the item a message could not carry).
 */
export function isCloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Describe why `value` cannot travel to or from a worker intact, or undefined when it can. Looks
 * at most `budget` nodes deep into objects, so it stays cheap on large values.
 */
export function uncloneable(value: unknown, budget = 64): string | undefined {
  return inspect(value, budget).why;
}

/**
 * The error for item `index` of the input, which cannot travel to a worker intact (`why`, as
 * {@linkcode uncloneable} says): one message wherever a run or the optimizer meets it.
 *
 * @example Usage
 * ```ts
 * import { unsendableItem } from "./_cloneable.ts";
 * import assert from "node:assert/strict";
 *
 * const e = unsendableItem(7, "a function (f)");
 * assert.equal(e.name, "DataCloneError");
 * assert.equal(e.message, "Item 7 cannot be sent to a worker: it is a function (f)");
 * ```
 */
export function unsendableItem(index: number, why: string): Error {
  const e = new Error(`Item ${index} cannot be sent to a worker: it is ${why}`);
  e.name = "DataCloneError";
  return e;
}

/**
 * Where a Buffer sits among the values of a message (items or results): the value's index, then
 * the keys down to it (array indices, own keys of plain objects).
 */
export type BufferPath = (string | number)[];

/**
 * A step from a value to one it holds: an array index or an object key (a Buffer's path), or
 * what a Map, a Set or an Error holds (named in messages only).
 */
type Step = string | number | { mapKey: true } | { mapValue: unknown } | { set: true } | {
  cause: true;
};

/**
 * Where structured clone refused `value` (a failure path: it looks through the whole value, up to
 * 100,000 nodes): what the culprit is and where, as `a function (Decimal) at .rows[25].v`, or
 * undefined when nothing is found. The clone's own message names neither: Deno and Node quote
 * the function's source, Bun says "The object can not be cloned.".
 */
export function locateUncloneable(value: unknown): string | undefined {
  return inspect(value, 100_000, true).why;
}

/**
 * Look into `value`, at most `budget` nodes deep, for what cannot travel to or from a worker
 * intact (`why`, as `uncloneable`; with `where`, followed by where it lies, each node looked at
 * once) and for its Buffers (`buffers`, their paths below `value`: `[]` for `value` itself). A
 * Buffer arrives as a plain Uint8Array over its bytes, and the other side makes a Buffer of it
 * again at that path (see `asBuffers`); one in a Map or a Set has no such path and is named as
 * other class instances are.
 */
export function inspect(
  value: unknown,
  budget: number,
  where = false,
): { why?: string; buffers?: BufferPath[] } {
  if (where) return walk(value, budget, true);
  // Most values hold no Buffer: looked at without building the paths (a path per object cost
  // 4–5× the look on small objects); one that does is walked again, with them.
  const why = quickLook(value, budget);
  return why === BUFFER ? walk(value, budget, false) : why === undefined ? {} : { why };
}

/** What `quickLook` says of a value that holds a Buffer (and nothing that cannot travel). */
const BUFFER = Symbol("buffer");

/**
 * `inspect` without the paths: why `value` cannot travel, `BUFFER` where it holds a Buffer (a
 * walk with the paths finds where, and whether it lies in a Map or a Set), else undefined.
 */
function quickLook(value: unknown, budget: number): string | typeof BUFFER | undefined {
  let buffer = false;
  try {
    const stack: unknown[] = [value];
    let seen = 0;
    while (stack.length > 0 && seen++ < budget) {
      const v = stack.pop();
      const type = typeof v;
      if (type !== "object" || v === null) {
        if (type === "function" || type === "symbol") return problem(v);
        continue;
      }
      // Plain objects and arrays first: most values are made of them.
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) {
        if (Object.getOwnPropertySymbols(v).length > 0) return symbolKeyed(v as object);
        for (const k in v as Record<string, unknown>) stack.push((v as Record<string, unknown>)[k]);
        continue;
      }
      if (proto === Array.prototype) {
        const a = v as unknown[];
        for (let i = 0; i < a.length && i < budget; i++) stack.push(a[i]);
        continue;
      }
      if (isBuffer(v)) {
        buffer = true;
        continue;
      }
      const found = problem(v);
      if (found !== undefined) return found;
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
      if (v instanceof Map) {
        for (const [k, x] of v) stack.push(k, x);
      } else if (v instanceof Set) {
        for (const x of v) stack.push(x);
      } else if (v instanceof Error && Object.hasOwn(v, "cause")) stack.push(v.cause);
    }
  } catch (e) {
    return unreadable(e);
  }
  return buffer ? BUFFER : undefined;
}

/** Why an object with a symbol-keyed property cannot travel intact. */
function symbolKeyed(v: object): string {
  const symbol = Object.getOwnPropertySymbols(v)[0];
  return `an object with a symbol-keyed property (${String(symbol)}), which structured clone drops`;
}

/** Why a value whose property (or proxy trap) throws when read cannot travel. */
function unreadable(e: unknown): string {
  // A getter, or a proxy's trap, that throws when read: cloning would throw the same.
  const what = e instanceof Error ? e.message : String(e);
  return `an object whose property throws when read (${what})`;
}

/** `inspect` with the paths (see `inspect`). */
function walk(
  value: unknown,
  budget: number,
  where: boolean,
): { why?: string; buffers?: BufferPath[] } {
  let buffers: BufferPath[] | undefined;
  const visited = where ? new Set<unknown>() : undefined;
  try {
    // Each entry: a value and the steps to it, as a chain to its parent's (built for objects,
    // and for all with `where`): a value nested 100,000 deep copied a path of each length, and
    // its failure took minutes to name.
    const stack: [unknown, Trail | undefined][] = [[value, undefined]];
    let seen = 0;
    while (stack.length > 0 && seen++ < budget) {
      const [v, trail] = stack.pop()!;
      if (isBuffer(v) && (trail === undefined || trail.plain)) {
        (buffers ??= []).push(steps(trail) as BufferPath);
        continue;
      }
      const found = problem(v);
      if (found !== undefined) {
        return { why: where && trail ? `${found} at ${pathText(steps(trail))}` : found };
      }
      if (typeof v !== "object" || v === null || visited?.has(v)) continue;
      visited?.add(v);
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
      const child = (step: Step, x: unknown) =>
        stack.push([
          x,
          where || (typeof x === "object" && x !== null)
            ? { step, up: trail, plain: (trail?.plain ?? true) && typeof step !== "object" }
            : trail,
        ]);
      const proto = Object.getPrototypeOf(v);
      if (v instanceof Map) {
        for (const [k, x] of v) child({ mapKey: true }, k), child({ mapValue: k }, x);
      } else if (v instanceof Set) {
        for (const x of v) child({ set: true }, x);
      } else if (Array.isArray(v)) {
        for (let i = 0; i < v.length && i < budget; i++) child(i, v[i]);
      } else if (v instanceof Error) {
        // Cloned with it (see `CLONE_KEEPS_CAUSE`).
        if (Object.hasOwn(v, "cause")) child({ cause: true }, v.cause);
      } else if (proto === Object.prototype || proto === null) {
        // Structured clone drops symbol-keyed properties without a word (the calling thread's
        // plain loop keeps them): an object holding one is named.
        if (Object.getOwnPropertySymbols(v).length > 0) {
          const why = symbolKeyed(v);
          return { why: where && trail ? `${why} at ${pathText(steps(trail))}` : why };
        }
        for (const k in v as Record<string, unknown>) child(k, (v as Record<string, unknown>)[k]);
      }
    }
  } catch (e) {
    return { why: unreadable(e) };
  }
  return buffers ? { buffers } : {};
}

/** The last step to a value, the trail to its parent, and whether every step is an index or a key. */
interface Trail {
  step: Step;
  up: Trail | undefined;
  plain: boolean;
}

/** The steps of a trail, from the top value down. */
function steps(trail: Trail | undefined): Step[] {
  const out: Step[] = [];
  for (let t = trail; t; t = t.up) out.push(t.step);
  return out.reverse();
}

/** The steps to a value as a path reads: `.rows[25].v`, `.get("k")`, `.values()`, `.cause`. */
function pathText(path: Step[]): string {
  return path.map((step) =>
    typeof step === "number"
      ? `[${step}]`
      : typeof step === "string"
      ? `.${step}`
      : "mapKey" in step
      ? ".keys()"
      : "mapValue" in step
      ? `.get(${describeKey(step.mapValue)})`
      : "set" in step
      ? ".values()"
      : ".cause"
  ).join("");
}

/** A Map key as a path shows it: a string or number as it is, anything else by its type. */
function describeKey(k: unknown): string {
  return typeof k === "string" ? JSON.stringify(k) : typeof k === "number" ? String(k) : typeof k;
}

/** Why the value `v` itself (not what it holds) cannot travel intact, or undefined. */
function problem(v: unknown): string | undefined {
  const type = typeof v;
  if (type === "function") return `a function (${(v as { name?: string }).name || "anonymous"})`;
  if (type === "symbol") return "a symbol";
  if (type !== "object" || v === null) return undefined;
  const proto = Object.getPrototypeOf(v);
  if (!CLONEABLE_PROTOS.has(proto) && Object.getPrototypeOf(proto) !== TypedArrayProto) {
    if (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer) {
      return undefined;
    }
    if (typeof Blob !== "undefined" && v instanceof Blob) return undefined;
    const name = (proto?.constructor as { name?: string } | undefined)?.name || "anonymous";
    if (!ArrayBuffer.isView(v)) {
      // Immutable.js's Map and Set, a library's own Date or Error: named as the built-in class,
      // the message read as if a Map could not be sent. A built-in class itself
      // (AggregateError, DOMException) is named as it is.
      const global = (globalThis as Record<string, unknown>)[name];
      const shadows = typeof global === "function" && global.prototype !== proto;
      const own = shadows ? `, a class of its own, not the built-in ${name}` : "";
      return `an instance of class ${name}${own} (its methods would be lost)`;
    }
    // A typed array's subclass (a Buffer in a Map or a Set, another library's class) arrives as
    // the plain typed array: buffer.toString("utf8") read "104,105" in the worker, "hi" here.
    const base = builtinView(proto);
    return `an instance of class ${name}, a subclass of ${base} (it would arrive as a plain ` +
      `${base}, its methods lost: pass a plain ${base} over the same bytes; a Buffer arrives ` +
      "as a Buffer, but not in a Map or a Set)";
  }
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return undefined;
  if (proto && proto !== Object.prototype && proto !== Array.prototype) {
    const lost = droppedField(v as object, proto);
    if (lost !== undefined) {
      const name = (proto.constructor as { name?: string }).name ?? "object";
      return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name} whose own property ` +
        `"${lost}" would be lost (structured clone keeps ${KEPT[name] ?? `only the ${name}`})`;
    }
  }
  return undefined;
}

/**
 * Whether this runtime's structured clone keeps an Error's `cause`: Deno's and Node's do, Bun
 * 1.4's drops it (an Error returned with its cause arrived without one). Asked of the clone
 * itself.
 */
const CLONE_KEEPS_CAUSE = (() => {
  try {
    return structuredClone(new Error("", { cause: 1 })).cause === 1;
  } catch {
    return false;
  }
})();

/** What structured clone keeps of an Error. */
const KEPT: Record<string, string> = Object.fromEntries(
  ["Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError"]
    .map((n) => [
      n,
      `only an error's message, stack${CLONE_KEEPS_CAUSE ? ", cause" : ""} and built-in name`,
    ]),
);

/**
 * The first own field of a Date, RegExp, Map, Set, Error or primitive wrapper that structured
 * clone drops without a word: it copies the value itself, never the fields set on it — a `code`
 * on an Error (node:fs, a library's own codes), a custom `name` ("MyError" arrived as "Error"),
 * a time zone set on a Date. An Error's own `message` and its class's own `name` are kept.
 */
function droppedField(v: object, proto: object): string | undefined {
  if (!CLONE_KEEPS_CAUSE && v instanceof Error && Object.hasOwn(v, "cause")) return "cause";
  for (const key of Object.keys(v)) {
    if (v instanceof Error) {
      if (key === "message" || key === "stack") continue;
      if (key === "name" && (v as Error).name === (proto as Error).name) continue;
    }
    return key;
  }
  return undefined;
}

/** The name of the built-in view class (`Uint8Array`, `DataView`) that `proto` descends from. */
function builtinView(proto: object): string {
  let p: object | null = proto;
  while (p !== null && p !== DataView.prototype && Object.getPrototypeOf(p) !== TypedArrayProto) {
    p = Object.getPrototypeOf(p);
  }
  return (p?.constructor as { name?: string } | undefined)?.name ?? "typed array";
}

/**
 * Whether `value` is a Node `Buffer` (node:zlib's, node:crypto's and node:fs's results; not a
 * subclass of it): structured clone delivers a plain `Uint8Array` over its bytes.
 */
export function isBuffer(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && Object.getPrototypeOf(value) === Buffer.prototype;
}

/**
 * The paths of the Buffers among `values` (items or results) and inside them, at most `budget`
 * nodes into each (see `inspect`), for the other side to make Buffers of again (see
 * {@linkcode asBuffers}); undefined where there are none.
 */
export function bufferPaths(values: unknown[], budget = 16): BufferPath[] | undefined {
  let at: BufferPath[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "object" || v === null) continue;
    for (const p of inspect(v, budget).buffers ?? []) (at ??= []).push([i, ...p]);
  }
  return at;
}

/** Make Buffers again, over the same bytes, of the views at `paths` (see `bufferPaths`). */
export function asBuffers(values: unknown[], paths: BufferPath[] | undefined): void {
  for (const path of paths ?? []) {
    let parent = values as unknown as Record<string | number, unknown>;
    for (let k = 0; k < path.length - 1 && parent; k++) {
      parent = parent[path[k]] as Record<string | number, unknown>;
    }
    const last = path[path.length - 1];
    const v = parent?.[last];
    if (v instanceof Uint8Array) parent[last] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  }
}

/** Buffers in `values` (ArrayBuffers and the buffers of typed arrays), looking two levels deep. */
export function findTransferables(values: unknown[]): Transferable[] {
  const found = new Set<ArrayBuffer>();
  const visit = (v: unknown, depth: number) => {
    if (v instanceof ArrayBuffer) found.add(v);
    else if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) found.add(v.buffer);
    else if (depth > 0 && Array.isArray(v)) { for (const x of v) visit(x, depth - 1); }
    else if (
      depth > 0 && v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype
    ) {
      for (const x of Object.values(v)) visit(x, depth - 1);
    }
  };
  for (const v of values) visit(v, 2);
  return [...found];
}

/**
 * Whether a buffer was transferred away: its `detached` flag where the runtime has it (not Node
 * 20), else an empty buffer that no view can be made on (a buffer of 0 bytes is not detached).
 */
export function isDetached(t: Transferable): boolean {
  const b = t as ArrayBuffer & { detached?: boolean };
  if (typeof b.detached === "boolean") return b.detached;
  if (!(t instanceof ArrayBuffer) || b.byteLength > 0) return false;
  try {
    new Uint8Array(b);
    return false;
  } catch {
    return true;
  }
}
