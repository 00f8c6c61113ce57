/**
 * `amorsize execute`: run a task over data (the optimizer's choice, or a forced configuration)
 * and print the results.
 *
 * @module
 */
import { type Command, UsageError } from "./_command.ts";
import { INPUT_HELP, intFlag, progressBar, readTaskInput } from "./_input.ts";
import { execute } from "../execute.ts";
import type { ExecuteOptions, Executor } from "../engine/mod.ts";

const HELP = `Usage: amorsize execute MODULE#EXPORT [--range N | --data FILE] [options]

Run the task on every item and print the results in input order: one JSON value per line, or
one JSON array with --json. Without --executor, --workers or --chunk-size the optimizer measures
the task first and picks how to run it.

${INPUT_HELP}

Options:
  --executor E     inline, async or workers (forces the configuration)
  --workers N      workers to use (forces the workers executor unless --executor says otherwise)
  --chunk-size N   items per chunk sent to a worker
  --concurrency N  calls in flight for the async executor
  -h, --help       show this help

Exit codes: 0 ok, 1 the task failed on an item (the message names it), 2 usage error.`;

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
    });
    const v = input.values;
    if (v.executor !== undefined && !EXECUTORS.includes(v.executor as string)) {
      throw new UsageError(
        `--executor must be one of ${EXECUTORS.join(", ")}, got ${JSON.stringify(v.executor)}`,
      );
    }
    const options: ExecuteOptions = {
      executor: v.executor as Executor | undefined,
      workers: intFlag("--workers", v.workers),
      chunkSize: intFlag("--chunk-size", v["chunk-size"]),
      concurrency: intFlag("--concurrency", v.concurrency),
    };
    const bar = progressBar("run");
    let out: unknown[];
    try {
      out = await execute(input.task, input.data, { ...options, onProgress: bar?.onProgress });
    } catch (e) {
      bar?.end();
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      console.error(`amorsize execute: ${message.split("\n")[0]}`);
      return 1;
    }
    bar?.end();
    const line = (x: unknown) => JSON.stringify(x) ?? "null";
    if (input.json) console.log(`[${out.map(line).join(",")}]`);
    else if (out.length > 0) console.log(out.map(line).join("\n"));
    return 0;
  },
};
