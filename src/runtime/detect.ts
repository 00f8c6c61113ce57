/**
 * Runtime detection: the only place in amorsize that asks which runtime it runs on.
 *
 * @module
 */
import { bunRuntime } from "./bun.ts";
import { denoRuntime } from "./deno.ts";
import { nodeRuntime } from "./node.ts";
import type { Runtime } from "./types.ts";

/** Which runtime this code runs on: `"deno"`, `"bun"` or `"node"`. */
export function detectRuntimeName(): Runtime["name"] {
  if ("Deno" in globalThis) return "deno";
  if ("Bun" in globalThis) return "bun";
  return "node";
}

let current: Runtime | undefined;

/**
 * The {@linkcode Runtime} of this process, chosen once by detection.
 *
 * @returns The runtime adapter.
 *
 * @example Usage
 * ```ts
 * import { runtime } from "./detect.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(["deno", "bun", "node"].includes(runtime().name));
 * ```
 */
export function runtime(): Runtime {
  if (!current) {
    const name = detectRuntimeName();
    current = name === "deno" ? denoRuntime : name === "bun" ? bunRuntime : nodeRuntime;
  }
  return current;
}
