// The cluster executor against a real redis-server and two worker processes (one core each):
// results in order, streaming with backpressure, progress, task errors with the global index,
// payload limits, clear errors for an inline function, a missing worker and an unreachable Redis,
// abort/timeout removing the run's pending jobs, a source that throws, and the checks of the
// options (API and `amorsize worker` flags).
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { cliCommand, repoRoot } from "./_cli.ts";
import assert from "node:assert/strict";
import { checkClusterOptions, executeOnCluster, mapOnCluster } from "../src/cluster/cluster.ts";
import { startClusterWorker } from "../src/cluster/worker.ts";
import { ChunkTimeoutError, TaskError } from "../src/engine/errors.ts";
import { task } from "../src/task/task_ref.ts";
import { execute } from "../src/execute.ts";
import { runtime } from "../src/runtime/mod.ts";
import { anatomy, fixtureModule } from "./_helpers.ts";
import { clusterSkip, command, freePort, tasksModule, useCluster } from "./_cluster.ts";

const skip = clusterSkip();
const QUEUE = "run";
const fixture = useCluster(QUEUE, 2, skip);
const cluster = () => ({ redis: fixture.redis.url, queue: QUEUE });
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test(
  "execute on the cluster: every result, in input order, from both workers",
  { skip },
  async () => {
    const out = await executeOnCluster(task(tasksModule(), "square"), range(500), {
      cluster: cluster(),
      chunkSize: 7,
    });
    assert.deepEqual(out, range(500).map((x) => x * x));
  },
);

test(
  "map: ordered and unordered, from a streaming source, with bounded look-ahead",
  { skip },
  async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 300; i++) {
        pulled++;
        yield i;
      }
    }
    const ordered: number[] = [];
    let maxAhead = 0;
    for await (
      const y of mapOnCluster(task(tasksModule(), "square"), source(), {
        cluster: { ...cluster(), maxInFlight: 3 },
        chunkSize: 10,
      })
    ) {
      ordered.push(y as number);
      maxAhead = Math.max(maxAhead, pulled - ordered.length);
    }
    assert.deepEqual(ordered, range(300).map((x) => x * x));
    // At most the window (3 jobs of 10) beyond what was consumed, plus one chunk being pulled.
    assert.ok(maxAhead <= 40, `pulled ${maxAhead} items ahead of the consumer`);
    const unordered: number[] = [];
    for await (
      const y of mapOnCluster(task(tasksModule(), "square"), range(100), {
        cluster: cluster(),
        chunkSize: 9,
        ordered: false,
      })
    ) unordered.push(y as number);
    assert.deepEqual(
      unordered.sort((a, b) => a - b),
      range(100).map((x) => x * x).sort((a, b) => a - b),
    );
  },
);

test("progress: reported during the run and complete at the end", { skip }, async () => {
  const seen: number[] = [];
  await executeOnCluster(task(tasksModule(), "square"), range(200), {
    cluster: cluster(),
    chunkSize: 10,
    onProgress: (p) => {
      assert.equal(p.total, 200);
      seen.push(p.done);
    },
  });
  assert.ok(seen.length >= 1);
  assert.equal(seen[seen.length - 1], 200);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1]);
});

test(
  "a task error: TaskError with the global item index and the original error",
  { skip },
  async () => {
    const err = await executeOnCluster(task(tasksModule(), "failOn13"), range(40), {
      cluster: cluster(),
      chunkSize: 5,
    }).then(() => undefined, (e) => e);
    assert.ok(err instanceof TaskError, String(err));
    assert.equal(err.index, 13);
    assert.equal((err.cause as Error).name, "RangeError");
    assert.match((err.cause as Error).message, /thirteen/);
    // map yields every result before the failing item, then throws.
    const got: unknown[] = [];
    await assert.rejects(async () => {
      for await (
        const y of mapOnCluster(task(tasksModule(), "failOn13"), range(40), {
          cluster: cluster(),
          chunkSize: 5,
        })
      ) got.push(y);
    }, (e) => e instanceof TaskError && e.index === 13);
    assert.deepEqual(got, range(13).map((x) => x + 1));
  },
);

test(
  "a task error reads as on the inline executor: class, cause chain, errors, code",
  { skip },
  async () => {
    // The cluster carried a task's error as name, message and stack only: a TypeError arrived as
    // a plain Error, and its code, fields, cause chain and an AggregateError's errors were gone.
    const rich = task<number, number>(fixtureModule("faults/errors").href, "throwRich");
    for (let item = 0; item <= 5; item++) {
      const inline = await execute(rich, [item], { executor: "inline" }).catch((e) => e);
      const remote = await executeOnCluster(rich, [item], { cluster: cluster(), chunkSize: 1 })
        .catch((e) => e);
      assert.ok(remote instanceof TaskError, `item ${item}: ${String(remote)}`);
      assert.deepEqual(anatomy(remote.cause), anatomy(inline.cause), `item ${item}`);
    }
  },
);

