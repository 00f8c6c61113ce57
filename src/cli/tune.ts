/**
 * `amorsize tune`: measure real runs of configurations (grid or Bayesian search) and print every
 * trial, the best configuration and how far the optimizer's own pick was from it.
 *
 * @module
 */
import { type Command, UsageError } from "./_command.ts";
import {
  INPUT_HELP,
  intFlag,
  noReport,
  progressBar,
  readTaskInput,
  timeoutFlag,
} from "./_input.ts";
import { formatMs, formatTable } from "./_text_table.ts";
import { tune, type TuneResult } from "../tune/mod.ts";
import { configLabel } from "../engine/mod.ts";
import { print } from "./_output.ts";

const HELP = `Usage: amorsize tune MODULE#EXPORT [--range N | --data FILE] [options]

Run the task on the data with many configurations (executor, workers, chunk size) and measure
each: the grid the optimizer searches, or a Bayesian search over it seeded with the optimizer's
pick. Prints every trial with the optimizer's prediction, the best configuration, and how much
slower the optimizer's own pick ran.

${INPUT_HELP}

Options:
  --strategy S     grid, bayesian or auto (default auto: bayesian above 12 configurations)
  --budget MS      start no trial after MS milliseconds
  --max-configs N  measure at most N configurations
  --repeats N      runs per configuration, the median is kept (default 2, short runs more:
                   up to 7, until 150 ms were measured; the 3 fastest run twice more)
  --timeout MS     time limit of one run (default 5 × the predicted plain loop, at least 1 s)
  -h, --help       show this help

Exit codes: 0 ok, 1 every configuration failed (the first error is printed), 2 usage error.`;

/**
 * The tuning result as a text report: the trials (best first), then the summary lines.
 *
 * @param r The result of `tune`.
 * @returns The report.
 *
 * @example Usage
 * ```ts
 * import { formatTuneResult } from "./tune.ts";
 * import assert from "node:assert/strict";
 *
 * const config = { executor: "inline" as const, workers: 1, chunkSize: 4, concurrency: 1 };
 * const spreadMs: [number, number] = [1.9, 2.1];
 * const trial = { config, medianMs: 2, spreadMs, predictedMs: 2.2, runs: 2 };
 * const text = formatTuneResult({
 *   best: { config, medianMs: 2 }, trials: [trial], strategy: "grid", evaluations: 1,
 *   optimizerPick: { config, medianMs: 2, gapPct: 0 }, spaceSize: 1,
 *   stoppedBecause: "exhausted", warnings: [],
 * });
 * assert.match(text, /^config +median ms +spread ms +predicted ms +runs/m);
 * assert.match(text, /^best: inline, 2\.00 ms/m);
 * ```
 */
export function formatTuneResult(r: TuneResult): string {
  const rows = [...r.trials].sort((a, b) => a.medianMs - b.medianMs).map((t) => [
    configLabel(t.config),
    formatMs(t.medianMs),
    Number.isFinite(t.spreadMs[0]) ? `${formatMs(t.spreadMs[0])}–${formatMs(t.spreadMs[1])}` : "—",
    formatMs(t.predictedMs),
    String(t.runs),
    t.error?.split("\n")[0] ?? "", // one line a row
  ]);
  const table = formatTable([
    ["config", "median ms", "spread ms", "predicted ms", "runs", "error"],
    ...rows,
  ], [1, 3, 4]);
  const p = r.optimizerPick;
  const gap = Number.isFinite(p.gapPct) ? `${p.gapPct.toFixed(1)} % slower than the best` : "—";
  return [
    table,
    "",
    `best: ${configLabel(r.best.config)}, ${formatMs(r.best.medianMs)} ms`,
    `optimizer's pick: ${configLabel(p.config)}, ${formatMs(p.medianMs)} ms (${gap})`,
    `${r.strategy}: ${r.evaluations} of ${r.spaceSize} configurations measured, stopped: ` +
    r.stoppedBecause,
    ...r.warnings.map((w) => `warning: ${w.replace(/\s*\n\s*/g, " ")}`), // one line each
  ].join("\n");
}

function _strategy(v: unknown): "grid" | "bayesian" | "auto" | undefined {
  if (v === undefined) return undefined;
  if (v === "grid" || v === "bayesian" || v === "auto") return v;
  throw new UsageError(`--strategy must be grid, bayesian or auto, got ${JSON.stringify(v)}`);
}

/**
 * The `tune` subcommand.
 *
 * @example Usage
 * ```ts
 * import { command } from "./tune.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(command.help, /--strategy S/);
 * await assert.rejects(command.run(["no-hash.ts"]), { name: "UsageError" });
 * ```
 */
export const command: Command = {
  summary: "measure configurations on real runs (grid or Bayesian) against the optimizer's pick",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const input = await readTaskInput(args, {
      strategy: { type: "string" },
      budget: { type: "string" },
      "max-configs": { type: "string" },
      repeats: { type: "string" },
      timeout: { type: "string" },
    }, {
      options: (v) => ({
        strategy: _strategy(v.strategy),
        budgetMs: intFlag("--budget", v.budget),
        maxConfigs: intFlag("--max-configs", v["max-configs"]),
        repeats: intFlag("--repeats", v.repeats),
        timeoutMs: timeoutFlag("--timeout", v.timeout),
      }),
    });
    noReport("tune", input.html);
    if (input.data.length === 0) throw new UsageError("no data: tune needs at least one item");
    const bar = progressBar("tune");
    const result = await tune(input.task, input.data, {
      ...input.options,
      onProgress: bar &&
        ((p) => bar.onProgress({ done: p.evaluations, total: p.planned, elapsedMs: p.elapsedMs })),
    }).finally(() => bar?.end());
    print(input.json ? JSON.stringify(_json(result), null, 2) : formatTuneResult(result));
    // No configuration ran: failed work, whatever the table says (the first error names the item).
    const failed = result.trials.filter((t) => t.error !== undefined);
    if (result.trials.length > 0 && failed.length === result.trials.length) {
      console.error(
        `amorsize tune: every configuration failed: ${failed[0].error!.split("\n")[0]}`,
      );
      return 1;
    }
    return 0;
  },
};

/** JSON has no Infinity: failed trials carry `null` times (and their error). */
function _json(r: TuneResult): unknown {
  return JSON.parse(JSON.stringify(r));
}
