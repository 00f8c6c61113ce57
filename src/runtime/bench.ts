/**
 * The benchmark registrar of `deno bench` (`Deno.bench`), the one runtime that has one built in.
 *
 * @module
 */
import { runtime } from "./detect.ts";

/** A benchmark as `Deno.bench` takes it (the subset amorsize uses). */
export interface BenchDefinition {
  /** The name shown in the report. */
  name: string;
  /** The body, timed per iteration. */
  fn: () => unknown | Promise<unknown>;
  /** Benches of a group are summarised against each other. */
  group?: string;
  /** The reference of its group ("N× faster than …"). */
  baseline?: boolean;
  /** Iterations to run (a suggestion). */
  n?: number;
  /** Warm-up iterations. */
  warmup?: number;
}

/** Registers one benchmark. */
export type BenchRegistrar = (definition: BenchDefinition) => void;

/**
 * `Deno.bench` on Deno (it registers benches under `deno bench` and ignores them elsewhere), or
 * `undefined` on the runtimes that have no built-in bench runner (Bun, Node).
 *
 * @returns The registrar, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { benchRegistrar } from "./bench.ts";
 * import { runtime } from "./detect.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeof benchRegistrar() === "function", runtime().name === "deno");
 * ```
 */
export function benchRegistrar(): BenchRegistrar | undefined {
  if (runtime().name !== "deno") return undefined;
  const deno = (globalThis as { Deno?: { bench?: (d: BenchDefinition) => void } }).Deno;
  const bench = deno?.bench;
  return typeof bench === "function" ? (d) => bench.call(deno, d) : undefined;
}
