/**
 * amorsize: should this work run on workers, with how many workers and what chunk size?
 *
 * @module
 */
export { runtime } from "./src/runtime/detect.ts";
export type { Runtime } from "./src/runtime/types.ts";
