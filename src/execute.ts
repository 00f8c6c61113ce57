/**
 * `execute`: run a task over data and collect the results in input order.
 *
 * @module
 */
import { clusterArgs, resolveRun } from "./_resolve.ts";
import { executeOnCluster } from "./cluster/mod.ts";
import { type Data, type ExecuteOptions, prepare } from "./engine/mod.ts";
import type { Task } from "./task/mod.ts";
import { runtime } from "./runtime/mod.ts";

/** Concatenate arrays (a few thousand at a time: spread arguments are limited). */
function join(parts: unknown[][]): unknown[] {
  if (parts.length === 1) return parts[0];
  let out: unknown[] = [];
  for (let i = 0; i < parts.length; i += 4096) out = out.concat(...parts.slice(i, i + 4096));
  return out;
}

/**
 * Run `task` on every item of `data` and return the results in input order. Without a forced
 * configuration (`executor`, `workers`, `chunkSize`, `concurrency`) the optimizer measures the
 * task and picks one (inline when workers would not pay off); sampled items are never run twice.
 *
 * @typeParam I The item type.
 * @typeParam O The result type.
 * @param task The task: `task(module, name)` or a self-contained inline function.
 * @param data An array, an iterable or an async iterable.
 * @param options See {@linkcode ExecuteOptions}.
 * @returns The results, one per item, in input order.
 * @throws {TypeError} If an option has the wrong type.
 * @throws {RangeError} If an option is out of range (e.g. `workers: 0`).
 * @throws {TaskError} If the task throws on an item (its index and the original error as cause).
 *
 * @example Usage
 * ```ts
 * import { execute } from "../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const squares = await execute((x: number) => x * x, [1, 2, 3], { executor: "workers", workers: 2 });
 * assert.deepEqual(squares, [1, 4, 9]);
 * ```
 */
export async function execute<I, O>(
  task: Task<I, O>,
  data: Data<I>,
  options: ExecuteOptions = {},
): Promise<O[]> {
  const resolved = await resolveRun(task, data, options, "execute");
  if ("failed" in resolved) throw resolved.failed;
  if (resolved.cluster) {
    return await executeOnCluster(task, ...clusterArgs(resolved, options)) as O[];
  }
  const job = prepare(task, resolved, options);
  const t0 = runtime().now();
  let computeMs = 0; // the chunks' own times (results known before the run took none)
  // An array: the results go straight to their indices in `into`, those of chunks run on this
  // thread written there by the run (`Completed.inPlace`), the others copied in. Else (the number
  // of items may be unknown) the chunks' result arrays in input order, chunks that complete
  // early waiting in `early`, joined once at the end by concat (a native copy).
  const { src } = resolved;
  const into = src.indexable && src.total !== undefined ? new Array(src.total) : undefined;
  const parts: unknown[][] = [];
  let next = 0;
  const early = new Map<number, unknown[]>();
  try {
    for await (const c of job.stream(false, undefined, into)) {
      job.progress.add(c.inPlace ?? c.results.length);
      computeMs += c.ms;
      if (into) {
        for (let k = 0, r = c.results; k < r.length; k++) into[c.start + k] = r[k];
        continue;
      }
      if (c.start !== next) {
        early.set(c.start, c.results);
        continue;
      }
      let part: unknown[] | undefined = c.results;
      while (part !== undefined) {
        parts.push(part);
        early.delete(next);
        next += part.length;
        part = early.get(next);
      }
    }
  } finally {
    job.progress.finish();
  }
  const out = into ?? join(parts);
  // An automatic run keeps its measured time with the cached decision (the next decision for
  // this job corrects its prediction by it): written after the results are returned, the next
  // lookup of this process waits for it.
  void resolved.recordRun?.(runtime().now() - t0, computeMs);
  return out as O[];
}
