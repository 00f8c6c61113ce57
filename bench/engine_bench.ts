/**
 * Engine benchmarks, in one process, alternating the configurations (A/B/A/B…, the order reversed
 * every other round) and reporting the median with the min–max spread of each:
 *
 * 1. 1 ms items × 2000: 2 workers against the inline loop (speedup);
 * 2. ~1 µs items × 100,000 against a plain loop, per chunk encoding, at a fixed chunk of 1000:
 *    numbers → numbers, [i, n] pairs → numbers, small objects → numbers, numbers → small
 *    objects; per-item dispatch (chunk 1) on the numbers;
 * 3. on Node, piscina at the same 2 workers, with batches built by hand at our chunk size (equal
 *    batching), per item, and with its defaults;
 * 4. 1 MB Float64Array items: copied against transferred;
 * 5. results of about 100 KB each, per encoding;
 * 6. the inline executor against a plain loop (a copy of the task of its own) over a task with a
 *    hot loop of its own (~50 µs items), from the second run on (the warm-up round is
 *    discarded): on Node 20 the inline executor ran it at 0.48–0.51× in 4 runs of this section
 *    alone, 0.73× in a fifth and 1.00× after the other sections; Deno at 1.00× or 0.75× — the
 *    compiler's choices follow the task's history (see `runSync` in src/engine/_local.ts);
 * 7. the inline executor against a plain loop (a copy of the task of its own, writing into one
 *    array) over 400,000 small orders validated in a fraction of a microsecond each: what the
 *    run's own chunks cost beside a task that allocates nothing, while 400,000 objects are live
 *    (on Bun, a slice and a result array per chunk made it 1.4–1.7× the plain loop's time).
 *
 * Run: `deno run -A bench/engine_bench.ts`, `bun bench/engine_bench.ts`, or on Node after
 * `deno run -A scripts/build_node.ts`: `node build/node/bench/engine_bench.js`.
 * Options: `--reps N` (rounds, default 5), `--only 1,2,4` (sections).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { readdirSync, readFileSync } from "node:fs";
import { createPool, execute, type ExecuteOptions, runtime, task } from "../mod.ts";
import {
  big,
  type Order,
  tiny,
  tinyObject,
  tinyPair,
  tinyToObject,
  validOrder,
  xorshift,
} from "./_engine_tasks.ts";

const rt = runtime();
const { values: args } = parseArgs({
  options: {
    reps: { type: "string", default: "5" },
    only: { type: "string", default: "1,2,3,4,5,6,7" },
  },
});
const REPS = Number(args.reps);
const only = new Set(args.only!.split(","));
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const tasksUrl = new URL(`./_engine_tasks${ext}`, import.meta.url);
const ref = <I, O>(name: string) => task<I, O>(tasksUrl, name);
const WORKERS = 2;
type Enc = NonNullable<ExecuteOptions["encoding"]>;

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
  /** CPU time of the main thread during each run (ms; empty where unreadable). */
  mainCpu: number[];
  /** CPU time of the process's other threads (workers, GC, compiler) during each run (ms). */
  otherCpu: number[];
}

/**
 * CPU time this thread has run (ms), from /proc/thread-self/schedstat (Linux; undefined
 * elsewhere). Unlike wall time it does not grow when other processes take the cores: it measures
 * the main thread's own work per run even on a loaded machine.
 */
