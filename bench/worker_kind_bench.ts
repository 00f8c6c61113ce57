/**
 * Worker kinds on one runtime: the web `Worker` against `node:worker_threads`' `Worker`. The
 * engine runs its pool on `node:worker_threads` on Deno because only that kind stops a worker
 * caught in a busy loop (`terminate()` of Deno's web Worker does not) and only it takes a heap
 * limit (`resourceLimits`); this bench shows what that choice costs: start-up (to the first
 * message), a small round trip, an 8 MiB ArrayBuffer transferred there and back, and 1 MiB of
 * numbers cloned there and back. A/B alternated per round, medians with min–max spread, and a
 * last row that says whether `terminate()` stopped a busy loop (the process's CPU time over
 * 300 ms after terminating). One more row sends 60 `Uint8Array`s of 64 KiB there and back (cloned)
 * through each kind and through the runtime adapter's own worker (`runtime().startWorker`, which
 * packs typed arrays as transferred buffers on Deno, see src/runtime/_packed_views.ts).
 *
 * Run: `deno run -A bench/worker_kind_bench.ts` (also `bun bench/worker_kind_bench.ts`; Node
 * has no web Worker).
 *
 * @module
 */
import { Worker as NodeWorker } from "node:worker_threads";
import process from "node:process";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runtime } from "../src/runtime/mod.ts";

const ROUNDS = 9, TRIPS = 200;
const url = new URL("./_worker_kind_echo.ts", import.meta.url);
const adapterUrl = new URL("./_adapter_echo.ts", import.meta.url);
const busyUrl = new URL(
  `data:text/javascript,${
    encodeURIComponent(
      `import { parentPort } from "node:worker_threads";
       (parentPort ?? globalThis).postMessage("ready"); for (;;) {}`,
    )
  }`,
);

interface Channel {
  post(m: unknown, t?: Transferable[]): void;
  next(): Promise<unknown>;
  stop(): Promise<void>;
}

function open(kind: "web" | "node" | "adapter", at: URL): Channel {
  let wake: ((d: unknown) => void) | undefined;
  const queue: unknown[] = [];
  const deliver = (d: unknown) => (wake ? (wake(d), wake = undefined) : queue.push(d));
  const next = () =>
    queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise<unknown>((r) => (wake = r));
  if (kind === "adapter") {
    const h = runtime().startWorker(adapterUrl);
    h.onMessage(deliver);
    return { post: (m, t) => h.postMessage(m, t), next, stop: () => h.terminate() };
  }
  if (kind === "web") {
    const w = new Worker(at, { type: "module" });
    w.onmessage = (e) => deliver(e.data);
    return {
      post: (m, t) => w.postMessage(m, t ?? []),
      next,
      stop: () => Promise.resolve(w.terminate()),
    };
  }
  const w = new NodeWorker(at);
  w.on("message", deliver);
  return {
    post: (m, t) => w.postMessage(m, t as never),
    next,
    stop: async () => void await w.terminate(),
  };
}

