// `--html FILE`: write an HTML report with the package's `writeReport`; `--html -` writes it to
// standard output (as `-` means a standard stream elsewhere), and the command's own output then
// goes to standard error.
import { runtime } from "../runtime/mod.ts";
import { closeSync, openSync, statSync, unlinkSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { UsageError } from "./_command.ts";
import { type MeasuredPoint, renderReport, type ReportInput, writeReport } from "../report/mod.ts";
import type { ForcedConfig } from "../engine/mod.ts";
import { print } from "./_output.ts";

/** The `--html` value that means standard output (`--html -` wrote a file named `-`). */
export const STDOUT = "-";

/**
 * Where a command prints its own output (its result, the lines it says): standard output, or
 * standard error where `--html -` writes the report to standard output (the two would be one
 * mixed text there).
 *
 * @param html The `--html` value, if given.
 * @returns The function that prints a line.
 *
 * @example Usage
 * ```ts
 * import { outputFor } from "./_html.ts";
 * import assert from "node:assert/strict";
 *
 * assert.notEqual(outputFor("-"), outputFor("report.html"));
 * assert.equal(outputFor(undefined), outputFor("report.html"));
 * ```
 */
export function outputFor(html: string | undefined): (text: string) => void {
  return html === STDOUT ? toStderr : print;
}

const toStderr = (text: string) => console.error(text);

/**
 * Print a report on standard output (`--html -`): the bytes `writeReport` writes to a file.
 *
 * @param input What the report shows.
 *
 * @example Usage
 * ```ts
 * import { printReport } from "./_html.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => printReport({}), TypeError); // nothing to show
 * ```
 */
export function printReport(input: ReportInput): void {
  print(renderReport(input).replace(/\n$/, "")); // print ends the line
}

/**
 * What a report written by a command is about: the task and item count (when given), the runtime,
 * and when it was written.
 *
 * @param about The task as given on the command line (`MODULE#EXPORT`) and the item count.
 * @returns The `subject` and `generatedAt` of a report.
 *
 * @example Usage
 * ```ts
 * import { reportAbout } from "./_html.ts";
 * import assert from "node:assert/strict";
 *
 * const r = reportAbout({ task: "tasks.js#square", items: 1000 });
 * assert.match(r.subject, /^tasks\.js#square, 1000 items, (deno|bun|node) /);
 * assert.match(r.generatedAt, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
 * ```
 */
export function reportAbout(
  about?: { task: string; items: number },
): { subject: string; generatedAt: string } {
  const rt = runtime();
  const parts = about ? [about.task, `${about.items} items`] : [];
  parts.push(`${rt.name} ${rt.version}`);
  const generatedAt = new Date().toISOString().replace("T", " ").slice(0, 16) + " UTC";
  return { subject: parts.join(", "), generatedAt };
}

/**
 * Check that `--html FILE` can be written, before any work: not a directory; writable if it
 * exists; else the nearest directory above it that exists is writable (the rest is created).
 * `-` (standard output) is always accepted.
 *
 * @param file The `--html` value.
 * @throws {UsageError} Saying why the report could not be written there.
 *
 * @example Usage
 * ```ts
 * import { checkHtmlTarget } from "./_html.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => checkHtmlTarget("."), /is a directory/);
 * assert.throws(() => checkHtmlTarget(""), /--html needs a file, got an empty string/);
 * assert.throws(() => checkHtmlTarget("/dev/null/report.html"), /is not a directory/);
 * checkHtmlTarget("-"); // standard output
 * ```
 */
export function checkHtmlTarget(file: string): void {
  // An empty value named the working directory ("--html  is a directory").
  if (file === "") throw new UsageError("--html needs a file, got an empty string");
  if (file === STDOUT) return;
  const path = resolve(file);
  const info = statOrNone(path, file);
  if (info?.isDirectory()) throw new UsageError(`--html ${file} is a directory`);
  // The report's directories are created as needed: the nearest one that exists decides.
  let dir = dirname(path);
  let dirInfo = statOrNone(dir, file);
  while (!dirInfo && dirname(dir) !== dir) {
    dir = dirname(dir);
    dirInfo = statOrNone(dir, file);
  }
  if (!dirInfo?.isDirectory()) {
    throw new UsageError(`--html ${file}: ${dir} is not a directory`);
  }
  // Opened for writing (the file, untouched), or a file created and removed in the directory: a
  // permission check alone (Deno's `accessSync(W_OK)`) refused root targets root can write.
  try {
    if (info) closeSync(openSync(path, "r+"));
    else {
      const probe = join(dir, `.amorsize-html-check.${process.pid}.tmp`);
      closeSync(openSync(probe, "wx"));
      unlinkSync(probe);
    }
  } catch (e) {
    // The reason said: Deno without --allow-write is refused a directory that is writable.
    throw new UsageError(
      `--html ${file}: ${info ? "the file" : `the directory ${dir}`} is not writable ` +
        `(${firstLine(e)})`,
    );
  }
}

/** A file a command reads, for {@linkcode checkHtmlNotInput}: how it was given, and its path. */
export interface InputFile {
  /** How the command line names it, e.g. `"--data data.json"` or `"the task module tasks.js"`. */
  given: string;
  /** Its path (relative paths resolved against the working directory), or a `file:` URL. */
  path: string;
  /** `path` is a directory, and the command reads the files in it whose names match. */
  files?: RegExp;
}

/**
 * Refuse an `--html FILE` that is one of the files the command reads (the same path, a link to
 * it, or another name of it), or a file of a directory it reads: the report would overwrite its
 * input (`--html data.json
 * --data data.json` replaced the data with the report once the work was done). Checked before
 * the work, as {@linkcode checkHtmlTarget} is. Files that are not there are no input of it.
 *
 * @param file The `--html` value.
 * @param inputs The files the command reads.
 * @throws {UsageError} Naming both when the report would be written over an input.
 *
 * @example Usage
 * ```ts
 * import { checkHtmlNotInput } from "./_html.ts";
 * import assert from "node:assert/strict";
 * import { fileURLToPath } from "node:url";
 *
 * const self = fileURLToPath(import.meta.url);
 * assert.throws(
 *   () => checkHtmlNotInput(self, [{ given: "--data x.json", path: import.meta.url }]),
 *   /--html .*_html\.ts is the same file as --data x\.json: the report would overwrite it/,
 * );
 * checkHtmlNotInput("report.html", [{ given: "--data x.json", path: self }]); // another file
 * ```
 */
export function checkHtmlNotInput(file: string, inputs: InputFile[]): void {
  if (file === STDOUT) return; // no file
  const target = resolve(file);
  for (const input of inputs) {
    let path: string;
    try {
      path = /^file:/i.test(input.path) ? fileURLToPath(input.path) : resolve(input.path);
    } catch {
      continue; // no local file
    }
    if (input.files) {
      const parent = dirname(target);
      if (!input.files.test(basename(target))) continue;
      if (parent !== path && !sameFile(parent, path)) continue;
      throw new UsageError(
        `--html ${file} is a file of ${input.given}: the report would be read back as an ` +
          "input; write it to another file",
      );
    }
    if (path === target || sameFile(path, target)) {
      throw new UsageError(
        `--html ${file} is the same file as ${input.given}: the report would overwrite it; ` +
          "write the report to another file",
      );
    }
  }
}

/** Whether two existing paths are one file or directory (a link, another name of it). */
function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a, { throwIfNoEntry: false });
    const y = statSync(b, { throwIfNoEntry: false });
    if (!x || !y || x.ino === 0) return false; // no inode numbers: the paths decide
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false; // not looked at: the command's own reads say why
  }
}

