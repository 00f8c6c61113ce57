/**
 * The `amorsize` command line. In the repository: `deno task cli <command> [options]`.
 *
 * @module
 */
import process from "node:process";
import { type Command, UsageError } from "./_command.ts";
import { VERSION } from "../version.ts";

const commands: Record<string, () => Promise<Command>> = {
  system: async () => (await import("./system.ts")).command,
  optimize: async () => (await import("./optimize.ts")).command,
  execute: async () => (await import("./execute.ts")).command,
  validate: async () => (await import("./validate.ts")).command,
  compare: async () => (await import("./compare.ts")).command,
  "validate-system": async () => (await import("./validate_system.ts")).command,
  report: async () => (await import("./report.ts")).command,
  suite: async () => (await import("./suite.ts")).command,
  history: async () => (await import("./history.ts")).command,
  tune: async () => (await import("./tune.ts")).command,
  cache: async () => (await import("./cache.ts")).command,
};

function usage(): string {
  const lines = Object.keys(commands).map((name) => `  ${name}`);
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
  const [name, ...rest] = args;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "-V" || name === "--version") {
    console.log(VERSION);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`amorsize: unknown command "${name}" (see amorsize --help)`);
    return 2;
  }
  const command = await load();
  if (rest.includes("-h") || rest.includes("--help")) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && "code" in e)) {
      console.error(`amorsize ${name}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

if ((import.meta as { main?: boolean }).main ?? isEntry()) {
  process.exitCode = await main(process.argv.slice(2));
}

function isEntry(): boolean {
  const argv1 = process.argv[1] ?? "";
  return import.meta.url.endsWith(argv1.replace(/\\/g, "/")) ||
    /amorsize(\.js)?$|main\.[jt]s$/.test(argv1);
}