const kinds = ["web", "node"] as const;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const show = (xs: number[], digits = 1) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${
    Math.max(...xs).toFixed(digits)
  })`;
const rows: Record<string, Record<(typeof kinds)[number], number[]>> = {
  "start-up to first message, ms": { web: [], node: [] },
  "small round trip, µs": { web: [], node: [] },
  "8 MiB ArrayBuffer transferred there and back, ms": { web: [], node: [] },
  "1 MiB of numbers cloned there and back, ms": { web: [], node: [] },
};
const numbers = Array.from({ length: 131072 }, (_, i) => i * 0.5);

/** CPU time of this process over 300 ms after terminating a worker caught in a busy loop. */
async function busyAfterTerminate(kind: "web" | "node"): Promise<number> {
  const ch = open(kind, busyUrl);
  await ch.next();
  await new Promise((r) => setTimeout(r, 100));
  await ch.stop();
  await new Promise((r) => setTimeout(r, 50));
  const c0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 300));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}
// `--busy=web|node`: one busy-loop measurement in a process of its own (a thread that survives
// its terminate() would load any measurement after it), printed as a number; then exit (a web
// worker still spinning would keep the process alive).
const busyArg = process.argv.find((a) => a.startsWith("--busy="))?.slice(7);
if (busyArg === "web" || busyArg === "node") {
  console.log((await busyAfterTerminate(busyArg)).toFixed(0));
  process.exit(0);
}
// `--end=web|node`: terminate a busy worker and end the module without process.exit: does the
// process end on its own?
const endArg = process.argv.find((a) => a.startsWith("--end="))?.slice(6);
if (endArg === "web" || endArg === "node") {
  const ch = open(endArg, busyUrl);
  await ch.next();
  await ch.stop();
}

if (!endArg) await main();

async function main(): Promise<void> {
  for (let r = -1; r < ROUNDS; r++) { // round -1: warm-up
    for (const kind of r % 2 === 0 ? kinds : [...kinds].reverse()) {
      const t0 = performance.now();
      const ch = open(kind, url);
      await ch.next();
      const start = performance.now() - t0;
      let t = performance.now();
      for (let i = 0; i < TRIPS; i++) {
        ch.post({ i });
        await ch.next();
      }
      const trip = ((performance.now() - t) * 1000) / TRIPS;
      const buf = new ArrayBuffer(8 << 20);
      t = performance.now();
      ch.post(buf, [buf]);
      await ch.next();
      const moved = performance.now() - t;
      t = performance.now();
      ch.post(numbers);
      await ch.next();
      const cloned = performance.now() - t;
      await ch.stop();
      if (r < 0) continue;
      const v = Object.values(rows);
      v[0][kind].push(start);
      v[1][kind].push(trip);
      v[2][kind].push(moved);
      v[3][kind].push(cloned);
    }
  }

  const runtimeName = "Deno" in globalThis ? "Deno" : "Bun" in globalThis ? "Bun" : "Node";
  console.log(`## Worker kinds on ${runtimeName}, ${ROUNDS} rounds alternated, median (min–max)\n`);
  console.log("| measure | web Worker | node:worker_threads | node / web |");
  console.log("|---|---:|---:|---:|");
  for (const [label, v] of Object.entries(rows)) {
    const ratio = median(v.node) / median(v.web);
    console.log(`| ${label} | ${show(v.web)} | ${show(v.node)} | ${ratio.toFixed(2)} |`);
  }
  // Typed arrays, cloned: each kind as it is, and the adapter's worker, alternated per round.
  const views = { web: [] as number[], node: [] as number[], adapter: [] as number[] };
  const arrays = Array.from({ length: 60 }, (_, k) => new Uint8Array(64 << 10).fill(k));
  for (let r = -1; r < ROUNDS; r++) {
    const order = ["web", "node", "adapter"] as const;
    for (const kind of r % 2 === 0 ? order : [...order].reverse()) {
      const ch = open(kind, url);
      await ch.next();
      const t = performance.now();
      ch.post(arrays);
      const back = await ch.next() as Uint8Array[];
      const ms = performance.now() - t;
      await ch.stop();
      if (back.length !== 60 || back[59][0] !== 59) throw new Error(`${kind}: wrong echo`);
      if (r >= 0) views[kind].push(ms);
    }
  }
  console.log(
    `| 60 Uint8Arrays of 64 KiB cloned there and back, ms | ${show(views.web)} | ${
      show(views.node)
    } | ${(median(views.node) / median(views.web)).toFixed(2)} |`,
  );
  console.log(
    `| the same through the runtime adapter's worker (views packed on Deno), ms | | ${
      show(views.adapter)
    } | ${(median(views.adapter) / median(views.web)).toFixed(2)} |`,
  );
  const self = fileURLToPath(import.meta.url);
  /** This bench in a process of its own with one flag (killed after `timeout` ms). */
  const child = (flag: string, timeout: number) => {
    const argv = runtimeName === "Deno" ? ["run", "-A", self, flag] : [self, flag];
    return spawnSync(process.execPath, argv, { encoding: "utf8", timeout });
  };
  const busy = (kind: string) => {
    const r = child(`--busy=${kind}`, 20_000);
    return r.status === 0 ? `${r.stdout.trim()} ms` : `did not exit (${r.signal ?? r.status})`;
  };
  const ends = (kind: string) => {
    const t0 = performance.now();
    const r = child(`--end=${kind}`, 10_000);
    const ms = (performance.now() - t0).toFixed(0);
    return r.signal ? "no (killed after 10 s)" : `yes, ${ms} ms after start`;
  };
  console.log(
    `| the process ends by itself after terminate() of a busy worker | ${ends("web")} | ${
      ends("node")
    } | |`,
  );
  console.log(
    `| CPU used in the 300 ms after terminate() of a busy worker (300 ms: one core still busy) | ${
      busy("web")
    } | ${busy("node")} | |`,
  );
}
