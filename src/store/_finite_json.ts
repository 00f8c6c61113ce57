// JSON has no Infinity or NaN (the optimizer's caps are often Infinity, predictions NaN): in the
// optimizer's cache entries they travel as { "$num": "Infinity" }; `undefined` fields are dropped.

/** A copy of `v`, non-finite numbers replaced by `{ $num: "Infinity" | "-Infinity" | "NaN" }`. */
export function encode(v: unknown): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? v : { $num: String(v) };
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = encode(x);
    return out;
  }
  return v;
}

/** The inverse of {@linkcode encode}. */
export function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.$num === "string" && Object.keys(o).length === 1) return Number(o.$num);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decode(x);
    return out;
  }
  return v;
}
