// The loop that runs a synchronous task's items on this thread (the inline executor). A task with
// a hot loop of its own runs in it as fast as in the caller's own loop only where the compiler
// inlines the task well, and what it does well differs by engine version: of two shapes that
// differ only in where the first index comes from, Node 20 ran a 50 µs xorshift task at half a
// plain loop's speed with the index read from `results.length` (0.48–0.51×, 6 runs) and at its
// speed with the index an argument (0.98–0.99×, 3 runs); Deno 2.9 the other way round (1.00× in
// 3 of 4 runs, 0.75× in the fourth; 0.73–0.75× in 6 of 6); Bun at 0.99–1.00× in both
// (bench/engine_bench.ts, section 6). The runtime adapter says which shape
// (`Runtime.loopFromArgument`). A choice measured per task, both shapes timed on the first chunks,
// was tried: on Deno, running the second shape at all slowed the first one too (0.73×).
import { runtime } from "../runtime/mod.ts";

/** A loop ran its items to the end. */
export const DONE = Symbol("done");
/** A loop met an aborted signal. */
export const ABORTED = Symbol("aborted");

type Fn = (x: unknown) => unknown;

/**
 * Run `items` from the first without a result (`from`, which is `results.length`) to the end
 * (DONE), an abort (ABORTED) or a Promise result (returned); a throw leaves `results.length` at
 * the failing item. No try block, no `await`, no other check per item: V8 (Deno 2.9) ran a
 * 0.5 µs task 5× slower in a loop inside a try block or an async function, and Node 20 a task
 * with a hot loop at half speed in a loop that also compared each index with a kept result's.
 */
export type Loop = (
  fn: Fn,
  items: unknown[],
  results: unknown[],
  from: number,
  signal: AbortSignal | undefined,
) => unknown;

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === "object" || typeof v === "function") &&
  typeof (v as PromiseLike<unknown>).then === "function";

/** The first index read from `results.length` (see {@linkcode Loop}). */
function fromLength(
  fn: Fn,
  items: unknown[],
  results: unknown[],
  _from: number,
  signal: AbortSignal | undefined,
): unknown {
  for (let i = results.length; i < items.length; i++) {
    if (signal !== undefined && signal.aborted) return ABORTED;
    const r = fn(items[i]);
    if (isThenable(r)) return r;
    results.push(r);
  }
  return DONE;
}

/** The first index an argument (see {@linkcode Loop}). */
function fromArgument(
  fn: Fn,
  items: unknown[],
  results: unknown[],
  from: number,
  signal: AbortSignal | undefined,
): unknown {
  for (let i = from; i < items.length; i++) {
    if (signal !== undefined && signal.aborted) return ABORTED;
    const r = fn(items[i]);
    if (isThenable(r)) return r;
    results.push(r);
  }
  return DONE;
}

/**
 * The inline executor's loop on this runtime (see {@linkcode Loop}).
 *
 * @example Usage
 * ```ts
 * import { DONE, plainLoop } from "./_plain_loop.ts";
 * import assert from "node:assert/strict";
 *
 * const results: unknown[] = [2];
 * assert.equal(plainLoop()((x) => (x as number) * 2, [1, 2, 3], results, 1, undefined), DONE);
 * assert.deepEqual(results, [2, 4, 6]);
 * ```
 */
export function plainLoop(): Loop {
  return runtime().loopFromArgument ? fromArgument : fromLength;
}
