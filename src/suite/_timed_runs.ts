// The timed runs of a benchmark: a warm-up, then the plain loop and the recommended configuration
// forced, alternating; medians, the spread and every time kept on the result.
import { execute } from "../execute.ts";
import { median } from "../measure/statistics.ts";
import { runtime } from "../runtime/detect.ts";
import type { Task } from "../task/task_ref.ts";
import { toExecuteOptions } from "../engine/run_config.ts";
import { alternateRuns, pairedRatios, relativeSpread } from "./_alternate.ts";
import { predictionAccuracy } from "./_criteria.ts";
import type { PerformanceResult } from "./run_benchmark.ts";

/** Time `items` inline and as `r.recommendation` says; fill the measurements of `r`. */
export async function measureRuns(
  r: PerformanceResult,
  t: Task<unknown, unknown>,
  items: unknown[],
  repeats: number,
): Promise<void> {
  const rec = r.recommendation!;
  const now = runtime().now;
  const serial = (xs: unknown[]) => () => execute(t, xs, { executor: "inline" });
  const forced = toExecuteOptions(rec);
  const optimized = (xs: unknown[]) => () => execute(t, xs, forced);
  // Warm-up (discarded): JIT, module loads, workers started; enough items for every worker.
  const warm = items.slice(0, Math.max(Math.ceil(items.length / 4), rec.workers * rec.chunkSize));
  await serial(warm)();
  if (rec.executor === "inline") {
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = now();
      await serial(items)();
      times.push(now() - t0);
    }
    r.samples = { serialMs: times, optimizedMs: times };
  } else {
    await optimized(warm)();
    const p = await alternateRuns(serial(items), optimized(items), repeats, now);
    r.samples = { serialMs: p.a, optimizedMs: p.b };
  }
  const s = r.samples;
  r.serialMs = median(s.serialMs);
  r.optimizedMs = median(s.optimizedMs);
  const inline = rec.executor === "inline";
  r.actualSpeedup = inline ? 1 : r.serialMs / r.optimizedMs;
  r.accuracy = predictionAccuracy(r.predictedSpeedup, r.actualSpeedup);
  r.spread = {
    serial: relativeSpread(s.serialMs),
    optimized: relativeSpread(s.optimizedMs),
    speedup: inline ? 0 : relativeSpread(pairedRatios({ a: s.serialMs, b: s.optimizedMs })),
  };
}
