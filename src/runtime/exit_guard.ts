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
interface Exits {
  process?: { exit: Exit };
  Deno?: { exit: Exit };
}

/**
 * Run `fn` with `process.exit` and `Deno.exit` throwing an {@linkcode ExitCallError}; restored
 * when `fn` returns or throws (only the synchronous part of an async `fn` is covered).
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
 * assert.equal(withoutExit(() => 5), 5);
 * ```
 */
export function withoutExit<T>(fn: () => T): T {
  const g = globalThis as unknown as Exits;
  const saved: [{ exit: Exit }, Exit][] = [];
  const refuse: Exit = (code?: number) => {
    throw new ExitCallError(code);
  };
  for (const holder of [g.process, g.Deno]) {
    if (!holder || typeof holder.exit !== "function") continue;
    try {
      saved.push([holder, holder.exit]);
      holder.exit = refuse;
    } catch { /* a read-only exit stays as it is */ }
  }
  try {
    return fn();
  } finally {
    for (const [holder, exit] of saved) holder.exit = exit;
  }
}
