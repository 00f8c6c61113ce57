// Run with: deno bench -A examples/optimized_bench.ts
import { benchOptimized, task } from "@amorsize/amorsize";
import { score } from "./tasks.ts";

const data = Array.from({ length: 20 }, (_, i) => i);
await benchOptimized("score", task(new URL("./tasks.ts", import.meta.url), score), data, {
  configs: { "2 workers": { executor: "workers", workers: 2 } },
});
// group score: "inline" (baseline), "optimized (…)", "2 workers"