test(
  "a source that throws on item k: every result before k, then the source's error",
  { skip },
  async () => {
    const broken = new Error("source broke at 22");
    function* source() {
      for (let i = 0; i < 40; i++) {
        if (i === 22) throw broken;
        yield i;
      }
    }
    async function* asyncSource() {
      yield* source();
    }
    const squares = range(22).map((x) => x * x);
    for (const [data, ordered] of [[source, true], [asyncSource, true], [source, false]] as const) {
      const got: number[] = [];
      await assert.rejects(async () => {
        for await (
          const y of mapOnCluster(task(tasksModule(), "square"), data(), {
            cluster: { ...cluster(), maxInFlight: 8 },
            chunkSize: 5,
            ordered,
          })
        ) got.push(y as number);
      }, (e) => e === broken);
      assert.deepEqual(ordered ? got : got.sort((a, b) => a - b), squares, `ordered: ${ordered}`);
    }
    // A task error before k comes first, as on the local executors.
    await assert.rejects(
      executeOnCluster(task(tasksModule(), "failOn13"), source(), {
        cluster: cluster(),
        chunkSize: 5,
      }),
      (e) => e instanceof TaskError && e.index === 13,
    );
  },
);

test("payload cap: an item over it is named; a chunk over it is split", { skip }, async () => {
  const big = ["a", "b".repeat(5000), "c"];
  await assert.rejects(
    executeOnCluster(task(tasksModule(), "square"), big, {
      cluster: { ...cluster(), maxPayloadBytes: 1000 },
      chunkSize: 3,
    }),
    (e) =>
      e instanceof RangeError && /Item 1 is 5002 bytes/.test(e.message) &&
      /maxPayloadBytes/.test(e.message),
  );
  // 20 items of ~100 bytes in chunks of 20 with a 500-byte cap: several jobs, same results.
  const items = range(20).map((i) => i + 0.123456789012345);
  const out = await executeOnCluster(task(tasksModule(), "square"), items, {
    cluster: { ...cluster(), maxPayloadBytes: 100 },
    chunkSize: 20,
  });
  assert.deepEqual(out, items.map((x) => x * x));
  // The cap counts UTF-8 bytes: "é" is one UTF-16 unit but two bytes (602 bytes an item).
  const accents = range(6).map((i) => `${i}${"é".repeat(300)}`);
  assert.deepEqual(
    await executeOnCluster(task(tasksModule(), "identity"), accents, {
      cluster: { ...cluster(), maxPayloadBytes: 1000 },
      chunkSize: 6,
    }),
    accents,
  );
  const sizes = await payloadSizes((items) => items.includes("é"));
  assert.equal(sizes.length, 6, `one job an item: ${sizes}`);
  assert.ok(sizes.every((n) => n <= 1000), `job payloads of ${sizes} bytes`);
  await assert.rejects(
    executeOnCluster(task(tasksModule(), "square"), [1, undefined, 3], {
      cluster: cluster(),
      chunkSize: 3,
    }),
    (e) => e instanceof TypeError && /Item 1 cannot be sent/.test(e.message),
  );
});

test(
  "an item or a result that is not JSON: an error naming its index and which one it is",
  { skip },
  async () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const bad of [2n, cycle]) {
      await assert.rejects(
        executeOnCluster(task(tasksModule(), "identity"), [1, bad, 3], {
          cluster: cluster(),
          chunkSize: 3,
        }),
        (e) =>
          e instanceof TypeError &&
          /^Item 1 cannot be sent to the cluster: it cannot be written as JSON/.test(e.message),
      );
    }
    const got: unknown[] = [];
    await assert.rejects(
      async () => {
        for await (
          const y of mapOnCluster(task(tasksModule(), "bigintOn3"), range(6), {
            cluster: cluster(),
            chunkSize: 6,
          })
        ) got.push(y);
      },
      (e) =>
        e instanceof TaskError && e.index === 3 && (e.cause as Error).name === "TypeError" &&
        /result of item 3 cannot be sent back from the cluster/.test((e.cause as Error).message),
    );
    assert.deepEqual(got, [0, 1, 2]);
    // Inside an item, JSON's own rules (docs/cluster.md).
    assert.deepEqual(
      await executeOnCluster(
        task(tasksModule(), "identity"),
        [1, NaN, -Infinity, { a: undefined, b: 2 }, [undefined]],
        { cluster: cluster(), chunkSize: 5 },
      ),
      [1, null, null, { b: 2 }, [null]],
    );
  },
);

