/**
 * Memory of streaming: 1,000,000 small items through `map` (2 workers, adaptive chunks, ordered),
 * pulled from a generator, with the resident set size sampled every 10,000 results. Reports the
 * RSS before the pool started, after a warm-up of 20,000 items (the working size of the three
 * heaps), and the peak growth over each. Bounded in-flight work keeps the growth flat in the
 * item count.
 *
 * Run: `deno run -A bench/map_memory_bench.ts`, `bun bench/map_memory_bench.ts`, or on Node after
 * `deno run -A scripts/build_node.ts`: `node build/node/bench/map_memory_bench.js`.
 * Options: `--n N` (items, default 1000000), `--unordered`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createPool, map, runtime, task } from "../mod.ts";

const rt = runtime();
const { values: args } = parseArgs({
  options: {
    n: { type: "string", default: "1000000" },
    unordered: { type: "boolean", default: false },
  },
});
const n = Number(args.n);
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const echo = task<Item, Item>(new URL(`./_engine_tasks${ext}`, import.meta.url), "echo");
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const rss = () => rt.memory().rssBytes ?? NaN;

interface Item {
  i: number;
  name: string;
  payload: number[];
}

function* items(count: number): Generator<Item> {
  for (let i = 0; i < count; i++) yield { i, name: `item-${i}`, payload: [i, i + 1, i + 2] };
}

const rssStart = rss();
const pool = createPool({ maxWorkers: 2 });
await pool.warm(2);
const opts = { executor: "workers", workers: 2, pool, ordered: !args.unordered } as const;
for await (const _ of map(echo, items(20_000), opts)) { /* warm-up */ }
const rssWarm = rss();
let count = 0, sum = 0, peak = rssWarm;
const samples: number[] = [];
const t0 = rt.now();
for await (const r of map(echo, items(n), opts)) {
  sum += r.i;
  if (++count % 10_000 === 0) {
    const now = rss();
    peak = Math.max(peak, now);
    if (count % (n / 10) === 0) samples.push(now);
  }
}
const seconds = (rt.now() - t0) / 1000;
await pool.close();
if (count !== n || sum !== (n * (n - 1)) / 2) throw new Error(`lost results: ${count} of ${n}`);

console.log(
  `## map memory: ${rt.name} ${rt.version}, ${n} items, ${opts.ordered ? "" : "un"}ordered`,
);
console.log(`| measure | value |`);
console.log(`|---|---:|`);
console.log(`| RSS before the pool | ${mb(rssStart)} MB |`);
console.log(`| RSS after warm-up (pool of 2 + 20,000 items) | ${mb(rssWarm)} MB |`);
console.log(`| peak RSS while streaming | ${mb(peak)} MB |`);
console.log(`| growth over the warm baseline | ${mb(peak - rssWarm)} MB |`);
console.log(`| growth over the start (includes 2 workers) | ${mb(peak - rssStart)} MB |`);
console.log(`| RSS at each tenth of the run | ${samples.map(mb).join(", ")} MB |`);
console.log(`| throughput | ${Math.round(n / seconds).toLocaleString("en-US")} items/s |`);
