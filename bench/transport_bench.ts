/**
 * Transport: raw postMessage (what the engine uses: one message per chunk each way) against
 * comlink 4.4.2 over the same runtime adapter endpoint. Sequential round trips of a tiny message
 * and of a chunk-sized one (an array of 1,000 numbers), rounds alternated A/B, median and spread
 * of the per-trip time.
 *
 * Run: `deno run -A bench/transport_bench.ts`, `bun bench/transport_bench.ts`, or on Node after
 * `deno run -A scripts/build_node.ts`: `node build/node/bench/transport_bench.js`.
 *
 * @module
 */
import * as Comlink from "comlink";
import { runtime } from "../mod.ts";

const rt = runtime();
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const TRIPS = 2000, ROUNDS = 7;

const raw = rt.startWorker(new URL(`./_transport_raw_worker${ext}`, import.meta.url));
let wake: ((d: unknown) => void) | undefined;
const ready = new Promise<unknown>((r) => (wake = r));
raw.onMessage((d) => wake?.(d));
await ready;
const rawTrip = (msg: unknown) => {
  const p = new Promise<unknown>((r) => (wake = r));
  raw.postMessage(msg);
  return p;
};

const cl = rt.startWorker(new URL(`./_transport_comlink_worker${ext}`, import.meta.url));
const api = Comlink.wrap<{ echo<T>(x: T): T }>(cl.endpoint);
await api.echo(0);

const payloads: [string, (i: number) => unknown][] = [
  ["tiny `{ i }`", (i) => ({ i })],
  ["1,000 numbers", (i) => Array.from({ length: 1000 }, (_, k) => k + i)],
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

console.log(`## Transport: ${rt.name} ${rt.version}, ${TRIPS} sequential round trips × ${ROUNDS}`);
console.log(`\n| payload | raw postMessage µs/trip | comlink µs/trip | comlink extra |`);
console.log(`|---|---:|---:|---:|`);
for (const [label, make] of payloads) {
  const times = { raw: [] as number[], comlink: [] as number[] };
  const runs: [keyof typeof times, (m: unknown) => Promise<unknown>][] = [
    ["raw", rawTrip],
    ["comlink", (m) => api.echo(m)],
  ];
  for (let r = -1; r < ROUNDS; r++) { // round -1: warm-up
    for (const [name, trip] of r % 2 === 0 ? runs : [...runs].reverse()) {
      const t0 = rt.now();
      for (let i = 0; i < TRIPS; i++) await trip(make(i));
      if (r >= 0) times[name].push(((rt.now() - t0) * 1000) / TRIPS);
    }
  }
  const spread = (xs: number[]) =>
    `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  const extra = median(times.comlink) - median(times.raw);
  console.log(
    `| ${label} | ${spread(times.raw)} | ${spread(times.comlink)} | ${extra >= 0 ? "+" : ""}${
      extra.toFixed(1)
    } µs |`,
  );
}
api[Comlink.releaseProxy]();
await raw.terminate();
await cl.terminate();
