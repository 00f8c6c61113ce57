/**
 * The `amorsize` command line. In the repository: `deno task cli <command> [options]`.
 *
 * @module
 */
import { realpathSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type Command, UsageError } from "./_command.ts";
import { VERSION } from "../version.ts";
import { describeThrown } from "../task/mod.ts";
import { ENV_ERROR } from "../system/mod.ts";
import { outputError, print } from "./_output.ts";
import { settleRecords } from "../model/mod.ts";
import { runtime } from "../runtime/mod.ts";
import { defaultPool } from "../engine/mod.ts";
import { suggestNames } from "./_suggest.ts";

type Loader = () => Promise<Command>;

/** Every subcommand, loaded on demand (its summary and help live in its own module). */
const commands: Record<string, Loader> = {
  suite: async () => (await import("./suite.ts")).command,
  optimize: async () => (await import("./optimize.ts")).command,
  execute: async () => (await import("./execute.ts")).command,
  validate: async () => (await import("./validate.ts")).command,
  compare: async () => (await import("./compare.ts")).command,
  tune: async () => (await import("./tune.ts")).command,
  history: async () => (await import("./history.ts")).command,
  cache: async () => (await import("./cache.ts")).command,
  report: async () => (await import("./report.ts")).command,
  system: async () => (await import("./system.ts")).command,
  worker: async () => (await import("./worker.ts")).command,
  "validate-system": async () => (await import("./validate_system.ts")).command,
};

async function usage(): Promise<string> {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const loaded = await Promise.all(Object.values(commands).map((load) => load()));
  const lines = Object.keys(commands).map((name, i) =>
    `  ${name.padEnd(width)}  ${loaded[i].summary}`
  );
  return [
    "Usage: amorsize <command> [options]",
    "",
    "Should this work run on workers, with how many workers and what chunk size?",
    "",
    "Commands:",
    ...lines,
    "",
    "Options:",
    "  -h, --help     show help (also after a command: amorsize <command> --help)",
    "  -V, --version  print the version",
  ].join("\n");
}

/** Run the CLI with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  // `help COMMAND` is `COMMAND --help`; anything after COMMAND is refused (`help execute extra`
  // printed the general help, exit code 0).
  if (args[0] === "help" && args.length > 2) {
    console.error(`amorsize help: unexpected argument ${JSON.stringify(args[2])}`);
    return 2;
  }
  if (args[0] === "help" && args.length === 2) return main([args[1], "--help"]);
  const [name, ...rest] = args;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    print(await usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "-V" || name === "--version") {
    print(VERSION);
    return 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) {
    console.error(`amorsize: ${unknownCommand(name)} (see amorsize --help)`);
    return 2;
  }
  const command = await load();
  if (rest.includes("-h") || rest.includes("--help")) {
    print(command.help);
    return 0;
  }
  try {
    return await command.run(negativeValues(rest));
  } catch (e) {
    // A usage error, the parser's, or a bad AMORSIZE_CPUS / AMORSIZE_MEMORY (docs/probe.md).
    const code = (e as { code?: unknown } | null)?.code;
    if (
      e instanceof UsageError || (e instanceof TypeError && code !== undefined) ||
      code === ENV_ERROR
    ) {
      console.error(`amorsize ${name}: ${firstLine((e as Error).message)}`);
      return 2;
    }
    // Anything else (a task that failed, a file that cannot be written, a result JSON cannot
    // hold): one line, never a stack trace.
    const what = e instanceof Error ? `${e.name}: ${firstLine(e.message)}` : describeThrown(e);
    console.error(`amorsize ${name}: ${what}`);
    return 1;
  }
}

const firstLine = (text: string) => text.split("\n")[0];

/** What is wrong with a first argument that names no command, and what it may have meant. */
function unknownCommand(name: string): string {
  if (name.startsWith("-")) return `unknown option "${name}": give a command first`;
  const close = suggestNames(name, Object.keys(commands));
  const meant = close.length === 0
    ? ""
    : `: did you mean ${close.slice(0, 3).map((c) => `"${c}"`).join(" or ")}?`;
  return `unknown command "${name}"${meant}`;
}

/**
 * `--flag -5` as `--flag=-5`: the parser takes a negative number for an option ("argument is
 * ambiguous"), where the command's own check names the flag and the value.
 */
function negativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const joined = /^--[^=]+$/.test(args[i]) && /^-\d/.test(args[i + 1] ?? "");
    out.push(joined ? `${args[i]}=${args[++i]}` : args[i]);
  }
  return out;
}

if ((import.meta as { main?: boolean }).main ?? isEntry()) run(process.argv.slice(2));

/**
 * Run the command line as the process: its exit code, and output that cannot be written fails it
 * (see _output.ts). Not awaited at the top level: a command that waits for a promise that never
 * settles (a task's, on the calling thread) with nothing else left to run made Bun wait forever,
 * Node exit with code 13 and Deno print its own error with a stack frame; the process now ends
 * when nothing is left to run, with one line and exit code 1.
 */
function run(args: string[]): void {
  let settled = false;
  process.once("beforeExit", () => {
    if (settled) return;
    settled = true;
    console.error(
      `amorsize ${args[0]}: stopped with nothing left to run: the command waited for a promise ` +
        "that never settles (a task, or a task module's top-level await, that never finishes)",
    );
    process.exitCode = 1;
  });
  // A task (or its module's top-level code) that calls process.exit(0) on this thread ends the
  // process before the command has printed its results: `execute --executor inline` with such a
  // task ended with exit code 0 and no output at all. (Any other code says the failure itself, and
  // an uncaught error ends the process with a code of its own.)
  process.once("exit", (code) => {
    if (settled || code !== 0) return;
    settled = true;
    console.error(
      `amorsize ${args[0]}: the process was ended (exit code 0) before the command finished: ` +
        "a task, or its module's top-level code, called process.exit(0) on this thread",
    );
    process.exitCode = 1;
  });
  // An error nothing catches (a task's own timer or callback on this thread, executor async or
  // inline) printed the runtime's report with its stack trace: one line instead, exit code 1.
  const uncaught = (e: unknown) => {
    settled = true;
    const what = e instanceof Error ? `${e.name}: ${firstLine(e.message)}` : describeThrown(e);
    console.error(
      `amorsize ${args[0]}: an error no call caught ended the command (a task's timer or ` +
        `callback on this thread): ${what}`,
    );
    process.exit(1);
  };
  process.on("uncaughtException", uncaught);
  process.on("unhandledRejection", uncaught);
  main(args).then(async (code) => {
    settled = true;
    process.exitCode = code;
    const lost = await outputError();
    if (lost && process.exitCode === 0) {
      console.error(`amorsize: the output cannot be written: ${firstLine(lost.message)}`);
      process.exitCode = 1;
    }
    // Deno's exit ends the workers still in the pool one after another: `execute --workers 256`
    // stayed 24 s past its output on 2 cores. The command is done and its output written; once
    // the runs it records in the result cache are written too, the process ends here — where
    // workers are left (without any, what a task module left pending here runs to its end, as
    // on Bun and Node).
    if (runtime().exitWaitsForWorkers && defaultPool().size > 0) {
      await settleRecords();
      process.exit(process.exitCode);
    }
  });
}

// Node 20 has no import.meta.main: this module is the entry when the script Node was asked to run
// is this file (through the npm bin link, or any other link). Importing `amorsize/cli` from a
// script of one's own (even one named main.js) must not run the command line.
function isEntry(): boolean {
  const argv1 = process.argv[1];
  if (!argv1 || !import.meta.url.startsWith("file:")) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
