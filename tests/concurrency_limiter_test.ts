import { test } from "node:test";
import assert from "node:assert/strict";
import { execute } from "../mod.ts";
import { ConcurrencyLimiter } from "../src/engine/_concurrency_limiter.ts";

// A simulated service on a virtual clock: each call waits `waitMs` (I/O; a number, or one per
// call), then needs `cpuMs` of one shared CPU, served in the order the waits end, as an async
// task on the main thread is (a function: of the calls in flight). Returns the makespan.
function simulate(
  lim: { canStart(): boolean; start(): number; done(t: number, ok?: boolean): void },
  clock: { now: number },
  n: number,
  waitMs: number | ((k: number) => number),
  cpuMs: number | ((inflight: number) => number),
  fails: (k: number) => boolean = () => false,
): number {
  let cpuFreeAt = 0, started = 0, finished = 0;
  const events: { t: number; ready: boolean; startedAt: number; k: number }[] = [];
  const launch = () => {
    while (started < n && lim.canStart()) {
      const startedAt = lim.start();
      const wait = typeof waitMs === "number" ? waitMs : waitMs(started);
      events.push({ t: clock.now + wait, ready: true, startedAt, k: started++ });
    }
  };
  launch();
  while (events.length > 0) {
    events.sort((a, b) => a.t - b.t || a.k - b.k);
    const e = events.shift()!;
    clock.now = e.t;
    if (e.ready) {
      const cpu = typeof cpuMs === "number" ? cpuMs : cpuMs(started - finished);
      cpuFreeAt = Math.max(clock.now, cpuFreeAt) + cpu;
      events.push({ ...e, t: cpuFreeAt, ready: false });
      continue;
    }
    finished++;
    lim.done(e.startedAt, !fails(e.k));
    launch();
  }
  return clock.now;
}

const limiter = (initial: number, max: number, clock: { now: number }) =>
  new ConcurrencyLimiter({ initial, max, now: () => clock.now });

test("limiter: pure waiting (latency independent of load) grows to the maximum", () => {
  const clock = { now: 0 };
  const lim = limiter(4, 256, clock);
  const adaptive = simulate(lim, clock, 4000, 10, 0.001);
  assert.equal(lim.limit, 256);
  const fixedClock = { now: 0 };
  const fixed = simulate(limiter(4, 4, fixedClock), fixedClock, 4000, 10, 0.001);
  assert.ok(adaptive < fixed / 10, `adaptive ${adaptive} ms vs fixed-4 ${fixed} ms`);
});

test("limiter: a CPU-bound main thread stops the growth near the knee, throughput kept", () => {
  // 5 ms wait + 0.5 ms CPU: beyond (5 + 0.5) / 0.5 = 11 calls in flight only the queue grows.
  const clock = { now: 0 };
  const lim = limiter(2, 256, clock);
  const n = 4000;
  const makespan = simulate(lim, clock, n, 5, 0.5);
  const ideal = n * 0.5 + 5;
  assert.ok(makespan < 1.1 * ideal, `makespan ${makespan} vs ideal ${ideal}`);
  assert.ok(lim.limit >= 11 && lim.limit <= 44, `limit ${lim.limit}`);
  assert.ok(lim.history.some((w) => w.limit > lim.limit || w.medianMs > 1.5 * w.baseMs));
});

test("limiter: failed calls halve the limit", () => {
  const clock = { now: 0 };
  const lim = limiter(64, 256, clock);
  simulate(lim, clock, 2000, 10, 0.001, (k) => k >= 600);
  assert.ok(lim.limit < 64, `limit ${lim.limit}`);
  assert.ok(lim.limit >= 1);
});

test("limiter: a window that never fills the limit does not grow it", () => {
  const clock = { now: 0 };
  const lim = limiter(32, 256, clock);
  for (let k = 0; k < 100; k++) {
    const t = lim.start(); // one call at a time: never 32 in flight
    clock.now += 10;
    lim.done(t);
  }
  assert.equal(lim.limit, 32);
});

test("limiter: the limit stays within [min, max] and starts clamped", () => {
  const clock = { now: 0 };
  assert.equal(limiter(1000, 50, clock).limit, 50);
  assert.equal(limiter(0, 50, clock).limit, 1);
  const lim = new ConcurrencyLimiter({ initial: 8, max: 16, min: 4, now: () => clock.now });
  simulate(lim, clock, 2000, 1, 2); // heavily CPU-bound: backs off as far as it may
  assert.ok(lim.limit >= 4 && lim.limit <= 16, `limit ${lim.limit}`);
  for (const w of lim.history) assert.ok(w.limit >= 4 && w.limit <= 16);
});

