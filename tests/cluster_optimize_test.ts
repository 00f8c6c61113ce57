// The optimizer across machines: the cluster cost model with injected measurements (the chunk
// grows with the round trip, small jobs stay local, the last wave is filled), and optimize /
// execute / map with a `cluster` option against a real redis-server and two worker processes
// (invariants only: the decision itself depends on measured speed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execute, map, optimize, task } from "../mod.ts";
import { decideCluster } from "../src/cluster/cluster.ts";
import { bestClusterPlan, type PlanInput, predictCluster } from "../src/cluster/_plan.ts";
import type { ClusterProfile } from "../src/cluster/types.ts";
import { clusterSkip, command, tasksModule, useCluster } from "./_cluster.ts";

const input: PlanInput = {
  items: 2000,
  perItemMs: 1,
  encodeMsPerItem: 0.002,
  roundTripMs: 0.5,
  perJobMs: 0.3,
  dispatchMs: 0.05,
  cores: 4,
  effectiveCores: 4,
  maxSlowdown: 1,
  maxInFlight: 8,
  slotsPerCore: 2,
  targetJobMs: 200,
};

const base: ClusterProfile = {
  queue: "q",
  workers: [],
  cores: 4,
  roundTripMs: 0.5,
  perJobMs: 0.3,
  perItemMs: 1,
  encodeMsPerItem: 0.002,
  items: 2000,
  chunkSize: 0,
  jobs: 0,
  predictedMs: 0,
  breakdown: { latencyMs: 0, serialMs: 0, computeMs: 0, windowMs: 0 },
  localMs: 0,
};

test("cluster model: the chunk size grows with the round trip and with the per-job cost", () => {
  const sizes = [0.2, 2, 20, 200].map((roundTripMs) =>
    bestClusterPlan({ ...input, perItemMs: 0.05, roundTripMs }).chunkSize
  );
  for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i] >= sizes[i - 1], `${sizes}`);
  assert.ok(sizes[3] > sizes[0], `${sizes}`);
  const cheap = bestClusterPlan({ ...input, perItemMs: 0.05, perJobMs: 0.01 }).chunkSize;
  const dear = bestClusterPlan({ ...input, perItemMs: 0.05, perJobMs: 5 }).chunkSize;
  assert.ok(dear > cheap, `${cheap} vs ${dear}`);
});

test("cluster model: loaded workers (a slowdown) call for smaller chunks", () => {
  const unloaded = bestClusterPlan({ ...input, perItemMs: 0.05, items: 20000 });
  const loaded = bestClusterPlan({
    ...input,
    perItemMs: 0.05,
    items: 20000,
    effectiveCores: 1,
    maxSlowdown: 4,
  });
  assert.ok(loaded.chunkSize < unloaded.chunkSize, `${unloaded.chunkSize} → ${loaded.chunkSize}`);
  assert.ok(loaded.predictedMs > unloaded.predictedMs);
});

test("cluster model: the best plan fills the last wave, keeps jobs short, beats its neighbours", () => {
  const best = bestClusterPlan(input);
  assert.ok(best.chunkSize * input.perItemMs <= input.targetJobMs);
  for (const c of [best.chunkSize - 1, best.chunkSize + 1, 1, input.items]) {
    if (c < 1) continue;
    assert.ok(predictCluster(input, c).predictedMs >= best.predictedMs - 1e-9, `chunk ${c}`);
  }
  // 2000 items on 4 cores: whole waves, no last wave with idle cores.
  assert.equal(best.jobs % input.cores, 0, `${best.jobs} jobs`);
});

test("cluster decision: long work goes to the cluster, small jobs stay local", () => {
  const local = {
    predictedMs: 1100,
    items: 2000,
    perItemMs: 1,
    encodeMsPerItem: 0.002,
    dispatchMs: 0.05,
    minSpeedup: 1.2,
    targetJobMs: 200,
  };
  // 4 remote cores against a local 2-worker run of ~1100 ms.
  const big = decideCluster(input, base, local);
  assert.equal(big.useCluster, true, big.reason);
  assert.match(big.reason, /predicted \d+\.\d+× faster than running here/);
  // 20 items of 10 µs: the round trip alone exceeds the local time.
  const small = decideCluster(
    { ...input, items: 20, perItemMs: 0.01 },
    base,
    { ...local, items: 20, perItemMs: 0.01, predictedMs: 0.2 },
  );
  assert.equal(small.useCluster, false);
  assert.match(small.reason, /^stays local/);
});