function threadCpuMs(): number | undefined {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/** CPU time all threads of this process have run (ms; Linux), or undefined. */
function processCpuMs(): number | undefined {
  try {
    let sum = 0;
    for (const t of readdirSync("/proc/self/task")) {
      try {
        sum += Number(readFileSync(`/proc/self/task/${t}/schedstat`, "utf8").split(" ")[0]);
      } catch { /* a thread that ended meanwhile */ }
    }
    return sum / 1e6;
  } catch {
    return undefined;
  }
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
  const rows: Row[] = configs.map((c) => ({ name: c.name, ms: [], mainCpu: [], otherCpu: [] }));
  for (let r = 0; r < REPS; r++) {
    const order = r % 2 === 0 ? configs : [...configs].reverse();
    for (const c of order) {
      if (r >= (c.reps ?? REPS)) continue;
      c.setup?.();
      const cpu0 = threadCpuMs(), all0 = processCpuMs();
      const t0 = rt.now();
      await c.run();
      const row = rows[configs.indexOf(c)];
      row.ms.push(rt.now() - t0);
      const cpu1 = threadCpuMs(), all1 = processCpuMs();
      if (cpu0 !== undefined && cpu1 !== undefined && all0 !== undefined && all1 !== undefined) {
        row.mainCpu.push(cpu1 - cpu0);
        row.otherCpu.push(all1 - all0 - (cpu1 - cpu0));
      }
    }
  }
  return rows;
}

function table(title: string, rows: Row[], baseline = 0): void {
  const base = median(rows[baseline].ms);
  console.log(`\n#### ${title}\n`);
  console.log(
    `| configuration | median ms | min–max ms | runs | vs ${rows[baseline].name} | ` +
      `CPU ms: main thread / other threads (medians) | CPU bound, ${WORKERS} cores |`,
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  // The speedup the CPU time alone allows on an idle machine with WORKERS cores. A run cannot end
  // before its main thread's CPU time, nor before the CPU time of all its threads shared by the
  // cores; this bound of the baseline over the configuration's. Unlike the wall-time ratio it
  // does not depend on what other processes take; it is an upper bound (waits and imbalance add
  // to the wall time).
  const cpuBound = (r: Row) =>
    Math.max(median(r.mainCpu), (median(r.mainCpu) + median(r.otherCpu)) / WORKERS);
  const baseCpu = rows[baseline].mainCpu.length > 0 ? cpuBound(rows[baseline]) : undefined;
  for (const r of rows) {
    const m = median(r.ms);
    const spread = `${fmt(Math.min(...r.ms))}–${fmt(Math.max(...r.ms))}`;
    const cpu = r.mainCpu.length > 0
      ? `${fmt(median(r.mainCpu))} / ${fmt(median(r.otherCpu))}`
      : "n/a";
    const bound = baseCpu !== undefined && r.mainCpu.length > 0
      ? `${(baseCpu / cpuBound(r)).toFixed(2)}×`
      : "n/a";
    console.log(
      `| ${r.name} | ${fmt(m)} | ${spread} | ${r.ms.length} | ${(base / m).toFixed(2)}× | ` +
        `${cpu} | ${bound} |`,
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
  items: unknown[],
  size: number,
  name: string,
): Promise<unknown[]> {
  const parts = await Promise.all(batches(items, size).map((b) => pool.run(b, { name })));
  return (parts as unknown[][]).flat();
}

const loadAvg = () => {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
};
console.log(`load average (1, 5, 15 min) at the start: ${loadAvg()}`);

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
  // Calibrate `tiny` to about 1 µs of CPU per item on this machine (a plain loop). Timed by this
  // thread's CPU clock where there is one: wall time would count the waits of a loaded machine
  // and make the items shorter than 1 µs.
  // The loop runs in a plain function: this module's top level is an async function (top-level
  // await), where V8 (Deno 2.9) runs a hot loop several times slower than the plain loop below.
  let iters = 64;
  const clock = threadCpuMs() !== undefined ? () => threadCpuMs()! : rt.now;
  const timeTiny = (n: number) => {
    const t0 = clock();
    for (let i = 0; i < 50_000; i++) tiny(n);
    return ((clock() - t0) * 1000) / 50_000;
  };
  for (let k = 0; k < 6; k++) {
    iters = Math.max(1, Math.round(iters / Math.max(timeTiny(iters), 0.01)));
  }
  const N = 100_000;
  const C = 1000; // the fixed chunk size of the equal-batching rows
  const numbers = Array<number>(N).fill(iters);
  const pairs = Array.from({ length: N }, (_, i) => [i, iters] as [number, number]);
  const objects = Array.from({ length: N }, (_, i) => ({ i, n: iters, tag: "x" }));
  const fixed = (encoding: Enc, chunkSize = C) => ({
    executor: "workers",
    workers: WORKERS,
    chunkSize,
    adaptive: false,
    pool,
    encoding,
  } as const);
  const loop = <I>(fn: (x: I) => unknown, data: I[]) => () => {
    const out = new Array<unknown>(data.length);
    for (let i = 0; i < data.length; i++) out[i] = fn(data[i]);
    return Promise.resolve(out);
  };
  const workloads: {
    title: string;
    data: unknown[];
    fn: (x: never) => unknown;
    name: string;
    encodings: Enc[];
  }[] = [
    {
      title: "numbers → numbers",
      data: numbers,
      fn: tiny,
      name: "tiny",
      encodings: ["clone", "packed"],
    },
    {
      title: "[i, n] pairs → numbers",
      data: pairs,
      fn: tinyPair,
      name: "tinyPair",
      encodings: ["clone", "packed", "json"],
    },
    {
      title: "small objects → numbers",
      data: objects,
      fn: tinyObject,
      name: "tinyObject",
      encodings: ["clone", "json"],
    },
    {
      title: "numbers → small objects",
      data: numbers,
      fn: tinyToObject,
      name: "tinyToObject",
      encodings: ["clone", "json"],
    },
  ];
  for (const w of workloads) {
    const t = ref<unknown, unknown>(w.name);
    const configs: Config[] = [
      { name: "plain loop", run: loop(w.fn as (x: unknown) => unknown, w.data) },
      ...w.encodings.map((e) => ({
        name: `ours, ${e}, chunk ${C}`,
        run: () => execute(t, w.data, fixed(e)),
      })),
      { name: `ours, auto, chunk ${C}`, run: () => execute(t, w.data, fixed("auto")) },
      {
        name: "ours, adaptive (forced workers, auto encoding)",
        run: () => execute(t, w.data, { executor: "workers", workers: WORKERS, pool }),
      },
    ];
    if (w === workloads[0]) {
      configs.push({
        name: "ours, chunk 1 (per-item dispatch)",
        run: () => execute(t, w.data, fixed("auto", 1)),
        reps: Math.min(REPS, 3),
      });
    }
    if (withPiscina) {
      configs.push({
        name: `piscina, ${WORKERS} threads, batches of ${C}`,
        run: () => viaPiscinaBatches(fixed2, w.data, C, `${w.name}Batch`),
      });
      if (w === workloads[0]) {
        configs.push({
          name: `piscina, ${WORKERS} threads, per item`,
          run: () => viaPiscina(fixed2, w.data, w.name),
          reps: Math.min(REPS, 3),
        });
      }
    }
    table(
      `~1 µs items × ${N.toLocaleString("en")}, ${w.title} (tiny(${iters}))`,
      await compare(configs, w.data.length),
    );
  }
}

if (only.has("5")) {
  // Results of about 100 KB each (12,800 numbers), 400 items.
  const data = Array.from({ length: 400 }, (_, i) => i);
  const t = ref<number, number[]>("big");
  const opts = (encoding: Enc) => ({
    executor: "workers",
    workers: WORKERS,
    chunkSize: 10,
    adaptive: false,
    pool,
    encoding,
  } as const);
  const configs: Config[] = [
    { name: "plain loop", run: () => Promise.resolve(data.map(big)) },
    { name: "ours, clone, chunk 10", run: () => execute(t, data, opts("clone")) },
    { name: "ours, packed, chunk 10", run: () => execute(t, data, opts("packed")) },
    { name: "ours, json, chunk 10", run: () => execute(t, data, opts("json")) },
    { name: "ours, auto, chunk 10", run: () => execute(t, data, opts("auto")) },
  ];
  if (withPiscina) {
    configs.push({
      name: `piscina, ${WORKERS} threads, batches of 10`,
      run: () => viaPiscinaBatches(fixed2, data, 10, "bigBatch"),
    });
  }
  table("100 KB results × 400 (numbers[12,800] each)", await compare(configs, data.length));
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

if (only.has("6")) {
  // The plain loop runs a copy of the task of its own, as a caller's own code would: the same
  // function run by both loops would share what the compiler learnt of it in either.
  const own = new Function(`return ${xorshift.toString()}`)() as typeof xorshift;
  // Calibrate to about 50 µs a call in a plain loop, warm, as section 2 does for 1 µs.
  for (let i = 0; i < 5; i++) own(200_000);
  const t0 = rt.now();
  own(2_000_000);
  const steps = Math.max(1, Math.round(50 * 2_000_000 / ((rt.now() - t0) * 1000)));
  const data = Array<number>(4000).fill(steps);
  const x = ref<number, number>("xorshift");
  const rows = await compare([
    {
      name: "plain loop",
      run: () => {
        const out: number[] = [];
        for (let i = 0; i < data.length; i++) out.push(own(data[i]));
        return Promise.resolve(out);
      },
    },
    { name: "inline executor", run: () => execute(x, data, { executor: "inline" }) },
  ], data.length);
  table(`~50 µs items with a hot loop × ${data.length} (xorshift(${steps}))`, rows);
}

if (only.has("7")) {
  const own = new Function(`return ${validOrder.toString()}`)() as typeof validOrder;
  const rand = xorshift(7) >>> 0;
  const orders: Order[] = Array.from({ length: 400_000 }, (_, i) => ({
    id: i + 1,
    customer: { name: `c${(rand + i) % 9973}`, email: `u${i}@example.com` },
    lines: Array.from({ length: 1 + (i * 7 + rand) % 6 }, (_, k) => ({
      sku: `ABC-${1000 + k}`,
      qty: 1 + (i + k) % 5,
      price: ((i * 31 + k) % 10_000) / 100,
    })),
  }));
  const v = ref<Order, boolean>("validOrder");
  const rows = await compare([
    {
      name: "plain loop",
      run: () => {
        const out = new Array<boolean>(orders.length);
        for (let i = 0; i < orders.length; i++) out[i] = own(orders[i]);
        return Promise.resolve(out);
      },
    },
    { name: "inline executor", run: () => execute(v, orders, { executor: "inline" }) },
  ], orders.length);
  table(`sub-µs validations × ${orders.length} (objects live)`, rows);
}

console.log(`\nload average (1, 5, 15 min) at the end: ${loadAvg()}`);
await pool.close();
for (const p of piscinaPools) await p.destroy();
