// Deno's `node:worker_threads` moves typed arrays slowly: measured on Deno 2.9.6, 60 Uint8Arrays
// of 64 KiB took 230–290 ms to post and answer (about 4 ms each), whether their buffers were
// cloned or transferred; the same bytes as plain ArrayBuffers, transferred, took 1 ms (Node and
// Bun clone the views in 6–9 ms). So on Deno a message that holds views (typed arrays, DataViews)
// or ArrayBuffers outside its transfer list is structured-cloned here first (natively: a few
// milliseconds for megabytes, and exact), the clone's views are replaced by small records of
// their buffer, offset and length, and the clone's buffers are transferred: the sender keeps its
// own values (listed transferables move, as posting would move them), the receiver rebuilds the
// views. Views sharing a buffer still share it there. A message without binary data is posted as
// it is (one walk decides; a long array whose elements sampled at 16 places are primitives is not
// walked). A view the walk does not reach (deeper than `MAX_DEPTH`, under a named property of an
// array, or among such primitives) is cloned the slow way: still exact.

/** Marks a message whose views were packed (the receiver revives it). */
const PACKED = "__amorsize_views__";
/** Marks a packed view inside such a message. */
const VIEW = "__amorsize_view__";

/** Containers deeper than this are not walked (a view below is cloned the slow way). */
const MAX_DEPTH = 32;

interface PackedView {
  [VIEW]: string;
  buffer: ArrayBuffer;
  byteOffset: number;
  length: number;
}

/**
 * `message` and `transfer` as they should be posted through Deno's `node:worker_threads`: as
 * they are, or a structured clone of `message` (native, exact: holes, extra properties, shared
 * references and cycles kept; the listed transferables moved into it, as posting would) whose
 * views are replaced by records of their buffers, every buffer of the clone transferred.
 */
export function packViews(
  message: unknown,
  transfer: Transferable[] | undefined,
): [unknown, Transferable[] | undefined] {
  if (!holdsBinary(message, new Set(transfer ?? []), 0, new Set())) return [message, transfer];
  const copy = structuredClone(message, { transfer: transfer ?? [] });
  const buffers = new Set<ArrayBuffer>();
  const packed = pack(copy, buffers, 0, new Map());
  const others = (transfer ?? []).filter((t) => !(t instanceof ArrayBuffer));
  return [{ [PACKED]: packed }, [...buffers, ...others]];
}

/** A received message as it was sent: packed views rebuilt (other messages as they are). */
export function unpackViews(data: unknown): unknown {
  if (typeof data !== "object" || data === null || !(PACKED in data)) return data;
  return unpack((data as Record<string, unknown>)[PACKED], 0, new Map());
}

function holdsBinary(v: unknown, listed: Set<unknown>, depth: number, seen: Set<object>): boolean {
  if (v === null || typeof v !== "object" || depth > MAX_DEPTH) return false;
  if (ArrayBuffer.isView(v)) return !isShared(v.buffer);
  if (v instanceof ArrayBuffer) return !listed.has(v);
  if (seen.has(v)) return false;
  seen.add(v);
  for (const x of children(v)) if (holdsBinary(x, listed, depth + 1, seen)) return true;
  return false;
}

/**
 * Replace, in place, every view inside the clone `v` by a record of its buffer (collected in
 * `buffers`); returns `v`, or its record when `v` is a view. Arrays are walked by index (the
 * receiver walks the same way), plain objects by their own keys, maps and sets by entry.
 */
function pack(
  v: unknown,
  buffers: Set<ArrayBuffer>,
  depth: number,
  seen: Map<object, unknown>,
): unknown {
  if (v === null || typeof v !== "object" || depth > MAX_DEPTH) return v;
  if (seen.has(v)) return seen.get(v); // shared references stay shared
  if (ArrayBuffer.isView(v)) {
    if (isShared(v.buffer)) return v;
    buffers.add(v.buffer as ArrayBuffer);
    const length = v instanceof DataView
      ? v.byteLength
      : (v as unknown as { length: number }).length;
    const out: PackedView = {
      [VIEW]: Object.getPrototypeOf(v).constructor.name,
      buffer: v.buffer as ArrayBuffer,
      byteOffset: v.byteOffset,
      length,
    };
    seen.set(v, out);
    return out;
  }
  seen.set(v, v);
  if (v instanceof ArrayBuffer) {
    buffers.add(v);
    return v;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (i in v && v[i] !== null && typeof v[i] === "object") {
        v[i] = pack(v[i], buffers, depth + 1, seen);
      }
    }
  } else if (v instanceof Map) {
    const entries = [...v].map(([k, x]) =>
      [pack(k, buffers, depth + 1, seen), pack(x, buffers, depth + 1, seen)] as const
    );
    v.clear();
    for (const [k, x] of entries) v.set(k, x);
  } else if (v instanceof Set) {
    const values = [...v].map((x) => pack(x, buffers, depth + 1, seen));
    v.clear();
    for (const x of values) v.add(x);
  } else {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v; // Date, RegExp, Error…
    const r = v as Record<string, unknown>;
    for (const k of Object.keys(r)) r[k] = pack(r[k], buffers, depth + 1, seen);
  }
  return v;
}

function unpack(v: unknown, depth: number, seen: Map<object, unknown>): unknown {
  if (v === null || typeof v !== "object" || depth > MAX_DEPTH) return v;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
  if (seen.has(v)) return seen.get(v); // a shared reference: what its first visit gave
  seen.set(v, v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (i in v) v[i] = unpack(v[i], depth + 1, seen);
    return v;
  }
  if (v instanceof Map) {
    const entries = [...v].map(([k, x]) =>
      [unpack(k, depth + 1, seen), unpack(x, depth + 1, seen)] as const
    );
    v.clear();
    for (const [k, x] of entries) v.set(k, x);
    return v;
  }
  if (v instanceof Set) {
    const values = [...v].map((x) => unpack(x, depth + 1, seen));
    v.clear();
    for (const x of values) v.add(x);
    return v;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const r = v as Record<string, unknown>;
  if (typeof r[VIEW] === "string" && r.buffer instanceof ArrayBuffer) {
    const p = r as unknown as PackedView;
    const Ctor = (globalThis as Record<string, unknown>)[p[VIEW]] as
      | (new (b: ArrayBuffer, o: number, n: number) => unknown)
      | undefined;
    const view = typeof Ctor === "function" ? new Ctor(p.buffer, p.byteOffset, p.length) : p;
    seen.set(v, view);
    return view;
  }
  for (const k of Object.keys(r)) r[k] = unpack(r[k], depth + 1, seen);
  return r;
}

/** The values inside a container structured clone copies (arrays, plain objects, maps, sets). */
function children(v: object): Iterable<unknown> {
  if (Array.isArray(v)) return primitives(v) ? [] : v;
  if (v instanceof Map) return [...v.keys(), ...v.values()];
  if (v instanceof Set) return v;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null ? Object.values(v) : [];
}

/**
 * Whether a long array holds primitives only, judged at 16 places (items of a chunk are
 * usually alike): a chunk of numbers or strings is then not walked item by item. A view hidden
 * between them is cloned the slow way, still exactly.
 */
function primitives(a: unknown[]): boolean {
  if (a.length < 256) return false;
  for (let j = 0; j < 16; j++) {
    const x = a[Math.floor((j * (a.length - 1)) / 15)];
    if (x !== null && typeof x === "object") return false;
  }
  return true;
}

function isShared(b: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer !== "undefined" && b instanceof SharedArrayBuffer;
}
