/**
 * Tasks: references to a module's export, and inline function tasks. What the rest of src/ uses of
 * it.
 * Files of this folder whose name starts with `_` are private to it: import them from here.
 *
 * @module
 */
export { explainInlineError, loadTask, NOT_SELF_CONTAINED } from "./_load_task.ts";
export { taskSpec } from "./_spec.ts";
export type { TaskSpec } from "./_spec.ts";
export { task } from "./task_ref.ts";
export type { Task, TaskRef } from "./task_ref.ts";
export { APART_ITEM_MS, callApart, isThenable } from "./call.ts";
export { describeThrown, isInstance, thrownError } from "./thrown.ts";