test("limiter: automatic async execute keeps every result in order within maxConcurrency", async () => {
  let inflight = 0, peak = 0;
  const fn = async (x: number) => {
    inflight++;
    peak = Math.max(peak, inflight);
    await new Promise((r) => setTimeout(r, 1));
    inflight--;
    return x * 2;
  };
  const data = Array.from({ length: 300 }, (_, i) => i);
  const out = await execute(fn, data, { executor: "async", maxConcurrency: 24 });
  assert.deepEqual(out, data.map((x) => x * 2));
  assert.ok(peak <= 24, `peak ${peak}`);
  peak = 0;
  await execute(fn, data, { executor: "async", concurrency: 5 });
  assert.ok(peak <= 5, `fixed concurrency: peak ${peak}`);
  await assert.rejects(execute(fn, data, { maxConcurrency: 0 }), RangeError);
});

test("limiter: slow start reaches a high limit within a short job of waiting calls", () => {
  const clock = { now: 0 };
  const lim = limiter(4, 256, clock);
  simulate(lim, clock, 300, 50, 0.01);
  assert.ok(Math.max(...lim.history.map((w) => w.limit)) >= 64, `limit ${lim.limit}`);
});

test("limiter: calls of their own varied latencies (1–300 ms) are no queue: the limit grows", () => {
  // A window's median of a few such calls read a rise in most windows: the limit sank to 1–20,
  // and 1000 calls took 21 s where a fixed 256 took 0.77 s.
  const wait = (k: number) => 1 + ((k * 7919) % 101) * 2.99;
  const clock = { now: 0 };
  const lim = limiter(16, 256, clock);
  const adaptive = simulate(lim, clock, 1000, wait, 0.001);
  const fixedClock = { now: 0 };
  const fixed = simulate(limiter(256, 256, fixedClock), fixedClock, 1000, wait, 0.001);
  assert.ok(adaptive < 3 * fixed, `adaptive ${adaptive} ms vs fixed-256 ${fixed} ms`);
  assert.ok(lim.limit >= 64, `limit ${lim.limit}`);
});

test("limiter: latency that rises with a throughput that grows more is no queue: the limit grows", () => {
  // A client and its server on one thread: each call needs 0.02 ms of the CPU and its share of a
  // 0.5 ms turn of the event loop, shared by the calls in flight. Latency grows with the limit,
  // and throughput more: backing off on latency alone, the limit sank to 32–42 and the job took
  // 174 ms, against 149 at a fixed 64 and 119 at a fixed 256.
  const cpu = (inflight: number) => 0.02 + 0.5 / Math.max(1, inflight);
  const clock = { now: 0 };
  const lim = limiter(8, 256, clock);
  const adaptive = simulate(lim, clock, 5000, 0.5, cpu);
  const fixedClock = { now: 0 };
  const fixed = simulate(limiter(64, 64, fixedClock), fixedClock, 5000, 0.5, cpu);
  assert.ok(adaptive < fixed, `adaptive ${adaptive} ms vs fixed-64 ${fixed} ms`);
  assert.ok(lim.limit >= 128, `limit ${lim.limit}`);
  assert.ok(lim.history.some((w) => w.medianMs > 1.5 * w.baseMs), "latency rose");
});

test("limiter: pauses of the thread do not sink the limit of calls that pipeline", () => {
  // As above, with a pause of 1 ms of the thread (a collection of the heap) every 60 calls. A
  // window that no pause met read a throughput no later single window beat by 1.25×: the limit
  // sank to about 30, and the job ran 0.77× as fast as at a fixed 256. Pooled by power of 2 of the
  // limit, the throughputs compared carry the pauses alike.
  let calls = 0;
  const cpu = (inflight: number) =>
    0.02 + 0.5 / Math.max(1, inflight) + (++calls % 60 === 0 ? 1 : 0);
  const clock = { now: 0 };
  const lim = limiter(64, 256, clock);
  const adaptive = simulate(lim, clock, 5000, 0.5, cpu);
  calls = 0;
  const fixedClock = { now: 0 };
  const fixed = simulate(limiter(256, 256, fixedClock), fixedClock, 5000, 0.5, cpu);
  assert.ok(adaptive < 1.1 * fixed, `adaptive ${adaptive} ms vs fixed-256 ${fixed} ms`);
  assert.ok(lim.limit >= 128, `limit ${lim.limit}`);
});