test(
  "a task module the workers cannot import: the run fails with their reason",
  { skip },
  async () => {
    const missing = new URL("./fixtures/cluster/not_deployed.ts", import.meta.url).href;
    await assert.rejects(
      executeOnCluster(task(missing, "f"), [1, 2, 3], { cluster: cluster(), chunkSize: 2 }),
      /failed on the cluster: Cannot load task module .*not_deployed/,
    );
  },
);

test(
  "refused clearly: an inline function, no worker on the queue, Redis unreachable",
  { skip },
  async () => {
    await assert.rejects(
      executeOnCluster((x: number) => x, [1], { cluster: cluster(), chunkSize: 1 }),
      (e) => e instanceof TypeError && /inline function cannot run on a cluster/.test(e.message),
    );
    await assert.rejects(
      executeOnCluster(task(tasksModule(), "square"), [1], {
        cluster: { redis: fixture.redis.url, queue: "nobody-here" },
        chunkSize: 1,
      }),
      /No amorsize worker is registered on the queue "nobody-here".*amorsize worker --redis/,
    );
    const port = await freePort(); // nothing listens there
    const t0 = Date.now();
    await assert.rejects(
      executeOnCluster(task(tasksModule(), "square"), [1], {
        cluster: { redis: `redis://127.0.0.1:${port}`, redisTimeoutMs: 1000 },
        chunkSize: 1,
      }),
      new RegExp(`Cannot reach Redis at redis://127.0.0.1:${port}`),
    );
    assert.ok(Date.now() - t0 < 20_000, "gave up within its timeout, not hanging");
  },
);

