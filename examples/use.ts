import { createPool, execute, map, optimize, task } from "@amorsize/amorsize"; // npm: "amorsize"
import { score } from "./tasks.ts";

// A task is a function exported by a module, which each worker imports once. Keep tasks in a
// module of their own: a worker importing this script would run it again. Passing the function
// types the reference: TaskRef<number, number>.
const scoreTask = task(new URL("./tasks.ts", import.meta.url), score);

// ... or a self-contained inline function (rebuilt from its source inside the worker).
const square = (x: number) => x * x;

const items = Array.from({ length: 2_000 }, (_, i) => i);

// Automatic: measure, decide, run. Sampled items are never run twice.
const results: number[] = await execute(scoreTask, items);
console.log(results.length, "results");

// Ask first, and read why.
const plan = await optimize(scoreTask, items);
console.log(plan.executor, plan.workers, plan.chunkSize, plan.predictedSpeedup);
console.log(plan.explain());

// Streaming with backpressure, any (async) iterable, even an infinite one.
async function* numbers() {
  for (let i = 0; i < 1_000; i++) yield i;
}
let sum = 0;
for await (const y of map(square, numbers(), { ordered: false })) sum += y;
console.log("sum of squares", sum);

// Force a configuration; abort, time out, report progress.
await execute(scoreTask, items, {
  executor: "workers",
  workers: 2,
  chunkSize: 64,
  signal: AbortSignal.timeout(60_000),
  onProgress: ({ done, total }) => done === total && console.log("done", done, "of", total),
});

// A pool of your own, reused across calls: close it when done.
const pool = createPool({ maxWorkers: 2 });
try {
  const again = await execute(scoreTask, items, { pool });
  console.log(again.length, "results on the pool");
  // One item, one call (a request in a server): the errors, abort and timeout of execute.
  console.log("one call:", await pool.run(scoreTask, 7, { timeoutMs: 5_000 }));
} finally {
  await pool.close();
}
