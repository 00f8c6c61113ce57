// The numbers behind the speedup chart: predicted speedup of every worker alternative, grouped
// into one curve per chunk size, the best per worker count, the measured points, and which chunk
// sizes get a colour of their own.
import type { MeasuredPoint, ReportOptimization } from "./report_input.ts";

/** One predicted configuration. */
export interface SpeedupPoint {
  workers: number;
  chunkSize: number;
  predictedMs: number;
  speedup: number;
  rejected?: string;
}

/** One measured configuration, as a speedup. */
export interface MeasuredSpeedup {
  workers: number;
  chunkSize: number;
  speedup: number;
  measuredMs?: number;
  label?: string;
}

/** Everything the chart draws. */
export interface SpeedupData {
  serialMs: number;
  /** Chunk size → its points, by worker count. */
  curves: Map<number, SpeedupPoint[]>;
  /** The best predicted point at each worker count. */
  best: SpeedupPoint[];
  /** Chunk sizes drawn in colour (the chosen one first), at most five. */
  coloured: number[];
  measured: MeasuredSpeedup[];
  /** Whether measured times were turned into speedups with the predicted plain-loop time. */
  measuredAgainstPrediction: boolean;
  /** Largest worker count that is not rejected, and why the others were. */
  cap: { workers: number; reason?: string };
  maxWorkers: number;
  maxSpeedup: number;
}

/**
 * Pick the coloured chunk sizes: the chosen one, then sizes spread evenly over the sorted sizes
 * that have at least two points (so that each coloured curve is a curve, not a dot).
 */
export function pickColoured(
  sizes: number[],
  counts: Map<number, number>,
  chosen?: number,
  max = 5,
): number[] {
  const curves = sizes.filter((c) => (counts.get(c) ?? 0) >= 2);
  const pool = curves.length > 0 ? curves : sizes;
  const picked: number[] = chosen !== undefined && counts.has(chosen) ? [chosen] : [];
  const k = Math.min(max - picked.length, pool.length);
  for (let j = 0; j < k; j++) {
    const c = pool[k === 1 ? 0 : Math.round((j * (pool.length - 1)) / (k - 1))];
    if (!picked.includes(c)) picked.push(c);
  }
  for (const c of pool) if (picked.length < max && !picked.includes(c)) picked.push(c);
  return picked;
}

/** Compute what the speedup chart shows; `undefined` when there is no prediction to draw. */
export function speedupData(
  opt: ReportOptimization,
  measured: MeasuredPoint[] = [],
  measuredSerialMs?: number,
): SpeedupData | undefined {
  const serialMs = opt.predictedMs.serial;
  if (typeof serialMs !== "number" || !(serialMs > 0) || !Number.isFinite(serialMs)) return;
  const points: SpeedupPoint[] = [];
  for (const a of opt.profile.alternatives) {
    if (a.executor !== "workers" || typeof a.predictedMs !== "number") continue;
    if (!(a.predictedMs > 0) || !Number.isFinite(a.predictedMs)) continue;
    points.push({
      workers: a.workers,
      chunkSize: a.chunkSize,
      predictedMs: a.predictedMs,
      speedup: serialMs / a.predictedMs,
      rejected: a.rejected,
    });
  }
  if (points.length === 0) return;
  points.sort((a, b) => a.chunkSize - b.chunkSize || a.workers - b.workers);
  const curves = new Map<number, SpeedupPoint[]>();
  for (const p of points) curves.set(p.chunkSize, [...(curves.get(p.chunkSize) ?? []), p]);
  const bestAt = new Map<number, SpeedupPoint>();
  for (const p of points) {
    const b = bestAt.get(p.workers);
    if (!b || p.speedup > b.speedup) bestAt.set(p.workers, p);
  }
  const best = [...bestAt.values()].sort((a, b) => a.workers - b.workers);
  const counts = new Map([...curves].map(([c, ps]) => [c, ps.length]));
  const chosen = opt.executor === "workers" ? opt.chunkSize : undefined;
  const coloured = pickColoured([...curves.keys()], counts, chosen);
  const serialForMeasured = measuredSerialMs ?? serialMs;
  const ms: MeasuredSpeedup[] = measured.map((m) => ({
    workers: m.workers,
    chunkSize: m.chunkSize,
    speedup: m.speedup ?? serialForMeasured / (m.measuredMs as number),
    measuredMs: m.measuredMs,
    label: m.label,
  }));
  const allowed = points.filter((p) => !p.rejected).map((p) => p.workers);
  const rejected = points.find((p) => p.rejected);
  const all = [...points.map((p) => p.speedup), ...ms.map((m) => m.speedup), opt.predictedSpeedup];
  return {
    serialMs,
    curves,
    best,
    coloured,
    measured: ms,
    measuredAgainstPrediction: measuredSerialMs === undefined &&
      measured.some((m) => m.speedup === undefined),
    cap: {
      workers: allowed.length > 0 ? Math.max(...allowed) : 0,
      reason: rejected?.rejected,
    },
    maxWorkers: Math.max(...points.map((p) => p.workers), ...ms.map((m) => m.workers)),
    maxSpeedup: Math.max(...all.filter((x) => Number.isFinite(x))),
  };
}
