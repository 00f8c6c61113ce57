/**
 * `amorsize suite`: run the performance-regression suite, or compare two saved runs (suite results
 * or `deno bench --json` output) and fail on a regression.
 *
 * @module
 */
import { type Command, UsageError } from "./_command.ts";
import {
  comparePerformanceResults,
  formatComparison,
  formatSuite,
  getStandardWorkloads,
  resultLabel,
  runPerformanceSuite,
} from "../suite/mod.ts";
import { dirFlag, intFlag, parseFlags } from "./_input.ts";
import { print } from "./_output.ts";

const HELP =
  `Usage: amorsize suite run [--workloads A,B] [--repeats N] [--no-validate] [--save] [--dir DIR] [--json]
       amorsize suite compare BASELINE CURRENT [--threshold 0.1] [--json]
       amorsize suite list [--json]

run      Benchmark the standard workloads: optimize each, then time a plain loop against the
         recommended configuration (alternating, medians). A workload passes when its speedup
         reaches 80% of its minimum (scaled to the effective cores), it finishes within its time
         limit and the prediction is at least 50% accurate. A workload whose timing checks failed
         while other processes kept half the cores busy gets no verdict ("busy"). Exit 1 when
         a workload fails. The columns are explained below the table and in docs/suite.md.
compare  Compare two JSON files: suite results (suite run --json, or history entries) or the
         output of \`deno bench --json\`. A regression is a change beyond the threshold AND beyond
         the range (max − min) of each run. A workload measured on a busy machine (no
         verdict) is not judged. Exit 1 when there is a regression, or when a workload (or
         bench) failed outright in CURRENT.
list     The standard workloads.

Options:
  --workloads A,B   only these workloads (see suite list)
  --repeats N       timed runs of each side per workload (default 3)
  --no-validate     optimize only, without timed runs (results say "predicted")
  --save            save the result to the history (kind "suite")
  --dir DIR         the history directory (default: $AMORSIZE_HOME/history, else the user cache)
  --threshold X     relative change that counts (default 0.1 = 10%)
  --json            print JSON
  -h, --help        show this help

Exit codes: 0 ok (or busy: no verdict), 1 a workload failed, a regression was found, or the
result could not be saved with --save (it is printed all the same), 2 usage error or unreadable
input.`;

function _parse(args: string[]) {
  return parseFlags(args, {
    workloads: { type: "string" },
    repeats: { type: "string" },
    "no-validate": { type: "boolean" },
    save: { type: "boolean" },
    dir: { type: "string" },
    threshold: { type: "string" },
    json: { type: "boolean" },
  });
}

type Values = ReturnType<typeof _parse>["values"];

function _only(values: Values, allowed: string[], sub: string): void {
  for (const key of Object.keys(values)) {
    if (!allowed.includes(key)) throw new UsageError(`suite ${sub} does not take --${key}`);
  }
}

function _number(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${flag} must be a positive number, got ${JSON.stringify(text)}`);
  }
  return n;
}

async function _run(values: Values, rest: string[]): Promise<number> {
  _only(values, ["workloads", "repeats", "no-validate", "save", "dir", "json"], "run");
  if (rest.length > 0) throw new UsageError(`suite run takes no arguments, got "${rest[0]}"`);
  if (values.dir !== undefined && !values.save) throw new UsageError("--dir needs --save");
  const dir = dirFlag(values.dir);
  let workloads = getStandardWorkloads();
  if (values.workloads !== undefined) {
    const names = values.workloads.split(",").map((s) => s.trim()).filter((s) => s !== "");
    const known = workloads.map((w) => w.name);
    const unknown = names.filter((n) => !known.includes(n));
    if (names.length === 0 || unknown.length > 0) {
      throw new UsageError(
        `unknown workload ${JSON.stringify(unknown[0] ?? values.workloads)} ` +
          `(known: ${known.join(", ")})`,
      );
    }
    workloads = workloads.filter((w) => names.includes(w.name));
  }
  // As every integer flag: "0x10", "1e1" and "5.0" were taken as 16, 10 and 5 repeats.
  const repeats = intFlag("--repeats", values.repeats) ?? 3;
  const json = values.json ?? false;
  const suite = await runPerformanceSuite({
    workloads,
    repeats,
    validate: !values["no-validate"],
    save: values.save ? { dir } : false,
    onResult: json ? undefined : (r) => console.error(`${r.workload}: ${resultLabel(r)}`),
  });
  print(json ? JSON.stringify(suite, null, 2) : formatSuite(suite));
  if (suite.saveError !== undefined) {
    // Printed first: the measurements are kept on the screen (or in the --json file).
    console.error(`amorsize suite: the result was not saved: ${suite.saveError}`);
    return 1;
  }
  // A workload measured while the machine was busy has no verdict: it does not fail the run.
  return suite.results.some((r) => resultLabel(r) === "FAIL") ? 1 : 0;
}

function _compare(values: Values, rest: string[]): number {
  _only(values, ["threshold", "json"], "compare");
  if (rest.length !== 2) {
    throw new UsageError(`suite compare needs BASELINE and CURRENT files, got ${rest.length}`);
  }
  const threshold = values.threshold === undefined
    ? undefined
    : _number("threshold", values.threshold);
  let cmp;
  try {
    cmp = comparePerformanceResults(rest[0], rest[1], { threshold });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  print(values.json ? JSON.stringify(cmp, null, 2) : formatComparison(cmp));
  return cmp.regressions.length > 0 || cmp.failed.length > 0 ? 1 : 0;
}

function _list(values: Values, rest: string[]): number {
  _only(values, ["json"], "list");
  if (rest.length > 0) throw new UsageError(`suite list takes no arguments, got "${rest[0]}"`);
  const specs = getStandardWorkloads().map((
    { name, description, size, minSpeedup, maxTimeMs },
  ) => ({
    name,
    description,
    size,
    minSpeedup,
    maxTimeMs,
  }));
  if (values.json) print(JSON.stringify(specs, null, 2));
  else for (const s of specs) print(`${s.name.padEnd(18)}${s.description}`);
  return 0;
}

/**
 * The `suite` subcommand.
 *
 * @example Usage
 * ```ts
 * import { command } from "./suite.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(command.help, /suite compare BASELINE CURRENT/);
 * await assert.rejects(command.run(["bogus"]), { name: "UsageError" });
 * ```
 */
export const command: Command = {
  summary: "run the performance-regression suite, or compare two runs",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = _parse(args);
    const [sub, ...rest] = positionals;
    if (sub === "run") return await _run(values, rest);
    if (sub === "compare") return _compare(values, rest);
    if (sub === "list") return _list(values, rest);
    throw new UsageError(
      sub === undefined
        ? "a subcommand is needed: run, compare or list"
        : `unknown subcommand "${sub}" (run, compare or list)`,
    );
  },
};
