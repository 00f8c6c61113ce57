// Runs a resolved plan with the chosen executor and yields completed chunks in completion order.
import { loadTask, type Task, type TaskSpec } from "../task/mod.ts";
import { runtime } from "../runtime/mod.ts";
import { ConcurrencyLimiter } from "./_concurrency_limiter.ts";
import { asyncChunks, inlineChunks } from "./_local.ts";
import { KnownResults } from "./_known_results.ts";
import { type Completed, type Grow, Run } from "./_run.ts";
import { Source } from "./_source.ts";
import { TaskError } from "./errors.ts";
import type { Encoding } from "./encoding.ts";
import type { Pool } from "./pool.ts";
import { workerSet } from "./_worker_set.ts";
import type { RunConfig } from "./run_config.ts";
import { type Widen, widening } from "./_widen.ts";

/** A resolved configuration and the run-time settings. */
export interface Plan extends Required<RunConfig> {
  /** Whether the async executor adapts `concurrency` at run time (up to `maxConcurrency`). */
  adaptiveConcurrency: boolean;
  maxConcurrency: number;
  targetChunkMs: number;
  transfer: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  pool: Pool;
  /** Results already computed (sampling), by item index: not recomputed. */
  known: KnownResults;
  /** Chunk encodings of items and results ("auto": decided at run time). */
  encoding: { items: Encoding | "auto"; results: Encoding | "auto" };
  /**
   * The plain loop's measured warm time per item here (ms): a workers run changes course to the
   * calling thread when its workers prove slower (automatic runs only; see `Run.switched`).
   */
  inlinePerItemMs?: number;
  /**
   * An automatic inline run may move the rest of its items to workers when the plain loop proves
   * far slower than the optimizer measured (see `widening`).
   */
  widen?: Widen;
  /** An automatic workers run may take more workers when the load falls (see `Run.grown`). */
  grow?: Grow;
}

/**
 * Yields completed chunks; `onRun` receives the pool run (for ordered look-ahead); `into` (an
 * array as long as an array source): the chunks run on this thread write their results there in
 * place (see `inlineChunks`).
 */
export async function* streamChunks<I, O>(
  task: Task<I, O>,
  spec: TaskSpec,
  src: Source<unknown>,
  plan: Plan,
  ordered: boolean,
  onRun?: (run: Run) => void,
  into?: unknown[],
): AsyncGenerator<Completed> {
  const limits = { signal: plan.signal, timeoutMs: plan.timeoutMs, now: runtime().now };
  const here = async () =>
    typeof task === "function" ? task as (x: unknown) => unknown : await loadTask(spec);
  if (plan.executor !== "workers") {
    try {
      const fn = await here();
      if (plan.executor === "inline" && plan.widen && src.total !== undefined) {
        const widen = plan.widen;
        // The rest on workers: chunks of a sixteenth of the items left per worker to start with
        // (the adaptive size grows from there), never back to this thread.
        const startRun = () => {
          const workers = Math.min(widen.workers, Math.max(1, src.remaining ?? 1));
          const first = Math.ceil((src.remaining ?? 1) / (16 * workers));
          const run = workerRun(spec, src, plan, ordered, onRun, workers, first, true);
          onRun?.(run);
          return run;
        };
        const set = workerSet(plan.pool);
        yield* widening(fn, src, plan.known, limits, widen, set, spec, startRun, into);
      } else if (plan.executor === "inline") {
        yield* inlineChunks(fn, src, plan.known, limits, undefined, into);
      } else {
        const limit = plan.adaptiveConcurrency
          ? new ConcurrencyLimiter({
            initial: plan.concurrency,
            max: plan.maxConcurrency,
            now: runtime().now,
          })
          : plan.concurrency;
        yield* asyncChunks(fn, src, plan.known, limit, limits, ordered);
      }
    } finally {
      await src.close(); // an early stop (break, error) lets the source clean up
    }
    return;
  }
  const run = workerRun(
    spec,
    src,
    plan,
    ordered,
    onRun,
    plan.workers,
    plan.chunkSize,
    plan.adaptive,
  );
  onRun?.(run);
  try {
    yield* run.chunks();
    // The workers proved slower than the plain loop here, or values could not travel: the rest
    // of the items run here, those the run handed back first.
    if (run.switched || run.returned.length > 0) {
      const fn = await here();
      for (const back of run.returned) yield* returnedChunks(fn, back, plan.known, limits);
      yield* inlineChunks(fn, src, plan.known, limits, undefined, into);
    }
  } finally {
    await src.close();
  }
}

/**
 * Items a run handed back to this thread (see `Run.returned`), run here as a plain loop at their
 * own indices (a failing one is named by its index in the input); those whose results `known`
 * holds (the optimizer's) are not run again.
 */
async function* returnedChunks(
  fn: (x: unknown) => unknown,
  back: { start: number; items: unknown[] },
  known: KnownResults,
  limits: Parameters<typeof inlineChunks>[3],
): AsyncGenerator<Completed> {
  const kept = new KnownResults();
  for (const i of known.within(back.start, back.start + back.items.length)) {
    kept.set(i - back.start, known.get(i));
  }
  try {
    for await (const c of inlineChunks(fn, new Source(back.items), kept, limits)) {
      yield { ...c, start: back.start + c.start };
    }
  } catch (e) {
    if (e instanceof TaskError) throw new TaskError(back.start + e.index, e.cause as Error);
    throw e;
  }
}

/**
 * A run of the plan's source on `workers` workers with chunks of `chunkSize`. An automatic run
 * (one that knows the plain loop's time here) may change course to this thread (see
 * `Run.switched`), unless it has a time limit or a signal (a call on this thread can be neither
 * stopped nor timed out while it runs) or it is the rest of a plain loop moved to workers.
 */
function workerRun(
  spec: TaskSpec,
  src: Source<unknown>,
  plan: Plan,
  ordered: boolean,
  onRun: ((run: Run) => void) | undefined,
  workers: number,
  chunkSize: number,
  adaptive: boolean,
): Run {
  const mayReturn = plan.executor === "workers" && plan.timeoutMs === undefined &&
    plan.signal === undefined;
  return new Run(workerSet(plan.pool), src, {
    spec,
    workers,
    chunkSize,
    adaptive,
    targetChunkMs: plan.targetChunkMs,
    transfer: plan.transfer,
    timeoutMs: plan.timeoutMs,
    signal: plan.signal,
    known: plan.known,
    encoding: plan.encoding,
    maxBuffered: ordered ? undefined : 2 * workers,
    // A stream (map) keeps chunks small: memory in flight and look-ahead grow with them.
    maxChunkItems: onRun ? 1024 : undefined,
    inlinePerItemMs: mayReturn ? plan.inlinePerItemMs : undefined,
    grow: plan.executor === "workers" && adaptive ? plan.grow : undefined,
  });
}
