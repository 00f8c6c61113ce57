/**
 * Cluster benchmark: this machine's pool (2 workers) against a cluster of 2 worker processes
 * (`amorsize worker`, one effective core each, standing in for two machines) on BullMQ + Redis,
 * and the optimizer's chunk size against a grid of chunk sizes; with Redis reached directly and
 * through a delaying TCP proxy started here (~1 ms each way, ~2 ms added round trip for the
 * caller and for the workers). Workloads: 1 ms items and 50 µs items (busy-wait).
 *
 * Each table alternates its configurations (order reversed every other round), one warm-up
 * round discarded; medians with the min–max spread; ratios against the local pool from the same
 * rounds. Needs redis-server on PATH and the packages bullmq and ioredis.
 *
 * Run: `deno run -A bench/cluster_bench.ts [--reps N]` (default 3).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { createServer, type Server, Socket } from "node:net";
import { cpus, loadavg } from "node:os";
import process from "node:process";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { execute, optimize, runtime, task } from "../mod.ts";

const rt = runtime();
const { values: args } = parseArgs({ options: { reps: { type: "string", default: "3" } } });
const REPS = Number(args.reps);
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const spin = task<number, number>(new URL(`./_engine_tasks${ext}`, import.meta.url), "spinMs");
const cli = fileURLToPath(new URL(`../src/cli/main${ext}`, import.meta.url));
const DELAY_MS = 1; // each way, through the proxy

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A TCP proxy to `target` that delays every chunk by `ms` in each direction (order kept). */
async function delayingProxy(
  target: number,
  ms: number,
): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(target, "127.0.0.1");
    const pipe = (from: Socket, to: Socket) => {
      from.on("data", (d) => setTimeout(() => to.destroyed || to.write(d), ms));
      from.on("close", () => setTimeout(() => to.destroy(), ms));
      from.on("error", () => to.destroy());
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { port, server };
}

function startWorker(url: string, queue: string) {
  const argv = rt.name === "deno" ? ["run", "-A", cli] : [cli];
  const proc = spawn(process.execPath, [...argv, "worker", "--redis", url, "--queue", queue], {
    env: { ...process.env, AMORSIZE_CPUS: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise<typeof proc>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("ready")) resolve(proc);
    });
    proc.once("exit", (code) => reject(new Error(`worker exited (${code}): ${out}`)));
  });
}

interface Config {
  name: string;
  run: () => Promise<unknown[]>;
}

async function compare(configs: Config[], n: number): Promise<number[][]> {
  for (const c of configs) { // warm-up, discarded; checks the results
    const out = await c.run();
    if (out.length !== n) throw new Error(`${c.name}: ${out.length} results`);
  }
  const ms = configs.map(() => [] as number[]);
  for (let r = 0; r < REPS; r++) {
    const order = r % 2 === 0 ? configs : [...configs].reverse();
    for (const c of order) {
      const t0 = rt.now();
      await c.run();
      ms[configs.indexOf(c)].push(rt.now() - t0);
    }
  }
  return ms;
}

// Redis, the proxy, two workers on each route.
const redisPort = await freePort();
const redis = spawn("redis-server", [
  "--port",
  String(redisPort),
  "--bind",
  "127.0.0.1",
  "--save",
  "",
  "--appendonly",
  "no",
], { stdio: "ignore" });
await sleep(300);
const proxy = await delayingProxy(redisPort, DELAY_MS);
const routes = [
  { name: "direct", url: `redis://127.0.0.1:${redisPort}`, queue: "bench-direct" },
  {
    name: `proxy +${2 * DELAY_MS} ms`,
    url: `redis://127.0.0.1:${proxy.port}`,
    queue: "bench-proxy",
  },
];
const workers = [];
for (const r of routes) {
  workers.push(await startWorker(r.url, r.queue), await startWorker(r.url, r.queue));
}

const load0 = loadavg();
console.log(
  `cluster bench: ${rt.name} ${rt.version}, ${cpus().length} CPUs, load average ${
    load0.map((x) => x.toFixed(2)).join(" ")
  } at start; ${REPS} rounds (+1 warm-up)`,
);

const workloads = [
  { name: "1 ms items × 1000", item: 1, n: 1000, grid: [5, 50, 250] },
  { name: "50 µs items × 10000", item: 0.05, n: 10000, grid: [20, 200, 2500] },
];
for (const w of workloads) {
  const data = Array.from({ length: w.n }, () => w.item);
  for (const route of routes) {
    const cluster = { redis: route.url, queue: route.queue };
    const opt = await optimize(spin, data, { cluster, cache: false });
    const c = opt.profile.cluster!;
    const chosen = c.chunkSize;
    const chunks = [...new Set([chosen, ...w.grid])].sort((a, b) => a - b);
    const configs: Config[] = [
      {
        name: "local pool, 2 workers",
        run: () => execute(spin, data, { executor: "workers", workers: 2 }),
      },
      ...chunks.map((k) => ({
        name: `cluster, chunk ${k}${k === chosen ? " (optimizer)" : ""}`,
        run: () => execute(spin, data, { cluster, chunkSize: k }),
      })),
    ];
    const ms = await compare(configs, w.n);
    const base = median(ms[0]);
    console.log(`\n#### ${w.name}, Redis ${route.name}\n`);
    console.log(
      `Measured by the optimizer: queue round trip ${fmt(c.roundTripMs)} ms, per job in bulk ` +
        `${fmt(c.perJobMs)} ms, per item ${c.perItemMs.toFixed(3)} ms; ` +
        `decision: ${
          opt.cluster
            ? `cluster, chunk ${chosen}`
            : `local (workers ${opt.workers} × chunk ${opt.chunkSize})`
        }; predicted cluster ${fmt(c.predictedMs)} ms, local ${fmt(c.localMs)} ms`,
    );
    console.log("");
    console.log("| configuration | median ms | min–max ms | runs | speedup vs local pool |");
    console.log("|---|---:|---:|---:|---:|");
    configs.forEach((cfg, i) => {
      const m = median(ms[i]);
      const spread = `${fmt(Math.min(...ms[i]))}–${fmt(Math.max(...ms[i]))}`;
      console.log(
        `| ${cfg.name} | ${fmt(m)} | ${spread} | ${ms[i].length} | ${(base / m).toFixed(2)}× |`,
      );
    });
  }
}
const load1 = loadavg();
console.log(`\nload average at the end: ${load1.map((x) => x.toFixed(2)).join(" ")}`);

for (const p of workers) p.kill("SIGTERM");
await Promise.all(
  workers.map((p) => new Promise((r) => p.exitCode !== null ? r(0) : p.once("exit", r))),
);
proxy.server.close();
redis.kill("SIGKILL");
process.exit(0);
