// The pass/fail rules of a benchmark (the seed's, with minimum speedups scaled to the cores):
// no exception; actual speedup ≥ 0.8 × the scaled minimum; time ≤ max; accuracy ≥ 50 %. Each
// rule compares the figures as printed (speedups to 2 decimals, accuracy to 1), so a verdict
// never contradicts the numbers shown next to it.

/** The share of the minimum speedup a run must reach (the seed's 80 %). */
const SPEEDUP_TOLERANCE = 0.8;
/** The lowest prediction accuracy that passes, in percent. */
const MIN_ACCURACY = 50;

/**
 * The minimum speedup for `cores` effective cores, from a minimum stated for 2 cores: values ≤ 1
 * are kept (they bound the cost of parallelism, not its gain); with one core the minimum is 1
 * (a plain loop passes); with more cores the gain over 1 grows with log2(cores):
 * `1 + (min − 1) · log2(cores)` (1.4 → 1.4 on 2 cores, 1.8 on 4, 2.2 on 8).
 */
export function scaledMinSpeedup(minSpeedup: number, cores: number): number {
  if (minSpeedup <= 1) return minSpeedup;
  if (cores <= 1) return 1;
  return 1 + (minSpeedup - 1) * Math.log2(cores);
}

/** The seed's accuracy in percent: `(1 − |actual − predicted| / max(actual, predicted)) · 100`. */
export function predictionAccuracy(predicted: number, actual: number): number {
  const top = Math.max(actual, predicted);
  if (!(top > 0)) return 0;
  return (1 - Math.abs(actual - predicted) / top) * 100;
}

/** What a benchmark measured, as the rules need it. */
export interface Measured {
  predictedSpeedup: number;
  /** `null` when the run was not validated (optimize only). */
  actualSpeedup: number | null;
  accuracy: number | null;
  /** The median time of the recommended configuration (or of optimize when not validated). */
  timeMs: number;
}

const _x = (v: number) => `${v.toFixed(2)}×`;
/** A figure rounded as printed (`digits` decimals): rules compare what the reader sees. */
const _shown = (v: number, digits: number) => Number(v.toFixed(digits));

/** Why a benchmark fails: one line per broken rule (empty: it passes). */
export function criteriaFailures(m: Measured, minSpeedup: number, maxTimeMs: number): string[] {
  const out: string[] = [];
  const floor = SPEEDUP_TOLERANCE * minSpeedup;
  if (m.actualSpeedup !== null && _shown(m.actualSpeedup, 2) < _shown(floor, 2)) {
    out.push(
      `speedup ${_x(m.actualSpeedup)} is below ${SPEEDUP_TOLERANCE * 100}% of the minimum ` +
        `${_x(minSpeedup)} (${_x(floor)})`,
    );
  }
  if (m.timeMs > maxTimeMs) {
    out.push(`took ${Math.round(m.timeMs)} ms, over the limit of ${maxTimeMs} ms`);
  }
  if (
    m.accuracy !== null && m.actualSpeedup !== null && _shown(m.accuracy, 1) < MIN_ACCURACY
  ) {
    out.push(
      `prediction accuracy ${m.accuracy.toFixed(1)}% is below ${MIN_ACCURACY}% ` +
        `(predicted ${_x(m.predictedSpeedup)}, measured ${_x(m.actualSpeedup)})`,
    );
  }
  return out;
}

/**
 * Whether the machine was too busy for a verdict on timing: other processes kept at least half
 * the effective cores' worth of threads runnable (at least one) while the runs were timed. Then a
 * failed speedup, time or accuracy check says more about the load than about the code.
 */
export function tooBusy(externalLoad: number | null, cores: number): boolean {
  return externalLoad !== null && externalLoad >= Math.max(1, cores / 2);
}
