/**
 * `benchOptimized`: a `deno bench` group for a task of your own — a plain loop as the baseline,
 * the configuration the optimizer recommends, and any others you name — so that `deno bench`
 * prints how much faster (or slower) each is than inline.
 *
 * @module
 */
import { keysOf, knownKeys, objectArg, positiveInt, wrongType } from "../args.ts";
import { checkOptions, configLabel, type ExecuteOptions, toExecuteOptions } from "../engine/mod.ts";
import { execute } from "../execute.ts";
import { optimize } from "../optimize.ts";
import type { OptimizationResult, OptimizeOptions } from "../model/mod.ts";
import { benchRegistrar, runtime } from "../runtime/mod.ts";
import type { Task } from "../task/mod.ts";

/** A configuration to bench beside inline and the recommendation. */
export type BenchConfig = Pick<
  ExecuteOptions,
  "executor" | "workers" | "chunkSize" | "concurrency"
>;

/** Options of {@linkcode benchOptimized}. */
export interface BenchOptimizedOptions {
  /** More configurations, by label (`{ "4 workers": { executor: "workers", workers: 4 } }`). */
  configs?: Record<string, BenchConfig>;
  /** Put the benches in this group, prefixed with `name` (default: a group named `name`). */
  group?: string;
  /** Iterations per bench (`Deno.bench`'s `n`; default: deno bench decides). */
  n?: number;
  /** Warm-up iterations per bench (`Deno.bench`'s `warmup`). */
  warmup?: number;
  /** Options of the `optimize` call that picks the recommendation (the cache is off by default). */
  optimize?: OptimizeOptions;
}

/**
 * Register a `deno bench` group named `name` for `task` over `data`: `"inline"` (the baseline),
 * then `"optimized (…)"` (what `optimize` recommends, forced), then one bench per entry of
 * `configs`, named by its label. With `group`, the benches join that group instead, named
 * `"<name>: inline"` and so on. Await it at the top level of a `*_bench.ts` file; `deno bench` then summarises the
 * group against inline. Each bench runs the whole data set once per iteration.
 *
 * @param name The name of the group.
 * @param task The task: `task(module, name)` or a self-contained inline function.
 * @param data The items (an array or a sync iterable; read once).
 * @param options `configs`, `group`, `n`, `warmup`, `optimize`.
 * @returns The optimizer's result (its `explain()` says why it chose what it chose).
 * @throws {Error} Outside Deno: the helper needs `deno bench` (Bun and Node have no `Deno.bench`).
 * @throws {TypeError|RangeError} For a bad name, data or configuration.
 *
 * @example Usage (in `my_bench.ts`, run with `deno bench -A my_bench.ts`)
 * ```ts ignore
 * import { benchOptimized, task } from "../../mod.ts";
 *
 * const data = Array.from({ length: 200 }, (_, i) => i);
 * await benchOptimized("fib", task(new URL("./fib.ts", import.meta.url), "fib"), data, {
 *   configs: { "4 workers": { executor: "workers", workers: 4 } },
 * });
 * // deno bench summarises the group "fib":  inline … 1.8x slower than optimized (…)
 * ```
 */
export async function benchOptimized<I, O>(
  name: string,
  task: Task<I, O>,
  data: Iterable<I>,
  options: BenchOptimizedOptions = {},
): Promise<OptimizationResult<I>> {
  if (typeof name !== "string" || name.trim() === "") {
    wrongType("name", "a non-empty string", name);
  }
  objectArg("options", options);
  knownKeys(
    "options",
    options,
    keysOf<BenchOptimizedOptions>({ configs: 1, group: 1, n: 1, warmup: 1, optimize: 1 }),
  );
  if (data === null || typeof (data as Iterable<I>)?.[Symbol.iterator] !== "function") {
    wrongType("data", "an array or an iterable", data);
  }
  const configs = Object.entries(
    options.configs === undefined ? {} : objectArg("configs", options.configs),
  );
  for (const [label, c] of configs) checkOptions(objectArg(`configs[${JSON.stringify(label)}]`, c));
  if (options.n !== undefined) positiveInt("n", options.n);
  if (options.warmup !== undefined) positiveInt("warmup", options.warmup);
  if (options.group !== undefined && (typeof options.group !== "string" || options.group === "")) {
    wrongType("group", "a non-empty string", options.group);
  }
  const register = benchRegistrar();
  if (!register) {
    throw new Error(
      `benchOptimized needs \`deno bench\` (Deno.bench), which ${runtime().name} does not ` +
        `have: run the file with \`deno bench -A <file>\``,
    );
  }
  const group = options.group ?? name;
  const items = Array.from(data);
  const rec = await optimize(task, items, { cache: false, ...options.optimize });
  const counts = {
    ...(options.n === undefined ? {} : { n: options.n }),
    ...(options.warmup === undefined ? {} : { warmup: options.warmup }),
  };
  const bench = (label: string, o: ExecuteOptions, baseline = false) =>
    register({
      name: options.group === undefined ? label : `${name}: ${label}`,
      group,
      baseline,
      ...counts,
      fn: async () => {
        await execute(task, items, o);
      },
    });
  bench("inline", { executor: "inline" }, true);
  bench(`optimized (${configLabel(rec)})`, toExecuteOptions(rec));
  for (const [label, c] of configs) bench(label, c);
  return rec;
}
