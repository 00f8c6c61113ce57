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
  try {
    return firstUncloneable(value, budget);
  } catch (e) {
    // A getter, or a proxy's trap, that throws when read: cloning would throw the same.
    const what = e instanceof Error ? e.message : String(e);
    return `an object whose property throws when read (${what})`;
  }
}

function firstUncloneable(value: unknown, budget: number): string | undefined {
  if (isBuffer(value)) return undefined; // a Buffer again on arrival (see `bufferPositions`)
  const stack: unknown[] = [value];
  let seen = 0;
  while (stack.length > 0 && seen++ < budget) {
    const v = stack.pop();
    const type = typeof v;
    if (type === "function") return `a function (${(v as { name?: string }).name || "anonymous"})`;
    if (type === "symbol") return "a symbol";
    if (type !== "object" || v === null) continue;
    const proto = Object.getPrototypeOf(v);
    if (!CLONEABLE_PROTOS.has(proto) && Object.getPrototypeOf(proto) !== TypedArrayProto) {
      if (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer) continue;
      if (typeof Blob !== "undefined" && v instanceof Blob) continue;
      const name = (proto?.constructor as { name?: string } | undefined)?.name || "anonymous";
      if (!ArrayBuffer.isView(v)) return `an instance of class ${name} (its methods would be lost)`;
      // A typed array's subclass (Node's Buffer, from node:zlib or node:fs) arrives as the plain
      // typed array: buffer.toString("utf8") read "104,105" in the worker, "hi" here.
      const base = builtinView(proto);
      return `an instance of class ${name}, a subclass of ${base} (it would arrive as a plain ` +
        `${base}, its methods lost: pass a plain ${base} over the same bytes; a Buffer that is ` +
        "an item or a result itself, not inside one, arrives as a Buffer)";
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    if (v instanceof Map) {
      for (const [k, x] of v) stack.push(k, x);
    } else if (v instanceof Set) {
      for (const x of v) stack.push(x);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length && i < budget; i++) stack.push(v[i]);
    } else if (proto === Object.prototype || proto === null) {
      for (const k in v as Record<string, unknown>) stack.push((v as Record<string, unknown>)[k]);
    }
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
export function isBuffer(value: unknown): value is Buffer {
  return value instanceof Uint8Array && Object.getPrototypeOf(value) === Buffer.prototype;
}

/**
 * The positions of the Buffers among `values` (items or results, not nested in them), for the
 * other side to make Buffers of again (see {@linkcode asBuffers}); undefined where there are none.
 * A Buffer nested in an item or a result is refused as other class instances are.
 */
export function bufferPositions(values: unknown[]): number[] | undefined {
  let at: number[] | undefined;
  for (let i = 0; i < values.length; i++) if (isBuffer(values[i])) (at ??= []).push(i);
  return at;
}

/** Make Buffers again, over the same bytes, of the values at `positions` (see `bufferPositions`). */
export function asBuffers(values: unknown[], positions: number[] | undefined): void {
  for (const i of positions ?? []) {
    const v = values[i];
    if (v instanceof Uint8Array) values[i] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
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
