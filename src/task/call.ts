/**
 * How our loops call a task: whether a result is a promise, and a call that the compiler does
 * not inline into the loop.
 *
 * @module
 */

/**
 * Whether a task's result is a promise (any object or function with a `then` method).
 *
 * @param v A task's result.
 * @returns Whether to await it.
 *
 * @example Usage
 * ```ts
 * import { isThenable } from "./call.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isThenable(Promise.resolve(1)), true);
 * assert.equal(isThenable({ then: () => {} }), true);
 * assert.equal(isThenable(null), false);
 * ```
 */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === "object" || typeof v === "function") &&
    typeof (v as { then?: unknown }).then === "function";
}

/**
 * `fn(item)` through `Function.prototype.call` from a call site that has seen many functions (see
 * `mix`), so that the compiler never inlines the task into the loop that calls it: the task runs
 * as its own compiled code, as a plain loop that did not inline it runs it. Inlined into our chunk
 * loops, a task with a hot loop of its own (xorshift, ~46 µs a call) ran at half a plain loop's
 * speed on Node 20 and at 0.75 of it on Deno 2.9 (Bun: the same either way). A direct call from
 * the megamorphic site kept Node at the plain loop's pace but not Deno, whose Maglev tier still
 * inlined it: 2,000 items of 33 µs in chunks of 30 took 87–88 ms there against 66 in a plain
 * loop, and 66 through `call` (Node 66 either way, Bun 74–80 against 74–76). A call apart costs a
 * few nanoseconds more than an inlined one (2,000,000 calls of `x => (x * 31 + 7) | 0`: 26–38 ms
 * against 17–20 on Node and Deno): loops take it for items of a microsecond or more only.
 *
 * @param fn The task.
 * @param item Its item.
 * @returns What `fn(item)` returns.
 *
 * @example Usage
 * ```ts
 * import { callApart } from "./call.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(callApart((x) => (x as number) * 2, 21), 42);
 * ```
 */
export function callApart(fn: (item: unknown) => unknown, item: unknown): unknown {
  if (!mixed) mix(); // once, before the first task: its call below is megamorphic from the start
  return call.call(fn, undefined, item);
}

/** `Function.prototype.call` itself: a task's own `call` property is not what runs it. */
const call = Function.prototype.call;

let mixed = false;

/**
 * Six functions of their own code through `callApart`'s call: past four, V8 marks the call site
 * megamorphic for good, and a megamorphic call is never inlined (JavaScriptCore ignores this).
 */
function mix(): void {
  mixed = true;
  for (
    const f of [
      (x: unknown) => x,
      (x: unknown) => [x],
      (x: unknown) => typeof x,
      (x: unknown) => x === 0,
      (x: unknown) => ({ x }),
      (x: unknown) => String(x),
    ]
  ) callApart(f, 0);
}

/**
 * Items of at least this many ms each are called apart (see {@linkcode callApart}): the few
 * nanoseconds a call apart adds are under 1 % of them.
 *
 * @example Usage
 * ```ts
 * import { APART_ITEM_MS } from "./call.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(APART_ITEM_MS, 0.001);
 * ```
 */
export const APART_ITEM_MS = 0.001;
