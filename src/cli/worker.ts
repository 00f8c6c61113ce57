/**
 * `amorsize worker`: run a cluster worker on this machine until SIGINT/SIGTERM.
 *
 * @module
 */
import process from "node:process";
import { type Command, UsageError } from "./_command.ts";
import { startClusterWorker } from "../cluster/mod.ts";
import { print } from "./_output.ts";
import { intFlag, parseFlags } from "./_input.ts";

const HELP = `Usage: amorsize worker --redis URL [--queue NAME] [options]

Run a cluster worker: take chunk jobs from a BullMQ queue on Redis and run each on this
machine's worker pool (its effective cores), until SIGINT or SIGTERM. The worker registers its
capacity (cores, runtime, version, measured per-item speed) with a heartbeat. The task modules
the jobs name must be importable here: deploy the same code on every machine.

Options:
  --redis URL          Redis server, redis://host:port (required)
  --queue NAME         queue name (default amorsize)
  --workers N          pool workers (default: the effective cores)
  --concurrency N      chunk jobs taken at once (default: twice the pool workers)
  --lock-ms MS         job lock in whole ms; a job of a dead worker is re-queued after it
                       (default 30000)
  --stalled-ms MS      how often stalled jobs are looked for, in whole ms (default 30000)
  -h, --help           show this help

Stopping: the first SIGINT/SIGTERM finishes the jobs in progress, then exits; a second one stops
at once (BullMQ re-queues the jobs it held when their locks expire). Needs the packages bullmq and
ioredis (npm install bullmq ioredis). Environment: AMORSIZE_CPUS overrides the effective cores.

Exit codes: 0 stopped by a signal, 1 Redis unreachable or the packages missing, 2 usage error.`;

/** The flag of each option of startClusterWorker that the command sets. */
const FLAGS: Record<string, string> = {
  redis: "--redis",
  queue: "--queue",
  workers: "--workers",
  concurrency: "--concurrency",
  lockDurationMs: "--lock-ms",
  stalledIntervalMs: "--stalled-ms",
};

/** The `worker` subcommand. */
export const command: Command = {
  summary: "run a cluster worker: take chunk jobs from Redis (BullMQ) and run them here",
  help: HELP,
  async run(args) {
    const { values } = parseFlags(args, {
      redis: { type: "string" },
      queue: { type: "string" },
      workers: { type: "string" },
      concurrency: { type: "string" },
      "lock-ms": { type: "string" },
      "stalled-ms": { type: "string" },
    }, { positionals: false });
    if (!values.redis) {
      throw new UsageError("--redis URL is required (e.g. redis://127.0.0.1:6379)");
    }
    const options = {
      redis: values.redis,
      queue: values.queue,
      workers: intFlag("--workers", values.workers),
      concurrency: intFlag("--concurrency", values.concurrency),
      lockDurationMs: intFlag("--lock-ms", values["lock-ms"]),
      stalledIntervalMs: intFlag("--stalled-ms", values["stalled-ms"]),
    };
    let worker;
    try {
      worker = await startClusterWorker(options);
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError) {
        // The option's checks name its field: the message names the flag instead.
        throw new UsageError(
          e.message.replace(/^'(\w+)'/, (m, field: string) => FLAGS[field] ?? m),
        );
      }
      console.error(`amorsize worker: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    }
    const c = worker.capacity;
    print(
      `amorsize worker ${c.id}: ${c.cores} cores, ${c.concurrency} jobs at once, ${c.runtime}, ` +
        `queue "${values.queue ?? "amorsize"}" — ready`,
    );
    let signals = 0;
    const stop = (sig: string) => {
      signals++;
      const force = signals > 1;
      print(
        force
          ? `amorsize worker: ${sig} again, handing the jobs in progress back`
          : `amorsize worker: ${sig}, finishing the jobs in progress (again to hand them back)`,
      );
      void worker.close({ force });
    };
    const onInt = () => stop("SIGINT");
    const onTerm = () => stop("SIGTERM");
    // Kept until the process ends: removing a listener can re-arm the runtime's default action.
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    await worker.closed;
    print("amorsize worker: stopped");
    return 0;
  },
};
