// The health rating of validateSystem, from the levels of the checks that failed.

/** How much a check matters: see {@linkcode rateHealth}. */
export type CheckLevel = "core" | "measure" | "soft";

/** The overall rating of validateSystem. */
export type Health = "excellent" | "good" | "poor" | "critical";

/**
 * The rating: `critical` when a core check failed (workers do not start or answer: nothing
 * parallel works); `poor` when a measurement check failed (a cost the model relies on is
 * implausible: its predictions cannot be trusted); `good` when only advisory checks failed
 * (probe warnings, one core, little memory); `excellent` when every check passed.
 */
export function rateHealth(checks: readonly { passed: boolean; level: CheckLevel }[]): Health {
  const failed = (level: CheckLevel) => checks.some((c) => !c.passed && c.level === level);
  if (failed("core")) return "critical";
  if (failed("measure")) return "poor";
  if (failed("soft")) return "good";
  return "excellent";
}
