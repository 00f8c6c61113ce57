// Turns (task, data, options) into a runnable job: options checked, the configuration resolved
// (forced by the caller, or chosen by the optimizer), the source and progress reporter built.
import { runtime } from "../runtime/detect.ts";
import { _taskSpec, type TaskSpec } from "../task/_spec.ts";
import type { Task } from "../task/task_ref.ts";
import type { _Run, Completed } from "./_run.ts";
import { _Source, type Data } from "./_source.ts";
import { _ProgressReporter } from "./_progress.ts";
import { _stream, type Plan } from "./_stream.ts";
import { _checkOptions, type ExecuteOptions } from "./options.ts";
import { _defaultPool } from "./pool.ts";

export interface Job {
  plan: Plan;
  progress: _ProgressReporter;
  stream(ordered: boolean, onRun?: (run: _Run) => void): AsyncGenerator<Completed>;
}

/** What an automatic choice supplies (the optimizer registers itself here). */
export interface AutoChoice {
  executor: Plan["executor"];
  workers: number;
  chunkSize: number;
  concurrency: number;
  known: Map<number, unknown>;
  src: _Source<unknown>;
}

type Chooser = (
  task: Task<unknown, unknown>,
  spec: TaskSpec,
  src: _Source<unknown>,
  options: ExecuteOptions,
) => Promise<AutoChoice>;

let chooser: Chooser | undefined;

/** Let the optimizer choose configurations when the caller forces none. */
export function _setChooser(c: Chooser): void {
  chooser = c;
}

export async function _prepare<I, O>(
  task: Task<I, O>,
  data: Data<I>,
  options: ExecuteOptions,
): Promise<Job> {
  _checkOptions(options);
  const spec = _taskSpec(task);
  let src = new _Source<unknown>(data as Data<unknown>);
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
    pool: options.pool ?? _defaultPool(),
    known: auto?.known ?? new Map(),
  };
  options.signal?.throwIfAborted();
  const progress = new _ProgressReporter(options.onProgress, runtime().now, src.total);
  return {
    plan,
    progress,
    stream: (ordered, onRun) => _stream(task, spec, src, plan, ordered, onRun),
  };
}

function defaultChunk(total: number | undefined, workers: number): number {
  if (total === undefined) return 16;
  return Math.max(1, Math.ceil(total / (8 * workers)));
}
