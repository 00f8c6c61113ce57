/**
 * `amorsize execute`: run a task over data (the optimizer's choice, or a forced configuration)
 * and print the results.
 *
 * @module
 */
import { type Command, UsageError } from "./_command.ts";
import {
  INPUT_HELP,
  intFlag,
  noReport,
  type ParsedFlags,
  progressBar,
  readTaskInput,
} from "./_input.ts";
import { execute } from "../execute.ts";
import { defaultPool, type ExecuteOptions, type Executor } from "../engine/mod.ts";
import { cachedProbe, ENV_ERROR } from "../system/mod.ts";
import { print } from "./_output.ts";

const HELP = `Usage: amorsize execute MODULE#EXPORT [--range N | --data FILE] [options]

Run the task on every item and print the results in input order: one JSON value per line, or
one JSON array with --json. Without --executor, --workers or --chunk-size the optimizer measures
the task first and picks how to run it.

${INPUT_HELP}

Options:
  --executor E     inline, async or workers (forces the configuration)
  --workers N      workers to use (forces the workers executor)
  --chunk-size N   items per chunk sent to a worker (forces the workers executor)
  --concurrency N  calls in flight for the async executor (forces it)
  -h, --help       show this help

A flag of another executor is a usage error: --workers and --chunk-size go with the workers
executor only, --concurrency with async only (--executor inline --workers 4 is refused).
--workers more than 4 times the cores this process may use draws a warning on stderr.

Results are written as JSON; a result JSON cannot hold or would change (a function, symbol or
BigInt, NaN or Infinity, a Map or Set, a RegExp or Error, a typed array or ArrayBuffer) fails the
run, naming its item. A task that returns nothing prints null; a Date prints its ISO string.

Exit codes: 0 ok, 1 the task failed on an item or a result cannot be written (the message names
it), 2 usage error.`;

const EXECUTORS = ["inline", "async", "workers"];

/**
 * The `execute` subcommand.
 *
 * @example Usage
 * ```ts
 * import { command } from "./execute.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(command.help, /--chunk-size N/);
 * await assert.rejects(command.run(["--workers", "0"]), { name: "UsageError" });
 * ```
 */
export const command: Command = {
  summary: "run a task over data and print the results (JSON lines or a JSON array)",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const input = await readTaskInput(args, {
      executor: { type: "string" },
      workers: { type: "string" },
      "chunk-size": { type: "string" },
      concurrency: { type: "string" },
    }, { options: _options });
    noReport("execute", input.html);
    await _warnManyWorkers(input.options.workers);
    const bar = progressBar("run");
    let out: unknown[];
    try {
      out = await execute(input.task, input.data, {
        ...input.options,
        onProgress: bar?.onProgress,
      });
    } catch (e) {
      bar?.end();
      if ((e as { code?: unknown } | null)?.code === ENV_ERROR) throw e; // a usage error
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      console.error(`amorsize execute: ${message.split("\n")[0]}`);
      return 1;
    }
    bar?.end();
    let lines: string[];
    try {
      lines = out.map(jsonLine);
    } catch (e) {
      console.error(`amorsize execute: ${(e as Error).message}`);
      return 1;
    }
    if (input.json) print(`[${lines.join(",")}]`);
    else if (lines.length > 0) print(lines.join("\n"));
    return 0;
  },
};

/** The forced configuration the flags give (`--executor`, `--workers`, …). */
function _options(v: ParsedFlags["values"]): ExecuteOptions {
  if (v.executor !== undefined && !EXECUTORS.includes(v.executor as string)) {
    throw new UsageError(
      `--executor must be one of ${EXECUTORS.join(", ")}, got ${JSON.stringify(v.executor)}`,
    );
  }
  const options = {
    executor: v.executor as Executor | undefined,
    workers: intFlag("--workers", v.workers),
    chunkSize: intFlag("--chunk-size", v["chunk-size"]),
    concurrency: intFlag("--concurrency", v.concurrency),
  };
  _checkContradictions(options);
  // More workers than the pool can start is a mistake of the command line (exit code 2), said
  // before any work, not a failure of the run (exit code 1, after the warning below).
  const most = defaultPool().maxWorkers;
  if (options.workers !== undefined && options.workers > most) {
    throw new UsageError(
      `--workers ${options.workers} is more than the pool can start: at most ${most}`,
    );
  }
  return options;
}

/** Forced workers past this many times the cores this process may use draw a warning. */
const WORKERS_PER_CORE_WARNED = 4;

/**
 * Say on stderr, before the run, that a forced `--workers N` is far more than the cores this
 * process may use (the probe's effective cores): `--workers 256` on 2 cores ran without a word,
 * each worker started (about 30 s on Deno) and holding its memory, to take turns on the cores.
 */
async function _warnManyWorkers(workers: number | undefined): Promise<void> {
  if (workers === undefined) return;
  const cores = (await cachedProbe()).effectiveCores;
  if (workers <= WORKERS_PER_CORE_WARNED * cores) return;
  console.error(
    `warning: --workers ${workers} is more than ${WORKERS_PER_CORE_WARNED} times the ${cores} ` +
      `core${cores === 1 ? "" : "s"} this process may use: each worker takes its start-up time ` +
      "and memory, and they take turns on the cores",
  );
}

