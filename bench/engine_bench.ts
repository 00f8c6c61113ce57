/**
 * Engine benchmarks, in one process, alternating the configurations (A/B/A/B…, the order reversed
 * every other round) and reporting the median with the min–max spread of each:
 *
 * 1. 1 ms items × 2000: 2 workers against the inline loop (speedup);
 * 2. ~1 µs items × 100,000: the best of a few chunk sizes (adaptive off), chunk size 1, inline;
 * 3. on Node, piscina at the same 2 workers (per item, and with batches built by hand at our
 *    chunk size) and piscina with its defaults, on both workloads;
 * 4. 1 MB Float64Array items: copied against transferred.
 *
 * Run: `deno run -A bench/engine_bench.ts`, `bun bench/engine_bench.ts`, or on Node after
 * `deno run -A scripts/build_node.ts`: `node build/node/bench/engine_bench.js`.
 * Options: `--reps N` (rounds, default 5), `--only 1,2,4` (sections).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { createPool, execute, runtime, task } from "../mod.ts";
import { tiny } from "./_engine_tasks.ts";

const rt = runtime();
const { values: args } = parseArgs({
  options: { reps: { type: "string", default: "5" }, only: { type: "string", default: "1,2,3,4" } },
});
const REPS = Number(args.reps);
const only = new Set(args.only!.split(","));
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const tasksUrl = new URL(`./_engine_tasks${ext}`, import.meta.url);
const ref = <I, O>(name: string) => task<I, O>(tasksUrl, name);
const WORKERS = 2;

interface Config {
  name: string;
  run: () => Promise<unknown[]>;
  /** Untimed preparation before each run (fresh inputs). */
  setup?: () => void;
  /** Fewer rounds for slow configurations. */
  reps?: number;
}