/**
 * What `path` is, or undefined when nothing is there (a missing part, or a file on the way). Any
 * other failure is said: Deno without --allow-read was told "/ is not a directory".
 */
function statOrNone(path: string, file: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new UsageError(`--html ${file}: ${path} cannot be looked at (${firstLine(e)})`);
  }
}

const firstLine = (e: unknown) => String(e instanceof Error ? e.message : e).split("\n")[0];

/**
 * Write an HTML report for `--html FILE`, or to standard output for `--html -`. A report that
 * cannot be written (a full disk, input the renderer refuses) is a one-line note on stderr, and
 * `false`: the command's own output stands, and it exits 1 (output that cannot be written, as the
 * README says; standard output that cannot be written fails the command as any output does).
 *
 * @param file The file to write, `-` for standard output (`undefined`: no `--html` flag, nothing
 * to do).
 * @param input What to report (e.g. `{ optimization, measured }`).
 * @param about The task and item count, for the line under the title (see {@linkcode reportAbout}).
 * @returns Whether a report was written.
 *
 * @example Usage
 * ```ts
 * import { writeHtml } from "./_html.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await writeHtml(undefined, {}), false); // no --html flag: nothing to do
 * ```
 */
export async function writeHtml(
  file: string | undefined,
  input: ReportInput,
  about?: { task: string; items: number },
): Promise<boolean> {
  if (file === undefined) return false;
  try {
    if (file === STDOUT) printReport({ ...reportAbout(about), ...input });
    else await writeReport(file, { ...reportAbout(about), ...input });
    return true;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    console.error(`--html ${file}: the report was not written: ${why.split("\n")[0]}`);
    return false;
  }
}

/**
 * Measured worker configurations as report points (those without a worker count and a chunk
 * size are left out: the chart has no place for them).
 *
 * @param runs Configurations and their median times (ms).
 * @param label Where they were measured (`"validation"`, `"comparison"`).
 * @returns The points.
 *
 * @example Usage
 * ```ts
 * import { measuredPoints } from "./_html.ts";
 * import assert from "node:assert/strict";
 *
 * const points = measuredPoints([
 *   { config: { executor: "inline" }, medianMs: 10 },
 *   { config: { executor: "workers", workers: 2, chunkSize: 5 }, medianMs: 6 },
 * ], "comparison");
 * assert.deepEqual(points, [{ workers: 2, chunkSize: 5, measuredMs: 6, label: "comparison" }]);
 * ```
 */
export function measuredPoints(
  runs: { config: ForcedConfig; medianMs: number }[],
  label: string,
): MeasuredPoint[] {
  const out: MeasuredPoint[] = [];
  for (const { config: c, medianMs } of runs) {
    if (c.executor !== "workers" || c.workers === undefined || c.chunkSize === undefined) continue;
    out.push({ workers: c.workers, chunkSize: c.chunkSize, measuredMs: medianMs, label });
  }
  return out;
}
