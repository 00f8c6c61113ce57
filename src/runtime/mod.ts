/**
 * The runtime adapter (Deno, Bun, Node): the only code that asks which runtime it runs on. What
 * the rest of src/ uses of it.
 * Files of this folder whose name starts with `_` are private to it: import them from here.
 *
 * @module
 */
export { benchRegistrar } from "./bench.ts";
export { runtime } from "./detect.ts";
export type { FileRead, Runtime, WorkerFailure, WorkerHandle } from "./types.ts";
export { workerPort } from "./worker_port.ts";
export { ExitCallError, withoutExit } from "./exit_guard.ts";
