// The cluster cost model: predicted wall time of a run of n items in jobs of c items on W remote
// cores, and the chunk size that minimises it.
//
//   T(c) = L + max(S + j,  C,  J·(L + c·t)/F),   j = max(c·t + d, (c·t + d + L)/k)
//   C = max(⌈J/W⌉·j,  J·j/W' + (f − 1)·j)
//
// with J = ⌈n/c⌉ jobs, L the round trip of one job, S = n·e + J·q the caller's serial work (e:
// encoding an item and decoding its result, q: the amortised cost of one more job added in bulk),
// t the task time per item on one core, d the per-chunk cost on a worker's pool, F the jobs in
// flight at once. The first term is the pipeline: the last job leaves only after all the serial
// work, then runs (small chunks finish sooner, but each job costs q). The second is compute in
// waves (the last wave's idle cores included), and on loaded machines (a core shared with other
// work runs a job f times slower; W' counts each core as 1/f of one, f the worst) the pull-based
// queue's makespan with the last job started up to (f − 1)·j late. j is a job's time on a core, where a worker with k
// job slots per core hides its own round trip per job (fetch the next job, return the result)
// only while a job computes longer than that round trip. The third is the in-flight bound: each job holds a
// slot for its round trip and its compute. Both make chunks grow with latency. A job computes
// for at most `targetJobMs` (`DEFAULTS.clusterJobMs`, or the caller's `targetChunkMs`): a worker
// killed mid-job loses no more than that, and progress comes at least that often.

/** The measured inputs of the model. */
export interface PlanInput {
  items: number;
  perItemMs: number;
  encodeMsPerItem: number;
  roundTripMs: number;
  perJobMs: number;
  dispatchMs: number;
  cores: number;
  maxInFlight: number;
  /** Cores counted by their speed under load (Σ cores / slowdown; equal to `cores` unloaded). */
  effectiveCores: number;
  /** The worst slowdown of a worker's cores by other work (1: unloaded). */
  maxSlowdown: number;
  /** Job slots per core on the workers (their concurrency over their cores). */
  slotsPerCore: number;
  /** Longest job compute time wanted (ms). */
  targetJobMs: number;
}

/** A predicted plan. */
export interface PlanPrediction {
  chunkSize: number;
  jobs: number;
  predictedMs: number;
  breakdown: { latencyMs: number; serialMs: number; computeMs: number; windowMs: number };
}

/** Predict the wall time of jobs of `chunkSize` items. */
export function predictCluster(p: PlanInput, chunkSize: number): PlanPrediction {
  const n = Math.max(0, p.items);
  const c = Math.max(1, Math.min(chunkSize, Math.max(1, n)));
  const jobs = Math.ceil(n / c);
  const latencyMs = p.roundTripMs;
  const serialMs = n * p.encodeMsPerItem + jobs * p.perJobMs;
  const busy = c * p.perItemMs + p.dispatchMs;
  const jobMs = Math.max(busy, (busy + p.roundTripMs) / Math.max(1, p.slotsPerCore));
  const waves = Math.ceil(jobs / Math.max(1, p.cores)) * jobMs;
  const loaded = jobs * jobMs / Math.max(1e-9, p.effectiveCores) + (p.maxSlowdown - 1) * jobMs;
  const computeMs = Math.max(waves, loaded);
  const windowMs = jobs * (p.roundTripMs + c * p.perItemMs) / Math.max(1, p.maxInFlight);
  return {
    chunkSize: c,
    jobs,
    predictedMs: latencyMs + Math.max(serialMs + jobMs, computeMs, windowMs),
    breakdown: { latencyMs, serialMs, computeMs, windowMs },
  };
}

/**
 * The chunk size with the least predicted time among those whose jobs compute at most
 * `targetJobMs`: candidates that fill whole waves (⌈n / (k·W)⌉), a geometric grid and the cap
 * itself; ties go to the larger chunk (fewer jobs).
 */
export function bestClusterPlan(p: PlanInput): PlanPrediction {
  const n = Math.max(1, p.items);
  const cap = Math.max(1, Math.min(n, Math.floor(p.targetJobMs / Math.max(1e-9, p.perItemMs))));
  const cands = new Set<number>([cap]);
  for (let k = 1; k <= 256; k++) cands.add(Math.ceil(n / (k * Math.max(1, p.cores))));
  for (let c = 1; c <= cap; c = Math.ceil(c * 1.25 + 1)) cands.add(c);
  for (const c of [...cands]) if (c > cap) cands.delete(c);
  let best: PlanPrediction | undefined;
  for (const c of [...cands].sort((a, b) => b - a)) {
    const pred = predictCluster(p, c);
    if (!best || pred.predictedMs < best.predictedMs * (1 - 1e-9)) best = pred;
  }
  return best!;
}
