/**
 * The standard workloads of the performance-regression suite: five patterns of work, each a module
 * task (so that workers can load it) with a data generator and its pass thresholds.
 *
 * @module
 */
import { type Task, task, type TaskRef } from "../task/mod.ts";

/** One workload of the suite: what to run, on what, and what counts as a pass. */
export interface WorkloadSpec<I = unknown, O = unknown> {
  /** A short unique name (`"cpu-intensive"`). */
  name: string;
  /** What the workload stands for. */
  description: string;
  /** The task: `task(module, name)` or a self-contained inline function. */
  task: Task<I, O>;
  /** Makes the items (called once per benchmark). */
  data: () => I[];
  /** How many items `data()` makes. */
  size: number;
  /**
   * The speedup over a plain loop expected with 2 effective cores. It is scaled to the cores of
   * the machine (see `scaledMinSpeedup`): with one core it is at most 1, so a plain loop passes.
   * Values ≤ 1 mean "parallelism must not cost more than this" and are never scaled.
   */
  minSpeedup: number;
  /** The recommended configuration must finish within this many milliseconds (median). */
  maxTimeMs: number;
}

const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/** The module holding the task functions (`.ts` in the source tree, `.js` when built). */
function _tasksUrl(): URL {
  return new URL(`./_workload_tasks${ext}`, import.meta.url);
}

const _ref = (name: string): TaskRef => task(_tasksUrl(), name);
const _range = <T>(n: number, f: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => f(i));

/**
 * The five standard workloads, each with a serial time of roughly 0.3–1.5 s (the fast function
 * far less): `cpu-intensive` (pure computation), `mixed` (computation and an asynchronous wait),
 * `memory-intensive` (large intermediate arrays), `fast-function` (one multiplication per item:
 * overhead-dominated, workers must be refused) and `variable-time` (items of very different
 * sizes).
 *
 * @returns New specs (change them freely).
 *
 * @example Usage
 * ```ts
 * import { getStandardWorkloads } from "./workloads.ts";
 * import assert from "node:assert/strict";
 *
 * const specs = getStandardWorkloads();
 * assert.deepEqual(specs.map((s) => s.name), [
 *   "cpu-intensive", "mixed", "memory-intensive", "fast-function", "variable-time",
 * ]);
 * const fast = specs[3];
 * assert.equal(fast.data().length, fast.size);
 * ```
 */
export function getStandardWorkloads(): WorkloadSpec[] {
  return [
    {
      name: "cpu-intensive",
      description: "pure computation: primes in a window of 5 000 numbers and a sum of squares",
      task: _ref("cpuIntensive"),
      data: () => _range(160, (i) => 10_000_000 + i * 5_000),
      size: 160,
      minSpeedup: 1.4,
      maxTimeMs: 10_000,
    },
    {
      name: "mixed",
      description: "computation (~1 ms) and an asynchronous wait of 4 ms per item",
      task: _ref("mixed"),
      data: () => _range(100, (i) => ({ n: 10_000_000 + i * 1_000, ms: 4 })),
      size: 100,
      minSpeedup: 1.4,
      maxTimeMs: 10_000,
    },
    {
      name: "memory-intensive",
      description: "large intermediate structures: build, filter, sort and map 30 000 numbers",
      task: _ref("memoryIntensive"),
      data: () => _range(40, (i) => 30_000 + i * 100),
      size: 40,
      minSpeedup: 1,
      maxTimeMs: 10_000,
    },
    {
      name: "fast-function",
      description: "one multiplication per item: overhead-dominated, workers must be refused",
      task: _ref("fast"),
      data: () => _range(200_000, (i) => i),
      size: 200_000,
      minSpeedup: 0.9,
      maxTimeMs: 2_000,
    },
    {
      name: "variable-time",
      description: "heterogeneous items: sums of 1 000 to 1 000 000 squares (cubic spread)",
      task: _ref("variableTime"),
      data: () => _range(100, (i) => 1_000 + ((i * 7_919) % 100) ** 3),
      size: 100,
      minSpeedup: 1.3,
      maxTimeMs: 10_000,
    },
  ];
}
