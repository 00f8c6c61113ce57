/**
 * The cost of deciding: `optimize()` (result cache off) against the plain loop over the same data,
 * for a few task and data shapes, so `deno bench` prints the optimizer's overhead as a ratio of
 * the work itself.
 *
 * Run: `deno bench -A bench/optimizer_bench.ts` (add `--json` for machine output, which
 * `amorsize suite compare` reads).
 *
 * @module
 */
import { execute, getStandardWorkloads, optimize, type Task } from "../mod.ts";

const byName = new Map(getStandardWorkloads().map((w) => [w.name, w]));
const workload = (name: string) => byName.get(name)!;

interface Shape {
  group: string;
  task: Task<unknown, unknown>;
  data: unknown[];
  n: number;
}

const shapes: Shape[] = [
  {
    group: "100 tiny items, inline function",
    task: (x: unknown) => (x as number) * 2,
    data: Array.from({ length: 100 }, (_, i) => i),
    n: 50,
  },
  {
    group: "200 000 tiny items, module task",
    task: workload("fast-function").task,
    data: workload("fast-function").data(),
    n: 20,
  },
  {
    group: "40 CPU-bound items (~5 ms each), module task",
    task: workload("cpu-intensive").task,
    data: workload("cpu-intensive").data().slice(0, 40),
    n: 10,
  },
  {
    group: "100 async items (1 ms CPU + 4 ms wait), module task",
    task: workload("mixed").task,
    data: workload("mixed").data(),
    n: 10,
  },
];

for (const s of shapes) {
  Deno.bench(
    { name: "plain loop", group: s.group, baseline: true, n: s.n, warmup: 2 },
    async () => {
      await execute(s.task, s.data, { executor: "inline" });
    },
  );
  Deno.bench({ name: "optimize()", group: s.group, n: s.n, warmup: 2 }, async () => {
    await optimize(s.task, s.data, { cache: false });
  });
}
