// What every CLI subcommand provides, and the usage error they throw.

/** A CLI subcommand: its one-line summary, its help text and its body. */
export interface Command {
  summary: string;
  help: string;
  /** Runs the command; returns the process exit code (0 ok, 1 check failed). */
  run(args: string[]): Promise<number>;
}

/** A usage error: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
