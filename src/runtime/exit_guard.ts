/**
 * Calls that must not end the process: the optimizer's first look runs a few task items on the
 * calling thread, and a task that calls `process.exit` / `Deno.exit` there would end the caller's
 * process with no result. While the synchronous part of such a call runs, those functions throw
 * an {@linkcode ExitCallError} instead.
 *
 * @module
 */

/**
 * A task called `process.exit` or `Deno.exit` where it would have ended the caller's process.
 *
 * @example Usage
 * ```ts
 * import { ExitCallError } from "./exit_guard.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new ExitCallError(3).code, 3);
 * ```
 */
export class ExitCallError extends Error {
  /** Always `"ExitCallError"`. */
  override name = "ExitCallError";
  /** The exit code asked for. */
  readonly code: number | undefined;
  /**
   * Describe an exit call that was refused.
   *
   * @param code The exit code asked for.
   */
  constructor(code: number | undefined) {
    super(
      `The task called exit(${code ?? ""}) on the calling thread: refused, the caller's process ` +
        `keeps running (in a worker such a call ends only that worker)`,
    );
    this.code = code;
  }
}

type Exit = (code?: number) => never;
type Holder = { exit: Exit };

const refuse: Exit = (code?: number) => {
  throw new ExitCallError(code);
};

/** Guarded calls under way on this thread (nested ones count: the outermost restores). */
let depth = 0;
/** The holders whose `exit` the outermost guarded call replaced, and what each held. */
let processHolder: Holder | undefined, processExit: Exit | undefined;
let denoHolder: Holder | undefined, denoExit: Exit | undefined;

/** Replace `holder.exit` with `refuse`; what it was, or undefined (none, or read-only). */
function swap(holder: Holder | undefined): Exit | undefined {
  if (!holder || typeof holder.exit !== "function") return undefined;
  const was = holder.exit;
  try {
    holder.exit = refuse;
  } catch {
    return undefined; // a read-only exit stays as it is
  }
  return was;
}

/**
 * Run `fn` with `process.exit` and `Deno.exit` throwing an {@linkcode ExitCallError}; restored
 * when `fn` returns or throws (only the synchronous part of an async `fn` is covered). Nested
 * calls share the outermost one's replacement: a call costs a counter where one is under way
 * (the executors guard each chunk of a plain loop, and each call of the async executor: 95 ns a
 * call on Node with an array and a closure per call, where the task itself took 3 ns).
 *
 * @param fn The call to guard.
 * @returns What `fn` returned.
 *
 * @example Usage
 * ```ts
 * import { ExitCallError, withoutExit } from "./exit_guard.ts";
 * import process from "node:process";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => withoutExit(() => process.exit(1)), ExitCallError);
 * assert.equal(withoutExit(() => withoutExit(() => 5)), 5);
 * assert.equal(typeof process.exit, "function"); // restored
 * ```
 */
export function withoutExit<T>(fn: () => T): T {
  if (depth++ === 0) {
    const g = globalThis as unknown as { process?: Holder; Deno?: Holder };
    processExit = swap(processHolder = g.process);
    denoExit = swap(denoHolder = g.Deno);
  }
  try {
    return fn();
  } finally {
    if (--depth === 0) {
      if (processExit) processHolder!.exit = processExit;
      if (denoExit) denoHolder!.exit = denoExit;
      processHolder =
        processExit =
        denoHolder =
        denoExit =
          undefined;
    }
  }
}
