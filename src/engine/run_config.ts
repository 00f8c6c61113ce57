/**
 * The run configuration: how a job runs (executor, workers, chunk size, concurrency, adaptive
 * chunks). One type for the optimizer's decision, the engine's plan, the suite, validation,
 * tuning and the reports; its conversions to and from `execute` options, its equality and its
 * one label format (`inline`, `async ×16`, `workers 2 × chunk 25 adaptive`).
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import type { ExecuteOptions, Executor } from "./options.ts";

/** How a job runs. */
export interface RunConfig {
  /** `"inline"` (a plain loop here), `"async"` (bounded concurrency here) or `"workers"`. */
  executor: Executor;
  /** Workers (executor `"workers"`; 1 for inline, 0 for async). */
  workers: number;
  /** Items per chunk (the initial size when the engine adapts it). */
  chunkSize: number;
  /** Calls in flight (executor `"async"`; 1 otherwise). */
  concurrency: number;
  /** Whether the engine adapts the chunk size at run time (default true). */
  adaptive?: boolean;
}

/**
 * A configuration as a caller forces it on `execute`: the executor, and whatever else it fixes
 * (the rest takes `execute`'s defaults).
 */
export type ForcedConfig = Pick<RunConfig, "executor"> & Partial<Omit<RunConfig, "executor">>;

/**
 * Whether the options force a configuration (any of `executor`, `workers`, `chunkSize`,
 * `concurrency`); without one, `execute` and `map` ask the optimizer. A `concurrency` alone forces
 * the async executor with that many calls in flight: in automatic mode it was ignored, and a
 * caller who bounded the calls to a rate-limited service at 4 had 256 in flight.
 *
 * @example Usage
 * ```ts
 * import { isForced } from "./run_config.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isForced({ workers: 2 }), true);
 * assert.equal(isForced({ concurrency: 4 }), true);
 * assert.equal(isForced({ maxConcurrency: 64 }), false); // a bound on the automatic mode
 * ```
 */
export function isForced(o: ExecuteOptions): boolean {
  return forcedExecutor(o) !== undefined;
}

/**
 * The executor the options name or force: `executor`, else the async executor for a
 * `concurrency` given without `workers` or `chunkSize`, else the workers executor where either is
 * given; undefined where none is forced.
 *
 * @param o The options.
 * @returns The executor, if forced.
 *
 * @example Usage
 * ```ts
 * import { forcedExecutor } from "./run_config.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(forcedExecutor({ concurrency: 4 }), "async");
 * assert.equal(forcedExecutor({ concurrency: 4, workers: 2 }), "workers");
 * assert.equal(forcedExecutor({ executor: "inline" }), "inline");
 * assert.equal(forcedExecutor({}), undefined);
 * ```
 */
export function forcedExecutor(o: ExecuteOptions): RunConfig["executor"] | undefined {
  if (o.executor !== undefined) return o.executor;
  if (o.workers !== undefined || o.chunkSize !== undefined) return "workers";
  return o.concurrency !== undefined ? "async" : undefined;
}

/**
 * The configuration forced by `execute` options, defaults filled in: the workers executor (the
 * async one for a `concurrency` alone), all the cores this runtime reports, and about 8 chunks
 * per worker (16 items per chunk when the length is unknown).
 *
 * @param o The options.
 * @param total Items in all (`undefined`: unknown length).
 * @param hardwareConcurrency The cores the runtime reports (the default worker count).
 * @returns The resolved configuration.
 *
 * @example Usage
 * ```ts
 * import { fromExecuteOptions } from "./run_config.ts";
 * import assert from "node:assert/strict";
 *
 * const c = fromExecuteOptions({ workers: 2 }, 160, 8);
 * assert.deepEqual(c, { executor: "workers", workers: 2, chunkSize: 10, concurrency: 16, adaptive: true });
 * ```
 */
