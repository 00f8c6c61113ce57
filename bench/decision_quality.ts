/**
 * Decision quality: for each workload, the wall time of `execute` with the optimizer's
 * recommendation (optimize time included) against every configuration of a grid (workers
 * 1..cores, the CPU time this process may use rounded up — on more than 4 cores the powers of 2
 * and the cores themselves — × chunk sizes in powers of 4, plus inline and async), measured in
 * the same run.
 *
 * Run: `deno run -A bench/decision_quality.ts`, `bun bench/decision_quality.ts`, or on Node
 * `node build/node/bench/decision_quality.js` after `deno run -A scripts/build_node.ts`.
 * Options (`--help` lists them): `--quick` (smaller workloads), `--only name1,name2`, `--repeats N`
 * (default 3), `--explain` (print each recommendation's explain() on stderr).
 *
 * Method: every grid configuration once; five `optimize` calls (no result cache) give the
 * decision's stability ("5 calls") and optimize's own cost (median); then the automatic `execute`
 * (optimize included), the recommendation forced (its configuration, without optimize), the
 * naive user default (all cores, n / (4 × workers) items per chunk), inline and the 3 best grid
 * configurations again, alternating, `repeats` times (at least 9 for a job whose plain loop took
 * under 100 ms); medians (min–max shown). "auto, cached": the
 * automatic `execute` with its defaults (the decision cache on, in a temporary `AMORSIZE_HOME`),
 * once untimed to fill the cache, then in the alternation: a repeated call of the same job reads
 * the stored decision, corrected by the runs it recorded, in place of sampling again.
 * "best/auto" = best of grid / automatic (goal ≥ 0.95); "inline/auto" (goal ≥ 0.9);
 * "naive/auto" (goal ≥ 1); "measured ×" = inline / forced, the speedup the prediction
 * ("predicted ×") is checked against; for a workers decision, the prediction error's two sides
 * are the predicted plain loop against inline and the predicted run against forced (both scaled
 * from the items left after deciding to the whole job). The prediction, the forced configuration
 * and the auto column's label are the first of the 5 calls that predicted ("(call k)" where not
 * the first: a call that ran every item while deciding predicts nothing).
 *
 * Workloads: synthetic families (`_dq_tasks.ts`) and tasks on popular npm libraries
 * (`_dq_npm_tasks.ts`: js-sha256, ajv, marked, fflate, fast-xml-parser, axios against local
 * HTTP servers, `_dq_server.ts`: one in this process, one in a process of its own).
 *
 * @module
 */
import { execute, optimize, probeSystem, task } from "../mod.ts";
import type { ExecuteOptions, TaskRef } from "../mod.ts";
import { runtime } from "../src/runtime/detect.ts";
import { cpuCapacity } from "../src/system/mod.ts";
import { spinIterations } from "./_dq_tasks.ts";
import { spawnServer, startServer } from "./_dq_server.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";

const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const tasksUrl = new URL(`./_dq_tasks${ext}`, import.meta.url);
const npmUrl = new URL(`./_dq_npm_tasks${ext}`, import.meta.url);
const USAGE = `Usage: decision_quality [--quick] [--only NAME,NAME] [--repeats N] [--explain]

  --quick        smaller workloads (a few minutes in all)
  --only NAMES   the workloads whose names start with one of these (comma-separated)
  --repeats N    timings of each compared configuration (default 3; at least 9 for a job
                 whose plain loop takes under 100 ms)
  --explain      each recommendation's explain(), the grid and the 5 calls, on stderr
  --help         this text`;
