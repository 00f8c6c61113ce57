/**
 * Decision quality: for each workload, the wall time of `execute` with the optimizer's
 * recommendation (optimize time included) against every configuration of a grid (workers
 * 1..cores × chunk sizes in powers of 4, plus inline and async), measured in the same run.
 *
 * Run: `deno run -A bench/decision_quality.ts`, `bun bench/decision_quality.ts`, or on Node
 * `node build/node/bench/decision_quality.js` after `deno run -A scripts/build_node.ts`.
 * Options: `--quick` (smaller workloads), `--only name1,name2`, `--repeats N` (default 3),
 * `--explain` (print each recommendation's explain() on stderr).
 *
 * Method: every grid configuration once; then the recommendation (automatic `execute`, optimize
 * included), the recommendation forced (its configuration, without optimize), inline and the 3
 * best grid configurations again, alternating, `repeats` times; medians (min–max shown).
 * "best/rec" = best of grid / recommended (goal ≥ 0.95); "measured ×" = inline / forced, the
 * speedup the prediction ("predicted ×") is checked against.
 *
 * @module
 */
import { execute, optimize, probeSystem, task } from "../mod.ts";
import type { ExecuteOptions, TaskRef } from "../mod.ts";
import { runtime } from "../src/runtime/detect.ts";
import { spinIterations } from "./_dq_tasks.ts";

const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const tasksUrl = new URL(`./_dq_tasks${ext}`, import.meta.url);
const argv = (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
const quick = argv.includes("--quick");
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const only = flag("--only")?.split(",");
const repeats = Number(flag("--repeats")) || 3;
const rt = runtime();

// Calibrate: iterations per microsecond of spinIterations on this machine.
function calibrate(): number {
  for (let i = 0; i < 5; i++) spinIterations(200_000);
  const t = rt.now();
  spinIterations(2_000_000);
  return 2_000_000 / ((rt.now() - t) * 1000);
}
const perUs = calibrate();
const us = (micro: number) => Math.max(1, Math.round(micro * perUs));

function rng(seed: number) {
  return () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

interface Workload {
  name: string;
  task: TaskRef<number, unknown>;
  data: () => number[];
  async?: boolean;
}
const q = (full: number, small: number) => (quick ? small : full);
const spin = task<number, number>(tasksUrl, "spinIterations");
const workloads: Workload[] = [
  { name: "cpu 1 ms × 2000", task: spin, data: () => new Array(q(2000, 400)).fill(us(1000)) },
  { name: "cpu 50 µs × 50000", task: spin, data: () => new Array(q(50_000, 10_000)).fill(us(50)) },
  { name: "cpu 1 µs × 100000", task: spin, data: () => new Array(q(100_000, 20_000)).fill(us(1)) },
  {
    name: "heavy-tailed × 2000",
    task: spin,
    data: () => {
      const r = rng(7); // Pareto(α = 1.5) times, 0.1 ms minimum, capped at 50 ms
      return Array.from(
        { length: q(2000, 500) },
        () => us(Math.min(50_000, 100 / (1 - r()) ** (1 / 1.5))),
      );
    },
  },
  {
    name: "100 KB results × 400",
    task: task<number, Float64Array>(tasksUrl, "bigResult"),
    data: () => new Array(q(400, 100)).fill(us(200)),
  },
  {
    name: "async sleep 5 ms × 200",
    task: task<number, number>(tasksUrl, "sleepMs"),
    data: () => new Array(q(200, 60)).fill(5),
    async: true,
  },
  { name: "tiny 20 × 1 ms", task: spin, data: () => new Array(20).fill(us(1000)) },
];

type Config = { label: string; options: ExecuteOptions };
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : "–");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function time(w: Workload, data: number[], options: ExecuteOptions): Promise<number> {
  const t = rt.now();
  await execute(w.task, data, { ...options, cache: false });
  return rt.now() - t;
}

const sys = await probeSystem();
const cores = sys.effectiveCores;
console.log(`# Decision quality — ${rt.name} ${rt.version}, ${cores} effective cores`);
console.log(`(calibration: ${perUs.toFixed(0)} iterations/µs; repeats ${repeats})\n`);
const rows: string[] = [];
for (const w of workloads) {
  if (only && !only.some((o) => w.name.startsWith(o))) continue;
  const data = w.data();
  const grid: Config[] = [{ label: "inline", options: { executor: "inline" } }];
  if (w.async) grid.push({ label: "async×16", options: { executor: "async", concurrency: 16 } });
  for (let wk = 1; wk <= cores; wk++) {
    for (let c = 1; c <= data.length; c *= 4) {
      grid.push({ label: `w${wk} c${c}`, options: { workers: wk, chunkSize: c, adaptive: false } });
    }
  }
  const once = new Map<string, number>();
  for (const g of grid) once.set(g.label, await time(w, data, g.options));
  const opt = await optimize(w.task, data, { cache: false });
  if (argv.includes("--explain")) console.error(`\n## ${w.name}\n${opt.explain()}`);
  const top = [...grid].sort((a, b) => once.get(a.label)! - once.get(b.label)!).slice(0, 3);
  const forced: ExecuteOptions = opt.executor === "workers"
    ? { workers: opt.workers, chunkSize: opt.chunkSize }
    : opt.executor === "async"
    ? { executor: "async", concurrency: opt.concurrency }
    : { executor: "inline" };
  const contenders: Config[] = [
    { label: "recommended", options: {} },
    { label: "forced", options: forced },
    grid[0],
    ...top.filter((g) => g !== grid[0]),
  ];
  const samples = new Map<string, number[]>(contenders.map((c) => [c.label, []]));
  for (let r = 0; r < repeats; r++) {
    for (const c of contenders) samples.get(c.label)!.push(await time(w, data, c.options));
  }
  const med = (l: string) => median(samples.get(l)!);
  const spread = (l: string) => {
    const s = samples.get(l)!;
    return `${Math.min(...s).toFixed(0)}–${Math.max(...s).toFixed(0)}`;
  };
  const bestGrid = contenders.filter((c) =>
    c.label !== "recommended" && c.label !== "forced"
  ).sort((a, b) => med(a.label) - med(b.label))[0];
  const rec = med("recommended"), best = med(bestGrid.label), serial = med("inline");
  // Prediction error: the run itself (the recommendation forced, optimize not included).
  const measured = serial / med("forced");
  const predicted = opt.predictedSpeedup;
  const err = (predicted - measured) / measured;
  const cfg = opt.executor === "workers"
    ? `w${opt.workers} c${opt.chunkSize}`
    : opt.executor === "async"
    ? `async×${opt.concurrency}`
    : "inline";
  rows.push(
    `| ${w.name} | ${serial.toFixed(0)} (${spread("inline")}) | ${cfg}: ${rec.toFixed(0)} ` +
      `(${spread("recommended")}) | ${bestGrid.label}: ${best.toFixed(0)} (${
        spread(bestGrid.label)
      }) | ` +
      `${(best / rec).toFixed(2)} | ${predicted.toFixed(2)} | ${measured.toFixed(2)} | ` +
      `${(100 * err).toFixed(0)} % | ${ms(opt.predictedMs.serial)} / ${
        ms(opt.predictedMs.chosen)
      } | ` +
      `${opt.profile.optimizeMs.toFixed(0)} (${
        (100 * opt.profile.optimizeMs / serial).toFixed(1)
      } %) |`,
  );
  console.error(`done: ${w.name}`);
}
console.log(
  "| workload | inline ms (min–max) | recommended ms | best of grid ms | best/rec | predicted × | measured × | prediction error | predicted ms (loop / chosen) | optimize ms (% of serial) |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
