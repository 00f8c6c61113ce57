// Helpers of the cluster tests: a private redis-server on a free loopback port (no persistence),
// worker processes (`amorsize worker`, one effective core each) standing in for machines, and
// why the tests are skipped when redis-server is not installed (a failure instead when
// AMORSIZE_REQUIRE_REDIS=1, as CI sets it).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { after, before } from "node:test";
import { createServer, Socket } from "node:net";
import process from "node:process";
import { cliCommand, repoRoot } from "./_cli.ts";

/** Why the cluster tests cannot run here (false: they can). */
export function clusterSkip(): string | false {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (r.status === 0) return false;
  const why = "redis-server is not installed (Debian: apt-get install -y redis-server)";
  if (process.env.AMORSIZE_REQUIRE_REDIS === "1") {
    throw new Error(`cluster tests are required (AMORSIZE_REQUIRE_REDIS=1) but ${why}`);
  }
  console.log(`cluster tests: skipped, ${why}`);
  return why;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Send one PING; resolves true on +PONG within `ms`. */
export function ping(port: number, ms = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(ms, () => done(false));
    sock.once("error", () => done(false));
    sock.once("data", (d) => done(String(d).startsWith("+PONG")));
    sock.connect(port, "127.0.0.1", () => sock.write("PING\r\n"));
  });
}

/** A redis-server of one's own. */
export interface RedisServer {
  port: number;
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Start redis-server on a free loopback port, without persistence; resolves once it answers. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const proc = spawn("redis-server", [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ], { stdio: "ignore" });
  for (let i = 0; i < 100 && !(await ping(port)); i++) await sleep(50);
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGKILL");
    await exited;
  };
  return { port, url: `redis://127.0.0.1:${port}`, proc, stop };
}

/** A worker process. */
export interface WorkerProcess {
  proc: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** Start `amorsize worker` on this runtime with one effective core; resolves once it is ready. */
export async function startWorker(
  url: string,
  queue: string,
  extra: string[] = [],
): Promise<WorkerProcess> {
  const { cmd, args } = cliCommand();
  const proc = spawn(cmd, [...args, "worker", "--redis", url, "--queue", queue, ...extra], {
    cwd: repoRoot(),
    env: { ...process.env, AMORSIZE_CPUS: "1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | string>((r) =>
    proc.once("exit", (code, sig) => r(code ?? sig ?? -1))
  );
  const t0 = Date.now();
  while (!out.includes("ready")) {
    if (proc.exitCode !== null || Date.now() - t0 > 60_000) {
      proc.kill("SIGKILL");
      throw new Error(`the worker did not start:\n${out}`);
    }
    await sleep(50);
  }
  return { proc, output: () => out, exited };
}

/** A redis-server and `workers` worker processes on `queue`; `stop()` ends them all. */
export interface TestCluster {
  redis: RedisServer;
  workers: WorkerProcess[];
  stop(): Promise<void>;
}

/** Start a redis-server and `count` workers on `queue` (one core each). */
export async function startCluster(queue: string, count: number): Promise<TestCluster> {
  const redis = await startRedis();
  const workers = await Promise.all(
    Array.from({ length: count }, () => startWorker(redis.url, queue)),
  );
  return {
    redis,
    workers,
    stop: async () => {
      await killWorkers(workers);
      await redis.stop();
    },
  };
}

/**
 * A cluster for one test file: started before its tests (unless `skip`), stopped after them.
 * Read `redis` inside the tests.
 */
export function useCluster(
  queue: string,
  count: number,
  skip: string | false,
): { redis: RedisServer } {
  const holder = {} as { redis: RedisServer };
  let c: TestCluster | undefined;
  before(async () => {
    if (skip) return;
    c = await startCluster(queue, count);
    holder.redis = c.redis;
  });
  after(async () => {
    await c?.stop();
  });
  return holder;
}

/** Kill worker processes (SIGKILL) and wait for them. */
export async function killWorkers(ws: WorkerProcess[]): Promise<void> {
  for (const w of ws) {
    if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill("SIGKILL");
  }
  await Promise.all(ws.map((w) => w.exited));
}

/** The fixture module of cluster tasks (its URL, as workers import it). */
export function tasksModule(): string {
  return new URL(
    "./fixtures/cluster/tasks" + (import.meta.url.endsWith(".ts") ? ".ts" : ".js"),
    import.meta.url,
  ).href;
}

/** Keys of `queue`'s waiting list length, read with a raw RESP command. */
export function command(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    let buf = "";
    sock.setTimeout(2000, () => {
      sock.destroy();
      reject(new Error("redis did not answer"));
    });
    sock.once("error", reject);
    sock.on("data", (d) => {
      buf += d;
      if (buf.endsWith("\r\n")) {
        sock.destroy();
        resolve(buf);
      }
    });
    sock.connect(port, "127.0.0.1", () => {
      sock.write(`*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`);
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
