/**
 * `amorsize compare`: measure several ways to run a task on data and rank them, with the
 * optimizer's pick among them.
 *
 * @module
 */
import { type Command, UsageError } from "./_command.ts";
import { measuredPoints, outputFor } from "./_html.ts";
import {
  INPUT_HELP,
  integerText,
  intFlag,
  readTaskInput,
  timeoutFlag,
  writeHtml,
} from "./_input.ts";
import { formatMs, formatTable } from "./_text_table.ts";
import { optimizationJson } from "./optimize.ts";
import { compareStrategies, type ComparisonResult, type StrategyConfig } from "../validate/mod.ts";

const HELP = `Usage: amorsize compare MODULE#EXPORT [--range N | --data FILE] [options]

Measure each configuration on the same items, alternating between them, and rank them by median
wall time. The optimizer runs first; its pick is measured too, and the plain loop is always the
baseline. The task runs on every item once per configuration and repeat.

${INPUT_HELP}

Options:
  --configs LIST   comma-separated configurations (default: inline, workers 1..cores with a few
                   fixed chunk sizes, async for Promise-returning tasks):
                     inline | async[:CONCURRENCY] | workers:W[:CHUNK] (a fixed chunk size)
                   e.g. --configs inline,workers:2:25,workers:2:100
  --repeats N      runs of each configuration (default 3)
  --max-items N    measure at most N items
  --timeout MS     time budget of the measured runs (default 120000; a run on this thread that
                   is under way cannot be stopped and ends first)
  --no-check-results
                   do not check that the configurations' results agree (for a task whose
                   results differ from run to run: random numbers, times)
  -h, --help       show this help

Exit codes: 0 ok, 1 the task failed on an item (the message names it) or the --html report
cannot be written, 2 usage error.`;

/**
 * Parse `--configs`: `inline`, `async[:C]`, `workers:W[:CHUNK]`, comma-separated.
 *
 * @param text The flag's value.
 * @returns The configurations.
 * @throws {UsageError} On an unknown form.
 *
 * @example Usage
 * ```ts
 * import { parseConfigs } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseConfigs("inline,workers:2:25,async:8"), [
 *   { executor: "inline" },
 *   { executor: "workers", workers: 2, chunkSize: 25, adaptive: false },
 *   { executor: "async", concurrency: 8 },
 * ]);
 * assert.throws(() => parseConfigs("gpu:4"), { name: "UsageError" });
 * ```
 */
export function parseConfigs(text: string): StrategyConfig[] {
  return text.split(",").map((part) => {
    const [kind, ...nums] = part.trim().split(":");
    const int = (s: string | undefined, what: string) => {
      if (s === undefined) return undefined;
      // Beyond 2^53 − 1 the number is not the one given: "workers:99999999999999999999" ran and
      // was shown as "workers 100000000000000000000" (as --workers elsewhere, it is refused).
      const n = integerText(s);
      if (n === undefined || n < 1) {
        throw new UsageError(
          `--configs: ${what} must be an integer >= 1 in ${JSON.stringify(part)}`,
        );
      }
      return n;
    };
    if (kind === "inline" && nums.length === 0) return { executor: "inline" };
    if (kind === "async" && nums.length <= 1) {
      const concurrency = int(nums[0], "the concurrency");
      return concurrency === undefined ? { executor: "async" } : { executor: "async", concurrency };
    }
    if (kind === "workers" && nums.length >= 1 && nums.length <= 2) {
      const c: StrategyConfig = { executor: "workers", workers: int(nums[0], "the worker count") };
      if (nums[1] !== undefined) {
        c.chunkSize = int(nums[1], "the chunk size");
        c.adaptive = false;
      }
      return c;
    }
    throw new UsageError(
      `--configs: ${JSON.stringify(part)} is not inline, async[:C] or workers:W[:CHUNK]`,
    );
  });
}

/**
 * A comparison as a ranked table, with its recommendations.
 *
 * @param c The comparison.
 * @returns The text.
 *
 * @example Usage
 * ```ts
 * import { formatComparison } from "./compare.ts";
 * import { compareStrategies } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const c = await compareStrategies((x: number) => x, [1, 2], [{ executor: "inline" }], { repeats: 1 });
 * assert.match(formatComparison(c), /^ +1 +inline/m);
 * ```
 */
export function formatComparison(c: ComparisonResult<unknown>): string {
  const sorted = [...c.results].sort((a, b) => a.rank - b.rank);
  const rows = [["rank", "configuration", "median ms", "runs ms", "vs inline", ""]];
  for (const r of sorted) {
    const marks = [
      r === c.best ? "fastest" : "",
      r.label === c.optimizerPick.label ? "optimizer" : "",
    ];
    rows.push([
      String(r.rank),
      r.label,
      formatMs(r.medianMs),
      `${formatMs(r.spreadMs[0])}–${formatMs(r.spreadMs[1])}`,
      `${r.speedupVsInline.toFixed(2)}×`,
      marks.filter(Boolean).join(", "),
    ]);
  }
  const lines = [
    `${c.items} items; optimizer: ${c.optimization.reason}`,
    "",
    formatTable(rows, [0, 2, 4]),
  ];
  if (c.recommendations.length) lines.push("", ...c.recommendations.map((r) => `- ${r}`));
  if (c.warnings.length) lines.push("", "warnings:", ...c.warnings.map((w) => `  - ${w}`));
  return lines.join("\n");
}

/**
 * The `compare` subcommand.
 *
 * @example Usage
 * ```ts
 * import { command } from "./compare.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(command.help, /--configs LIST/);
 * await assert.rejects(command.run(["--configs"]), { name: "UsageError" });
 * ```
 */
export const command: Command = {
  summary: "measure several configurations and rank them, with the optimizer's pick",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const input = await readTaskInput(args, {
      configs: { type: "string" },
      repeats: { type: "string" },
      "max-items": { type: "string" },
      timeout: { type: "string" },
      "no-check-results": { type: "boolean" },
    }, {
      options: (v) => ({
        configs: typeof v.configs === "string" ? parseConfigs(v.configs) : undefined,
        repeats: intFlag("--repeats", v.repeats),
        maxItems: intFlag("--max-items", v["max-items"]),
        timeoutMs: timeoutFlag("--timeout", v.timeout),
        checkResults: v["no-check-results"] ? false : undefined,
      }),
    });
    const { configs, ...options } = input.options;
    if (input.data.length === 0) {
      throw new UsageError("no data: a comparison needs at least one item");
    }
    const result = await compareStrategies(input.task, input.data, configs, options);
    const say = outputFor(input.html);
    if (input.json) {
      const { optimization, ...rest } = result;
      say(
        JSON.stringify({ ...rest, optimization: optimizationJson(optimization) }, null, 2),
      );
    } else say(formatComparison(result));
    const inline = result.results.find((r) => r.config.executor === "inline");
    const written = await writeHtml(input.html, {
      title: "amorsize compare",
      optimization: result.optimization,
      measuredSerialMs: inline?.medianMs,
      measured: measuredPoints(result.results, "comparison"),
    }, { task: input.spec, items: input.data.length });
    return input.html !== undefined && !written ? 1 : 0;
  },
};
