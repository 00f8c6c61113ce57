/**
 * Bayesian search against the full grid, on real runs of the standard workloads: does the
 * Bayesian search reach within 5 % of the grid's best configuration with at most 40 % of the
 * grid's evaluations?
 *
 * Run: `deno run -A bench/tune_bench.ts`, `bun bench/tune_bench.ts`, or on Node
 * `node build/node/bench/tune_bench.js` after `deno run -A scripts/build_node.ts`.
 * Options: `--only name1,name2`, `--repeats N` (runs per trial; default: tune's, 2 and more for
 * short runs), `--ab N` (A/B rounds of the final comparison, default 7).
 *
 * Method, per workload: `tune(…, { strategy: "grid" })` measures every configuration; then
 * `tune(…, { strategy: "bayesian" })` searches the same space. The two runs are minutes apart
 * on a shared machine, so their own numbers are not compared directly: the grid's best and the
 * Bayesian best are run again, alternating (A B, B A, …), and the gap is the ratio of their
 * medians (min–max shown). Evaluations count configurations measured; runs count every run,
 * the confirmation runs of the finalists included.
 *
 * @module
 */
import { execute, getStandardWorkloads, probeSystem, tune } from "../mod.ts";
import type { TuneConfig, TuneResult } from "../mod.ts";
import { runtime } from "../src/runtime/detect.ts";
import { configLabel } from "../src/engine/run_config.ts";

const argv = (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const only = flag("--only")?.split(",");
const repeats = flag("--repeats") === undefined ? undefined : Number(flag("--repeats"));
const abRounds = Number(flag("--ab")) || 7;
const rt = runtime();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "—");
const runs = (r: TuneResult) => r.trials.reduce((s, t) => s + t.runs, 0);

/** Wall time of one forced run of `c` (ms). */
async function runOnce(t: Parameters<typeof execute>[0], items: unknown[], c: TuneConfig) {
  const t0 = rt.now();
  await execute(t, items, {
    executor: c.executor,
    ...(c.executor === "workers" ? { workers: c.workers, chunkSize: c.chunkSize } : {}),
    ...(c.executor === "async" ? { concurrency: c.concurrency } : {}),
    adaptive: false,
  });
  return rt.now() - t0;
}

/** A B, B A, … `abRounds` times: the medians of both and the ratio B / A. */
async function ab(
  t: Parameters<typeof execute>[0],
  items: unknown[],
  a: TuneConfig,
  b: TuneConfig,
) {
  const ta: number[] = [], tb: number[] = [];
  for (let r = 0; r < abRounds; r++) {
    const order = r % 2 ? [b, a] : [a, b];
    for (const c of order) (c === a ? ta : tb).push(await runOnce(t, items, c));
  }
  return { a: ta, b: tb, ratio: median(tb) / median(ta) };
}

const sys = await probeSystem();
console.log(
  `tune bench — ${rt.name} ${rt.version}, ${sys.effectiveCores} effective cores, ` +
    `repeats ${repeats ?? "default"}, A/B rounds ${abRounds}`,
);
const rows: string[][] = [[
  "workload",
  "grid best ms",
  "grid evals (runs)",
  "bayes best ms",
  "bayes evals (runs)",
  "evals %",
  "gap % (A/B)",
  "A/B ms: grid best | bayes best",
  "pass",
]];
for (const w of getStandardWorkloads()) {
  if (only && !only.includes(w.name)) continue;
  const items = w.data();
  const grid: TuneResult = await tune(w.task, items, { strategy: "grid", repeats });
  const bayes: TuneResult = await tune(w.task, items, { strategy: "bayesian", repeats });
  const same = JSON.stringify(grid.best.config) === JSON.stringify(bayes.best.config);
  const m = same ? undefined : await ab(w.task, items, grid.best.config, bayes.best.config);
  const gap = m ? 100 * (m.ratio - 1) : 0;
  const evalsPct = (100 * bayes.evaluations) / grid.evaluations;
  const spread = (xs: number[]) =>
    `${f1(median(xs))} (${f1(Math.min(...xs))}–${f1(Math.max(...xs))})`;
  rows.push([
    w.name,
    `${f1(grid.best.medianMs)} ${configLabel(grid.best.config)}`,
    `${grid.evaluations}/${grid.spaceSize} (${runs(grid)})`,
    `${f1(bayes.best.medianMs)} ${configLabel(bayes.best.config)}`,
    `${bayes.evaluations} (${runs(bayes)}, ${bayes.stoppedBecause})`,
    evalsPct.toFixed(0),
    same ? "0 (same config)" : gap.toFixed(1),
    m ? `${spread(m.a)} | ${spread(m.b)}` : "—",
    gap <= 5 && evalsPct <= 40 ? "yes" : "no",
  ]);
  console.error(`done: ${w.name}`);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd());
