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

/**
 * Reference the function exported as `name` by `module`.
 *
 * @param module A module URL (use `import.meta.url` for the calling module) or a file path
 * (relative paths resolve against the current directory).
 * @param name The name of the export.
 * @returns A task reference that workers can load.
 * @throws {TypeError} If `module` or `name` is empty or not a string.
 *
 * @example Usage
 * ```ts
 * import { task } from "./task_ref.ts";
 * import assert from "node:assert/strict";
 *
 * const ref = task(import.meta.url, "square");
 * assert.equal(ref.name, "square");
 * assert.equal(ref.module, import.meta.url);
 * ```
 */
export function task<I = unknown, O = unknown>(module: string | URL, name: string): TaskRef<I, O> {
  if (!(module instanceof URL) && (typeof module !== "string" || module === "")) {
    wrongType("module", "a URL or a non-empty string", module);
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
