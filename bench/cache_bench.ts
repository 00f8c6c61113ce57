/**
 * What a result-cache hit costs `optimize` beyond its main-thread look (the first items, which it
 * runs anyway to key the cache), and what the lookup and the store cost by themselves.
 *
 * Run: `deno run -A bench/cache_bench.ts`, `bun bench/cache_bench.ts`, or on Node
 * `node build/node/bench/cache_bench.js` after `deno run -A scripts/build_node.ts`.
 * Options: `--rounds N` (default 40).
 *
 * Method: the cache lives in a temporary directory. Per workload, one `optimize` fills it; then,
 * alternating, (A) `optimize` answered from the cache and (B) the look alone (the task called
 * here on the items the look ran); the hit's extra cost is median(A) − median(B), spread shown.
 * The lookup (read, parse, check) and the store (atomic write) are timed on their own too.
 *
 * @module
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { optimize, task } from "../mod.ts";
import { runtime } from "../src/runtime/detect.ts";
import {
  lookupDecision,
  optimizerCache,
  setOptimizerCacheHooks,
} from "../src/model/_optimizer_cache.ts";
import { spinIterations } from "./_dq_tasks.ts";

const argv = (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
const rounds = Number(argv.includes("--rounds") ? argv[argv.indexOf("--rounds") + 1] : 0) || 40;
const rt = runtime();
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const spin = task<number, number>(new URL(`./_dq_tasks${ext}`, import.meta.url), "spinIterations");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const show = (xs: number[]) =>
  `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;

// Iterations of spinIterations per ms here, to make items of a known duration.
for (let i = 0; i < 5; i++) spinIterations(200_000);
const c0 = rt.now();
spinIterations(2_000_000);
const perMs = 2_000_000 / (rt.now() - c0);

const dir = mkdtempSync(join(tmpdir(), "amorsize-cache-bench-"));
setOptimizerCacheHooks({ dir });
console.log(`cache bench — ${rt.name} ${rt.version}, ${rounds} A/B rounds, cache in ${dir}`);
const rows = [["workload", "hit ms (A)", "look ms (B)", "hit − look ms", "cacheHit"]];
try {
  const workloads = [
    { name: "1 ms × 2 000", items: new Array(2_000).fill(Math.round(perMs)) },
    { name: "0.2 ms × 100 000", items: new Array(100_000).fill(Math.round(perMs / 5)) },
  ];
  for (const w of workloads) {
    const first = await optimize(spin, w.items);
    const a: number[] = [], b: number[] = [];
    let hits = 0, looked = 0;
    for (let r = 0; r < rounds; r++) {
      for (const side of r % 2 ? ["b", "a"] : ["a", "b"]) {
        if (side === "a") {
          const t = rt.now();
          const hit = await optimize(spin, w.items);
          a.push(rt.now() - t);
          hits += hit.cacheHit ? 1 : 0;
          looked = hit.profile.sampledItems;
        } else {
          const t = rt.now();
          for (let i = 0; i < Math.max(1, looked); i++) spinIterations(w.items[i]);
          b.push(rt.now() - t);
        }
      }
    }
    const extra = a.map((x, i) => x - b[i]);
    rows.push([
      w.name,
      show(a),
      show(b),
      show(extra),
      `${hits}/${rounds} (first: ${first.executor})`,
    ]);
  }
  // The lookup and the store alone, on the entry of the last workload.
  const cache = optimizerCache();
  const file = readdirSync(dir).filter((n) => n.endsWith(".json")).sort().at(-1)!;
  const text = readFileSync(join(dir, file), "utf8");
  const entry = JSON.parse(text);
  const lookup: number[] = [], store: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let t = rt.now();
    await lookupDecision([entry.key], [], Infinity);
    lookup.push(rt.now() - t);
    t = rt.now();
    await cache.set(`bench-${r}`, entry.value);
    store.push(rt.now() - t);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((x, c) => x.padEnd(widths[c])).join("  ").trimEnd());
  console.log(`lookup alone (read + parse + check, ${text.length} B entry): ${show(lookup)} ms`);
  console.log(`store alone (atomic write + fsync): ${show(store)} ms`);
} finally {
  setOptimizerCacheHooks({});
  rmSync(dir, { recursive: true, force: true });
}
