// Tasks of the engine benchmarks, loaded by our workers through task(url, name) and by piscina
// (Node) through its `name` option: the same code runs in every pool.

/** Busy-wait `ms` milliseconds; returns `ms`. */
export function spinMs(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x++;
  return x > -1 ? ms : -ms;
}

/** About `iterations` steps of integer arithmetic (calibrated by the caller to ~1 µs). */
export function tiny(iterations: number): number {
  let s = iterations;
  for (let i = 0; i < iterations; i++) s = (Math.imul(s, 1103515245) + 12345) | 0;
  return s;
}

/**
 * `iterations` xorshift steps from a seed above the small-integer range (the decision bench's
 * task): a task with a hot loop of its own, whose speed in a caller's loop depends on how the
 * runtime compiles that loop.
 */
export { spinIterations as xorshift } from "./_dq_tasks.ts";

/** {@linkcode spinMs} over a batch (for pools without chunking of their own). */
export function spinMsBatch(items: number[]): number[] {
  return items.map(spinMs);
}

/** {@linkcode tiny} over a batch. */
export function tinyBatch(items: number[]): number[] {
  return items.map(tiny);
}

/** Add one to every number of a Float64Array, in place; returns it. */
export function bump(a: Float64Array): Float64Array {
  for (let i = 0; i < a.length; i++) a[i] += 1;
  return a;
}

/** Echo for transport benchmarks. */
export function echo<T>(x: T): T {
  return x;
}

/** {@linkcode tiny} on the second number of an `[i, n]` pair. */
export function tinyPair(p: [number, number]): number {
  return tiny(p[1]) + p[0];
}

/** {@linkcode tiny} on the `n` of a small object. */
export function tinyObject(o: { i: number; n: number; tag: string }): number {
  return tiny(o.n) + o.i;
}

/** {@linkcode tiny}, returning a small object. */
export function tinyToObject(n: number): { v: number; tag: string } {
  return { v: tiny(n), tag: "r" };
}

/** About 100 KB of result: 12,800 numbers derived from `i`. */
export function big(i: number): number[] {
  const out = new Array<number>(12_800);
  for (let k = 0; k < out.length; k++) out[k] = i + k * 0.5;
  return out;
}

/** Batch variants for pools without chunking of their own. */
export const tinyPairBatch = (b: [number, number][]) => b.map(tinyPair);
export const tinyObjectBatch = (b: { i: number; n: number; tag: string }[]) => b.map(tinyObject);
export const tinyToObjectBatch = (b: number[]) => b.map(tinyToObject);
export const bigBatch = (b: number[]) => b.map(big);

/** A small order, as the validation of section 7 reads it. */
export interface Order {
  id: number;
  customer: { name: string; email: string };
  lines: { sku: string; qty: number; price: number }[];
}

/** Whether an order is well formed (a fraction of a microsecond; allocates nothing). */
export function validOrder(o: Order): boolean {
  if (!Number.isInteger(o.id) || o.id < 1) return false;
  if (typeof o.customer.name !== "string" || !o.customer.email.includes("@")) return false;
  for (const l of o.lines) {
    if (typeof l.sku !== "string" || !Number.isInteger(l.qty) || l.qty < 1 || l.price < 0) {
      return false;
    }
  }
  return o.lines.length > 0;
}
