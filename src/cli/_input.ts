/**
 * Flags shared by the CLI commands that run a task on data: the task as `path/to/module.ts#name`,
 * the data from `--range N`, `--data FILE` (a JSON array) or stdin (JSON lines), `--json` for
 * JSON output, `--html FILE` for a report, and a progress bar on stderr.
 *
 * `--data FILE` reads the data; `--json` only switches the output to JSON (the two are distinct
 * flags so that neither takes the other's meaning).
 *
 * @module
 */
import { fstatSync, statSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { UsageError } from "./_command.ts";
import { checkHtmlNotInput, checkHtmlTarget, type InputFile } from "./_html.ts";
import { suggestNames } from "./_suggest.ts";
import { MAX_TIMER_MS, timerMs } from "../args.ts";
import { runtime } from "../runtime/mod.ts";
import { parseJsonText } from "../store/mod.ts";
import { loadTask, task as taskRef, type TaskRef, taskSpec } from "../task/mod.ts";

export { progressBar } from "./_progress_bar.ts";
export {
  checkHtmlNotInput,
  checkHtmlTarget,
  type InputFile,
  outputFor,
  writeHtml,
} from "./_html.ts";

/** A flag for {@linkcode parseFlags}: a string or a boolean, with an optional short name. */
export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
}

/** The parsed flags (by long name) and the positional arguments. */
export interface ParsedFlags {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** The flags every task command accepts: `--range`, `--data`, `--json`, `--html`. */
export const INPUT_FLAGS: Record<string, FlagSpec> = {
  range: { type: "string" },
  data: { type: "string" },
  json: { type: "boolean" },
  html: { type: "string" },
};

/** Help lines for {@linkcode INPUT_FLAGS}, to paste into a command's help. */
export const INPUT_HELP = `Task:
  MODULE#EXPORT    a function exported by a module: a path relative to the current directory
                   (or a file:/https: URL), '#', the name of the export. To try it anywhere:
                     echo 'export const square = (x) => x * x;' > tasks.js
                     amorsize optimize tasks.js#square --range 1000

Data (one of):
  --range N        the integers 0 .. N-1
  --data FILE      a JSON file holding an array of items
  (stdin)          one JSON value per line, when neither flag is given and stdin is not a terminal
  (--data and stdin are read up to 536870888 bytes, 512 MiB: the longest text a string holds)

Output:
  --json           print JSON instead of text (the output switch; data comes from --data FILE)
  --html FILE      also write an HTML report to FILE (ignored, with a note, where reports are
                   not available); FILE may not be the task module or the --data file; - writes
                   it to stdout, and what the command prints otherwise goes to stderr`;

/** The values of `flags` by long name: a string, `true` for a switch, absent when not given. */
export type FlagValues<F extends Record<string, FlagSpec>> = {
  [K in keyof F]?: F[K]["type"] extends "string" ? string
    : F[K]["type"] extends "boolean" ? boolean
    : string | boolean;
};

/** How {@linkcode parseFlags} parses: whether positional arguments are allowed (default yes). */
export interface ParseFlagsOptions {
  positionals?: boolean;
}

/**
 * Parse `args` strictly with `node:util` parseArgs. Any parse error becomes a one-line
 * {@linkcode UsageError}, and so does a flag that takes a value given twice: the parser kept the
 * last value without a word (`--range 2 --range 3` ran 3 items), where the user meant one of them.
 * A switch (a boolean flag) given twice means what it means once.
 *
 * @param args The command's arguments.
 * @param flags The flags it accepts (long name → spec).
 * @param options `positionals: false` refuses positional arguments.
 * @returns The values by long name and the positionals.
 * @throws {UsageError} On an unknown flag (with the known flags it may have meant), a missing
 * value, a wrong type or a repeated flag.
 *
 * @example Usage
 * ```ts
 * import { INPUT_FLAGS, parseFlags } from "./_input.ts";
 * import assert from "node:assert/strict";
 *
 * const { values, positionals } = parseFlags(["m.ts#f", "--range", "5", "--json"], INPUT_FLAGS);
 * assert.deepEqual(positionals, ["m.ts#f"]);
 * assert.equal(values.range, "5");
 * assert.equal(values.json, true);
 * assert.throws(() => parseFlags(["--nope"], INPUT_FLAGS), { name: "UsageError" });
 * assert.throws(
 *   () => parseFlags(["--rnage", "5"], INPUT_FLAGS),
 *   { message: "Unknown option '--rnage'; did you mean '--range'?" },
 * );
 * assert.throws(
 *   () => parseFlags(["--range", "2", "--range=3"], INPUT_FLAGS),
 *   { message: '--range is given twice ("2" and "3"): give it once' },
 * );
 * assert.throws(() => parseFlags(["x"], INPUT_FLAGS, { positionals: false }), /Unexpected argument/);
 * ```
 */
export function parseFlags<F extends Record<string, FlagSpec>>(
  args: string[],
  flags: F,
  options: ParseFlagsOptions = {},
): { values: FlagValues<F>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: flags,
      strict: true,
      allowPositionals: options.positionals ?? true,
      tokens: true,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const line = message.split("\n")[0].replace(/\. To specify a positional.*$/, "");
    throw new UsageError(line + meant(e, Object.keys(flags)));
  }
  const seen = new Map<string, string | undefined>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option" || flags[token.name]?.type !== "string") continue;
    if (seen.has(token.name)) {
      const values = [seen.get(token.name), token.value].map((v) => JSON.stringify(v));
      throw new UsageError(
        `--${token.name} is given twice (${values.join(" and ")}): give it once`,
      );
    }
    seen.set(token.name, token.value);
  }
  return { values: parsed.values as FlagValues<F>, positionals: parsed.positionals };
}

