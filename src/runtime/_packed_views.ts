// Deno's `node:worker_threads` moves typed arrays slowly: measured on Deno 2.9.6, 60 Uint8Arrays
// of 64 KiB took 230–290 ms to post and answer (about 4 ms each), whether their buffers were
// cloned or transferred; the same bytes as plain ArrayBuffers, transferred, took 1 ms (Node and
// Bun clone the views in 6–9 ms). So on Deno a message that holds views (typed arrays, DataViews)
// or ArrayBuffers outside its transfer list travels with every view replaced by a small record
// of its buffer, offset and length, and every buffer transferred: a buffer the sender listed
// moves as asked; any other is copied first (the sender keeps its own, as structured clone
// would). The receiver rebuilds the views. Views sharing a buffer still share it there, as with
// structured clone. A message without binary data is posted as it is (one walk decides).

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
 * they are, or with its views packed and its buffers transferred (see the top of this file).
 */
export function packViews(
  message: unknown,
  transfer: Transferable[] | undefined,
): [unknown, Transferable[] | undefined] {
  const listed = new Set<unknown>(transfer ?? []);
  if (!holdsBinary(message, listed, 0, new Set())) return [message, transfer];
  const moved = new Map<ArrayBuffer, ArrayBuffer>(); // each buffer → the one that travels
  const travel = (b: ArrayBuffer) => {
    let t = moved.get(b);
    if (!t) moved.set(b, t = listed.has(b) ? b : b.slice(0));
    return t;
  };
  const packed = pack(message, travel, 0, new Map());
  const rest = (transfer ?? []).filter((t) => !(t instanceof ArrayBuffer) || !moved.has(t));
  return [{ [PACKED]: packed }, [...new Set(moved.values()), ...rest]];
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

function pack(
  v: unknown,
  travel: (b: ArrayBuffer) => ArrayBuffer,
  depth: number,
  seen: Map<object, unknown>,
): unknown {
  if (v === null || typeof v !== "object" || depth > MAX_DEPTH) return v;
  if (seen.has(v)) return seen.get(v); // shared references stay shared
  if (ArrayBuffer.isView(v)) {
    if (isShared(v.buffer)) return v;
    const length = v instanceof DataView
      ? v.byteLength
      : (v as unknown as { length: number }).length;
    const out: PackedView = {
      [VIEW]: Object.getPrototypeOf(v).constructor.name,
      buffer: travel(v.buffer as ArrayBuffer),
      byteOffset: v.byteOffset,
      length,
    };
    seen.set(v, out);
    return out;
  }
  if (v instanceof ArrayBuffer) return travel(v);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    seen.set(v, out);
    for (let i = 0; i < v.length; i++) out.push(pack(v[i], travel, depth + 1, seen));
    return out;
  }
  if (v instanceof Map) {
    const out = new Map();
    seen.set(v, out);
    for (const [k, x] of v) {
      out.set(pack(k, travel, depth + 1, seen), pack(x, travel, depth + 1, seen));
    }
    return out;
  }
  if (v instanceof Set) {
    const out = new Set();
    seen.set(v, out);
    for (const x of v) out.add(pack(x, travel, depth + 1, seen));
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v; // Date, RegExp, Error…: as they are
  const out: Record<string, unknown> = {};
  seen.set(v, out);
  for (const k of Object.keys(v)) {
    out[k] = pack((v as Record<string, unknown>)[k], travel, depth + 1, seen);
  }
  return out;
}

function unpack(v: unknown, depth: number, seen: Map<object, unknown>): unknown {
  if (v === null || typeof v !== "object" || depth > MAX_DEPTH) return v;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
  if (seen.has(v)) return seen.get(v); // a shared reference: what its first visit gave
  seen.set(v, v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = unpack(v[i], depth + 1, seen);
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
  if (Array.isArray(v)) return v;
  if (v instanceof Map) return [...v.keys(), ...v.values()];
  if (v instanceof Set) return v;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null ? Object.values(v) : [];
}

function isShared(b: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer !== "undefined" && b instanceof SharedArrayBuffer;
}