export function fromExecuteOptions(
  o: ExecuteOptions,
  total: number | undefined,
  hardwareConcurrency: number,
): Required<RunConfig> {
  const workers = o.workers ?? hardwareConcurrency;
  return {
    executor: forcedExecutor(o) ?? "workers",
    workers,
    chunkSize: o.chunkSize ?? defaultChunkSize(total, Math.max(1, workers)),
    concurrency: o.concurrency ?? DEFAULTS.concurrency,
    adaptive: o.adaptive ?? DEFAULTS.adaptive,
  };
}

function defaultChunkSize(total: number | undefined, workers: number): number {
  if (total === undefined) return DEFAULTS.unknownLengthChunkSize;
  return Math.max(1, Math.ceil(total / (DEFAULTS.chunksPerWorker * workers)));
}

/**
 * The `execute` options that force `c` (a configuration itself): only what its executor uses (workers and chunk size for
 * workers, concurrency for async), and `adaptive` when it is set.
 *
 * @param c The configuration.
 * @returns Options for `execute` or `map`.
 *
 * @example Usage
 * ```ts
 * import { toExecuteOptions } from "./run_config.ts";
 * import assert from "node:assert/strict";
 *
 * const o = toExecuteOptions({ executor: "async", workers: 0, chunkSize: 1, concurrency: 8 });
 * assert.deepEqual(o, { executor: "async", concurrency: 8 });
 * ```
 */
export function toExecuteOptions(c: ForcedConfig): ForcedConfig {
  const o: ForcedConfig = { executor: c.executor };
  if (c.executor === "workers") {
    if (c.workers !== undefined) o.workers = c.workers;
    if (c.chunkSize !== undefined) o.chunkSize = c.chunkSize;
  }
  if (c.executor === "async" && c.concurrency !== undefined) o.concurrency = c.concurrency;
  if (c.adaptive !== undefined) o.adaptive = c.adaptive;
  return o;
}

/**
 * Whether two configurations run the same way (defaults filled in; what an executor does not
 * use is ignored).
 *
 * @example Usage
 * ```ts
 * import { sameConfig } from "./run_config.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(sameConfig({ executor: "async" }, { executor: "async", concurrency: 16 }));
 * assert.ok(!sameConfig({ executor: "workers", workers: 2 }, { executor: "workers", workers: 3 }));
 * ```
 */
export function sameConfig(a: ForcedConfig, b: ForcedConfig): boolean {
  if (a.executor !== b.executor) return false;
  if (a.executor === "inline") return true;
  if (a.executor === "async") {
    return (a.concurrency ?? DEFAULTS.concurrency) === (b.concurrency ?? DEFAULTS.concurrency);
  }
  return a.workers === b.workers && a.chunkSize === b.chunkSize &&
    (a.adaptive ?? DEFAULTS.adaptive) === (b.adaptive ?? DEFAULTS.adaptive);
}

/**
 * The one short label of a configuration: `inline`, `async ×16`, `workers 2 × chunk 25`, with
 * ` adaptive` when the engine adapts the chunk size (the default), `workers all` when the count
 * is left to `execute`.
 *
 * @example Usage
 * ```ts
 * import { configLabel } from "./run_config.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(configLabel({ executor: "workers", workers: 2, chunkSize: 25, adaptive: false }), "workers 2 × chunk 25");
 * assert.equal(configLabel({ executor: "async", concurrency: 8 }), "async ×8");
 * ```
 */
export function configLabel(c: ForcedConfig): string {
  if (c.executor === "inline") return "inline";
  if (c.executor === "async") return `async ×${c.concurrency ?? DEFAULTS.concurrency}`;
  const chunk = c.chunkSize === undefined ? "" : ` × chunk ${c.chunkSize}`;
  const adaptive = (c.adaptive ?? DEFAULTS.adaptive) ? " adaptive" : "";
  return `workers ${c.workers ?? "all"}${chunk}${adaptive}`;
}