/**
 * What an unknown long option may have meant (`"; did you mean '--workers'?"`), from the flags
 * a command takes; empty for any other parse error or when no flag is close.
 */
function meant(e: unknown, known: string[]): string {
  if ((e as { code?: unknown } | null)?.code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") return "";
  const given = /^Unknown option '--([^'=]+)/.exec((e as Error).message)?.[1];
  const close = given === undefined ? [] : suggestNames(given, known);
  if (close.length === 0) return "";
  return `; did you mean ${close.slice(0, 3).map((c) => `'--${c}'`).join(" or ")}?`;
}

/**
 * The integer a flag's text writes in decimal digits (spaces around them allowed), or `undefined`
 * for anything else: a sign, a point, an exponent, hex (`Number("0x10")` is 16), an empty text,
 * or a number beyond 2^53 − 1 (not the number given). Every integer the CLI reads goes through it.
 *
 * @param text The text given.
 * @returns The integer, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { integerText } from "./_input.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(integerText("16"), 16);
 * assert.equal(integerText(" 5 "), 5);
 * for (const loose of ["0x10", "1e1", "5.0", "+5", "", "99999999999999999999"]) {
 *   assert.equal(integerText(loose), undefined);
 * }
 * ```
 */
export function integerText(text: string): number | undefined {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Read an integer flag value (`undefined` when the flag is absent), written as
 * {@linkcode integerText} reads it.
 *
 * @param flag The flag's name, for the message (e.g. `"--range"`).
 * @param text The value given.
 * @param min The smallest accepted value (default 1).
 * @returns The integer.
 * @throws {UsageError} If the value is not an integer ≥ `min`.
 *
 * @example Usage
 * ```ts
 * import { intFlag } from "./_input.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(intFlag("--range", "12", 0), 12);
 * assert.equal(intFlag("--range", undefined), undefined);
 * assert.throws(() => intFlag("--workers", "0"), /--workers must be an integer >= 1, got "0"/);
 * ```
 */
export function intFlag(flag: string, text: unknown, min = 1): number | undefined {
  if (text === undefined) return undefined;
  const n = typeof text === "string" ? integerText(text) : undefined;
  if (n === undefined || n < min) {
    throw new UsageError(`${flag} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/**
 * Read a `--timeout MS` flag value: an integer number of ms that a timer can wait (at most
 * {@linkcode MAX_TIMER_MS}, as the library's `timeoutMs` checks), `undefined` when absent.
 *
 * @param flag The flag's name, for the message (e.g. `"--timeout"`).
 * @param text The value given.
 * @returns The number of ms.
 * @throws {UsageError} If the value is not an integer from 1 to 2^31 − 1.
 *
 * @example Usage
 * ```ts
 * import { timeoutFlag } from "./_input.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(timeoutFlag("--timeout", "5000"), 5000);
 * assert.throws(() => timeoutFlag("--timeout", "2147483648"), /--timeout must be at most 2147483647/);
 * ```
 */
export function timeoutFlag(flag: string, text: unknown): number | undefined {
  const n = intFlag(flag, text);
  if (n === undefined) return undefined;
  try {
    return timerMs(flag, n);
  } catch {
    throw new UsageError(
      `${flag} must be at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer), ` +
        `got ${JSON.stringify(text)}`,
    );
  }
}

/**
 * Read a `--dir DIR` flag value: `undefined` when absent, refused when empty.
 *
 * @param text The value given.
 * @returns The directory.
 * @throws {UsageError} If the value is an empty string.
 *
 * @example Usage
 * ```ts
 * import { dirFlag } from "./_input.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(dirFlag("/tmp/history"), "/tmp/history");
 * assert.equal(dirFlag(undefined), undefined);
 * assert.throws(() => dirFlag(""), /--dir needs a directory, got an empty string/);
 * ```
 */
export function dirFlag(text: unknown): string | undefined {
  if (text === "") throw new UsageError("--dir needs a directory, got an empty string");
  return typeof text === "string" ? text : undefined;
}

/**
 * Turn `path/to/module.ts#exportName` into a task reference (the path resolved against `cwd`).
 *
 * @param text The task argument.
 * @param cwd The directory relative paths start from (default: the current directory).
 * @returns The task reference.
 * @throws {UsageError} If there is no `#`, a part is empty, or the module file (a path or a
 * `file:` URL) does not exist or is a directory.
 *
 * @example Usage
 * ```ts
 * import { parseTask } from "./_input.ts";
 * import assert from "node:assert/strict";
 *
 * const ref = parseTask("https://example.com/m.js#square");
 * assert.equal(ref.name, "square");
 * assert.throws(() => parseTask("m.ts"), { name: "UsageError" });
 * assert.throws(() => parseTask("m.ts#"), { name: "UsageError" });
 * assert.throws(() => parseTask(".#square"), /is a directory/);
 * assert.throws(() => parseTask("file:///no/such/m.js#square"), /task module not found/);
 * ```
 */
export function parseTask(text: string | undefined, cwd: string = process.cwd()): TaskRef {
  if (text === undefined || text === "") {
    throw new UsageError("missing the task: give MODULE#EXPORT (e.g. tasks.ts#square)");
  }
  const at = text.lastIndexOf("#");
  const path = at < 0 ? "" : text.slice(0, at);
  const name = at < 0 ? "" : text.slice(at + 1);
  if (at < 0 || path === "" || name === "") {
    throw new UsageError(
      `the task must be MODULE#EXPORT with both parts, got ${JSON.stringify(text)}`,
    );
  }
  const isUrl = /^[a-z][a-z0-9+.-]*:/i.test(path) && !/^[a-z]:[\\/]/i.test(path);
  if (isUrl && !/^file:/i.test(path)) return taskRef(path, name);
  // A file: URL is checked as a path is: each runtime's loader named a missing file or a directory
  // in its own words (Bun: "Cannot find module" for a directory that exists).
  let file: string;
  try {
    file = isUrl ? fileURLToPath(path) : resolve(cwd, path);
  } catch (e) {
    throw new UsageError(
      `the task module ${JSON.stringify(path)} names no local file: ${(e as Error).message}`,
    );
  }
  let kind;
  try {
    kind = statSync(file, { throwIfNoEntry: false });
  } catch (e) {
    // A file on the way (ENOTDIR), a name too long: there is no module there. Anything else (Deno
    // without --allow-read) was said as "task module not found" for a module that is there.
    const code = (e as { code?: unknown } | null)?.code;
    if (code !== "ENOTDIR" && code !== "ENAMETOOLONG") {
      throw new UsageError(
        `the task module ${file} cannot be read: ${String((e as Error)?.message).split("\n")[0]}`,
      );
    }
    kind = undefined;
  }
  if (kind === undefined) throw new UsageError(`task module not found: ${file}`);
  if (kind.isDirectory()) {
    throw new UsageError(`the task module ${file} is a directory: name a module file in it`);
  }
  return taskRef(isUrl ? path : file, name);
}

/**
 * Load the task here once, so that a wrong export name is a usage error and not a failure in a
 * worker. (Importing the module runs its top-level code, as a worker would.)
 *
 * @param ref The task reference.
 * @returns The reference, once its export was found to be a function.
 * @throws {UsageError} If the module cannot be loaded or the export is not a function.
 *
 * @example Usage
 * ```ts
 * import { checkTask } from "./_input.ts";
 * import { task } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(checkTask(task(import.meta.url, "nope")), { name: "UsageError" });
 * ```
 */
export async function checkTask(ref: TaskRef): Promise<TaskRef> {
  try {
    await loadTask(taskSpec(ref));
  } catch (e) {
    throw new UsageError(String(e instanceof Error ? e.message : e).split("\n")[0]);
  }
  return ref;
}

/**
 * The data the flags name: `--range N` (0..N-1), `--data FILE` (a JSON array), or else stdin as
 * JSON lines (when stdin is not a terminal). Blank lines on stdin are skipped.
 *
 * @param values The parsed flags (`range`, `data`).
 * @param stdin Where to read JSON lines from (default: the process's stdin).
 * @returns The items.
 * @throws {UsageError} If both or neither are given (stdin a terminal), or the data is not JSON.
 *
 * @example Usage
 * ```ts
 * import { readData } from "./_input.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(await readData({ range: "3" }), [0, 1, 2]);
 * const lines = (async function* () { yield '1\n{"a": 2}\n\n"x"\n'; })();
 * assert.deepEqual(await readData({}, lines), [1, { a: 2 }, "x"]);
 * ```
 */
export async function readData(
  values: ParsedFlags["values"],
  stdin?: AsyncIterable<string | Uint8Array>,
): Promise<unknown[]> {
  if (values.range !== undefined && values.data !== undefined) {
    throw new UsageError("give either --range or --data, not both");
  }
  const n = intFlag("--range", values.range, 0);
  if (n !== undefined && n > MAX_RANGE) {
    throw new UsageError(`--range must be at most ${MAX_RANGE}, got ${n}`);
  }
  if (n !== undefined) return Array.from({ length: n }, (_, i) => i);
  if (typeof values.data === "string") return _readJsonArray(values.data);
  if (!stdin) {
    if (process.stdin.isTTY) {
      throw new UsageError("no data: give --range N or --data FILE, or pipe JSON lines on stdin");
    }
    // `< DIR`: Deno and Node read no lines (an empty run, exit code 0), Bun failed on EISDIR.
    if (_stdinIsDirectory()) {
      throw new UsageError(
        "stdin is a directory: give --range N or --data FILE, or pipe JSON lines",
      );
    }
    stdin = process.stdin as AsyncIterable<string | Uint8Array>;
  }
  return await _readJsonLines(stdin);
}

function _readJsonArray(file: string): unknown[] {
  // An empty value read the working directory; a directory or a missing file was named in each
  // runtime's own words ("Is a directory (os error 21)", "EISDIR: illegal operation").
  if (file === "") throw new UsageError("--data needs a JSON file, got an empty string");
  const path = resolve(file);
  if (_isDirectory(path)) throw new UsageError(`--data ${file} is a directory, not a JSON file`);
  const read = runtime().readTextFile(path, MAX_DATA_BYTES);
  if (!read.ok && read.reason === "missing") {
    throw new UsageError(`--data ${file}: no such file (${path})`);
  }
  if (!read.ok && read.reason === "too-large") {
    throw new UsageError(`--data ${file} holds more than ${MAX_DATA_BYTES} bytes, ${TOO_LARGE}`);
  }
  if (!read.ok) throw new UsageError(`--data ${file}: ${read.reason} (${read.message})`);
  let value: unknown;
  try {
    value = parseJsonText(read.text); // a byte-order mark, as on stdin
  } catch (e) {
    throw new UsageError(`--data ${file} is not JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!Array.isArray(value)) throw new UsageError(`--data ${file} must hold a JSON array`);
  return value;
}

function _isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false; // not there, or not readable: the read says which
  }
}

function _stdinIsDirectory(): boolean {
  try {
    return fstatSync(0).isDirectory();
  } catch {
    return false; // closed, or not a file: the read says what it holds
  }
}

async function _readJsonLines(stdin: AsyncIterable<string | Uint8Array>): Promise<unknown[]> {
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  for await (const c of stdin) {
    // Counted as read: `cat /dev/zero |` was read until memory ran out. (Leaving the loop stops
    // the reading.)
    bytes += c.length;
    if (bytes > MAX_DATA_BYTES) {
      throw new UsageError(`stdin holds more than ${MAX_DATA_BYTES} bytes, ${TOO_LARGE}`);
    }
    text += typeof c === "string" ? c : decoder.decode(c, { stream: true });
  }
  text += decoder.decode();
  const out: unknown[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    try {
      out.push(JSON.parse(lines[i]));
    } catch (e) {
      throw new UsageError(
        `stdin line ${i + 1} is not JSON: ${(e as Error).message.split("\n")[0]}`,
      );
    }
  }
  return out;
}

/** Most items `--range` makes (2^24: an array of them fits in memory on any machine). */
const MAX_RANGE = 2 ** 24;

/**
 * Most bytes of data read from `--data FILE` or stdin: 2^29 − 24, the longest string V8 holds
 * (Deno, Node; JavaScriptCore's, Bun's, is 2^31 − 1), so the longest JSON text that can be read
 * as one on every runtime. `--data /dev/zero` was read until memory ran out.
 */
const MAX_DATA_BYTES = 2 ** 29 - 24;

const TOO_LARGE = "the most the command line reads (the longest text a JavaScript string holds)";

/** What {@linkcode readTaskInput} gives: the task, the data, every parsed flag and the options. */
export interface TaskInput<T = undefined> extends ParsedFlags {
  task: TaskRef;
  /** The task as given (`MODULE#EXPORT`). */
  spec: string;
  data: unknown[];
  /** `--json` was given. */
  json: boolean;
  /** The `--html` file, if given. */
  html?: string;
  /** What the command's `options` reader made of its own flags. */
  options: T;
}

/** How {@linkcode readTaskInput} reads a command's own flags, and where stdin comes from. */
export interface TaskInputOptions<T> {
  /**
   * Check the command's own flags and turn them into its options. Called once the arguments are
   * parsed, before the task module is loaded and before any data is read: a bad flag is a usage
   * error at once, not after stdin was read to its end (a writer that keeps it open made the
   * command wait) or the module's top-level code ran.
   */
  options?: (values: ParsedFlags["values"]) => T;
  /** Where to read JSON lines from (default: the process's stdin). */
  stdin?: AsyncIterable<string | Uint8Array>;
}

/**
 * Parse a task command's arguments: exactly one `MODULE#EXPORT` positional, the data flags and
 * `extra` flags; check the command's own flags (`options`); then load the task once to check
 * its export, and read the data.
 *
 * @param args The command's arguments.
 * @param extra The command's own flags (besides {@linkcode INPUT_FLAGS}).
 * @param read How to read the command's own flags, and where stdin comes from.
 * @returns The task, the data, the flags and the command's options.
 * @throws {UsageError} On any usage error (one line).
 *
 * @example Usage
 * ```ts
 * import { intFlag, readTaskInput } from "./_input.ts";
 * import assert from "node:assert/strict";
 * import { fileURLToPath } from "node:url";
 *
 * const file = fileURLToPath(import.meta.url);
 * const input = await readTaskInput([`${file}#parseTask`, "--range", "2", "--json"], {});
 * assert.deepEqual(input.data, [0, 1]);
 * assert.equal(input.json, true);
 * await assert.rejects(readTaskInput(["--range", "2"], {}), { name: "UsageError" });
 * // A bad flag of the command's own is refused before stdin is read.
 * const never = (async function* () {
 *   throw new Error("stdin was read");
 * })();
 * await assert.rejects(
 *   readTaskInput([`${file}#parseTask`, "--workers", "x"], { workers: { type: "string" } }, {
 *     options: (v) => intFlag("--workers", v.workers),
 *     stdin: never,
 *   }),
 *   { name: "UsageError", message: '--workers must be an integer >= 1, got "x"' },
 * );
 * ```
 */
export async function readTaskInput<T = undefined>(
  args: string[],
  extra: Record<string, FlagSpec>,
  read: TaskInputOptions<T> = {},
): Promise<TaskInput<T>> {
  const parsed = parseFlags(args, { ...INPUT_FLAGS, ...extra });
  if (parsed.positionals.length > 1) {
    throw new UsageError(`expected one task (MODULE#EXPORT), got ${parsed.positionals.length}`);
  }
  const options = read.options ? read.options(parsed.values) : undefined as T;
  const html = typeof parsed.values.html === "string" ? parsed.values.html : undefined;
  if (html !== undefined) checkHtmlTarget(html); // before the work, not after it
  const spec = parsed.positionals[0];
  const ref = parseTask(spec);
  if (html !== undefined) checkHtmlNotInput(html, inputFiles(spec, ref, parsed.values.data));
  const task = await checkTask(ref);
  const data = await readData(parsed.values, read.stdin);
  return { ...parsed, task, spec, data, json: parsed.values.json === true, html, options };
}

/**
 * The files a task command reads: the task module (a local one) and the `--data` file, as the
 * command line names them (for {@linkcode checkHtmlNotInput}).
 *
 * @param spec The task as given (`MODULE#EXPORT`).
 * @param ref The task reference {@linkcode parseTask} made of it.
 * @param data The `--data` value, if given.
 * @returns The input files.
 *
 * @example Usage
 * ```ts
 * import { inputFiles, parseTask } from "./_input.ts";
 * import assert from "node:assert/strict";
 * import { fileURLToPath } from "node:url";
 *
 * const spec = `${fileURLToPath(import.meta.url)}#inputFiles`;
 * const files = inputFiles(spec, parseTask(spec), "items.json");
 * assert.deepEqual(files.map((f) => f.given), [
 *   `the task module ${fileURLToPath(import.meta.url)}`,
 *   "--data items.json",
 * ]);
 * ```
 */
export function inputFiles(spec: string, ref: TaskRef, data: unknown): InputFile[] {
  const files: InputFile[] = [];
  if (/^file:/i.test(ref.module)) {
    const module = spec.slice(0, spec.lastIndexOf("#"));
    files.push({ given: `the task module ${module}`, path: ref.module });
  }
  if (typeof data === "string" && data !== "") files.push({ given: `--data ${data}`, path: data });
  return files;
}

/**
 * Say on stderr that `command` writes no HTML report, where `--html` was given (it is checked
 * before the work all the same, as every task command does).
 *
 * @example Usage
 * ```ts
 * import { noReport } from "./_input.ts";
 *
 * noReport("execute", undefined); // no --html: nothing said
 * ```
 */
export function noReport(command: string, html: string | undefined): void {
  if (html === undefined) return;
  console.error(
    `note: ${command} writes no HTML report (--html ${html} ignored); optimize, validate, ` +
      "compare and report write one",
  );
}
