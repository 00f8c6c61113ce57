/**
 * `amorsize validate`: run the optimizer's choice and the plain loop on the data, and compare
 * the measured speedup with the predicted one.
 *
 * @module
 */
import { type Command, UsageError } from "./_command.ts";
import { measuredPoints, outputFor } from "./_html.ts";
import { INPUT_HELP, intFlag, readTaskInput, timeoutFlag, writeHtml } from "./_input.ts";
import { formatMs, formatTable } from "./_text_table.ts";
import { optimizationJson } from "./optimize.ts";
import { quickValidate, validateOptimization, type ValidationResult } from "../validate/mod.ts";
import { configLabel } from "../engine/mod.ts";

const HELP = `Usage: amorsize validate MODULE#EXPORT [--range N | --data FILE] [options]

Check a decision by measuring it: the optimizer runs on the data, then the plain loop and the
chosen configuration run on the same items, alternating, and the median speedup is compared
with the predicted one. accuracy = 1 - |actual - predicted| / max(actual, predicted).

The task runs on every item several times (2 x repeats passes, plus sampling): do not validate
tasks that must run once per item.

${INPUT_HELP}

Options:
  --repeats N      runs of each configuration (default 3)
  --max-items N    measure at most N items (with --quick: the sample size, default 200)
  --quick          measure an evenly spread sample of the data (optimized anew)
  --timeout MS     time budget of the measured runs (default 60000; a run on this thread that
                   is under way cannot be stopped and ends first)
  --no-check-results
                   do not check that the configurations' results agree (for a task whose
                   results differ from run to run: random numbers, times)
  -h, --help       show this help

Exit codes: 0 accuracy >= 50.0 % (as printed, one decimal), 1 below (the prediction failed the
check), the task failed on an item (the message names it) or the --html report cannot be
written, 2 usage error.`;

/** The accuracy a validation needs to pass, in percent. */
const PASS_PERCENT = 50;

/** The accuracy as printed: a percentage rounded to one decimal. */
function accuracyPercent(accuracy: number): number {
  return Math.round(accuracy * 1000) / 10;
}

/**
 * Whether a validation passes: the accuracy as printed (percent, one decimal) is at least 50 %,
 * so that the verdict and the exit code never contradict the figure shown.
 *
 * @param accuracy The accuracy, 0..1.
 * @returns `true` when it passes.
 *
 * @example Usage
 * ```ts
 * import { accuracyPasses } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(accuracyPasses(0.4996), true); // printed as 50.0 %
 * assert.equal(accuracyPasses(0.4994), false); // printed as 49.9 %
 * ```
 */
export function accuracyPasses(accuracy: number): boolean {
  return accuracyPercent(accuracy) >= PASS_PERCENT;
}

/**
 * A validation as a readable table, with its recommendations and warnings.
 *
 * @param v The validation.
 * @returns The text.
 *
 * @example Usage
 * ```ts
 * import { formatValidation } from "./validate.ts";
 * import { validateOptimization } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const v = await validateOptimization((x: number) => x, [1, 2, 3], { repeats: 1 });
 * assert.match(formatValidation(v), /^accuracy +\d+\.\d %/m);
 * ```
 */
export function formatValidation(v: ValidationResult<unknown>): string {
  const range = (r: [number, number]) => `${formatMs(r[0])}–${formatMs(r[1])}`;
  const rows = [
    ["", "measured", "predicted", "runs (ms)"],
    [
      "plain loop (ms)",
      formatMs(v.serialMs),
      formatMs(v.predictedMs.serial),
      range(v.spread.serial),
    ],
    [
      "optimized (ms)",
      formatMs(v.optimizedMs),
      formatMs(v.predictedMs.optimized),
      range(v.spread.optimized),
    ],
    ["speedup", `${v.actualSpeedup.toFixed(2)}×`, `${v.predictedSpeedup.toFixed(2)}×`, ""],
  ];
  const lines = [
    `decision  ${configLabel(v.config)} on ${v.items} items`,
    `reason    ${v.optimization.reason}`,
    "",
    formatTable(rows, [1, 2]),
    "",
    `accuracy  ${accuracyPercent(v.accuracy).toFixed(1)} % (${
      accuracyPasses(v.accuracy) ? "pass" : "FAIL"
    }: >= ${PASS_PERCENT.toFixed(1)} %)`,
  ];
  if (v.alternative) {
    lines.push(
      `refused   ${configLabel(v.alternative.config)}: ${formatMs(v.alternative.medianMs)} ms, ` +
        `${v.alternative.speedup.toFixed(2)}×`,
    );
  }
  if (v.recommendations.length) {
    lines.push(
      "",
      "recommendations:",
      ...v.recommendations.map((r) => `  - ${r}`),
    );
  }
  if (v.warnings.length) lines.push("", "warnings:", ...v.warnings.map((w) => `  - ${w}`));
  return lines.join("\n");
}

/**
 * The `validate` subcommand.
 *
 * @example Usage
 * ```ts
 * import { command } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(command.help, /accuracy/);
 * await assert.rejects(command.run(["--repeats", "x"]), { name: "UsageError" });
 * ```
 */
export const command: Command = {
  summary: "measure the optimizer's choice against the plain loop (accuracy of the prediction)",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const input = await readTaskInput(args, {
      repeats: { type: "string" },
      "max-items": { type: "string" },
      quick: { type: "boolean" },
      timeout: { type: "string" },
      "no-check-results": { type: "boolean" },
    }, {
      options: (v) => ({
        repeats: intFlag("--repeats", v.repeats),
        maxItems: intFlag("--max-items", v["max-items"]),
        timeoutMs: timeoutFlag("--timeout", v.timeout),
        checkResults: v["no-check-results"] ? false : undefined,
      }),
    });
    const { options } = input;
    if (input.data.length === 0) {
      throw new UsageError("no data: validation needs at least one item");
    }
    const result = input.values.quick
      ? await quickValidate(input.task, input.data, options)
      : await validateOptimization(input.task, input.data, options);
    const say = outputFor(input.html);
    if (input.json) {
      const { optimization, ...rest } = result;
      say(
        JSON.stringify({ ...rest, optimization: optimizationJson(optimization) }, null, 2),
      );
    } else say(formatValidation(result));
    const written = await writeHtml(input.html, {
      title: "amorsize validate",
      optimization: result.optimization,
      measuredSerialMs: result.serialMs,
      measured: measuredPoints(
        [{ config: result.config, medianMs: result.optimizedMs }],
        "validation",
      ),
    }, { task: input.spec, items: input.data.length });
    if (input.html !== undefined && !written) return 1;
    return accuracyPasses(result.accuracy) ? 0 : 1;
  },
};
