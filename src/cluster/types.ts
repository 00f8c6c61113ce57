/**
 * Public types of the cluster executor: where the queue is, and what a worker offers.
 *
 * @module
 */
import type { ClusterOptions } from "../engine/mod.ts";

export type { ClusterOptions };

/** What a cluster worker offers, as it registers it in Redis (refreshed by a heartbeat). */
export interface WorkerCapacity {
  /** Unique id of the worker process. */
  id: string;
  /** Host name of its machine. */
  host: string;
  /** Its process id. */
  pid: number;
  /** Effective cores of its machine (its local pool's size). */
  cores: number;
  /** Chunk jobs it takes at once. */
  concurrency: number;
  /** Runtime and version, e.g. `"node 20.19.0"`. */
  runtime: string;
  /** amorsize version. */
  version: string;
  /** Measured per-item milliseconds of each task it ran (one core), by `module#name`. */
  perItemMs: Record<string, number>;
  /**
   * The machine's 1-minute load average per logical CPU at the last heartbeat: above 1, its
   * cores are shared with other work and jobs there run slower by about that factor.
   */
  loadPerCpu: number;
  /** Epoch milliseconds of the last heartbeat. */
  seenAt: number;
}

/** The cluster terms of an optimization: what was measured, and the best cluster plan. */
export interface ClusterProfile {
  /** Queue the workers listen on. */
  queue: string;
  /** Workers registered (heartbeat alive) when measured. */
  workers: WorkerCapacity[];
  /** Their cores, summed. */
  cores: number;
  /** One empty job: enqueue → result seen here (ms). */
  roundTripMs: number;
  /** Amortised cost of one more job when jobs are added in bulk (ms). */
  perJobMs: number;
  /** Task time per item on one core (ms), sampled here on these items. */
  perItemMs: number;
  /**
   * What the workers report for this task (wall time per item per core of their recent jobs,
   * any items, their cores shared by concurrent jobs): shown, not used by the model.
   */
  workersPerItemMs?: number;
  /** The calling side's serial cost per item: encoding it and decoding its result (ms). */
  encodeMsPerItem: number;
  /** Items the plan is for (the total, or an assumed length for a stream of unknown length). */
  items: number;
  /** The best cluster plan's items per job. */
  chunkSize: number;
  /** Its number of jobs. */
  jobs: number;
  /** Its predicted wall time (ms). */
  predictedMs: number;
  /** Its parts (ms): latency, caller-side serial work, compute in waves, the in-flight bound. */
  breakdown: { latencyMs: number; serialMs: number; computeMs: number; windowMs: number };
  /** Predicted wall time of the local decision (ms), for the comparison. */
  localMs: number;
  /** Why there is no cluster plan (no workers, no answer), when there is none. */
  unavailable?: string;
}

/** The optimizer's choice of the cluster: how to run there, and what it predicts. */
export interface ClusterChoice {
  /** Items per chunk job. */
  chunkSize: number;
  /** Chunk jobs for the data (for the assumed length when the length is unknown). */
  jobs: number;
  /** Predicted wall time on the cluster (ms). */
  predictedMs: number;
  /** Predicted speedup over the plain loop here. */
  predictedSpeedup: number;
}