test("a refused Redis connection lets the process exit at once after its error", async () => {
  // ioredis's `disconnect` of a client whose socket was refused waited 2 s for a close that had
  // come already: the process outlived its error by 2 s (Bun and Node).
  const port = await freePort(); // nothing listens there
  const script = fileURLToPath(fixtureModule("exit_after_unreachable_redis"));
  const argv = runtime().name === "deno"
    ? ["run", "-A", script, String(port)]
    : [script, String(port)];
  const r = spawnSync(process.execPath, argv, {
    cwd: repoRoot(),
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout,
    `Cannot reach Redis at redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`,
  );
});

test(
  "abort and timeoutMs: the run stops and its pending jobs leave the queue",
  { skip },
  async () => {
    const slow = range(40).map((i) => ({ i, ms: 50 }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("stop now")), 300);
    await assert.rejects(
      executeOnCluster(task(tasksModule(), "sleep"), slow, {
        cluster: { ...cluster(), maxInFlight: 8 },
        chunkSize: 2,
        signal: ac.signal,
      }),
      /stop now/,
    );
    assert.equal(await waitingJobs(), 0);
    await assert.rejects(
      executeOnCluster(task(tasksModule(), "sleep"), slow, {
        cluster: { ...cluster(), maxInFlight: 8 },
        chunkSize: 2,
        timeoutMs: 60,
      }),
      (e) => e instanceof ChunkTimeoutError,
    );
    assert.equal(await waitingJobs(), 0);
  },
);

test("amorsize worker: help, usage errors (exit 2), Redis unreachable (exit 1)", async () => {
  const port = await freePort();
  const cases: [string[], number, RegExp][] = [
    [["--help"], 0, /^Usage: amorsize worker --redis URL/],
    [[], 2, /--redis URL is required/],
    [
      ["--redis", "http://x"],
      2,
      /^amorsize worker: --redis must be a redis:\/\/ or rediss:\/\/ URL/,
    ],
    [
      ["--redis", "redis://127.0.0.1:1", "--workers", "0"],
      2,
      /^amorsize worker: --workers must be an integer >= 1/,
    ],
    [
      ["--redis", "redis://127.0.0.1:1", "--workers", "1.5"],
      2,
      /^amorsize worker: --workers must be an integer/,
    ],
    [
      ["--redis", "redis://127.0.0.1:1", "--concurrency", "0"],
      2,
      /^amorsize worker: --concurrency must be an int/,
    ],
    // BullMQ hands these to Redis (PX), which takes whole ms only: a fraction broke every job.
    [
      ["--redis", "redis://127.0.0.1:1", "--lock-ms", "1000.5"],
      2,
      /^amorsize worker: --lock-ms must be an integer/,
    ],
    [
      ["--redis", "redis://127.0.0.1:1", "--stalled-ms", "0.5"],
      2,
      /^amorsize worker: --stalled-ms must be an int/,
    ],
    [
      ["--redis", "redis://127.0.0.1:1", "--lock-ms", String(2 ** 31)],
      2,
      /^amorsize worker: --lock-ms must be at most 2147483647 ms/,
    ],
    [
      ["--redis", "redis://127.0.0.1:1", "--queue", "a:b"],
      2,
      /^amorsize worker: --queue must be a non-empty/,
    ],
    [["--redis", `redis://127.0.0.1:${port}`], 1, /Cannot reach Redis at redis:\/\/127.0.0.1/],
  ];
  const { cmd, args } = cliCommand();
  for (const [argv, code, message] of cases) {
    const r = spawnSync(cmd, [...args, "worker", ...argv], { cwd: repoRoot(), encoding: "utf8" });
    assert.equal(r.status, code, `${argv.join(" ")}: ${r.stderr}`);
    assert.match(code === 0 ? r.stdout : r.stderr, message);
    if (code !== 0) assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});

test("millisecond options: whole ms for BullMQ's, every one within the longest timer", async () => {
  const redis = "redis://127.0.0.1:1"; // refused before anything connects
  const cases: [Record<string, number>, RegExp][] = [
    [{ lockDurationMs: 1000.5 }, /^'lockDurationMs' must be a positive integer, got 1000.5$/],
    [{ stalledIntervalMs: 1000.5 }, /^'stalledIntervalMs' must be a positive integer/],
    [{ heartbeatMs: 0.5 }, /^'heartbeatMs' must be a positive integer, got 0.5$/],
    [{ heartbeatMs: 2 ** 31 }, /^'heartbeatMs' must be at most 2147483647 ms/],
    [{ lockDurationMs: 2 ** 31 }, /^'lockDurationMs' must be at most 2147483647 ms/],
    [{ redisTimeoutMs: 1e12 }, /^'redisTimeoutMs' must be at most 2147483647 ms/],
  ];
  for (const [o, message] of cases) {
    await assert.rejects(
      startClusterWorker({ redis, workers: 1, ...o }),
      (e) => e instanceof RangeError && message.test(e.message),
      JSON.stringify(o),
    );
  }
  for (const ms of [2 ** 31, 1e12]) {
    assert.throws(
      () => checkClusterOptions({ redis, redisTimeoutMs: ms }),
      (e) => e instanceof RangeError && /^'cluster.redisTimeoutMs' must be at most/.test(e.message),
    );
  }
});

test("'cluster.queue' checks name the option and show the value", () => {
  const redis = "redis://127.0.0.1:1";
  const cases: [unknown, typeof TypeError | typeof RangeError, string][] = [
    ["", RangeError, `'cluster.queue' must be a non-empty string, got ""`],
    [10n, TypeError, `'cluster.queue' must be a non-empty string without ":", got 10n`],
    [
      Symbol("q"),
      TypeError,
      `'cluster.queue' must be a non-empty string without ":", got a symbol`,
    ],
    ["a:b", TypeError, `'cluster.queue' must be a non-empty string without ":", got "a:b"`],
  ];
  for (const [queue, kind, message] of cases) {
    assert.throws(() => checkClusterOptions({ redis, queue: queue as string }), (e) => {
      assert.ok(e instanceof kind, String(e));
      assert.equal((e as Error).message, message);
      return true;
    });
  }
});

/** The UTF-8 sizes of the `items` payloads of the queue's jobs whose items pass `which`. */
async function payloadSizes(which: (items: string) => boolean): Promise<number[]> {
  const port = fixture.redis.port;
  const keys = (await command(port, "KEYS", `bull:${QUEUE}:r*`)).split("\r\n")
    .filter((k) => /^bull:.*-\d+$/.test(k));
  const out: number[] = [];
  for (const k of keys) {
    const reply = await command(port, "HGET", k, "data");
    const items = (JSON.parse(reply.split("\r\n")[1]) as { items: string }).items;
    if (which(items)) out.push(new TextEncoder().encode(items).length);
  }
  return out;
}

/** Jobs waiting in the queue (BullMQ's wait list). */
async function waitingJobs(): Promise<number> {
  const reply = await command(fixture.redis.port, "LLEN", `bull:${QUEUE}:wait`);
  return Number(reply.slice(1));
}
