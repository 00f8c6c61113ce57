/**
 * Task references: what a worker runs for each item.
 *
 * @module
 */
import { wrongType } from "../args.ts";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** A reference to a function exported by a module: the worker imports the module once. */
export interface TaskRef<I = unknown, O = unknown> {
  /** Always `"module"`: tells a reference from an inline function. */
  readonly kind: "module";
  /** Absolute URL of the module (`file:`, `https:`, `data:` …). */
  readonly module: string;
  /** Name of the export to call for each item. */
  readonly name: string;
  /** Type-only marker of the item and result types. */
  readonly __types?: (item: I) => O;
}

/**
 * A task: a {@linkcode TaskRef}, or an inline function. An inline function must be
 * self-contained (no variables from its closure, no `this`, no imports): its source is rebuilt
 * inside the worker.
 */
export type Task<I, O> = ((item: I) => O | Promise<O>) | TaskRef<I, O>;

/** A function a module exports, typed from its item and result (see {@linkcode task}). */
// deno-lint-ignore no-explicit-any
export type ExportedFunction = (item: any) => unknown;

/**
 * Reference a function exported by `module`: by the function itself (typed: the reference has
 * its item and result types; the export is looked up by the function's `name`), or by the name of
 * the export (then give the types as `task<Item, Result>(…)` if you want them).
 *
 * @param module A module URL (`new URL("./tasks.ts", import.meta.url)`, or `import.meta.url` for
 * the calling module) or a file path (relative paths resolve against the current directory).
 * @param fn The exported function (imported by the caller), or the name of the export.
 * @returns A task reference that workers can load.
 * @throws {TypeError} If `module` is empty or not a string or URL, if `fn` is an empty string, or
 * a function without a name.
 *
 * @example Typed from the exported function
 * ```ts
 * import { task } from "./task_ref.ts";
 * import assert from "node:assert/strict";
 *
 * export function square(x: number): number {
 *   return x * x;
 * }
 * const ref = task(import.meta.url, square); // TaskRef<number, number>
 * assert.equal(ref.name, "square");
 * ```
 *
 * @example By the export's name
 * ```ts
 * import { task } from "./task_ref.ts";
 * import assert from "node:assert/strict";
 *
 * const ref = task<number, number>(import.meta.url, "square");
 * assert.equal(ref.name, "square");
 * assert.equal(ref.module, import.meta.url);
 * ```
 */
export function task<F extends ExportedFunction>(
  module: string | URL,
  fn: F,
): TaskRef<Parameters<F>[0], Awaited<ReturnType<F>>>;
/**
 * A reference to the function exported as `name` by `module`; the item and result types are given
 * as type arguments (`task<Doc, number>(url, "score")`), or are `unknown`.
 *
 * @typeParam I The item type.
 * @typeParam O The result type.
 * @param module The module's URL or path (`import.meta.url`, `new URL("./tasks.ts", import.meta.url)`).
 * @param name The name of the export.
 * @returns A task reference that workers can load.
 * @throws {TypeError} If `module` is empty or not a string or URL, or `name` is empty.
 *
 * @example Usage
 * ```ts
 * import { task } from "./task_ref.ts";
 * import assert from "node:assert/strict";
 *
 * const ref = task<number, number>(import.meta.url, "square");
 * assert.equal(ref.name, "square");
 * ```
 */
export function task<I = unknown, O = unknown>(module: string | URL, name: string): TaskRef<I, O>;
export function task(module: string | URL, fn: string | ExportedFunction): TaskRef {
  if (!(module instanceof URL) && (typeof module !== "string" || module === "")) {
    wrongType("module", "a URL or a non-empty string", module);
  }
  const name = typeof fn === "function" ? fn.name : fn;
  if (typeof fn === "function" && !name) {
    throw new TypeError(
      "'name': the function has no name; pass the name of its export, task(module, \"name\")",
    );
  }
  if (typeof name !== "string" || name === "") {
    wrongType("name", "a non-empty string", name);
  }
  return Object.freeze({ kind: "module" as const, module: toModuleUrl(module), name });
}

function toModuleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}
