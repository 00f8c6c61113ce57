/**
 * `map`: stream the results of a task over data, with backpressure.
 *
 * @module
 */
import { clusterArgs, type Resolved, resolveRun } from "./_resolve.ts";
import { mapOnCluster } from "./cluster/mod.ts";
import { abortError, type Data, type ExecuteOptions, prepare, type Run } from "./engine/mod.ts";
import { loadTask, type Task } from "./task/mod.ts";

/**
 * Stream the results of `task` over `data`. In input order by default; `{ ordered: false }`
 * yields in completion order. Pulls from `data` only as results are consumed (bounded memory),
 * so `data` may be an infinite (async) iterable. On a task error, the results before the failing
 * item are yielded (ordered mode), then the error is thrown.
 *
 * @typeParam I The item type.
 * @typeParam O The result type.
 * @param task The task: `task(module, name)` or a self-contained inline function.
 * @param data An array, an iterable or an async iterable (possibly infinite).
 * @param options See {@linkcode ExecuteOptions}.
 * @returns An async iterable of results.
 * @throws {TypeError} If an option has the wrong type (when iteration starts).
 * @throws {TaskError} If the task throws on an item.
 *
 * @example Usage
 * ```ts
 * import { map } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const out: number[] = [];
 * for await (const y of map((x: number) => x + 1, [1, 2, 3], { executor: "inline" })) out.push(y);
 * assert.deepEqual(out, [2, 3, 4]);
 * ```
 */
export async function* map<I, O>(
  task: Task<I, O>,
  data: Data<I>,
  options: ExecuteOptions = {},
): AsyncGenerator<O> {
  // The options are checked first (`null` is a TypeError naming 'options', not a failed read).
  const resolved = await resolveRun(task, data, options, "map");
  const ordered = options.ordered ?? true;
  const signal = options.signal;
  if ("failed" in resolved) {
    // A failure while deciding: the results before it (in order: every item before it runs
    // first), then the error.
    if (resolved.rest) {
      // They run on this thread, as the look's calls did, under the same guard (the executors
      // here refuse a task's exit: a task whose exit the look refused ended the caller's process
      // on an item before it).
      const fn = typeof task === "function"
        ? task as (x: unknown) => unknown
        : await loadTask(resolved.rest.spec);
      yield* stream<O>(fn, resolved.rest, options, true);
    }
    for (const r of resolved.before) {
      if (signal?.aborted) throw abortError(signal);
      yield r as O;
    }
    throw resolved.failed;
  }
  if (resolved.cluster) {
    const [items, run] = clusterArgs(resolved, options);
    for await (const y of mapOnCluster(task, items, { ...run, ordered })) yield y as O;
    return;
  }
  yield* stream<O>(task as Task<unknown, unknown>, resolved, options, ordered);
}

/** The results of a resolved run, in input order or as chunks complete. */
async function* stream<O>(
  task: Task<unknown, unknown>,
  resolved: Resolved,
  options: ExecuteOptions,
  ordered: boolean,
): AsyncGenerator<O> {
  const signal = options.signal;
  const job = prepare(task, resolved, options);
  let run: Run | undefined;
  const pending = new Map<number, unknown[]>();
  let next = 0;
  try {
    const onRun = (r: Run) => {
      run = r;
      // Bound the look-ahead from the run's first chunk on (a run may start after items handed on
      // here: an inline run that moved to workers).
      if (ordered) r.consumedUpTo = next;
    };
    // In completion order, the results computed while deciding (the optimizer's look, its
    // helpers, its sampling) come first, at once: the run's chunks that hold them leave them
    // out, and a chunk that fails on a later item no longer takes them with it.
    const known = ordered ? undefined : job.plan.known;
    if (known && known.size > 0) {
      job.progress.add(known.size);
      let handedOn = false;
      try {
        for (const r of known.values()) {
          if (signal?.aborted) throw abortError(signal);
          yield r as O;
        }
        handedOn = true;
      } finally {
        // A consumer that stopped here (a break, an abort) never started the run, which closes
        // the source: it is closed here, so that a generator's `finally` runs.
        if (!handedOn) await resolved.src.close();
      }
    }
    for await (const c of job.stream(ordered, onRun)) {
      if (known) {
        const skip = known.size > 0 ? known.within(c.start, c.start + c.results.length) : [];
        job.progress.add(c.results.length - skip.length);
        for (let k = 0, s = 0; k < c.results.length; k++) {
          if (c.start + k === skip[s]) {
            s++;
            continue;
          }
          if (signal?.aborted) throw abortError(signal);
          yield c.results[k] as O;
        }
        continue;
      }
      job.progress.add(c.results.length);
      pending.set(c.start, c.results);
      let chunk: unknown[] | undefined;
      while ((chunk = pending.get(next)) !== undefined) {
        pending.delete(next);
        next += chunk.length;
        run?.consumed(next);
        for (const r of chunk) {
          // Results already computed are not handed on after an abort.
          if (signal?.aborted) throw abortError(signal);
          yield r as O;
        }
      }
    }
  } finally {
    job.progress.finish();
  }
}
