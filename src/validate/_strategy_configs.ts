// The configurations compareStrategies measures: checks of the caller's list, the default grid,
// the optimizer's pick as a configuration, and the recommendations drawn from the ranking.
import { bool, keysOf, knownKeys, oneOf, positiveInt } from "../args.ts";
import type { ForcedConfig, RunConfig } from "../engine/mod.ts";

const CONFIG_KEYS = keysOf<RunConfig>({
  executor: 1,
  workers: 1,
  chunkSize: 1,
  concurrency: 1,
  adaptive: 1,
});

/** Check the caller's configurations; throws TypeError/RangeError naming `configs[i].field`. */
export function checkConfigs(configs: unknown): ForcedConfig[] {
  if (!Array.isArray(configs)) {
    throw new TypeError(
      `'configs' must be an array, got ${configs === null ? "null" : typeof configs}`,
    );
  }
  return configs.map((c, i) => {
    if (c === null || typeof c !== "object") {
      throw new TypeError(
        `'configs[${i}]' must be an object, got ${c === null ? "null" : typeof c}`,
      );
    }
    const k = c as ForcedConfig;
    knownKeys(`configs[${i}]`, k, CONFIG_KEYS); // a misspelt key ran the defaults unnoticed
    oneOf(`configs[${i}].executor`, k.executor, ["inline", "async", "workers"]);
    if (k.workers !== undefined) positiveInt(`configs[${i}].workers`, k.workers);
    if (k.chunkSize !== undefined) positiveInt(`configs[${i}].chunkSize`, k.chunkSize);
    if (k.concurrency !== undefined) positiveInt(`configs[${i}].concurrency`, k.concurrency);
    if (k.adaptive !== undefined) bool(`configs[${i}].adaptive`, k.adaptive);
    return { ...k };
  });
}

/** Worker counts to try: every count up to 4, then powers of two and the core count. */
export function workerCounts(cores: number): number[] {
  const out = new Set<number>();
  for (let w = 1; w <= cores; w = w < 4 ? w + 1 : w * 2) out.add(w);
  out.add(cores);
  return [...out].sort((a, b) => a - b);
}

/**
 * The default grid: inline; for each worker count, fixed chunks of n/(16w), n/(4w) and n/w
 * (one chunk per worker; a single chunk for the whole job is left out: it is the plain loop plus
 * a round trip); async (as the optimizer would size it) when the task returns Promises.
 */
export function defaultConfigs(
  n: number,
  cores: number,
  isAsync: boolean,
  conc: number,
): ForcedConfig[] {
  const out: ForcedConfig[] = [{ executor: "inline" }];
  for (const w of workerCounts(Math.max(1, cores))) {
    const sizes = new Set([16, 4, 1].map((k) => Math.max(1, Math.ceil(n / (k * w)))));
    for (const c of sizes) {
      if (c >= n) continue;
      out.push({ executor: "workers", workers: w, chunkSize: c, adaptive: false });
    }
  }
  if (isAsync) out.push({ executor: "async", concurrency: Math.max(1, conc) });
  return out;
}

interface Ranked {
  label: string;
  config: ForcedConfig;
  medianMs: number;
  spreadMs: [number, number];
  speedupVsInline: number;
  rank: number;
}

/** What the ranking suggests, most important first. */
export function compareAdvice(results: Ranked[], best: Ranked, pick: Ranked): string[] {
  const out: string[] = [];
  const x2 = (x: number) => `${x.toFixed(2)}×`;
  if (best.config.executor === "inline") {
    out.push("The plain loop was fastest: parallelism only adds overhead for this job");
  } else {
    let line = `Fastest: ${best.label}, ${x2(best.speedupVsInline)} the plain loop`;
    const w = best.config.executor === "workers" ? best.config.workers ?? 1 : 0;
    if (w > 1) {
      const eff = best.speedupVsInline / w;
      line += ` (efficiency ${(eff * 100).toFixed(0)} % per worker${
        eff > 1.05
          ? ": above linear, so the runs are noisy"
          : eff > 0.85
          ? ": near-linear"
          : eff < 0.5
          ? ": overhead is significant"
          : ""
      })`;
    }
    out.push(line);
  }
  const avoid = results.filter((r) => r.speedupVsInline < 0.8).map((r) => r.label);
  if (avoid.length > 0) out.push(`Avoid (slower than the plain loop): ${avoid.join(", ")}`);
  if (pick.rank === 1) out.push(`The optimizer's pick (${pick.label}) was the fastest`);
  else {
    const slower = pick.medianMs / best.medianMs - 1;
    const overlap = pick.spreadMs[0] <= best.spreadMs[1];
    out.push(
      `The optimizer's pick (${pick.label}) ranked ${pick.rank} of ${results.length}, ` +
        `${(slower * 100).toFixed(0)} % slower than the fastest${
          overlap ? " (within the spread of the runs)" : ""
        }`,
    );
  }
  return out;
}
