import {
  getStandardWorkloads,
  runPerformanceBenchmark,
  runPerformanceSuite,
  task,
} from "@amorsize/amorsize";
import { score } from "./tasks.ts";

// The standard workloads (here one of them, one timed run of each side), saved in the history.
const workloads = getStandardWorkloads().filter((w) => w.name === "fast-function");
const suite = await runPerformanceSuite({ workloads, repeats: 1, save: true });
console.log(suite.passed, suite.results.map((r) => [r.workload, r.actualSpeedup]));

// One workload of your own:
const items = Array.from({ length: 400 }, (_, i) => i);
const r = await runPerformanceBenchmark({
  name: "score",
  description: "score 400 numbers",
  task: task(new URL("./tasks.ts", import.meta.url), score),
  data: () => items,
  size: items.length,
  minSpeedup: 1.2,
  maxTimeMs: 20_000,
}, { repeats: 1 });
console.log(r.workload, r.verdict, r.actualSpeedup, r.failures);
