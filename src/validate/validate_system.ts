/**
 * `validateSystem`: a self-test of this machine and runtime for parallel work — do workers start
 * and answer, are the costs the optimizer measures plausible, what does the probe see.
 *
 * @module
 */
import { keysOf, knownKeys, timerMs } from "../args.ts";
import { createPool, type Pool } from "../engine/mod.ts";
import { type ProbeOptions, probeSystem, type SystemInfo } from "../system/mod.ts";
import { type CheckLevel, type Health, rateHealth } from "./health.ts";
import {
  checkClone,
  checkMessages,
  checkProbe,
  checkTimer,
  checkWorkers,
  type SystemCheck,
} from "./_system_checks.ts";

export type { CheckLevel, Health, SystemCheck };

/** Options of {@linkcode validateSystem}. */
export interface ValidateSystemOptions {
  /** The pool to test (default: a pool of 2 workers, closed at the end). */
  pool?: Pool;
  /** How long workers may take to start and answer (ms, default 10 000). */
  timeoutMs?: number;
  /** Options for the host probe (a fake root, overrides). */
  probe?: ProbeOptions;
}

/** The rating and every check. */
export interface SystemValidation {
  /** The overall rating from the checks. */
  health: Health;
  /** Every check, in the order run. */
  checks: SystemCheck[];
  /** The probe's result (undefined when the probe failed). */
  system?: SystemInfo;
}

/**
 * Test this machine and runtime: workers start and answer (core check); the round trip of an
 * empty chunk and the pipelined per-chunk cost fall in 0.005–5 ms, structured clone moves a
 * 1 MB Float64Array at 50 MB/s or more and 10 000 small objects at 5 MB/s or more, the clock
 * steps by 0.1 ms or less (measurement checks: the optimizer's model relies on them); the probe
 * reports no warnings, at least 2 effective cores, and at least 256 MiB (and 10 %) of memory
 * available (advisory checks).
 *
 * Rating: `critical` when a core check fails, else `poor` when a measurement check fails, else
 * `good` when an advisory check fails, else `excellent`.
 *
 * @param options See {@linkcode ValidateSystemOptions}.
 * @returns The health rating and the checks, each with its figure, unit and detail.
 * @throws {RangeError} If `timeoutMs` is not a positive number of ms a timer can wait (at most
 * 2^31 − 1).
 *
 * @example Usage
 * ```ts
 * import { validateSystem } from "./validate_system.ts";
 * import assert from "node:assert/strict";
 *
 * const v = await validateSystem();
 * assert.ok(["excellent", "good", "poor", "critical"].includes(v.health));
 * assert.ok(v.checks.some((c) => c.name === "round trip"));
 * ```
 */
export async function validateSystem(
  options: ValidateSystemOptions = {},
): Promise<SystemValidation> {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `'options' must be an object, got ${options === null ? "null" : typeof options}`,
    );
  }
  knownKeys("options", options, keysOf<ValidateSystemOptions>({ pool: 1, timeoutMs: 1, probe: 1 }));
  const timeoutMs = options.timeoutMs === undefined
    ? 10_000
    : timerMs("timeoutMs", options.timeoutMs);
  const pool = options.pool ?? createPool({ maxWorkers: 2 });
  const checks: SystemCheck[] = [];
  try {
    const workers = await checkWorkers(pool, timeoutMs);
    checks.push(workers);
    if (workers.passed) checks.push(...await checkMessages(pool));
    else {
      for (const name of ["round trip", "per-chunk cost"]) {
        checks.push({
          name,
          passed: false,
          value: null,
          unit: "ms",
          expected: "0.005–5",
          detail: "not measured: workers did not start",
          level: "measure",
        });
      }
    }
  } finally {
    if (!options.pool) await pool.close();
  }
  checks.push(...checkClone(), checkTimer());
  let system: SystemInfo | undefined;
  try {
    system = await probeSystem(options.probe);
    checks.push(...checkProbe(system));
  } catch (e) {
    checks.push({
      name: "probe",
      passed: false,
      value: null,
      unit: "cores",
      expected: "no warnings",
      detail: `the probe failed: ${e instanceof Error ? e.message : String(e)}`,
      level: "core",
    });
  }
  return { health: rateHealth(checks), checks, system };
}