interface Row {
  name: string;
  ms: number[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

async function compare(configs: Config[], expectLength: number): Promise<Row[]> {
  for (const c of configs) { // warm-up round, discarded; also checks the results
    c.setup?.();
    const out = await c.run();
    if (out.length !== expectLength) throw new Error(`${c.name}: ${out.length} results`);
  }
  const rows = configs.map((c) => ({ name: c.name, ms: [] as number[] }));
  for (let r = 0; r < REPS; r++) {
    const order = r % 2 === 0 ? configs : [...configs].reverse();
    for (const c of order) {
      if (r >= (c.reps ?? REPS)) continue;
      c.setup?.();
      const t0 = rt.now();
      await c.run();
      rows[configs.indexOf(c)].ms.push(rt.now() - t0);
    }
  }
  return rows;
}

function table(title: string, rows: Row[], baseline = 0): void {
  const base = median(rows[baseline].ms);
  console.log(`\n#### ${title}\n`);
  console.log(`| configuration | median ms | min–max ms | runs | vs ${rows[baseline].name} |`);
  console.log("|---|---:|---:|---:|---:|");
  for (const r of rows) {
    const m = median(r.ms);
    const spread = `${fmt(Math.min(...r.ms))}–${fmt(Math.max(...r.ms))}`;
    console.log(
      `| ${r.name} | ${fmt(m)} | ${spread} | ${r.ms.length} | ${(base / m).toFixed(2)}× |`,
    );
  }
}

// Piscina (Node only): loaded by a computed name so that Deno and Bun never resolve it.
// deno-lint-ignore no-explicit-any
type AnyPool = any;
const piscinaPools: AnyPool[] = [];
async function piscina(options: Record<string, unknown>): Promise<AnyPool | undefined> {
  if (rt.name !== "node") return undefined;
  const name = "piscina";
  const { Piscina } = await import(name);
  const p = new Piscina({ filename: fileURLToPath(tasksUrl), ...options });
  piscinaPools.push(p);
  return p;
}
const batches = <T>(items: T[], size: number) =>
  Array.from(
    { length: Math.ceil(items.length / size) },
    (_, k) => items.slice(k * size, (k + 1) * size),
  );
async function viaPiscina(pool: AnyPool, items: unknown[], name: string): Promise<unknown[]> {
  return await Promise.all(items.map((x) => pool.run(x, { name })));
}
async function viaPiscinaBatches(
  pool: AnyPool,
  items: number[],
  size: number,
  name: string,
): Promise<unknown[]> {
  const parts = await Promise.all(batches(items, size).map((b) => pool.run(b, { name })));
  return (parts as unknown[][]).flat();
}

const pool = createPool({ maxWorkers: WORKERS });
await pool.warm(WORKERS);
const fixed2 = await piscina({ minThreads: WORKERS, maxThreads: WORKERS });
const defaults = await piscina({});
const withPiscina = only.has("3") && fixed2 !== undefined;

console.log(
  `## Engine benchmarks: ${rt.name} ${rt.version}, ${rt.hardwareConcurrency()} logical cores, ` +
    `${WORKERS} workers, ${REPS} rounds (A/B alternated)`,
);
if (defaults) {
  console.log(
    `piscina ${(await import("piscina" as string)).version}: defaults = ` +
      `${defaults.options.minThreads}–${defaults.options.maxThreads} threads, ` +
      `${defaults.options.concurrentTasksPerWorker} task(s) per worker`,
  );
}

if (only.has("1")) {
  const data = Array<number>(2000).fill(1);
  const spin = ref<number, number>("spinMs");
  const chunk = Math.ceil(data.length / (8 * WORKERS)); // the engine's default first chunk
  const configs: Config[] = [
    { name: "inline", run: () => execute(spin, data, { executor: "inline" }) },
    {
      name: `ours, ${WORKERS} workers (adaptive, first chunk ${chunk})`,
      run: () => execute(spin, data, { executor: "workers", workers: WORKERS, pool }),
    },
    {
      name: `ours, ${WORKERS} workers, chunk 1`,
      run: () =>
        execute(spin, data, {
          executor: "workers",
          workers: WORKERS,
          chunkSize: 1,
          adaptive: false,
          pool,
        }),
    },
  ];
  if (withPiscina) {
    configs.push(
      {
        name: `piscina, ${WORKERS} threads, per item`,
        run: () => viaPiscina(fixed2, data, "spinMs"),
      },
      {
        name: `piscina, ${WORKERS} threads, batches of ${chunk}`,
        run: () => viaPiscinaBatches(fixed2, data, chunk, "spinMsBatch"),
      },
      { name: "piscina defaults, per item", run: () => viaPiscina(defaults, data, "spinMs") },
    );
  }
  table("1 ms items × 2000", await compare(configs, data.length));
}

if (only.has("2")) {
  // Calibrate `tiny` to about 1 µs per item on this machine (inline).
  let iters = 64;
  for (let k = 0; k < 4; k++) {
    const t0 = rt.now();
    for (let i = 0; i < 20_000; i++) tiny(iters);
    const us = ((rt.now() - t0) * 1000) / 20_000;
    iters = Math.max(1, Math.round(iters / us));
  }
  const data = Array<number>(100_000).fill(iters);
  const t = ref<number, number>("tiny");
  const fixed = (chunkSize: number) => () =>
    execute(t, data, { executor: "workers", workers: WORKERS, chunkSize, adaptive: false, pool });
  const sizes = [100, 1000, 10_000];
  const configs: Config[] = [
    { name: "inline", run: () => execute(t, data, { executor: "inline" }) },
    ...sizes.map((c) => ({ name: `ours, chunk ${c}`, run: fixed(c) })),
    { name: "ours, chunk 1", run: fixed(1), reps: Math.min(REPS, 3) },
    {
      name: "ours, adaptive (first chunk 6250)",
      run: () => execute(t, data, { executor: "workers", workers: WORKERS, pool }),
    },
  ];
  if (withPiscina) {
    configs.push(
      {
        name: `piscina, ${WORKERS} threads, per item`,
        run: () => viaPiscina(fixed2, data, "tiny"),
        reps: Math.min(REPS, 3),
      },
      {
        name: `piscina, ${WORKERS} threads, batches of 1000`,
        run: () => viaPiscinaBatches(fixed2, data, 1000, "tinyBatch"),
      },
      {
        name: "piscina defaults, per item",
        run: () => viaPiscina(defaults, data, "tiny"),
        reps: Math.min(REPS, 3),
      },
    );
  }
  const rows = await compare(configs, data.length);
  const best = rows.slice(1, 1 + sizes.length).reduce((a, b) =>
    median(a.ms) <= median(b.ms) ? a : b
  );
  table(`~1 µs items × 100,000 (tiny(${iters}); best fixed chunk: ${best.name})`, rows);
}

if (only.has("4")) {
  const n = 48, len = 131_072; // 1 MiB each
  let inputs: Float64Array[] = [];
  const fresh = () => (inputs = Array.from({ length: n }, () => new Float64Array(len)));
  const b = ref<Float64Array, Float64Array>("bump");
  const opts = {
    executor: "workers",
    workers: WORKERS,
    chunkSize: 1,
    adaptive: false,
    pool,
  } as const;
  const rows = await compare([
    { name: "copy", setup: fresh, run: () => execute(b, inputs, opts) },
    { name: "transfer", setup: fresh, run: () => execute(b, inputs, { ...opts, transfer: true }) },
  ], n);
  table(`1 MiB Float64Array items × ${n}, ${WORKERS} workers, chunk 1`, rows);
}

await pool.close();
for (const p of piscinaPools) await p.destroy();