/** The flags that apply to one executor only: the flag, its option, the executor, what it is. */
const ONE_EXECUTOR: [string, "workers" | "chunkSize" | "concurrency", Executor, string][] = [
  ["--workers", "workers", "workers", "workers apply"],
  ["--chunk-size", "chunkSize", "workers", "a chunk size applies"],
  ["--concurrency", "concurrency", "async", "concurrency applies"],
];

/**
 * Refuse a flag the executor does not use: `--executor inline --workers 4` ran inline and dropped
 * the 4 without a word, as `--executor async --chunk-size 8` and `--executor workers
 * --concurrency 4` (or `--workers 2 --concurrency 4`: --workers runs the workers executor) did.
 */
function _checkContradictions(o: ExecuteOptions): void {
  // Without --executor, --workers or --chunk-size runs the workers executor.
  const forcing = ONE_EXECUTOR.find(([, key, executor]) =>
    executor === "workers" && o[key] !== undefined
  );
  const executor = o.executor ?? (forcing ? "workers" : undefined);
  if (executor === undefined) return;
  const by = o.executor !== undefined
    ? `--executor ${o.executor}`
    : `${forcing![0]} ${o[forcing![1]]} (the workers executor)`;
  for (const [flag, key, only, what] of ONE_EXECUTOR) {
    if (o[key] === undefined || only === executor) continue;
    throw new UsageError(
      `${flag} ${o[key]} contradicts ${by}: ${what} to the ${only} executor only`,
    );
  }
}

/**
 * A result as one line of JSON, or an error naming the item where JSON would change it: a
 * function, symbol or BigInt, a number that is not finite (JSON writes `null`), a built-in object
 * whose content JSON drops or reshapes (see {@linkcode lostKind}), anywhere in it. `undefined` (a
 * task that returns nothing) is `null`, and an object's `undefined` properties are left out, as
 * JSON does. A `Date` is its ISO string (its `toJSON`); an instance of a class, its own fields.
 */
function jsonLine(x: unknown, index: number): string {
  const refuse = (what: string): never => {
    throw new Error(`Result of item ${index} cannot be written as JSON: it holds ${what}`);
  };
  let text: string | undefined;
  try {
    text = JSON.stringify(x, (_key, v: unknown) => {
      if (typeof v === "function") refuse("a function");
      if (typeof v === "symbol") refuse("a symbol");
      if (typeof v === "bigint") refuse(`a BigInt (${v}n)`);
      if (typeof v === "number" && !Number.isFinite(v)) refuse(String(v));
      const kind = lostKind(v);
      if (kind !== undefined) refuse(`${/^[AEIO]/.test(kind) ? "an" : "a"} ${kind}`);
      return v;
    });
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`Result of item ${index} `)) throw e;
    // JSON's own refusals, which named no item: a cycle (three lines of its path on Deno and
    // Node), a value nested past the stack, a `toJSON` that throws.
    const why = e instanceof RangeError && /call stack|too much recursion/i.test(e.message)
      ? "a value nested too deep for JSON"
      : e instanceof TypeError && /circular|cyclic/i.test(e.message)
      ? "a cycle (a value that contains itself)"
      : `a value JSON refused (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`;
    refuse(why);
  }
  return text ?? "null";
}

/**
 * The name of a built-in object JSON cannot show as it is, or `undefined`: a `Map` or `Set` and
 * their weak kinds, a `RegExp` and an `Error` (their content is not enumerable: JSON writes `{}`),
 * a typed array, `DataView` or `ArrayBuffer` (`{"0":1,…}` or `{}`), a `Promise`, a generator's
 * object. Values with a `toJSON` (a `Date`, Node's `Buffer`) reach here already
 * converted.
 */
function lostKind(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const kinds: [abstract new (...args: never[]) => unknown, string][] = [
    [Map, "Map"],
    [Set, "Set"],
    [WeakMap, "WeakMap"],
    [WeakSet, "WeakSet"],
    [RegExp, "RegExp"],
    [Error, "Error"],
    [ArrayBuffer, "ArrayBuffer"],
    [Promise, "Promise"],
  ];
  if (typeof SharedArrayBuffer === "function") kinds.push([SharedArrayBuffer, "SharedArrayBuffer"]);
  if (ArrayBuffer.isView(v)) return v.constructor?.name || "typed array";
  const found = kinds.find(([type]) => v instanceof type);
  // A generator's object (an `async function*` export): JSON wrote `{}` for each item.
  if (found === undefined) {
    return iterates(v) ? "generator (its values are not a result)" : undefined;
  }
  // An Error's own class and message, so that the item's failure can be found.
  if (found[1] === "Error") {
    const e = v as Error;
    return `${e.name || "Error"} (${JSON.stringify(String(e.message).split("\n")[0])})`;
  }
  return found[1];
}

/** Whether `v` is a generator's object (of a `function*` or an `async function*`). */
function iterates(v: object): boolean {
  const tag = Object.prototype.toString.call(v);
  return tag === "[object Generator]" || tag === "[object AsyncGenerator]";
}
