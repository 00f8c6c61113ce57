/**
 * A process's first call: markdown renders (npm `marked`, its module importing five npm
 * libraries), XML parses (npm `fast-xml-parser`: object trees of 40 records), arithmetic (20,000
 * xorshift rounds an item, about 50 µs; a module of its own), SHA-256 hashes (js-sha256) or large
 * items (60,000,000 rounds, about 150 ms) run by automatic
 * `execute`, a plain loop and the naive user default (2 workers, n / 8 items per chunk), each the
 * first call of a fresh process (its task module's import included), alternating, `--repeats`
 * times (default 5); medians with min–max, and each against the automatic run.
 *
 * Run: `deno run -A bench/cold_start.ts`, `bun bench/cold_start.ts`, or on Node
 * `node build/node/bench/cold_start.js` after `deno run -A scripts/build_node.ts`.
 * Options: `--repeats N`, `--sizes 200,2000`, `--workloads markdown,xml,arith,hash,large` (default
 * markdown and xml); `--preloaded`: each process imports the task module before the timed call
 * (a script that imports its own task module: the import on the calling thread then foresees
 * nothing of a worker's load); `--second`: each automatic run is a script's second run, its
 * `AMORSIZE_HOME` holding what one untimed run of the same job stored there (the decision, the
 * task's load in a fresh worker, the time of its items where large).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtime } from "../src/runtime/detect.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const repeats = Number(flag("--repeats")) || 5;
const sizes = (flag("--sizes") ?? "200,600,2000,6000").split(",").map(Number);
const workloads = (flag("--workloads") ?? "markdown,xml").split(",");
const preloaded = argv.includes("--preloaded") ? ["preloaded"] : [];
const second = argv.includes("--second");
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const child = fileURLToPath(new URL(`./_cold_child${ext}`, import.meta.url));
const rt = runtime();
const args = rt.name === "deno" ? ["run", "-A", child] : [child];

/**
 * One fresh process (its own empty result cache; with `--second`, an automatic run's holds what
 * an untimed run of the same job stored): the wall time it printed (ms).
 */
function once(mode: string, n: number, workload: string): number {
  const home = mkdtempSync(join(tmpdir(), "amorsize-cold-"));
  const run = () => {
    const r = spawnSync(process.execPath, [...args, mode, String(n), workload, ...preloaded], {
      encoding: "utf8",
      env: { ...process.env, AMORSIZE_HOME: home },
      timeout: 120_000,
    });
    const ms = Number(r.stdout.trim().split("\n").at(-1));
    if (r.status !== 0 || !Number.isFinite(ms)) {
      throw new Error(`${workload} ${mode} ${n} failed (${r.status}): ${r.stderr.slice(-500)}`);
    }
    return ms;
  };
  try {
    if (second && mode === "auto") run();
    return run();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (xs: number[]) =>
  `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;

const how = [
  preloaded.length > 0 ? "task module imported before the call" : "",
  second ? "automatic runs: a script's second run" : "",
].filter((x) => x !== "").join("; ");
console.log(
  `\n### Cold start — ${rt.name} ${rt.version}, ${repeats} fresh processes each` +
    `${how === "" ? "" : ` (${how})`}\n`,
);
console.log(
  "| workload | items | auto ms | plain loop ms | naive ms | plain/auto | naive/auto |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const workload of workloads) {
  for (const n of sizes) {
    const t: Record<string, number[]> = { auto: [], inline: [], naive: [] };
    for (let k = 0; k < repeats; k++) {
      for (const mode of Object.keys(t)) t[mode].push(once(mode, n, workload));
    }
    const auto = median(t.auto);
    console.log(
      `| ${workload} | ${n} | ${fmt(t.auto)} | ${fmt(t.inline)} | ${fmt(t.naive)} | ` +
        `${(median(t.inline) / auto).toFixed(2)} | ${(median(t.naive) / auto).toFixed(2)} |`,
    );
  }
}