test("optimize with a cluster: no Redis, or an inline function, stays local with the reason", async () => {
  const items = Array.from({ length: 64 }, (_, i) => ({ i, ms: 2 }));
  const r = await optimize(task(tasksModule(), "spin"), items, {
    cluster: { redis: "redis://127.0.0.1:1", redisTimeoutMs: 500 },
    cache: false,
  });
  assert.equal(r.cluster, undefined);
  assert.match(r.profile.cluster?.unavailable ?? "", /Cannot reach Redis|not sampled/);
  assert.match(r.explain(), /Cluster: unavailable/);
  const inline = await optimize((x: number) => x, [1, 2, 3], {
    cluster: { redis: "redis://127.0.0.1:1" },
  });
  assert.equal(inline.cluster, undefined);
  assert.match(inline.profile.cluster?.unavailable ?? "", /inline function/);
  await assert.rejects(
    optimize((x: number) => x, [1], { cluster: { redis: "localhost:6379" } as never }),
    (e) =>
      e instanceof TypeError &&
      /'cluster.redis' must be a redis:\/\/ or rediss:\/\/ URL/.test(e.message),
  );
});

const skip = clusterSkip();
const QUEUE = "opt";
const fixture = useCluster(QUEUE, 2, skip);

test("optimize with a real cluster: measured round trip, two workers, cluster terms in explain()", {
  skip,
}, async () => {
  const items = Array.from({ length: 400 }, (_, i) => ({ i, ms: 1 }));
  const r = await optimize(task(tasksModule(), "spin"), items, {
    cluster: { redis: fixture.redis.url, queue: QUEUE },
    cache: false,
  });
  const c = r.profile.cluster;
  assert.ok(c, "cluster terms in the profile");
  assert.equal(c.unavailable, undefined);
  assert.equal(c.workers.length, 2);
  assert.equal(c.cores, 2);
  assert.ok(c.roundTripMs > 0 && c.perJobMs >= 0);
  assert.ok(c.chunkSize >= 1 && c.chunkSize <= 400 && c.jobs === Math.ceil(400 / c.chunkSize));
  assert.equal(c.localMs, r.predictedMs.chosen);
  // Whichever wins, the choice agrees with the predictions it reports.
  const wins = r.predictedMs.chosen / c.predictedMs >= 1.2;
  assert.equal(r.cluster !== undefined, wins);
  const text = r.explain();
  assert.match(text, /Cluster: queue "opt", 2 workers, 2 cores/);
  assert.match(text, /Cluster costs: round trip [\d.]+ ms/);
  assert.match(text, /Cluster plan: \d+ jobs of \d+ items for 400 items/);
});

test(
  "execute and map with a cluster option: correct results, whichever side runs",
  { skip },
  async () => {
    const cluster = { redis: fixture.redis.url, queue: QUEUE };
    const items = Array.from({ length: 120 }, (_, i) => ({ i, ms: 1 }));
    const ids = items.map((x) => x.i);
    assert.deepEqual(
      await execute(task(tasksModule(), "spin"), items, { cluster, cache: false }),
      ids,
    );
    // A forced chunk size alone runs on the cluster: the jobs show up in the queue's completed set.
    const before = await completed();
    const sq = await execute(task(tasksModule(), "square"), [1, 2, 3, 4, 5], {
      cluster,
      chunkSize: 2,
    });
    assert.deepEqual(sq, [1, 4, 9, 16, 25]);
    assert.ok((await completed()) >= before + 3, "three chunk jobs completed on the cluster");
    const out: unknown[] = [];
    for await (const y of map(task(tasksModule(), "square"), [3, 4], { cluster, chunkSize: 1 })) {
      out.push(y);
    }
    assert.deepEqual(out, [9, 16]);
    await assert.rejects(
      execute((x: number) => x, [1], { cluster, chunkSize: 1 }),
      /inline function cannot run on a cluster/,
    );
  },
);

async function completed(): Promise<number> {
  return Number((await command(fixture.redis.port, "ZCARD", `bull:${QUEUE}:completed`)).slice(1));
}
