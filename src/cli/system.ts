/**
 * `amorsize system`: print what this machine gives this process (the host probe), as a table or
 * as JSON.
 *
 * @module
 */
import { type Command, UsageError } from "./_command.ts";
import { probeSystem, type SystemFigure, type SystemInfo } from "../system/mod.ts";
import { print } from "./_output.ts";
import { parseFlags } from "./_input.ts";

const HELP = `Usage: amorsize system [--json] [--root DIR]

Print what this machine gives this process: logical, physical and affinity cores, the cgroup
CPU quota, the effective cores, memory and the memory limit, the cgroup limit on threads (each
worker is one) and the threads left under it, each with where it came from.

Options:
  --json       print the SystemInfo as JSON
  --root DIR   read /proc and /sys under DIR instead of / (fake roots, as in tests/fixtures)
  -h, --help   show this help

Environment:
  AMORSIZE_CPUS    override the effective cores (a positive integer)
  AMORSIZE_MEMORY  override the memory limit (bytes, or with a K, M or G suffix; 1024-based)

Under Deno, run with -A: /proc and /sys are readable only with --allow-all.

Exit codes: 0 ok, 1 the output cannot be written, 2 usage error (a bad flag, AMORSIZE_CPUS or
AMORSIZE_MEMORY).`;

function formatBytes(n: number | null, none: string): string {
  if (n === null) return none;
  const units: [string, number][] = [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]];
  for (const [unit, size] of units) {
    if (n >= size) return `${(n / size).toFixed(1)} ${unit} (${n} B)`;
  }
  return `${n} B`;
}

/**
 * The probe as a table (figure, value, source), followed by the warnings.
 *
 * @example Usage
 * ```ts
 * import { formatSystemInfo } from "./system.ts";
 * import { probeSystem } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const text = formatSystemInfo(await probeSystem({ env: {} }));
 * assert.match(text, /^figure +value +source$/m);
 * assert.match(text, /^effective cores +\d+ +\S+/m);
 * ```
 */
export function formatSystemInfo(info: SystemInfo): string {
  const s = info.sources;
  const m = info.memory;
  const t = info.threads;
  const rows: [string, string, SystemFigure][] = [
    ["logical cores", String(info.logicalCores), "logicalCores"],
    ["physical cores", String(info.physicalCores), "physicalCores"],
    ["affinity cores", String(info.affinityCores), "affinityCores"],
    [
      "CPU quota",
      info.cpuQuota === null ? "none" : `${info.cpuQuota} core${info.cpuQuota === 1 ? "" : "s"}`,
      "cpuQuota",
    ],
    ["effective cores", String(info.effectiveCores), "effectiveCores"],
    ["memory total", formatBytes(m.totalBytes, "unknown"), "memory.totalBytes"],
    ["memory available", formatBytes(m.availableBytes, "unknown"), "memory.availableBytes"],
    ["memory limit", formatBytes(m.limitBytes, "none"), "memory.limitBytes"],
    ["swap used", formatBytes(m.swapUsedBytes, "unknown"), "memory.swapUsedBytes"],
    ["thread limit", t.limit === null ? "none" : String(t.limit), "threads.limit"],
    ["threads left", t.room === null ? "no limit" : String(t.room), "threads.room"],
  ];
  const table = [["figure", "value", "source"], ...rows.map(([f, v, k]) => [f, v, s[k]])];
  const widths = [0, 1].map((c) => Math.max(...table.map((r) => r[c].length)));
  const lines = table.map((r) =>
    `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`.trimEnd()
  );
  if (info.warnings.length > 0) {
    lines.push("", "warnings:", ...info.warnings.map((w) => `  - ${w}`));
  }
  return lines.join("\n");
}

function _parse(args: string[]): { json: boolean; root: string | undefined } {
  const { values } = parseFlags(args, { json: { type: "boolean" }, root: { type: "string" } }, {
    positionals: false,
  });
  if (values.root === "") throw new UsageError("--root needs a directory, got an empty string");
  return { json: values.json ?? false, root: values.root };
}

/**
 * The `system` subcommand.
 *
 * @example Usage
 * ```ts
 * import { command } from "./system.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(command.help, /--json/);
 * await assert.rejects(command.run(["--bogus"]), { name: "UsageError" });
 * ```
 */
export const command: Command = {
  summary: "print what this machine and process can use (cores, quota, memory)",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { json, root } = _parse(args);
    let info: SystemInfo;
    try {
      info = await probeSystem({ root });
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
    const fromFiles = Object.values(info.sources).some((s) => s.startsWith("/"));
    if (root !== undefined && !fromFiles) {
      info.warnings.push(`no figure came from a file under --root ${root}: all fell back`);
    }
    print(json ? JSON.stringify(info, null, 2) : formatSystemInfo(info));
    return 0;
  },
};
