/**
 * `amorsize cache stats|clear`: what the optimizer's result cache holds, and emptying it.
 *
 * @module
 */
import { type Command, UsageError } from "./_command.ts";
import { dirFlag, parseFlags } from "./_input.ts";
import { type CacheStats, cacheStats, clearCache } from "../model/mod.ts";
import { print } from "./_output.ts";
import { ENV_ERROR } from "../system/mod.ts";

const HELP = `Usage: amorsize cache stats|clear [--json] [--dir DIR]

The optimizer stores each decision it measures (7 days) and reuses it for the same task, data
size and per-item time on this machine and runtime.

Actions:
  stats        count the entries: total, bytes, expired, corrupt, of another version (foreign)
  clear        delete every entry

Options:
  --json       print JSON
  --dir DIR    another cache directory (default: $AMORSIZE_HOME/cache, else the per-user cache
               directory + /amorsize/cache)
  -h, --help   show this help

Exit codes: 0 ok, 1 the cache directory could not be read, 2 usage error.`;

/**
 * The cache statistics as text lines.
 *
 * @param s The statistics.
 * @returns The report.
 *
 * @example Usage
 * ```ts
 * import { formatCacheStats } from "./cache.ts";
 * import assert from "node:assert/strict";
 *
 * const text = formatCacheStats({
 *   entries: 2, bytes: 2048, expired: 1, corrupt: 0, foreign: 0, unreadable: 0, dir: "/tmp/c",
 * });
 * assert.match(text, /^entries +2$/m);
 * assert.match(text, /^directory +\/tmp\/c$/m);
 * ```
 */
export function formatCacheStats(s: CacheStats): string {
  const rows: [string, string][] = [
    ["directory", s.dir],
    ["entries", String(s.entries)],
    ["bytes", String(s.bytes)],
    ["expired", String(s.expired)],
    ["corrupt", String(s.corrupt)],
    ["foreign", String(s.foreign)],
    ["unreadable", String(s.unreadable)],
  ];
  return rows.map(([k, v]) => `${k.padEnd(10)} ${v}`).join("\n");
}

/**
 * The `cache` subcommand.
 *
 * @example Usage
 * ```ts
 * import { command } from "./cache.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(command.help, /stats\|clear/);
 * await assert.rejects(command.run(["purge"]), { name: "UsageError" });
 * ```
 */
export const command: Command = {
  summary: "show or clear the optimizer's result cache",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags(args, {
      json: { type: "boolean" },
      dir: { type: "string" },
    });
    const [action, ...extra] = positionals;
    if (action !== "stats" && action !== "clear") {
      throw new UsageError(
        `expected an action, stats or clear, got ${
          action === undefined ? "none" : JSON.stringify(action)
        }`,
      );
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const dir = dirFlag(values.dir);
    const json = values.json === true;
    try {
      if (action === "stats") {
        const s = await cacheStats({ dir });
        print(json ? JSON.stringify(s, null, 2) : formatCacheStats(s));
      } else {
        const removed = await clearCache({ dir });
        print(
          json
            ? JSON.stringify({ removed })
            : `removed ${removed} ${removed === 1 ? "entry" : "entries"}`,
        );
      }
    } catch (e) {
      if ((e as { code?: unknown } | null)?.code === ENV_ERROR) throw e; // a usage error
      console.error(`amorsize cache: ${(e as Error).message.split("\n")[0]}`);
      return 1;
    }
    return 0;
  },
};