let args;
try {
  args = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: "boolean" },
      only: { type: "string" },
      repeats: { type: "string" },
      explain: { type: "boolean" },
      help: { type: "boolean" },
    },
  }).values;
} catch (e) {
  console.error(`${(e as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const quick = args.quick === true;
const only = args.only?.split(",").map((o) => o.trim()).filter((o) => o !== "");
const repeats = args.repeats === undefined ? 3 : Number(args.repeats);
if (!Number.isInteger(repeats) || repeats < 1) {
  console.error(`'--repeats' must be a positive integer, got ${args.repeats}`);
  process.exit(2);
}
const rt = runtime();
// The decision cache of "auto, cached", apart from the user's own.
const home = mkdtempSync(join(tmpdir(), "amorsize-dq-"));
process.env.AMORSIZE_HOME = home;

// Calibrate: iterations per microsecond of spinIterations on this machine, from the fastest of
// five timings (one timing read Deno at 158 where the next run read 552: the runtime still tiering
// the loop up, or this thread preempted, and every workload then ran 3× shorter than meant).
function calibrate(): number {
  for (let i = 0; i < 5; i++) spinIterations(200_000);
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const t = rt.now();
    spinIterations(2_000_000);
    best = Math.min(best, rt.now() - t);
  }
  return 2_000_000 / (best * 1000);
}
const perUs = calibrate();
const us = (micro: number) => Math.max(1, Math.round(micro * perUs));

function rng(seed: number) {
  return () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

interface Workload {
  name: string;
  // deno-lint-ignore no-explicit-any
  task: TaskRef<any, unknown>;
  data: () => unknown[];
  async?: boolean;
}
const q = (full: number, small: number) => (quick ? small : full);
const spin = task<number, number>(tasksUrl, "spinIterations");
const npmTask = (name: string) => task<unknown, unknown>(npmUrl, name);
const server = await startServer();
const remote = await spawnServer();
const words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split(" ");
const text = (r: () => number, n: number) =>
  Array.from({ length: n }, () => words[Math.floor(r() * words.length)]).join(" ");
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
  {
    // A service of mixed latency: two calls of 5 ms, then one of 60 ms.
    name: "async mixed 5/60 ms × 300",
    task: task<number, number>(tasksUrl, "sleepMs"),
    data: () => Array.from({ length: q(300, 150) }, (_, i) => (i % 3 === 2 ? 60 : 5)),
    async: true,
  },
  { name: "tiny 20 × 1 ms", task: spin, data: () => new Array(20).fill(us(1000)) },
  // Few large items: ≤ 8 items of ≥ 100 ms each.
  { name: "few large 6 × 150 ms", task: spin, data: () => new Array(6).fill(us(150_000)) },
  // Popular npm libraries, as a user's own task module would import them.
  {
    name: "npm js-sha256 µs × 40000",
    task: npmTask("hashText"),
    data: () => {
      const r = rng(1);
      return Array.from({ length: q(40_000, 10_000) }, () => text(r, 8));
    },
  },
  {
    name: "npm ajv validate × 40000",
    task: npmTask("validateOrderJson"),
    data: () => {
      const r = rng(2);
      return Array.from({ length: q(40_000, 10_000) }, (_, i) => ({
        id: i + 1,
        customer: { name: text(r, 2), email: `u${i}@example.com` },
        lines: Array.from({ length: 1 + Math.floor(r() * 6) }, (_, k) => ({
          sku: `ABC-${String(1000 + k).padStart(4, "0")}`,
          qty: 1 + Math.floor(r() * 5),
          price: Math.round(r() * 10000) / 100,
        })),
      }));
    },
  },
  {
    name: "npm marked ~1 ms × 600",
    task: npmTask("renderMarkdown"),
    data: () => {
      const r = rng(3);
      const doc = () =>
        Array.from(
          { length: 60 },
          (_, k) =>
            k % 6 === 0
              ? `## ${text(r, 4)}\n`
              : k % 6 === 3
              ? `- *${text(r, 3)}* [${text(r, 1)}](https://example.com/${k})\n- \`${text(r, 2)}\`\n`
              : `${text(r, 40)} **${text(r, 2)}**.\n`,
        ).join("\n");
      return Array.from({ length: q(600, 150) }, doc);
    },
  },
  {
    name: "npm fflate gzip 64 KB × 200",
    task: npmTask("gzip"),
    data: () => {
      const r = rng(4);
      return Array.from({ length: q(200, 60) }, () => {
        const b = new Uint8Array(64 * 1024);
        for (let i = 0; i < b.length; i++) b[i] = r() < 0.7 ? 97 + (i % 7) : Math.floor(r() * 256);
        return b;
      });
    },
  },
  {
    name: "npm fast-xml-parser tree × 1500",
    task: npmTask("parseXml"),
    data: () => {
      const r = rng(5);
      const rec = (k: number) =>
        `<item id="${k}" kind="${words[k % words.length]}"><name>${text(r, 3)}</name>` +
        `<price>${(r() * 100).toFixed(2)}</price><tags><tag>${text(r, 1)}</tag>` +
        `<tag>${text(r, 1)}</tag></tags></item>`;
      return Array.from(
        { length: q(1500, 400) },
        () => `<catalog>${Array.from({ length: 40 }, (_, k) => rec(k)).join("")}</catalog>`,
      );
    },
  },
  {
    name: "npm axios local HTTP × 600",
    task: npmTask("httpGet"),
    data: () => Array.from({ length: q(600, 200) }, (_, i) => `${server.url}/item/${i}`),
    async: true,
  },
  {
    name: "npm axios HTTP server process × 600",
    task: npmTask("httpGet"),
    data: () => Array.from({ length: q(600, 200) }, (_, i) => `${remote.url}/item/${i}`),
    async: true,
  },
  {
    name: "npm axios HTTP 50 ms latency × 300",
    task: npmTask("httpGet"),
    data: () => Array.from({ length: q(300, 120) }, (_, i) => `${server.url}/slow/${i}?ms=50`),
    async: true,
  },
];

