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
 * Where a Buffer sits among the values of a message (items or results): the value's index, then
 * the keys down to it (array indices, own keys of plain objects).
 */
export type BufferPath = (string | number)[];

/**
 * Look into `value`, at most `budget` nodes deep, for what cannot travel to or from a worker
 * intact (`why`, as `uncloneable`) and for its Buffers (`buffers`, their paths below `value`:
 * `[]` for `value` itself). A Buffer arrives as a plain Uint8Array over its bytes, and the other
 * side makes a Buffer of it again at that path (see `asBuffers`); one in a Map or a Set has no
 * such path and is named as other class instances are.
 */
export function inspect(
  value: unknown,
  budget: number,
): { why?: string; buffers?: BufferPath[] } {
  let buffers: BufferPath[] | undefined;
  try {
    // Each entry: a value, and its path (null: inside a Map or a Set).
    const stack: [unknown, BufferPath | null][] = [[value, []]];
    let seen = 0;
    while (stack.length > 0 && seen++ < budget) {
      const [v, path] = stack.pop()!;
      const type = typeof v;
      if (type === "function") {
        return { why: `a function (${(v as { name?: string }).name || "anonymous"})` };
      }
      if (type === "symbol") return { why: "a symbol" };
      if (type !== "object" || v === null) continue;
      if (path !== null && isBuffer(v)) {
        (buffers ??= []).push(path);
        continue;
      }
      const proto = Object.getPrototypeOf(v);
      if (!CLONEABLE_PROTOS.has(proto) && Object.getPrototypeOf(proto) !== TypedArrayProto) {
        if (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer) continue;
        if (typeof Blob !== "undefined" && v instanceof Blob) continue;
        const name = (proto?.constructor as { name?: string } | undefined)?.name || "anonymous";
        if (!ArrayBuffer.isView(v)) {
          return { why: `an instance of class ${name} (its methods would be lost)` };
        }
        // A typed array's subclass (Node's Buffer in a Map or a Set, another library's class)
        // arrives as the plain typed array: buffer.toString("utf8") read "104,105" in the
        // worker, "hi" here.
        const base = builtinView(proto);
        return {
          why: `an instance of class ${name}, a subclass of ${base} (it would arrive as a plain ` +
            `${base}, its methods lost: pass a plain ${base} over the same bytes; a Buffer ` +
            "arrives as a Buffer, but not in a Map or a Set)",
        };
      }
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
      const child = (key: string | number, x: unknown) =>
        stack.push([x, path === null || typeof x !== "object" ? null : [...path, key]]);
      if (v instanceof Map) {
        for (const [k, x] of v) stack.push([k, null], [x, null]);
      } else if (v instanceof Set) {
        for (const x of v) stack.push([x, null]);
      } else if (Array.isArray(v)) {
        for (let i = 0; i < v.length && i < budget; i++) child(i, v[i]);
      } else if (proto === Object.prototype || proto === null) {
        // Structured clone drops symbol-keyed properties without a word (the calling thread's
        // plain loop keeps them): an object holding one is named.
        const symbols = Object.getOwnPropertySymbols(v);
        if (symbols.length > 0) {
          return {
            why: `an object with a symbol-keyed property (${String(symbols[0])}), which ` +
              "structured clone drops",
          };
        }
        for (const k in v as Record<string, unknown>) child(k, (v as Record<string, unknown>)[k]);
      }
    }
  } catch (e) {
    // A getter, or a proxy's trap, that throws when read: cloning would throw the same.
    const what = e instanceof Error ? e.message : String(e);
    return { why: `an object whose property throws when read (${what})` };
  }
  return buffers ? { buffers } : {};
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
