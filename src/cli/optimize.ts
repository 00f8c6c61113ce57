/**
 * `amorsize optimize`: measure a task on data here and print the decision (its `explain()`
 * report, or JSON).
 *
 * @module
 */
import { type Command, UsageError } from "./_command.ts";
import { INPUT_HELP, intFlag, outputFor, progressBar, readTaskInput, writeHtml } from "./_input.ts";
import type { OptimizationResult } from "../model/mod.ts";
import { optimize } from "../optimize.ts";

const HELP = `Usage: amorsize optimize MODULE#EXPORT [--range N | --data FILE] [options]

Measure the task on the data here (sampling in a worker, the costs of workers on this runtime,
the cores and memory this process may use) and print the decision: inline, async or workers,
with the worker count, the chunk size, the predicted speedup and why.

${INPUT_HELP}

Options:
  --min-speedup X  refuse parallelism below this predicted speedup (default 1.2)
  --max-workers N  never use more workers than N
  -h, --help       show this help

Exit codes: 0 ok (a task that fails while measured is decided inline, with the reason), 1 the
--html report cannot be written (the decision is printed all the same), 2 usage error.`;

/**
 * The decision as plain JSON: every field but `data` and `explain` (infinite caps become null).
 *
 * @param r The optimizer's result.
 * @returns A JSON-ready object.
 *
 * @example Usage
 * ```ts
 * import { optimizationJson } from "./optimize.ts";
 * import { optimize } from "../optimize.ts";
 * import assert from "node:assert/strict";
 *
 * const json = optimizationJson(await optimize((x: number) => x, [1, 2, 3]));
 * assert.equal(json.executor, "inline");
 * assert.equal("data" in json, false);
 * ```
 */
export function optimizationJson(r: OptimizationResult<unknown>): Record<string, unknown> {
  const { data: _data, explain: _explain, ...rest } = r;
  return JSON.parse(JSON.stringify(rest));
}

/** A number from a flag (a positive finite number), or undefined when absent. */
function _number(flag: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${flag} must be a positive number, got ${JSON.stringify(v)}`);
  }
  return n;
}

/**
 * The `optimize` subcommand.
 *
 * @example Usage
 * ```ts
 * import { command } from "./optimize.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(command.help, /--range N/);
 * await assert.rejects(command.run(["no-hash.ts"]), { name: "UsageError" });
 * ```
 */
export const command: Command = {
  summary: "measure a task and print how to run it (inline, async or workers)",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const input = await readTaskInput(args, {
      "min-speedup": { type: "string" },
      "max-workers": { type: "string" },
    }, {
      options: (v) => {
        const minSpeedup = _number("--min-speedup", v["min-speedup"]);
        // As every integer flag: "0x10" and "1e1" were taken as 16 and 10 workers.
        const maxWorkers = intFlag("--max-workers", v["max-workers"]);
        return { minSpeedup, maxWorkers };
      },
    });
    const bar = progressBar("optimize");
    const result = await optimize(input.task, input.data, {
      ...input.options,
      onProgress: bar?.onProgress,
    }).finally(() => bar?.end());
    const say = outputFor(input.html);
    say(input.json ? JSON.stringify(optimizationJson(result), null, 2) : result.explain());
    const written = await writeHtml(input.html, {
      title: "amorsize optimize",
      optimization: result,
    }, {
      task: input.spec,
      items: input.data.length,
    });
    return input.html !== undefined && !written ? 1 : 0;
  },
};
