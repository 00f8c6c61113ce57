// Whether two runs of a job gave the same results, compared as values cross threads: a structured
// clone keeps values, not prototypes (an object of the plain loop equals the one a worker sends
// back whatever their prototypes); NaN equals NaN, -0 differs from 0 (a clone keeps both). Cycles
// are followed once.

const _tag = (v: object) => Object.prototype.toString.call(v);

function _bytes(v: ArrayBufferView | ArrayBufferLike): Uint8Array {
  return ArrayBuffer.isView(v)
    ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
    : new Uint8Array(v);
}

function _sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function _same(a: unknown, b: unknown, seen: Map<object, object>): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (seen.get(a) === b) return true; // being compared further up: a cycle
  seen.set(a, b);
  const tag = _tag(a);
  if (tag !== _tag(b)) return false;
  switch (tag) {
    case "[object Date]":
    case "[object Number]":
    case "[object String]":
    case "[object Boolean]":
    case "[object BigInt]":
      return Object.is((a as Date).valueOf(), (b as Date).valueOf());
    case "[object RegExp]":
      return String(a) === String(b);
    case "[object ArrayBuffer]":
    case "[object SharedArrayBuffer]":
      return _sameBytes(_bytes(a as ArrayBuffer), _bytes(b as ArrayBuffer));
  }
  if (ArrayBuffer.isView(a)) return _sameBytes(_bytes(a), _bytes(b as ArrayBufferView));
  if (a instanceof Map || a instanceof Set) {
    const x = [...(a as Map<unknown, unknown>)], y = [...(b as Map<unknown, unknown>)];
    return x.length === y.length && x.every((v, i) => _same(v, y[i], seen)); // a clone keeps order
  }
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) if (!_same(a[i], y[i], seen)) return false;
    return true;
  }
  if (a instanceof Error) {
    const y = b as Error;
    if (a.name !== y.name || a.message !== y.message) return false;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
  return keys.every((k) => Object.hasOwn(y, k) && _same(x[k], y[k], seen));
}

/**
 * The index of the first result where `actual` differs from `expected`, or -1 when they agree
 * (arrays of different lengths differ at the shorter one's length).
 */
export function firstDifference(expected: readonly unknown[], actual: readonly unknown[]): number {
  const n = Math.min(expected.length, actual.length);
  for (let i = 0; i < n; i++) if (!_same(expected[i], actual[i], new Map())) return i;
  return expected.length === actual.length ? -1 : n;
}

/** A result in a message: short, never the whole of a large value. */
export function describeResult(value: unknown): string {
  let text: string | undefined;
  try {
    text = typeof value === "bigint" ? `${value}n` : JSON.stringify(value);
  } catch {
    text = undefined; // a cycle
  }
  if (text === undefined || (typeof value === "number" && !Number.isFinite(value))) {
    text = value !== null && typeof value === "object" ? _tag(value) : String(value);
  }
  if (Object.is(value, -0)) text = "-0";
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
