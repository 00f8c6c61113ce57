/**
 * `quickValidate`: {@linkcode validateOptimization} on an evenly spread sample of the data.
 *
 * @module
 */
import { objectArg, positiveInt } from "../args.ts";
import { type Data, TaskError } from "../engine/mod.ts";
import { isInstance, type Task, taskSpec } from "../task/mod.ts";
import { materialize, spreadSample } from "./_materialize.ts";
import { checkSetupOptions } from "./_setup.ts";
import {
  validateOptimization,
  type ValidateOptions,
  type ValidationResult,
} from "./validate_optimization.ts";

/** Options of {@linkcode quickValidate}: those of `validateOptimization` but `optimization`. */
export type QuickValidateOptions<I = unknown> = Omit<ValidateOptions<I>, "optimization">;

/**
 * Validate on `maxItems` items (default 200) spread evenly over the data, so that a large job is
 * checked in a fraction of its time. The optimizer runs again on the sample, so that its
 * predictions are for the sample's size (a decision for the whole data would count start and
 * per-job costs against far more work): the result checks the model, and its `optimization` is
 * the sample's decision, which may differ from the whole job's.
 *
 * Arrays are sampled over their whole length; iterables are read up to 10 000 items first (the
 * sample spreads over those). Side effects as in `validateOptimization`: the task runs several
 * times on each sampled item.
 *
 * @typeParam I The item type.
 * @typeParam O The result type.
 * @param task The task: `task(module, name)` or a self-contained inline function.
 * @param data An array, an iterable or an async iterable (at least one item).
 * @param options See {@linkcode QuickValidateOptions}; `maxItems` is the sample size.
 * @returns The validation of the sample; `warnings` says how many items were sampled, and
 * whether an iterable was read only in part.
 * @throws {TypeError} If an argument has the wrong type.
 * @throws {RangeError} If an option is out of range or `data` is empty.
 *
 * @example Usage
 * ```ts
 * import { quickValidate } from "./quick_validate.ts";
 * import assert from "node:assert/strict";
 *
 * const data = Array.from({ length: 1000 }, (_, i) => i);
 * const v = await quickValidate((x: number) => x * 2, data, { maxItems: 50, repeats: 1 });
 * assert.equal(v.items, 50);
 * assert.ok(v.accuracy >= 0 && v.accuracy <= 1);
 * ```
 */
export async function quickValidate<I, O>(
  task: Task<I, O>,
  data: Data<I>,
  options: QuickValidateOptions<I> = {},
): Promise<ValidationResult<I>> {
  taskSpec(task);
  objectArg("options", options);
  if ("optimization" in options && options.optimization !== undefined) {
    throw new TypeError(
      `'optimization' is not an option of quickValidate (the sample is optimized anew), got ${typeof (
        options as ValidateOptions<I>
      ).optimization}`,
    );
  }
  // Every option is checked before the data are read: a bad one must not drain a one-shot source.
  checkSetupOptions(options, 0);
  const k = options.maxItems === undefined ? 200 : positiveInt("maxItems", options.maxItems);
  const { items, truncated } = await materialize(data, undefined, options.signal);
  const { sample, at } = spreadSample(items, k);
  // A task's failure names its item in the caller's data, not in the sample (item 150 of 300
  // read "item 100").
  const result = await validateOptimization(task, sample, { ...options, maxItems: undefined })
    .catch((e) => {
      throw isInstance(e, TaskError) && at[e.index] !== undefined
        ? new TaskError(at[e.index], e.cause as Error)
        : e;
    });
  if (sample.length < items.length) {
    result.warnings.unshift(
      `Validated on ${sample.length} of ${items.length} items spread evenly over the data; ` +
        `the optimizer ran again on the sample`,
    );
  }
  // An iterable longer than the items read: the sample spreads over its start only.
  if (truncated) result.warnings.unshift(`Data: ${truncated}`);
  return result;
}
