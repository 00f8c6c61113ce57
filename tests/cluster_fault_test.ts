// Worker processes that die or stop: a worker killed with SIGKILL while it holds jobs (BullMQ's
// stalled check re-queues them after the lock expires, another worker runs them, and every result
// arrives exactly once), and a worker stopped with SIGTERM (it finishes the jobs it holds,
// unregisters and exits 0; the rest waits for the next worker; a second SIGTERM stops it at once,
// and so does the first when its Redis is gone). Redis lost, or its jobs gone (a restart without
// persistence, a flush), during a run: a clear error, no hang. A signal while connecting to a
// Redis that does not answer: the abort reason at once.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { executeOnCluster, mapOnCluster, planCluster } from "../src/cluster/cluster.ts";
import { runtime } from "../src/runtime/detect.ts";
import { task } from "../src/task/task_ref.ts";
import {
  clusterSkip,
  command,
  killWorkers,
  type RedisServer,
  sleep,
  startRedis,
  startWorker,
  tasksModule,
  type WorkerProcess,
} from "./_cluster.ts";

const skip = clusterSkip();
let redis: RedisServer;
const started: WorkerProcess[] = [];
// Short locks, so that a killed worker's jobs come back within a second or two.
const FAST_STALL = ["--lock-ms", "2000", "--stalled-ms", "1000"];

before(async () => {
  if (!skip) redis = await startRedis();
});

after(async () => {
  if (skip) return;
  await killWorkers(started);
  await redis.stop();
});

async function worker(queue: string): Promise<WorkerProcess> {
  const w = await startWorker(redis.url, queue, FAST_STALL);
  started.push(w);
  return w;
}

/** Lines of a RESP reply that are values (bulk strings and integers). */
async function resp(...args: string[]): Promise<string[]> {
  const reply = await command(redis.port, ...args);
  return reply.split("\r\n").filter((l) => l !== "" && !/^[*$]/.test(l)).map((l) =>
    l.replace(/^[:+]/, "")
  );
}

/** BullMQ's "attempts started" of every job of `queue` (a job run twice after a stall has 2). */
async function attemptsStarted(queue: string): Promise<number[]> {
  const keys = (await resp("KEYS", `bull:${queue}:r*`)).filter((k) => /:r[^:]*-\d+$/.test(k));
  const out: number[] = [];
  for (const k of keys) out.push(Number((await resp("HGET", k, "ats"))[0] ?? 0));
  return out;
}

async function untilActive(queue: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (Number((await resp("LLEN", `bull:${queue}:active`))[0]) > 0) return;
    await sleep(25);
  }
  throw new Error("no job became active");
}

test("SIGKILL of a worker holding jobs: they are re-queued and every result arrives once", {
  skip,
}, async () => {
  const queue = "kill";
  const victim = await worker(queue);
  const items = Array.from({ length: 40 }, (_, i) => ({ i, ms: 20 }));
  const seen = new Map<number, number>();
  const run = (async () => {
    for await (
      const y of mapOnCluster(task(tasksModule(), "spin"), items, {
        cluster: { redis: redis.url, queue, maxInFlight: 6 },
        chunkSize: 2,
        ordered: false,
      })
    ) seen.set(y as number, (seen.get(y as number) ?? 0) + 1);
  })();
  await untilActive(queue); // the only worker holds a job now
  victim.proc.kill("SIGKILL");
  assert.equal(await victim.exited, "SIGKILL");
  await worker(queue);
  await worker(queue);
  await run;
  assert.equal(seen.size, 40);
  for (const [i, n] of seen) assert.equal(n, 1, `item ${i} arrived ${n} times`);
  const ats = await attemptsStarted(queue);
  assert.ok(ats.some((a) => a >= 2), `a job of the killed worker ran again (ats: ${ats})`);
  // Its capacity registration expires without heartbeats (3 beats of 2 s); the others' stay.
  let keys: string[] = [];
  for (let i = 0; i < 100; i++) {
    keys = await resp("KEYS", `amorsize:${queue}:worker:*`);
    if (keys.length === 2) break;
    await sleep(100);
  }
  assert.equal(keys.length, 2, `registrations: ${keys}`);
  assert.ok(keys.every((k) => !k.includes(`-${victim.proc.pid}-`)), `${keys}`);
});

test(
  "SIGTERM: the worker finishes the jobs it holds, unregisters and exits 0",
  { skip },
  async () => {
    const queue = "term";
    const w = await worker(queue);
    const items = Array.from({ length: 12 }, (_, i) => ({ i, ms: 100 }));
    const seen: number[] = [];
    const run = (async () => {
      for await (
        const y of mapOnCluster(task(tasksModule(), "sleep"), items, {
          cluster: { redis: redis.url, queue, maxInFlight: 12 },
          chunkSize: 1,
          ordered: false,
        })
      ) seen.push(y as number);
    })();
    await untilActive(queue);
    w.proc.kill("SIGTERM");
    const exit = await w.exited;
    // Deno's node:child_process reports the signal it sent instead of the exit code of a child
    // that handled it; the "stopped" line shows the worker ran its shutdown to the end.
    assert.ok(exit === 0 || (runtime().name === "deno" && exit === "SIGTERM"), `exit ${exit}`);
    assert.match(w.output(), /SIGTERM, finishing the jobs in progress[^]*stopped/);
    assert.deepEqual(await resp("KEYS", `amorsize:${queue}:worker:*`), []);
    const doneBefore = seen.length;
    assert.ok(doneBefore >= 1 && doneBefore < 12, `finished ${doneBefore} before stopping`);
    await worker(queue); // the rest waited in the queue for it
    await run;
    assert.deepEqual(seen.sort((a, b) => a - b), items.map((x) => x.i));
    const ats = await attemptsStarted(queue);
    assert.equal(ats.length, 12);
    assert.ok(ats.every((a) => a === 1), `no job ran twice (ats: ${ats})`);
  },
);

