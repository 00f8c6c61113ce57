// Runs a resolved plan with the chosen executor and yields completed chunks in completion order.
import { _loadTask } from "../task/_load_task.ts";
import type { TaskSpec } from "../task/_spec.ts";
import type { Task } from "../task/task_ref.ts";
import { _asyncChunks, _inlineChunks } from "./_local.ts";
import { _Run, type Completed } from "./_run.ts";
import type { _Source } from "./_source.ts";
import type { Executor } from "./options.ts";
import type { Pool } from "./pool.ts";

/** A fully resolved configuration. */
export interface Plan {
  executor: Executor;
  workers: number;
  chunkSize: number;
  concurrency: number;
  adaptive: boolean;
  targetChunkMs: number;
  transfer: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  pool: Pool;
  /** Results already computed (sampling), by item index: not recomputed. */
  known: Map<number, unknown>;
}

/** Yields completed chunks; `onRun` receives the pool run (for ordered look-ahead). */
export async function* _stream<I, O>(
  task: Task<I, O>,
  spec: TaskSpec,
  src: _Source<unknown>,
  plan: Plan,
  ordered: boolean,
  onRun?: (run: _Run) => void,
): AsyncGenerator<Completed> {
  if (plan.executor !== "workers") {
    try {
      const fn = typeof task === "function"
        ? task as (x: unknown) => unknown
        : await _loadTask(spec);
      if (plan.executor === "inline") yield* _inlineChunks(fn, src, plan.known, plan.signal);
      else yield* _asyncChunks(fn, src, plan.known, plan.concurrency, plan.signal);
    } finally {
      await src.close(); // an early stop (break, error) lets the source clean up
    }
    return;
  }
  const run = new _Run(plan.pool, src, {
    spec,
    workers: plan.workers,
    chunkSize: plan.chunkSize,
    adaptive: plan.adaptive,
    targetChunkMs: plan.targetChunkMs,
    transfer: plan.transfer,
    timeoutMs: plan.timeoutMs,
    signal: plan.signal,
    known: plan.known,
    maxBuffered: ordered ? undefined : 2 * plan.workers,
    // A stream (map) keeps chunks small: memory in flight and look-ahead grow with them.
    maxChunkItems: onRun ? 1024 : undefined,
  });
  onRun?.(run);
  yield* run.chunks();
}
