// One automatic, inline or naive run of a workload (markdown renders, XML parses, arithmetic or
// hashes) as the first call of a fresh process (see cold_start.ts): prints the wall time in ms, the
// task module's import included — or, with `preloaded`, imported before (as a script that imports
// its own task module, untimed).
import process from "node:process";
import { execute, task } from "../mod.ts";

const [mode, count, workload = "markdown", preloaded] = process.argv.slice(2);
const words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split(" ");
let seed = 3;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const text = (n: number) =>
  Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(" ");
const doc = () =>
  Array.from(
    { length: 12 },
    (_, k) =>
      k % 3 === 0
        ? `## ${text(4)}\n\n- ${text(6)}\n- **${text(3)}** \`${text(2)}\``
        : `${text(40)} [link](http://x/${k}) *${text(3)}*`,
  ).join("\n\n");
const rec = (k: number) =>
  `<item id="${k}" kind="${words[k % words.length]}"><name>${text(3)}</name>` +
  `<price>${(rnd() * 100).toFixed(2)}</price><tags><tag>${text(1)}</tag><tag>${text(1)}</tag>` +
  `</tags></item>`;
const catalog = () => `<catalog>${Array.from({ length: 40 }, (_, k) => rec(k)).join("")}</catalog>`;
const n = Number(count);
// Each workload: its items, its task module and export. `arith`: 20,000 xorshift rounds an item
// (about 50 µs here), a module of its own with nothing to import; `hash`: SHA-256 (js-sha256) of
// short strings, a few microseconds each; `large`: 60,000,000 rounds an item (about 150 ms).
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const npm = new URL(`./_dq_npm_tasks${ext}`, import.meta.url);
const plain = new URL(`./_dq_tasks${ext}`, import.meta.url);
const workloads: Record<string, [() => unknown, URL, string]> = {
  markdown: [doc, npm, "renderMarkdown"],
  xml: [catalog, npm, "parseXml"],
  arith: [() => 20_000, plain, "spinIterations"],
  hash: [() => text(8), npm, "hashText"],
  large: [() => 60_000_000, plain, "spinIterations"],
};
if (!(workload in workloads)) throw new Error(`Unknown workload ${workload}`);
const [item, url, name] = workloads[workload];
const data = Array.from({ length: n }, item);
const work = task<unknown, unknown>(url, name);
if (preloaded === "preloaded") await import(url.href);
const t0 = performance.now();
if (mode === "auto") await execute(work, data);
else if (mode === "naive") {
  await execute(work, data, { executor: "workers", workers: 2, chunkSize: Math.ceil(n / 8) });
} else {
  // A plain loop that keeps its results, as execute returns them (kept, 2,000 renders' HTML
  // costs this thread 5–10 % more in garbage collection than results dropped at once).
  const fn = (await import(url.href))[name];
  const out: unknown[] = [];
  for (const d of data) out.push(fn(d));
}
console.log((performance.now() - t0).toFixed(1));
process.exit(0);
