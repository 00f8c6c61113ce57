/**
 * `amorsize validate-system`: a self-test of this machine and runtime for parallel work.
 *
 * @module
 */
import { type Command, UsageError } from "./_command.ts";
import { parseFlags, timeoutFlag } from "./_input.ts";
import { formatTable } from "./_text_table.ts";
import { type SystemValidation, validateSystem } from "../validate/mod.ts";
import { print } from "./_output.ts";

const HELP = `Usage: amorsize validate-system [--json] [--timeout MS]

Test this machine and runtime: workers start and answer; the round trip and per-chunk cost of
messages, the structured-clone throughput and the clock resolution are measured and must be
plausible; the host probe's sources, warnings, cores and memory headroom are reported.

Health: critical when workers do not start or answer; poor when a measured cost is implausible
(the optimizer's predictions cannot be trusted); good when only advisory checks fail (probe
warnings, one core, little memory); excellent when every check passes.

Options:
  --json         print the checks as JSON
  --timeout MS   how long workers may take to start and answer (default 10000)
  -h, --help     show this help

Exit codes: 0 excellent or good, 1 poor or critical, 2 usage error.`;

/**
 * The checks as a table and the health line.
 *
 * @param v The system validation.
 * @returns The text.
 *
 * @example Usage
 * ```ts
 * import { formatSystemValidation } from "./validate_system.ts";
 * import assert from "node:assert/strict";
 *
 * const text = formatSystemValidation({
 *   health: "good",
 *   checks: [{ name: "round trip", passed: true, value: 0.1, unit: "ms", expected: "0.005–5", detail: "ok", level: "measure" }],
 * });
 * assert.match(text, /^round trip +ok +0\.1 ms/m);
 * assert.match(text, /^health: good$/m);
 * ```
 */
export function formatSystemValidation(v: SystemValidation): string {
  const fig = (x: number | null) =>
    x === null ? "—" : Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(3)).toString();
  const rows = [["check", "result", "value", "expected", "detail"]];
  for (const c of v.checks) {
    rows.push([
      c.name,
      c.passed ? "ok" : c.level === "soft" ? "warn" : "FAIL",
      `${fig(c.value)} ${c.unit}`,
      c.expected,
      c.detail,
    ]);
  }
  return `${formatTable(rows)}\n\nhealth: ${v.health}`;
}

/**
 * The `validate-system` subcommand.
 *
 * @example Usage
 * ```ts
 * import { command } from "./validate_system.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(command.help, /critical/);
 * await assert.rejects(command.run(["extra"]), { name: "UsageError" });
 * ```
 */
export const command: Command = {
  summary: "self-test: workers, message and clone costs, clock, probe, memory",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags(args, {
      json: { type: "boolean" },
      timeout: { type: "string" },
    });
    if (positionals.length > 0) {
      throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    }
    const timeoutMs = timeoutFlag("--timeout", values.timeout);
    const v = await validateSystem({ timeoutMs });
    print(values.json ? JSON.stringify(v, null, 2) : formatSystemValidation(v));
    return v.health === "excellent" || v.health === "good" ? 0 : 1;
  },
};