type Config = { label: string; options: ExecuteOptions };
/** See the alternation: jobs shorter than this (ms) are timed `SHORT_REPEATS` times at least. */
const SHORT_MS = 100;
const SHORT_REPEATS = 9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function time(w: Workload, data: unknown[], options: ExecuteOptions): Promise<number> {
  const t = rt.now();
  await execute(w.task, data, { ...options, cache: options.cache ?? false });
  return rt.now() - t;
}
const label = (o: { executor: string; workers: number; chunkSize: number; concurrency: number }) =>
  o.executor === "workers"
    ? `w${o.workers} c${o.chunkSize}`
    : o.executor === "async"
    ? `async×${o.concurrency}`
    : "inline";

const sys = await probeSystem();
// The grid's workers: up to the CPU time this process may use, rounded up (a quota of 1.5 cores:
// two workers sharing it), as the optimizer considers them.
const cpu = cpuCapacity(sys);
const cores = Math.ceil(cpu);
// Every count up to 4 cores; beyond, the powers of 2 and the cores (16 cores: 1, 2, 4, 8, 16),
// so that a grid on many cores stays a few minutes long.
const gridWorkers = Array.from({ length: cores }, (_, i) => i + 1).filter((wk) =>
  cores <= 4 || wk === cores || (wk & (wk - 1)) === 0
);
const load = () => {
  const r = rt.readTextFile("/proc/loadavg");
  return r.ok ? r.text.split(" ").slice(0, 3).join(" ") : "unknown";
};
// A bad `--only` is refused before any output.
const unknown = only?.filter((o) => !workloads.some((w) => w.name.startsWith(o))) ?? [];
if (unknown.length > 0 || only?.length === 0) {
  console.error(
    `'--only' names no workload: ${unknown.join(", ") || "(empty)"}; the workloads are:\n` +
      workloads.map((w) => `  ${w.name}`).join("\n"),
  );
  rmSync(home, { recursive: true, force: true });
  process.exit(2);
}
console.log(
  `# Decision quality — ${rt.name} ${rt.version}, ${sys.effectiveCores} effective cores` +
    (cpu !== sys.effectiveCores ? ` (CPU time of ${cpu} cores: a quota)` : ""),
);
console.log(
  `(calibration: ${perUs.toFixed(0)} iterations/µs; repeats ${repeats}; load average at ` +
    `start ${load()})\n`,
);
const rows: string[] = [];
for (const w of workloads) {
  if (only && !only.some((o) => w.name.startsWith(o))) continue;
  const data = w.data();
  const grid: Config[] = [{ label: "inline", options: { executor: "inline" } }];
  if (w.async) {
    for (const c of [4, 16, 64, 256]) {
      grid.push({ label: `async×${c}`, options: { executor: "async", concurrency: c } });
    }
  }
  for (const wk of gridWorkers) {
    for (let c = 1; c <= data.length; c *= 4) {
      grid.push({ label: `w${wk} c${c}`, options: { workers: wk, chunkSize: c, adaptive: false } });
    }
  }
  const once = new Map<string, number>();
  for (const g of grid) once.set(g.label, await time(w, data, g.options));
  // Stability: the decision of 5 repeated calls (no result cache: the decision itself).
  const decisions: string[] = [];
  const opts = [];
  for (let k = 0; k < 5; k++) {
    const o = await optimize(w.task, data, { cache: false });
    opts.push(o);
    decisions.push(o.executor);
  }
  // The first call that predicted: a call that ran every item while deciding (an async job
  // of one wave of calls, a tiny job) answers without a prediction (NaN), which is no error.
  const predictedAt = opts.findIndex((o) => Number.isFinite(o.predictedMs.chosen));
  const opt = opts[Math.max(0, predictedAt)];
  if (args.explain) {
    console.error(`\n## ${w.name}\n${opt.explain()}`);
    // The grid, timed once each (the best three are timed again below).
    console.error(`grid: ${[...once].map(([l, ms]) => `${l} ${ms.toFixed(1)}`).join(", ")}`);
    // Why each of the 5 calls decided as it did (stability).
    opts.forEach((o, k) =>
      console.error(
        `call ${k + 1}: ${label(o)} (load ${o.profile.sample?.externalLoad ?? "–"}, sampled in ` +
          `${o.profile.sampledIn}): ${o.reason}`,
      )
    );
  }
  const counts = new Map<string, number>();
  for (const d of decisions) counts.set(d, (counts.get(d) ?? 0) + 1);
  const stability = [...counts].map(([d, k]) => `${k}/5 ${d}`).join(", ");
  const optimizeMs = median(opts.map((o) => o.profile.optimizeMs));
  const top = [...grid].sort((a, b) => once.get(a.label)! - once.get(b.label)!).slice(0, 3);
  const forced: ExecuteOptions = opt.executor === "workers"
    ? { workers: opt.workers, chunkSize: opt.chunkSize }
    : opt.executor === "async"
    ? { executor: "async", concurrency: opt.concurrency }
    : { executor: "inline" };
  // What a user would type without amorsize: all cores, n / (4 × workers) items per chunk.
  const naive: ExecuteOptions = {
    workers: cores,
    chunkSize: Math.max(1, Math.ceil(data.length / (4 * cores))),
  };
  const contenders: Config[] = [
    { label: "recommended", options: {} },
    { label: "cached", options: { cache: true } },
    { label: "forced", options: forced },
    { label: "naive", options: naive },
    grid[0],
    ...top.filter((g) => g !== grid[0]),
  ];
  await time(w, data, { cache: true }); // fills the cache
  const samples = new Map<string, number[]>(contenders.map((c) => [c.label, []]));
  // A job under `SHORT_MS` (its plain loop, timed once) is timed at least `SHORT_REPEATS` times:
  // a few milliseconds of a collection of the heap or a preempted thread moved a median of 3
  // by 30–50 % on such rows (a plain loop of 100 results of 100 KB on Bun: 26–61 ms in 7 runs).
  const rowRepeats = once.get("inline")! < SHORT_MS ? Math.max(repeats, SHORT_REPEATS) : repeats;
  for (let r = 0; r < rowRepeats; r++) {
    for (const c of contenders) samples.get(c.label)!.push(await time(w, data, c.options));
  }
  const med = (l: string) => median(samples.get(l)!);
  const spread = (l: string) => {
    const s = samples.get(l)!;
    return `${Math.min(...s).toFixed(0)}–${Math.max(...s).toFixed(0)}`;
  };
  const bestGrid = contenders.filter((c) =>
    !["recommended", "cached", "forced", "naive"].includes(c.label)
  ).sort((a, b) =>
    med(a.label) - med(b.label)
  )[0];
  const rec = med("recommended"), best = med(bestGrid.label), serial = med("inline");
  // Prediction error: the run itself (the recommendation forced, optimize not included).
  const measured = serial / med("forced");
  const predicted = opt.predictedSpeedup;
  const err = (predicted - measured) / measured;
  const predictedCell = predictedAt < 0
    ? "– (none of 5 calls)"
    : `${predicted.toFixed(2)}${predictedAt > 0 ? ` (call ${predictedAt + 1})` : ""}`;
  // Which side of the prediction was off: the plain loop's time and the chosen run's, each
  // scaled from the items left after deciding to the whole job, against the measured times.
  const rest = Math.max(1, data.length - opt.profile.sampledItems);
  const side = (predictedMs: number, measuredMs: number) => {
    const e = (predictedMs * data.length / rest - measuredMs) / measuredMs;
    return Number.isFinite(e) ? `${e >= 0 ? "+" : ""}${(100 * e).toFixed(0)} %` : "–";
  };
  // (Workers decisions only, and where deciding ran at most half the items: an async decision's
  // prediction may be for the whole job, the look's calls left in flight not among the sampled
  // items, and so may an inline one; fixed costs do not scale with the items.)
  const sides = opt.executor !== "workers" || rest < data.length / 2
    ? ""
    : ` (plain ${side(opt.predictedMs.serial, serial)}, run ${
      side(opt.predictedMs.chosen, med("forced"))
    })`;
  rows.push(
    `| ${w.name} | ${serial.toFixed(0)} (${spread("inline")}) | ${label(opt)}: ${rec.toFixed(0)} (${
      spread("recommended")
    }) | ${bestGrid.label}: ${best.toFixed(0)} (${spread(bestGrid.label)}) | ${
      (best / rec).toFixed(2)
    } | ${(serial / rec).toFixed(2)} | ` +
      `${med("cached").toFixed(0)} (${spread("cached")}; ${(best / med("cached")).toFixed(2)}) | ` +
      `${med("naive").toFixed(0)} (${(med("naive") / rec).toFixed(2)}) | ` +
      `${predictedCell} | ${measured.toFixed(2)} | ${
        predictedAt < 0 ? "–" : `${(100 * err).toFixed(0)} %${sides}`
      } | ` +
      `${optimizeMs.toFixed(0)} (${(100 * optimizeMs / serial).toFixed(1)} %) | ${stability} |`,
  );
  console.error(`done: ${w.name}`);
}
await server.close();
await remote.close();
rmSync(home, { recursive: true, force: true });
console.log(
  "| workload | inline ms (min–max) | auto ms (min–max) | best of grid ms | best/auto | " +
    "inline/auto | auto, cached ms (min–max; best/it) | naive ms (naive/auto) | predicted × | measured × | prediction error | " +
    "optimize ms (% of serial) | 5 calls |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
console.log(`\n(load average at the end ${load()})`);
