// What a validation says beyond its numbers: whether the configuration paid off, and when the
// prediction missed by more than 25 %, in which direction and which part of the model most likely
// caused it (the plain-loop estimate, worker start, main-thread serialisation, heterogeneity,
// contention).
import { DEFAULTS } from "../defaults.ts";
import type { OptimizationResult } from "../model/mod.ts";

/** What the recommendations are derived from (times in ms, predictions scaled to the items). */
export interface RecommendInput {
  optimization: OptimizationResult<unknown>;
  actual: number;
  predicted: number;
  serialMs: number;
  optimizedMs: number;
  predictedSerialMs: number;
  predictedOptimizedMs: number;
  /** max/min of the serial and optimized runs. */
  serialSpread: number;
  optimizedSpread: number;
  /** The first optimized run (the one that may have started workers). */
  firstOptimizedMs: number;
  /** The refused worker configuration, measured (inline decisions only). */
  alternative?: { label: string; speedup: number };
}

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
const x2 = (x: number) => `${x.toFixed(2)}×`;

/** Recommendations, most important first. */
export function recommend(r: RecommendInput): string[] {
  const out: string[] = [];
  const o = r.optimization;
  const minSpeedup = DEFAULTS.minSpeedup;
  if (o.executor === "inline") {
    if (r.alternative && r.alternative.speedup >= minSpeedup) {
      out.push(
        `Parallelism was refused, but ${r.alternative.label} measured ${
          x2(r.alternative.speedup)
        } faster than the plain loop: the refusal was too cautious here; force that ` +
          `configuration, or validate again on a quieter machine`,
      );
    } else if (r.alternative) {
      out.push(
        `The refusal held: the best worker configuration (${r.alternative.label}) measured ` +
          `${x2(r.alternative.speedup)}, below ${minSpeedup}×`,
      );
    } else out.push("Inline was chosen: the plain loop is the measured configuration");
    return out;
  }
  if (r.actual < 1) {
    out.push(
      `The chosen configuration ran slower than the plain loop (${x2(r.actual)}): run this job ` +
        `inline`,
    );
  } else if (r.actual < minSpeedup) {
    out.push(`The gain is marginal (${x2(r.actual)}): the plain loop is nearly as fast`);
  }
  const off = Math.abs(r.actual - r.predicted) / r.predicted;
  if (!(off > 0.25)) return out;
  const serialRatio = r.serialMs / r.predictedSerialMs;
  const optRatio = r.optimizedMs / r.predictedOptimizedMs;
  const b = o.profile.breakdown;
  const cv = o.profile.sample?.perItemMs.cv ?? 0;
  const noisy = Math.max(r.serialSpread, r.optimizedSpread) > 1.5;
  if (r.actual < r.predicted) {
    out.push(
      `The prediction was optimistic by ${pct(off)}: measured ${x2(r.actual)} against ` +
        `${x2(r.predicted)} predicted`,
    );
    if (serialRatio < 0.8) {
      out.push(
        `The plain loop ran ${pct(1 - serialRatio)} faster than the sample suggested: the ` +
          `sampled items were slower than the average item (heterogeneity), or the loop sped up ` +
          `after JIT warm-up`,
      );
    }
    if (optRatio > 1.25 || !(serialRatio < 0.8)) {
      if (b && b.totalMs > 0 && b.serialMs / b.totalMs > 0.3) {
        out.push(
          `Main-thread serialisation (cloning items and results, ${b.serialMs.toFixed(1)} ms ` +
            `predicted) is a large share and does not parallelise: send smaller items, or pass ` +
            `transfer: true for typed arrays`,
        );
      }
      if (cv > 0.5) {
        out.push(
          `Item times vary widely (CV ${cv.toFixed(2)}): the last chunks finish unevenly ` +
            `(heterogeneity); smaller chunks balance better`,
        );
      }
      out.push(
        noisy
          ? `The runs varied widely (spread up to ${
            x2(Math.max(r.serialSpread, r.optimizedSpread))
          }): other processes compete for the cores (contention); validate again when quiet`
          : `The parallel run took ${pct(Math.max(0, optRatio - 1))} longer than predicted: ` +
            `likely contention for the cores or per-chunk dispatch costs above those measured`,
      );
    }
  } else {
    out.push(
      `The prediction was pessimistic by ${pct(off)}: measured ${x2(r.actual)} against ` +
        `${x2(r.predicted)} predicted`,
    );
    if (b && b.startMs > 0.1 * r.predictedOptimizedMs) {
      out.push(
        `The prediction counted ${b.startMs.toFixed(1)} ms to start workers; the measured runs ` +
          `reused warm workers (the first run took ${r.firstOptimizedMs.toFixed(1)} ms): start ` +
          `cost matters only for the first job`,
      );
    }
    if (serialRatio > 1.25) {
      out.push(
        `The plain loop ran ${pct(serialRatio - 1)} slower than the sample suggested: the ` +
          `sampled items were lighter than the average item (heterogeneity)`,
      );
    }
    if (optRatio < 0.8) {
      out.push(
        `The parallel run was ${pct(1 - optRatio)} faster than predicted: the overheads ` +
          `measured while optimizing were high (a busy moment)`,
      );
    }
  }
  return out;
}
