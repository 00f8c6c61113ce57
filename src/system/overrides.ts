/**
 * The environment overrides `AMORSIZE_CPUS` (cores) and `AMORSIZE_MEMORY` (a memory limit).
 *
 * @module
 */
import { runtime } from "../runtime/mod.ts";

const _UNITS: Record<string, number> = { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/**
 * Parse `AMORSIZE_CPUS`: a positive integer number of cores. An empty or unset value gives
 * `undefined`.
 *
 * @throws {RangeError} For anything else, naming the variable and the value.
 *
 * @example Usage
 * ```ts
 * import { parseCpusOverride } from "./overrides.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseCpusOverride("4"), 4);
 * assert.equal(parseCpusOverride(undefined), undefined);
 * assert.throws(() => parseCpusOverride("abc"), {
 *   name: "RangeError",
 *   message: `'AMORSIZE_CPUS' must be a positive integer, got "abc"`,
 * });
 * ```
 */
export function parseCpusOverride(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw envError(`'AMORSIZE_CPUS' must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * Parse `AMORSIZE_MEMORY`: a positive number of bytes, optionally with a `K`, `M`, `G` or `T`
 * suffix in 1024-based units (`512M`, `1.5G`, `2GiB`, `512Mi`, `2gb` all work). An empty or unset value
 * gives `undefined`.
 *
 * @throws {RangeError} For anything else, naming the variable and the value.
 *
 * @example Usage
 * ```ts
 * import { parseMemoryOverride } from "./overrides.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseMemoryOverride("512M"), 512 * 1024 * 1024);
 * assert.equal(parseMemoryOverride("1048576"), 1048576);
 * assert.equal(parseMemoryOverride("512Mi"), 512 * 1024 * 1024);
 * assert.throws(() => parseMemoryOverride("1.5"), RangeError);
 * assert.throws(() => parseMemoryOverride("lots"), RangeError);
 * assert.throws(() => parseMemoryOverride("2i"), RangeError); // a suffix without its unit
 * ```
 */
export function parseMemoryOverride(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  // Kubernetes' `512Mi` too; a fraction only with a unit (`1.5` bytes is no amount).
  // `i` and `iB` follow a unit only (`2i` is no amount); `B` alone means bytes.
  const m = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:i?B|i)?|B)?$/i.exec(value.trim());
  const unit = m?.[2]?.toUpperCase() ?? "";
  const whole = m !== null && (unit !== "" || !m[1].includes("."));
  const bytes = m && whole ? Math.floor(Number(m[1]) * _UNITS[unit]) : NaN;
  if (!(bytes >= 1) || !Number.isSafeInteger(bytes)) {
    throw envError(
      `'AMORSIZE_MEMORY' must be a positive number of bytes, optionally with a K, M, G or T ` +
        `suffix (1024-based), got ${JSON.stringify(value)}`,
    );
  }
  return bytes;
}

/**
 * Check the process's `AMORSIZE_CPUS` and `AMORSIZE_MEMORY` as the system probe reads them: a bad
 * value throws the probe's error (see {@linkcode parseCpusOverride}), for a call that has not
 * probed yet (a process's first `execute` probes only where its look did not run every item).
 *
 * @throws {RangeError} For a bad value of either (code {@linkcode ENV_ERROR}).
 *
 * @example Usage
 * ```ts
 * import { checkOverrides } from "./overrides.ts";
 *
 * checkOverrides(); // unset, or valid, in this process
 * ```
 */
export function checkOverrides(): void {
  const rt = runtime();
  parseCpusOverride(rt.env("AMORSIZE_CPUS").value);
  parseMemoryOverride(rt.env("AMORSIZE_MEMORY").value);
}

/**
 * The error of a bad override: a RangeError whose `code` is {@linkcode ENV_ERROR}, so that the
 * CLI tells it from failed work (a wrong environment is a usage error: exit code 2).
 */
function envError(message: string): RangeError {
  return Object.assign(new RangeError(message), { code: ENV_ERROR });
}

/** The `code` of an override's error (see `parseCpusOverride`, `parseMemoryOverride`). */
export const ENV_ERROR = "ERR_AMORSIZE_ENV";
