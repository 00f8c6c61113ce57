// Whether this thread is an amorsize pool worker. A task module that calls `execute`, `map` or
// `optimize` at its top level is re-run by every worker that loads the task: those nested calls
// would start workers from workers (Node ended the process with exit code 13, Bun and Deno hung).
// The worker entry marks its thread; a nested call then fails at once with a clear error, unless
// it asks to run on that thread (`executor: "inline"` or `"async"`). The mark is a global symbol,
// so it holds even when the task module imports another copy of amorsize.
const MARK = Symbol.for("amorsize.poolWorker");

/** Called once by the worker entry, before any task module loads. */
export function markPoolWorker(): void {
  (globalThis as Record<symbol, unknown>)[MARK] = true;
}

/** Throw when `what` runs inside a pool worker without a calling-thread executor. */
export function refuseInPoolWorker(what: string, executor?: string): void {
  if ((globalThis as Record<symbol, unknown>)[MARK] !== true) return;
  if (executor === "inline" || executor === "async") return;
  throw new Error(
    `${what}() was called inside an amorsize worker, where it would start workers from a worker. ` +
      `Most likely the task's module calls ${what}() at its top level, and each worker re-runs ` +
      `that top level when it loads the task: call it only from the main module (e.g. behind an ` +
      `\`import.meta.main\` check) or export the task from a module of its own. A task may run ` +
      `nested work on its own thread with { executor: "inline" } or { executor: "async" }.`,
  );
}