test("Redis lost during a run: a clear error within the timeout, no hang", { skip }, async () => {
  const own = await startRedis();
  const queue = "lost";
  const w = await startWorker(own.url, queue);
  started.push(w);
  const items = Array.from({ length: 40 }, (_, i) => ({ i, ms: 100 }));
  const run = mapOnCluster(task(tasksModule(), "sleep"), items, {
    cluster: { redis: own.url, queue, redisTimeoutMs: 1000 },
    chunkSize: 1,
  });
  const first = await run.next(); // the run is under way
  assert.equal(first.value, 0);
  await own.stop();
  const t0 = Date.now();
  await assert.rejects(
    (async () => {
      for await (const _ of run) { /* drain */ }
    })(),
    new RegExp(`Lost the connection to Redis at redis://127.0.0.1:${own.port}`),
  );
  assert.ok(Date.now() - t0 < 30_000, "reported, not hanging");
});

test("a pending job vanishes (Redis flushed or restarted): a clear error, no hang", {
  skip,
}, async () => {
  const own = await startRedis();
  const queue = "vanish";
  const w = await startWorker(own.url, queue);
  started.push(w);
  const items = Array.from({ length: 40 }, (_, i) => ({ i, ms: 200 }));
  const run = mapOnCluster(task(tasksModule(), "sleep"), items, {
    cluster: { redis: own.url, queue, redisTimeoutMs: 2000, maxInFlight: 4 },
    chunkSize: 2,
  });
  try {
    assert.equal((await run.next()).value, 0); // the run is under way
    // As a restart without persistence does: every key goes, Redis keeps answering.
    assert.match(await command(own.port, "FLUSHALL"), /OK/);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the run still waits after 20 s")), 20_000);
    });
    const drained = (async () => {
      for await (const _ of run) { /* drain */ }
    })();
    await assert.rejects(
      Promise.race([drained, hung]).finally(() => clearTimeout(timer)),
      new RegExp(
        `Chunk job r\\S+ \\(items \\d+\\.\\.\\d+\\) is no longer in Redis at ` +
          `redis://127.0.0.1:${own.port}.*restarted or flushed`,
      ),
    );
  } finally {
    await killWorkers([w]);
    await own.stop();
  }
});

/** Resolves with the worker's exit, or rejects after `ms` (a hang, not a timing). */
function exitWithin(w: WorkerProcess, ms: number, what: string): Promise<number | string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    w.exited,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

test("a second SIGTERM stops the worker without waiting for its job", { skip }, async () => {
  const queue = "second";
  const w = await worker(queue);
  const ac = new AbortController();
  // One job of 60 s: the first SIGTERM would wait for it.
  const run = executeOnCluster(task(tasksModule(), "sleep"), [{ i: 0, ms: 60_000 }], {
    cluster: { redis: redis.url, queue },
    chunkSize: 1,
    signal: ac.signal,
  }).catch((e) => e);
  try {
    await untilActive(queue);
    w.proc.kill("SIGTERM");
    while (!w.output().includes("finishing the jobs in progress")) await sleep(25);
    process.kill(w.proc.pid!, "SIGTERM"); // Deno's ChildProcess.kill() sends one signal only
    await exitWithin(w, 20_000, "after the second SIGTERM");
    assert.match(w.output(), /SIGTERM again, handing the jobs in progress back[^]*stopped/);
    // Handed back, not failed: the job stays active until its lock expires.
    assert.deepEqual(await resp("ZCARD", `bull:${queue}:failed`), ["0"]);
  } finally {
    ac.abort();
    await run;
  }
});

test("SIGTERM stops an idle worker whose Redis is gone", { skip }, async () => {
  const own = await startRedis();
  const w = await startWorker(own.url, "gone");
  started.push(w);
  await own.stop();
  await sleep(500); // the worker sees the loss and starts reconnecting
  w.proc.kill("SIGTERM");
  await exitWithin(w, 20_000, "SIGTERM with Redis gone");
  assert.match(w.output(), /stopped/);
});

test("signal while connecting to a Redis that does not answer: the abort reason at once", {
  skip,
}, async () => {
  const own = await startRedis();
  process.kill(own.proc.pid!, "SIGSTOP"); // accepts connections, answers nothing
  try {
    const cluster = { redis: own.url, redisTimeoutMs: 20_000 };
    const timedOut = (e: unknown) => (e as Error).name === "TimeoutError";
    const t0 = Date.now();
    await assert.rejects(
      executeOnCluster(task(tasksModule(), "square"), [1], {
        cluster,
        chunkSize: 1,
        signal: AbortSignal.timeout(300),
      }),
      timedOut,
    );
    await assert.rejects(
      planCluster(task(tasksModule(), "square"), cluster, {
        predictedMs: 100,
        items: 100,
        perItemMs: 1,
        encodeMsPerItem: 0.001,
        dispatchMs: 0.1,
        minSpeedup: 1.2,
        targetJobMs: 200,
      }, AbortSignal.timeout(300)),
      timedOut,
    );
    assert.ok(Date.now() - t0 < 20_000, "stopped by the signal, not by redisTimeoutMs");
  } finally {
    process.kill(own.proc.pid!, "SIGCONT");
    await own.stop();
  }
});
