// Whether this thread is an amorsize pool worker. A task module that calls `execute`, `map` or
// `optimize` at its top level is re-run by every worker that loads the task: those nested calls
// would start workers from workers (Node ended the process with exit code 13, Bun and Deno hung).
// The worker entry marks its thread; a nested call then fails at once with a clear error, unless
// it asks to run on that thread (`executor: "inline"` or `"async"`). The mark is a global symbol,
// so it holds even when the task module imports another copy of amorsize.
const MARK = Symbol.for("amorsize.poolWorker");

/** Task modules this worker is importing now (their top level runs meanwhile), on the same global. */
const LOADING = Symbol.for("amorsize.poolWorker.loading");

/** Called once by the worker entry, before any task module loads. */
export function markPoolWorker(): void {
  (globalThis as Record<symbol, unknown>)[MARK] = true;
}

/**
 * Mark `load` (the worker's import of a task module) as a load while it runs: a nested call met
 * meanwhile comes from the module's top level, one met later from a task's call.
 */
export async function whileLoading<T>(load: () => Promise<T>): Promise<T> {
  const g = globalThis as Record<symbol, number | undefined>;
  g[LOADING] = (g[LOADING] ?? 0) + 1;
  try {
    return await load();
  } finally {
    g[LOADING] = (g[LOADING] ?? 1) - 1;
  }
}

/**
 * Throw when `what` runs inside a pool worker without a calling-thread executor: at a task
 * module's top level (while the worker imports it), or in a task's call.
 */
export function refuseInPoolWorker(what: string, executor?: string): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[MARK] !== true) return;
  if (executor === "inline" || executor === "async") return;
  const here = `A task may run nested work on its own thread with { executor: "inline" } or ` +
    `{ executor: "async" }.`;
  if (((g[LOADING] as number | undefined) ?? 0) > 0) {
    throw new Error(
      `${what}() was called inside an amorsize worker, where it would start workers from a ` +
        `worker. Most likely the task's module calls ${what}() at its top level, and each worker ` +
        `re-runs that top level when it loads the task: call it only from the main module (e.g. ` +
        `behind an \`import.meta.main\` check) or export the task from a module of its own. ` +
        here,
    );
  }
  throw new Error(
    `${what}() was called inside an amorsize worker, by a task while it ran, where it would start ` +
      `workers from a worker. ${here} Or give the outer call the parallel work (the items of the ` +
      `inner job among its own) and let the task stay sequential.`,
  );
}
