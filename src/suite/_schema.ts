// Recognising what is being compared: a suite result (schema 1), a history entry holding one, or
// the output of `deno bench --json` (version 1). Anything else, or another schema version, is an
// Error that names the source (the file) and what was found.
import { statSync } from "node:fs";
import { runtime } from "../runtime/mod.ts";
import { parseJsonText } from "../store/mod.ts";
import type { SuiteResult } from "./run_suite.ts";
import type { DenoBenchReport } from "./deno_bench_report.ts";

/** What a comparison side turned out to be. */
export type Comparable =
  | { kind: "suite"; suite: SuiteResult }
  | { kind: "deno-bench"; report: DenoBenchReport };

const _isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
// A figure: a finite number ≥ 0 (a speedup or a time cannot be negative).
const figure = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;
const _figureOrNull = (v: unknown) => v === null || figure(v);
/** The statistics of a bench that ran: `avg` is needed, the others are read where present. */
const _STATS = ["n", "min", "max", "avg", "p75", "p99", "p995", "p999"];

function _checkSuite(v: Record<string, unknown>, source: string): SuiteResult {
  if (v.schema !== 1) {
    throw new Error(
      `${source}: suite result schema ${JSON.stringify(v.schema)} is not supported ` +
        `(this amorsize reads schema 1)`,
    );
  }
  if (!Array.isArray(v.results)) throw new Error(`${source}: a suite result without "results"`);
  // A workload named twice (results merged by hand) would be compared with one of its figures,
  // picked by position: which one is a guess, so it is refused (as the suite refuses to run it).
  const seen = new Map<string, number>();
  v.results.forEach((r: unknown, i: number) => {
    const bad = (what: string) => new Error(`${source}: results[${i}] ${what}`);
    if (!_isObject(r)) throw bad("is not an object");
    if (typeof r.workload !== "string") throw bad(`has no "workload" name`);
    const first = seen.get(r.workload);
    if (first !== undefined) {
      throw bad(`names the workload ${JSON.stringify(r.workload)} of results[${first}] again`);
    }
    seen.set(r.workload, i);
    if (!_figureOrNull(r.actualSpeedup)) {
      throw bad(
        `has an "actualSpeedup" that is not a number >= 0: ${JSON.stringify(r.actualSpeedup)}`,
      );
    }
    if (r.spread !== null && r.spread !== undefined && !_isObject(r.spread)) {
      throw bad(`has a "spread" that is not an object`);
    }
  });
  return v as unknown as SuiteResult;
}

function _checkDenoBench(v: Record<string, unknown>, source: string): DenoBenchReport {
  if (v.version !== 1) {
    throw new Error(
      `${source}: deno bench --json version ${JSON.stringify(v.version)} is not supported ` +
        `(expected version 1)`,
    );
  }
  (v.benches as unknown[]).forEach((b, i) => {
    if (!_isObject(b) || typeof b.name !== "string" || !Array.isArray(b.results)) {
      throw new Error(`${source}: benches[${i}] is not a deno bench entry (name, results)`);
    }
    b.results.forEach((r: unknown, j: number) => {
      const at = `${source}: benches[${i}].results[${j}]`;
      if (!_isObject(r)) throw new Error(`${at} is not an object`);
      if (r.ok === undefined) return; // a bench that failed: noted and skipped
      if (!_isObject(r.ok) || !("avg" in r.ok)) throw new Error(`${at}.ok has no "avg"`);
      for (const key of _STATS) {
        const v = (r.ok as Record<string, unknown>)[key];
        if (v !== undefined && !figure(v)) {
          throw new Error(`${at}.ok.${key} is not a number >= 0: ${JSON.stringify(v)}`);
        }
      }
    });
  });
  return v as unknown as DenoBenchReport;
}

/** Recognise a parsed value from `source` (a file name, or "baseline"/"current"). */
export function parseComparable(value: unknown, source: string): Comparable {
  if (!_isObject(value)) {
    throw new Error(`${source} is not a suite result or deno bench --json output (not an object)`);
  }
  if (value.format === "amorsize-suite") {
    return { kind: "suite", suite: _checkSuite(value, source) };
  }
  if (value.library === "amorsize" && "payload" in value && typeof value.kind === "string") {
    if (value.schema !== 1) {
      throw new Error(
        `${source}: history entry schema ${JSON.stringify(value.schema)} is not supported`,
      );
    }
    if (value.kind !== "suite") {
      throw new Error(`${source} is a history entry of kind "${value.kind}", not a suite result`);
    }
    return parseComparable(value.payload, `${source} (payload)`);
  }
  if (Array.isArray(value.benches)) {
    return { kind: "deno-bench", report: _checkDenoBench(value, source) };
  }
  throw new Error(
    `${source} is not an amorsize suite result (no format: "amorsize-suite") nor ` +
      `deno bench --json output (no "benches")`,
  );
}

/** Read and recognise the JSON file at `path`. */
export function loadComparable(path: string): Comparable {
  // An empty path, a missing file or a directory was named in each runtime's own words ("No such
  // file or directory (os error 2)", "ENOENT: …, open"; "Is a directory (os error 21)", "EISDIR").
  if (path === "") throw new Error("Cannot read a result file: its path is an empty string");
  if (_isDirectory(path)) {
    throw new Error(`Cannot read ${path}: it is a directory, not a JSON file`);
  }
  const read = runtime().readTextFile(path);
  if (!read.ok && read.reason === "missing") throw new Error(`Cannot read ${path}: no such file`);
  if (!read.ok) throw new Error(`Cannot read ${path}: ${read.message}`);
  let value: unknown;
  try {
    value = parseJsonText(read.text);
  } catch (e) {
    throw new Error(`${path} is not JSON: ${(e as Error).message}`);
  }
  return parseComparable(value, path);
}

function _isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false; // not there, or not readable: the read says which
  }
}
