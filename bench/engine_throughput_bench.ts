/**
 * Engine throughput against a plain loop, with `benchOptimized`: per workload, inline (the
 * baseline), the configuration `optimize` recommends, and fixed worker configurations, so
 * `deno bench` prints how much faster or slower than inline each one is.
 *
 * Run: `deno bench -A bench/engine_throughput_bench.ts` (add `--json` for machine output, which
 * `amorsize suite compare` reads).
 *
 * @module
 */
import { benchOptimized, getStandardWorkloads, probeSystem } from "../mod.ts";

const cores = Math.max(2, (await probeSystem()).effectiveCores);
const byName = new Map(getStandardWorkloads().map((w) => [w.name, w]));
const workload = (name: string) => byName.get(name)!;

const cpu = workload("cpu-intensive");
await benchOptimized("CPU-bound, 80 items of ~5 ms", cpu.task, cpu.data().slice(0, 80), {
  configs: {
    [`${cores} workers, chunks of 1`]: { executor: "workers", workers: cores, chunkSize: 1 },
  },
  n: 8,
  warmup: 2,
});

const variable = workload("variable-time");
await benchOptimized("heterogeneous, 100 items", variable.task, variable.data(), {
  configs: {
    [`${cores} workers, 2 chunks`]: { executor: "workers", workers: cores, chunkSize: 50 },
  },
  n: 8,
  warmup: 2,
});

const fast = workload("fast-function");
await benchOptimized("tiny, 200 000 items of x*x", fast.task, fast.data(), {
  configs: {
    [`${cores} workers, chunks of 10 000`]: {
      executor: "workers",
      workers: cores,
      chunkSize: 10_000,
    },
  },
  n: 20,
  warmup: 3,
});

const mixed = workload("mixed");
await benchOptimized("async, 100 items of 1 ms CPU + 4 ms wait", mixed.task, mixed.data(), {
  configs: { "async, 16 in flight": { executor: "async", concurrency: 16 } },
  n: 8,
  warmup: 2,
});
