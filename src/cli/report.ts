/**
 * `amorsize report`: write a self-contained HTML report (inline SVG, no script) of a fresh
 * optimization, of the saved suite history, or of both.
 *
 * @module
 */
import { type Command, UsageError } from "./_command.ts";
import {
  checkHtmlNotInput,
  checkHtmlTarget,
  checkTask,
  dirFlag,
  type InputFile,
  inputFiles,
  parseFlags,
  parseTask,
  progressBar,
  readData,
} from "./_input.ts";
import { optimize } from "../optimize.ts";
import { loadSuiteHistory, type ReportInput, writeReport } from "../report/mod.ts";
import { listResults, resolveStoreDir } from "../store/mod.ts";
import { outputFor, printReport, reportAbout, STDOUT } from "./_html.ts";
import { print } from "./_output.ts";

const HELP = `Usage: amorsize report --optimize MODULE#EXPORT (--range N | --data FILE) --html FILE
       amorsize report --suite-history [--dir DIR] [--name NAME] --html FILE

Write a self-contained HTML report (inline SVG charts, no script, nothing loaded from the
network) that opens in any browser.

With --optimize it measures the task on the data here and shows the decision: the predicted
speedup against the worker count (one curve per chunk size, the choice marked), where the
predicted time goes, and the system facts with their sources. With --suite-history it shows each
workload's actual speedup over the saved suite runs, with regressions marked. Both may be given.

Options:
  --optimize MODULE#EXPORT  the task: a function exported by a module (path or file:/https: URL)
  --range N                 the data: the integers 0 .. N-1
  --data FILE               the data: a JSON file holding an array of items
  --suite-history           the suite results saved in the history (kind "suite")
  --dir DIR                 the history directory (default: $AMORSIZE_HOME/history or the
                            user cache directory)
  --name NAME               only suite runs saved under NAME (the suite uses the runtime's name)
  --html FILE               where to write the report (required): not the task module, the
                            --data file or a .json file of the --suite-history directory;
                            - writes it to stdout (and the other lines to stderr)
  --title TEXT              the report's title (default "amorsize report")
  -h, --help                show this help

Exit codes: 0 written, 1 no suite results to show (--suite-history without --optimize; with it,
an empty history says "No suite runs.") or a report that cannot be written, 2 usage error.`;

const FLAGS = {
  optimize: { type: "string" },
  range: { type: "string" },
  data: { type: "string" },
  "suite-history": { type: "boolean" },
  dir: { type: "string" },
  name: { type: "string" },
  html: { type: "string" },
  title: { type: "string" },
} as const;

function _string(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/**
 * Why there is nothing to show: the history directory, and with `--name` the names its suite runs
 * were saved under (a misspelt name said only "no suite results in the history").
 */
async function _noRuns(dir: string | undefined, name: string | undefined): Promise<string> {
  const where = resolveStoreDir("history", { dir });
  if (name !== undefined) {
    const { entries } = await listResults({ dir, kind: "suite" });
    // Unnamed runs cannot be chosen with --name: only the names are listed.
    const names = [
      ...new Set(entries.flatMap((e) => (e.name === null ? [] : [JSON.stringify(e.name)]))),
    ];
    if (entries.length > 0) {
      return `no suite results saved under the name ${JSON.stringify(name)} in the history ` +
        `(${where}); its suite runs are saved ` +
        (names.length > 0 ? `under ${names.join(", ")}` : "without a name");
    }
  }
  return `no suite results in the history (${where})`;
}

/**
 * The history directory --suite-history reads, as an input of the report: a report written there
 * as a `.json` file would be written over an entry, or read back as one.
 */
function _historyInput(dir: string | undefined): InputFile[] {
  try {
    const where = resolveStoreDir("history", { dir });
    const given = `the history directory ${where} (its .json files are entries)`;
    return [{ given, path: where, files: /\.json$/i }];
  } catch {
    return []; // no history directory: reading the history says why
  }
}

/**
 * The `report` subcommand.
 *
 * @example Usage
 * ```ts
 * import { command } from "./report.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(command.help, /--suite-history/);
 * await assert.rejects(command.run(["--suite-history"]), /--html FILE is required/);
 * await assert.rejects(command.run(["--html", "r.html"]), { name: "UsageError" });
 * ```
 */
export const command: Command = {
  summary: "write an HTML report: speedup curves, overhead breakdown, suite history",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags(args, FLAGS);
    if (positionals.length > 0) {
      throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    }
    const html = _string(values.html);
    if (html === undefined || html === "") throw new UsageError("--html FILE is required");
    checkHtmlTarget(html);
    const history = values["suite-history"] === true;
    const spec = _string(values.optimize);
    if (spec === undefined && !history) {
      throw new UsageError("give --optimize MODULE#EXPORT, --suite-history, or both");
    }
    if (spec === undefined && (values.range !== undefined || values.data !== undefined)) {
      throw new UsageError("--range and --data go with --optimize");
    }
    if (spec !== undefined && values.range === undefined && values.data === undefined) {
      throw new UsageError("--optimize needs its data: --range N or --data FILE");
    }
    if (!history && (values.dir !== undefined || values.name !== undefined)) {
      throw new UsageError("--dir and --name go with --suite-history");
    }
    const ref = spec === undefined ? undefined : parseTask(spec);
    const dir = history ? dirFlag(values.dir) : undefined;
    checkHtmlNotInput(html, [
      ...(ref === undefined ? [] : inputFiles(spec!, ref, values.data)),
      ...(history ? _historyInput(dir) : []),
    ]);
    const input: ReportInput = { title: _string(values.title) };
    const say = outputFor(html); // `--html -`: the report alone on stdout
    // The history first: read in a moment, where the optimization may take a while.
    if (history) {
      const { runs, warnings } = await loadSuiteHistory({ dir, name: _string(values.name) });
      for (const w of warnings) console.error(`warning: ${w}`);
      if (runs.length === 0 && spec === undefined) {
        console.error(`amorsize report: ${await _noRuns(dir, _string(values.name))}`);
        return 1;
      }
      // With --optimize, an empty history is a section that says "No suite runs.".
      input.suiteHistory = runs;
    }
    let about: { task: string; items: number } | undefined;
    if (spec !== undefined) {
      const task = await checkTask(ref!);
      const data = await readData(values);
      const bar = progressBar("optimize");
      const result = await optimize(task, data, { onProgress: bar?.onProgress })
        .finally(() => bar?.end());
      input.optimization = result;
      about = { task: spec, items: data.length };
      say(`decision: ${result.reason}`);
    }
    if (input.suiteHistory) say(`suite history: ${input.suiteHistory.length} run(s)`);
    const report = { ...reportAbout(about), ...input };
    if (html === STDOUT) printReport(report);
    else print(`wrote ${await writeReport(html, report)}`);
    return 0;
  },
};
