// Turns (task, data, options) into a runnable job: options checked, the configuration resolved
// (forced by the caller, or chosen by the optimizer), the source and progress reporter built.
import { runtime } from "../runtime/detect.ts";
import { type TaskSpec, taskSpec } from "../task/_spec.ts";
import type { Task } from "../task/task_ref.ts";
import type { Completed, Run } from "./_run.ts";
import { type Data, Source } from "./_source.ts";
import { ProgressReporter } from "./_progress.ts";
import { type Plan, streamChunks } from "./_stream.ts";
import { checkOptions, type ExecuteOptions } from "./options.ts";
import { defaultPool } from "./pool.ts";

export interface Job {
  plan: Plan;
  progress: ProgressReporter;
  stream(ordered: boolean, onRun?: (run: Run) => void): AsyncGenerator<Completed>;
}

/** What an automatic choice supplies (the optimizer registers itself here). */
export interface AutoChoice {
  executor: Plan["executor"];
  workers: number;
  chunkSize: number;
  concurrency: number;
  known: Map<number, unknown>;
  src: Source<unknown>;
}

type Chooser = (
  task: Task<unknown, unknown>,
  spec: TaskSpec,
  src: Source<unknown>,
  options: ExecuteOptions,
) => Promise<AutoChoice>;

let chooser: Chooser | undefined;

/** Let the optimizer choose configurations when the caller forces none. */
export function setChooser(c: Chooser): void {
  chooser = c;
}

export async function prepare<I, O>(
  task: Task<I, O>,
  data: Data<I>,
  options: ExecuteOptions,
): Promise<Job> {
  checkOptions(options);
  const spec = taskSpec(task);
  let src = new Source<unknown>(data as Data<unknown>);
  const forced = options.executor !== undefined || options.workers !== undefined ||
    options.chunkSize !== undefined;
  let auto: AutoChoice | undefined;
  if (!forced && chooser) {
    auto = await chooser(task as Task<unknown, unknown>, spec, src, options);
    src = auto.src;
  }
  const workers = options.workers ?? auto?.workers ?? runtime().hardwareConcurrency();
  const plan: Plan = {
    executor: options.executor ?? auto?.executor ?? "workers",
    workers,
    chunkSize: options.chunkSize ?? auto?.chunkSize ?? defaultChunk(src.total, workers),
    concurrency: options.concurrency ?? auto?.concurrency ?? 16,
    adaptive: options.adaptive ?? true,
    targetChunkMs: options.targetChunkMs ?? 200,
    transfer: options.transfer ?? false,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    pool: options.pool ?? defaultPool(),
    known: auto?.known ?? new Map(),
  };
  options.signal?.throwIfAborted();
  const progress = new ProgressReporter(options.onProgress, runtime().now, src.total);
  return {
    plan,
    progress,
    stream: (ordered, onRun) => streamChunks(task, spec, src, plan, ordered, onRun),
  };
}

function defaultChunk(total: number | undefined, workers: number): number {
  if (total === undefined) return 16;
  return Math.max(1, Math.ceil(total / (8 * workers)));
}
