// Logic tests of the cost model and the decision, with injected measurements (no timing).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type ModelInputs,
  perfectSplit,
  predictAsync,
  predictInline,
  predictWorkers,
  splitWithHere,
  startCost,
} from "../src/model/cost_model.ts";
import { amongTies, chunkCandidates, decide, workerLadder } from "../src/model/decide.ts";
import { firstLookHere, streamItems } from "../src/model/_optimize_core.ts";
import { loadCannotMatter, settledLoad } from "../src/model/_load.ts";
import { sliceSize } from "../src/model/_task_in_workers.ts";
import {
  asyncFigures,
  awayMs,
  fairFastest,
  ioGain,
  overlap,
  queued,
} from "../src/model/_async_look.ts";
import {
  type ConcurrentBatch,
  emptyProbe,
  servedInTurn,
  threadBound,
} from "../src/measure/_main_probe.ts";
import { estimateMakespan } from "../src/model/_makespan.ts";
import { median, summarize } from "../src/measure/statistics.ts";
import { spreadIndices } from "../src/measure/_spread.ts";
import { mainProbe, Pace, warmPace } from "../src/measure/_main_probe.ts";
import { mainProfile } from "../src/model/_profiles.ts";
import { Source } from "../src/engine/_source.ts";
import { setImmediate } from "node:timers";
import { runtime } from "../src/runtime/mod.ts";
import { decideLimits as limits, modelBase as base } from "./_helpers.ts";

test("statistics: median, mean and CV by hand", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]); // mean 5, population sd 2
  assert.equal(s.mean, 5);
  assert.equal(s.cv, 2 / 5);
  assert.equal(s.min, 2);
  assert.equal(s.max, 9);
  assert.throws(() => summarize([]), RangeError);
});

test("spread indices are distinct, in range, and spread over the data", () => {
  const got = [...spreadIndices(100, new Map())];
  assert.equal(new Set(got).size, 100);
  assert.ok(got.every((i) => i >= 0 && i < 100));
  // Van der Corput cells, jittered: the first two in different halves, the first 8 in every
  // quarter.
  assert.ok(got[0] < 50 && got[1] >= 50, `${got.slice(0, 2)}`);
  const quarters = new Set(got.slice(0, 8).map((i) => Math.floor(i / 25)));
  assert.equal(quarters.size, 4, `${got.slice(0, 8)}`);
  // A period in the data does not alias the sample: every 10th index is not all that is drawn.
  const first = [...spreadIndices(1000, new Map())].slice(0, 16);
  assert.ok(first.some((i) => i % 10 !== 0), `${first}`);
  const skipped = [...spreadIndices(10, new Map([[0, 1], [5, 1]]))];
  assert.ok(!skipped.includes(0) && !skipped.includes(5));
});

test("makespan: equal fixed chunks over 2 workers take ceil(K / 2) waves", () => {
  // 5 chunks of 10 items × 1 ms = 10 ms each; 2 workers: 3 waves = 30 ms.
  const m = estimateMakespan({
    n: 50,
    perItemMs: 1,
    chunkOverheadMs: 0,
    workers: 2,
    chunkSize: 10,
    adaptive: false,
    targetChunkMs: 200,
  });
  assert.equal(m.chunks, 5);
  assert.equal(m.ms, 30);
});

test("makespan: the adaptive (guided) engine leaves a smaller last wave", () => {
  const args = {
    n: 50,
    perItemMs: 1,
    chunkOverheadMs: 0,
    workers: 2,
    chunkSize: 10,
    targetChunkMs: 200,
  };
  const fixed = estimateMakespan({ ...args, adaptive: false }).ms;
  const guided = estimateMakespan({ ...args, adaptive: true }).ms;
  assert.ok(guided < fixed, `guided ${guided} vs fixed ${fixed}`);
  assert.ok(guided >= 25); // never below the ideal 50 ms / 2 workers
});

test("makespan: a long job of short adaptive chunks counts every item, steady waves at once", () => {
  // 10⁹ items of 1 µs (10⁶ ms of work) over 2 workers, chunks of 20 ms capped at 4096 items:
  // about 244,000 chunks, more than are simulated one by one.
  const x = {
    n: 1e9,
    perItemMs: 0.001,
    chunkOverheadMs: 0.01,
    workers: 2,
    chunkSize: 64,
    adaptive: true,
    targetChunkMs: 20,
  };
  const m = estimateMakespan(x);
  const work = (x.n * x.perItemMs) / x.workers;
  const overhead = ((x.n / 4096) * x.chunkOverheadMs) / x.workers;
  assert.ok(m.ms >= work + 0.99 * overhead, `${m.ms} ms for ${work} ms of work per worker`);
  assert.ok(m.ms <= 1.001 * (work + overhead) + 10, `${m.ms} ms`);
  assert.ok(Math.abs(m.chunks - x.n / 4096) < 100, `${m.chunks} chunks`);
});

test("predictWorkers: uniform CPU work on warm workers is N·t / w", () => {
  // 2000 items × 1 ms over 2 warm workers, chunks of 100: 20 chunks, 10 waves of 100 ms.
  const p = predictWorkers(base, 2, 100);
  assert.equal(p.startMs, 0);
  assert.equal(p.computeMs, 1000);
  assert.equal(p.totalMs, 1000);
  assert.equal(p.chunks, 20);
});

test("predictWorkers: main-thread serial work bounds the speedup", () => {
  // Each item costs 0.6 ms of main-thread clone work: 2000 × 0.6 = 1200 ms > 1000 ms compute.
  const p = predictWorkers({ ...base, mainPerItemMs: 0.6 }, 2, 100);
  assert.ok(p.totalMs >= 1200, `got ${p.totalMs}`);
  assert.equal(p.serialMs, 1200);
});

test("predictWorkers: a send that costs more a result in larger posts is charged by chunk size", () => {
  // 0.02 ms a result in chunks of up to 8, 0.3 ms in larger ones (results of 100 KB).
  const sized = { ...base, workerPerItemAt: (c: number) => (c <= 8 ? 0.02 : 0.3) };
  const small = predictWorkers({ ...sized, adaptive: false }, 2, 4);
  const large = predictWorkers({ ...sized, adaptive: false }, 2, 64);
  // 2000 items of 1.02 ms over 2 workers; of 1.3 ms in chunks of 64.
  assert.ok(Math.abs(small.computeMs - 1020) < 1e-9, `${small.computeMs}`);
  assert.ok(Math.abs(large.computeMs - 1300) < 1e-9, `${large.computeMs}`);
  assert.ok(small.totalMs < large.totalMs);
  // Adaptive chunks that grow past 8 pay the larger posts' cost as they grow.
  const grown = predictWorkers({ ...sized, adaptive: true, targetChunkMs: 100 }, 2, 4);
  assert.ok(grown.totalMs > small.totalMs + 100, `${grown.totalMs} vs ${small.totalMs}`);
  // Without a cost by size, the one cost per item as before.
  const flat = predictWorkers({ ...base, workerPerItemMs: 0.02, adaptive: false }, 2, 64);
  assert.ok(Math.abs(flat.computeMs - 1020) < 1e-9, `${flat.computeMs}`);
});

test("startCost: only the workers that are not warm are paid for", () => {
  assert.equal(startCost({ ...base, warmWorkers: 2 }, 2), 0);
  assert.equal(startCost({ ...base, warmWorkers: 0 }, 2), 25 + 15); // first + 1 marginal
  // Workers started after others: the first of them pays a whole start, not the marginal cost.
  assert.equal(startCost({ ...base, warmWorkers: 1 }, 3), 25 + 15);
});

test("predictInline and predictAsync by hand", () => {
  assert.equal(predictInline(base), 2000);
  // 100 items waiting 5 ms with 0.05 ms CPU, 10 in flight: 10 waves × 5 ms = 50 ms.
  assert.equal(predictAsync({ ...base, n: 100, perItemMs: 5 }, 0.05, 10), 50);
  // Calls of 5 ms on average, the longest 60 ms: no run ends before its longest call.
  assert.equal(predictAsync({ ...base, n: 100, perItemMs: 5, maxItemMs: 60 }, 0.05, 100), 60);
  assert.equal(predictAsync({ ...base, n: 200, perItemMs: 5, maxItemMs: 60 }, 0.05, 100), 65);
  // The CPU on the calling thread bounds it: 100 calls of 2 ms CPU each take 200 ms at least.
  assert.equal(predictAsync({ ...base, n: 100, perItemMs: 5 }, 2, 100), 200);
});

test("main-thread look: a second item alone does not set the warm pace: a third runs, the faster counts", async () => {
  // Items of 1 ms on Node: one pause in the look's second item read them at 1.3–2.4 ms, and the
  // plain loop was predicted 25 % slower than it ran. Here the second item is the slow one.
  let calls = 0;
  const fn = (x: unknown) => {
    busyFor(++calls === 2 ? 4 : 1.5, 0);
    return x;
  };
  const look = await mainProbe(fn, new Source<number>(new Array(64).fill(1)), 2, 4096);
  assert.equal(look.items.length, 3, `${look.times}`);
  assert.equal(look.warmPerItemMs, Math.min(look.times[1], look.times[2]));
  // A job of fewer than 32 items takes no third item.
  calls = 0;
  const few = await mainProbe(fn, new Source<number>(new Array(20).fill(1)), 2, 4096);
  assert.equal(few.items.length, 2, `${few.times}`);
});

test("main-thread look: items under warmingUnderMs run past the look's time while their pace warms up", async () => {
  // A task met cold: its first 3 calls take 0.9 ms, the next 15 µs. A look of 2 ms times the three
  // alone (2.7 ms) and stops at their pace; one that warms items under 1 ms (a look of a task this
  // thread never ran) goes on in batches, within a share of the job, to the warm pace.
  let calls = 0;
  const fn = (x: unknown) => {
    busyFor(++calls <= 3 ? 0.9 : 0.015, 0);
    return x;
  };
  const data = new Array(2000).fill(1);
  const cold = await mainProbe(fn, new Source<number>(data), 2, 4096);
  assert.equal(cold.items.length, 3, `${cold.times}`);
  assert.ok(cold.warmPerItemMs >= 0.9, `${cold.warmPerItemMs}`);
  calls = 0;
  const warming = await mainProbe(fn, new Source<number>(data), 2, 4096, { warmingUnderMs: 1 });
  assert.ok(warming.items.length > 3, `${warming.times}`);
  assert.ok(warming.warmPerItemMs < 0.45, `${warming.warmPerItemMs}`);
});

test("main-thread look: `alone` times calls one at a time after the batch, whatever they cost", async () => {
  // Calls of a 25 ms timer: a single call alone costs over ten look times, and the look times none
  // (see `singlesCheap`) — unless told to (`alone`: a second batch after a cold one, where the
  // other way to tell is sampling in a worker). Each call's result is kept either way.
  const fn = async (x: unknown) => {
    await new Promise((r) => setTimeout(r, 25));
    return x;
  };
  const data = Array.from({ length: 600 }, (_, i) => i); // more than a batch holds
  const batchOnly = await mainProbe(fn, new Source<number>(data), 2, 4096);
  assert.equal(batchOnly.times.length, 0, `${batchOnly.times}`);
  const alone = await mainProbe(fn, new Source<number>(data), 2, 4096, { alone: true });
  // (Each such call's time leaves out what this thread waited for a CPU: beside two CPU hogs a
  // call of the 25 ms timer read 22.5 ms, so no bound on it is asserted.)
  assert.ok(alone.times.length >= 1, `${alone.times}`);
  assert.ok(alone.times.every((ms) => ms > 0), `${alone.times}`);
  for (const look of [batchOnly, alone]) {
    look.results.forEach((r, i) => assert.equal(r, i));
    assert.ok(look.results.size > 8, `${look.results.size}`);
  }
});

test("main-thread look: onSingle hears each item run one by one, and whether another follows", async () => {
  // The look's helpers take one more item each time another follows (see `lookHelpers`).
  const fn = (x: unknown) => {
    busyFor(1.5, 0);
    return x;
  };
  for (const [n, nexts] of [[64, [true, true, false]], [20, [true, false]]] as const) {
    const heard: { ran: number; ms: number; next: boolean }[] = [];
    const look = await mainProbe(fn, new Source<number>(new Array(n).fill(1)), 2, 4096, {
      onSingle: (ran, ms, taken, next) => {
        const count = Array.from({ length: n }, (_, i) => i).filter(taken).length;
        assert.equal(count, ran, "the items run so far are taken, no other");
        heard.push({ ran, ms, next });
      },
    });
    assert.equal(look.items.length, nexts.length, `${look.times}`);
    assert.deepEqual(heard.map((h) => h.next), nexts);
    assert.deepEqual(heard.map((h) => h.ran), nexts.map((_, k) => k + 1));
    assert.ok(heard.every((h) => h.ms >= 1.5), `${heard.map((h) => h.ms)}`);
  }
});

test("main-thread look: a batch that met a pause does not set the pace where single items ran faster", async () => {
  // 100 KB results on Node: a batch of two that met a collection of the heap read 0.77 ms an
  // item, the single items beside it 0.25–0.29, and the plain loop was predicted 2× too slow.
  const data = new Array(64).fill(0.1);
  data[1] = 3; // the first batch takes items 1 and 2 (the single items are spread: 0, 32, 16)
  const look = await mainProbe((ms) => busyFor(ms as number, 0), new Source<number>(data), 2, 4096);
  // (Where the single items took the look's whole time, as on a loaded machine, no batch ran:
  // the pace is theirs, and this holds as well.)
  assert.ok(
    look.warmPerItemMs <= warmPace(look.times.slice(1)),
    `${look.warmPerItemMs} against single items ${look.times}`,
  );
});

test("main-thread look: a batch measured half settled tells how long its calls in flight waited", async () => {
  // Calls waiting on timers (this thread idle): two of 5 ms to one of 300 ms. The batch is
  // measured once half its calls settled; the 300 ms calls are still in flight then.
  const sleepy = (ms: unknown) => new Promise((r) => setTimeout(() => r(ms), ms as number));
  const data = Array.from({ length: 60 }, (_, i) => (i % 3 === 2 ? 300 : 5));
  const look = await mainProbe(sleepy, new Source<number>(data), 2, 100);
  try {
    const c = look.concurrent!;
    assert.ok(c, "the calls ran as a batch");
    // (Whether the slow calls are left in flight depends on this thread idling while they wait:
    // a cold process may compute through the batch, and then every call settles first.)
    if (c.calls < c.started) {
      assert.equal(c.pendingMs?.length, c.started - c.calls);
      assert.ok(c.pendingMs!.every((ms) => ms >= 0), `${c.pendingMs}`);
      assert.ok(look.results.inFlightCount > 0, "the slow calls are left in flight");
    } else assert.equal(c.pendingMs, undefined, "every call settled: none pending");
  } finally {
    await look.results.settle();
  }
});

/** Busy-wait `ms` of wall time, counting up from `x` (so the loop is not elided). */
function busyFor(ms: number, x: number): number {
  const end = performance.now() + ms;
  while (performance.now() < end) x++;
  return x;
}

/** The main-thread look at 300 calls of `fn`, on 2 cores, at most 256 in flight. */
const lookAt300 = (fn: (x: unknown) => unknown) =>
  mainProbe(fn, new Source<number>(new Array(300).fill(0)), 2, 4096, { maxCalls: 256, cores: 2 });

// A task wrapped to count its calls started before the first of them settled.
function startsBeforeFirstSettle<T>(task: (x: T) => Promise<unknown>) {
  const seen = { started: 0, beforeSettle: 0, settled: false };
  const fn = (x: unknown) => {
    seen.started++;
    if (!seen.settled) seen.beforeSettle++;
    return task(x as T).finally(() => (seen.settled = true));
  };
  return { fn, seen };
}

test("main-thread look: calls that wait long start before any settles (the batch grows to 256)", async () => {
  // 150 calls of a 400 ms timer: none settles before the batch grows from its first wave of 8 in one step.
  const timer = (ms: number) => new Promise((r) => setTimeout(() => r(ms), ms));
  const all = startsBeforeFirstSettle(timer);
  const look = await mainProbe(all.fn, new Source<number>(new Array(150).fill(400)), 2, 4096, {
    maxCalls: 256,
  });
  // 400 of them, at most 1000 in flight: the growth stops at 256.
  const most = startsBeforeFirstSettle(timer);
  const more = await mainProbe(most.fn, new Source<number>(new Array(400).fill(400)), 2, 4096, {
    maxCalls: 1000,
  });
  try {
    assert.equal(look.concurrent?.started, 150);
    assert.equal(all.seen.beforeSettle, 150, `${all.seen.beforeSettle} started first`);
    assert.equal(most.seen.beforeSettle, 256, `${most.seen.beforeSettle} started first`);
  } finally {
    await look.results.settle();
    await more.results.settle();
  }
});

// A task wrapped to count its calls started before the event loop turned once after the first.
function startsBeforeATurn<T>(task: (x: T) => Promise<unknown>) {
  const seen = { started: 0, beforeTurn: 0, turned: false };
  const fn = (x: unknown) => {
    if (seen.started++ === 0) setTimeout(() => (seen.turned = true), 0);
    if (!seen.turned) seen.beforeTurn++;
    return task(x as T);
  };
  return { fn, seen };
}

test("main-thread look: a first wave from an earlier look of the task starts at once, without the wait to grow", async () => {
  // 150 calls of a 40 ms timer. By default a first wave of 8 starts beside the first call, and the
  // batch grows once none settled within 1 ms (a timer: the event loop turns first); with a first
  // wave of 64 (an earlier look's, see `idleWave`), 64 start before it turns.
  const timer = (ms: number) => new Promise((r) => setTimeout(() => r(ms), ms));
  const data = () => new Source<number>(new Array(150).fill(40));
  const plain = startsBeforeATurn(timer);
  const look = await mainProbe(plain.fn, data(), 2, 4096, { maxCalls: 256 });
  const waved = startsBeforeATurn(timer);
  const again = await mainProbe(waved.fn, data(), 2, 4096, { maxCalls: 256, firstWave: 64 });
  try {
    assert.equal(plain.seen.beforeTurn, 8);
    assert.equal(waved.seen.beforeTurn, 64);
    assert.equal(again.concurrent?.grewIdle, true, "a batch grown at once says so");
  } finally {
    await look.results.settle();
    await again.results.settle();
  }
});

// A task wrapped to count its calls started, and the most of them in flight at once.
function inFlight<T>(task: (x: T) => Promise<unknown>) {
  const seen = { started: 0, now: 0, most: 0 };
  const fn = (x: unknown) => {
    seen.started++;
    seen.most = Math.max(seen.most, ++seen.now);
    return task(x as T).finally(() => seen.now--);
  };
  return { fn, seen };
}

test("main-thread look: a batch at its cap of calls that wait keeps the cap in flight while it is measured", async () => {
  // 400 calls of a 40 ms timer, at most 64 in flight: each call of the batch that settles before
  // half of it did makes room for the next item (started outside the batch, handed on in flight).
  const timer = (ms: number) => new Promise((r) => setTimeout(() => r(ms), ms));
  const { fn, seen } = inFlight(timer);
  const look = await mainProbe(fn, new Source<number>(new Array(400).fill(40)), 2, 4096, {
    maxCalls: 64,
    refill: true,
  });
  try {
    assert.equal(look.concurrent?.started, 64); // the batch, measured as before
    assert.ok(seen.most <= 64, `${seen.most} in flight at once`);
    assert.ok(seen.started > 64, `${seen.started} calls started`);
    assert.equal(look.results.handled, seen.started); // every one kept or handed on in flight
  } finally {
    await look.results.settle();
  }
});

test("main-thread look: calls that compute once they settle are not refilled past a few", async () => {
  // A 30 ms timer, then 6 ms of work: the batch grew (nothing settled within 1 ms), and the work
  // after the wait holds this thread once calls settle: the refills stop at the first check
  // (8 of them: over 20 ms of this thread's CPU since the first call settled, of 16 possible).
  const { fn, seen } = inFlight(async (x: number) => {
    await new Promise((r) => setTimeout(r, 30));
    return busyFor(6, x);
  });
  const look = await mainProbe(fn, new Source<number>(new Array(400).fill(0)), 2, 4096, {
    maxCalls: 32,
    refill: true,
  });
  try {
    assert.ok(seen.started <= 32 + 8, `${seen.started} calls started`);
  } finally {
    await look.results.settle();
  }
});

test("main-thread look: calls that settle soon, then compute, stop the batch before it doubles", async () => {
  // A 1 ms timer, then 5 ms of work: the first call settles before the batch doubles, and the
  // CPU per call then bounds it (20 ms of it).
  const { fn, seen } = startsBeforeFirstSettle(async (x: number) => {
    await new Promise((r) => setTimeout(r, 1));
    const end = performance.now() + 5;
    while (performance.now() < end) x++;
    return x;
  });
  const look = await mainProbe(fn, new Source<number>(new Array(300).fill(0)), 2, 4096, {
    maxCalls: 256,
  });
  try {
    // A first wave of 8 and what the CPU per call allows; or 256 (the cap) where this thread
    // was held past the 1 ms and a runtime ran the growth's timer before the first call's
    // continuation.
    const started = look.concurrent!.started;
    assert.ok(started < 150 || seen.beforeSettle === 256, `${started} calls in the batch`);
  } finally {
    await look.results.settle();
  }
});

test("main-thread look: calls that settle at once, then compute, hold a first wave of a few", async () => {
  // An await of one turn of the event loop (a fast read, a cached reply), then 4 ms of work: the
  // first wave's calls settle at once and the CPU each took bounds the batch (20 ms of it, or a
  // twentieth of the job over the cores: 30 ms here). A first wave of 64 held this thread for
  // 64 calls' work (150 fetches then 8–11 ms of YAML parsing each: the look took 650–890 ms).
  const { fn } = startsBeforeFirstSettle(async (x: number) => {
    await new Promise((r) => setImmediate(r));
    return busyFor(4, x);
  });
  const look = await lookAt300(fn);
  try {
    // Or every call the cap allows, where this thread was held past the growth's 1 ms timer (a
    // loaded machine) and the timer ran before the calls' continuations: none had settled then.
    const started = look.concurrent!.started;
    assert.ok(started <= 16 || started === 256, `${started} calls in the batch`);
  } finally {
    await look.results.settle();
  }
});

test("main-thread look: calls that compute while cold, then only wait, are judged by a warm batch", async () => {
  // A client library's first calls compile its code (75 calls to a Redis server: 38–58 ms, 30–46
  // of them on this CPU; warm, 0.2–0.5 ms a call alone, 0.08 ms a call in flight): here the
  // first 9 calls — the first wave and one alone — compute 4 ms after a 1 ms timer, the next only
  // wait. The first batch then showed no gain from overlapping (8 × 5 ms in 35–37 ms), the task went
  // to sampling in a worker, and a first call of automatic execute took up to 4× the async executor.
  let calls = 0;
  const fn = async (item: unknown) => {
    const cold = calls++ < 9;
    await new Promise((r) => setTimeout(r, 1));
    return busyFor(cold ? 4 : 0, item as number);
  };
  const look = await lookAt300(fn);
  try {
    const c = look.concurrent!;
    assert.ok(overlap(look, 2, 1.2) !== undefined, `no gain read: ${JSON.stringify(c)}`);
  } finally {
    await look.results.settle();
  }
});

test("the plain loop is predicted at the calling thread's own measured speed", () => {
  // A main thread 1.5× slower than a worker (Deno's hot loops, measured): the plain loop takes
  // 1.5× longer, the worker configurations do not change, the speedup grows accordingly.
  const same = decide({ ...base, warmWorkers: 0 }, limits);
  const slowMain = decide({ ...base, warmWorkers: 0, inlineItemMs: 1.5 }, limits);
  assert.equal(predictInline({ ...base, inlineItemMs: 1.5 }), 3000);
  assert.equal(slowMain.serialMs, 1.5 * same.serialMs);
  assert.equal(slowMain.predictedMs, same.predictedMs);
  assert.ok(Math.abs(slowMain.predictedSpeedup / same.predictedSpeedup - 1.5) < 1e-9);
  // A faster main thread can make the plain loop win outright.
  const fastMain = decide({ ...base, warmWorkers: 0, inlineItemMs: 0.5 }, limits);
  assert.equal(fastMain.executor, "inline");
});

test("decide: under a quota of 1.5 cores two workers share it (1.5×, not 2×)", () => {
  // 2000 items of 1 ms: two workers with the CPU of 1.5 cores take 2000 / 1.5 ms; one worker
  // cannot beat the plain loop. With the CPU of 1.1 cores two workers reach 1.1×: refused.
  const free = decide({ ...base, warmWorkers: 2 }, limits);
  const quota = decide({ ...base, warmWorkers: 2, cores: 1.5 }, limits);
  assert.equal(quota.executor, "workers");
  assert.equal(quota.workers, 2);
  assert.ok(Math.abs(quota.predictedSpeedup - 1.5) < 0.02, `${quota.predictedSpeedup}`);
  assert.ok(Math.abs(free.predictedSpeedup - 2) < 0.02, `${free.predictedSpeedup}`);
  assert.equal(decide({ ...base, warmWorkers: 2, cores: 1.1 }, limits).executor, "inline");
});

test("decide: a tiny job stays inline", () => {
  const d = decide({
    ...base,
    n: 100,
    perItemMs: 0.001,
    maxItemMs: 0.001,
    warmWorkers: 0,
    chunkMs: 0.05,
    roundTripMs: 0.1,
  }, limits);
  assert.equal(d.executor, "inline");
  assert.match(d.reason, /Inline/);
});

test("decide: a long CPU job uses every core", () => {
  const d = decide({ ...base, warmWorkers: 0, chunkMs: 0.05, roundTripMs: 0.1 }, limits);
  assert.equal(d.executor, "workers");
  assert.equal(d.workers, 2);
  assert.ok(d.predictedSpeedup > 1.8 && d.predictedSpeedup <= 2);
});

test("decide: a stream of unknown length is judged on a second of its work, in chunks of a chunk's target", () => {
  // 1 ms items from a generator, two cold workers: counted as one item the stream never paid
  // for a worker; judged on `streamItems(1)` = 1000 items it takes both, in chunks of at most
  // targetChunkMs of work (10 items of 1 ms).
  const stream = { ...base, warmWorkers: 0, chunkMs: 0.05, roundTripMs: 0.1, targetChunkMs: 10 };
  assert.equal(decide({ ...stream, n: 1 }, limits).executor, "inline");
  const n = streamItems(1);
  assert.equal(n, 1000);
  const d = decide({ ...stream, n }, { ...limits, mostChunk: 10 });
  assert.equal(d.executor, "workers");
  assert.equal(d.workers, 2);
  assert.ok(d.chunkSize <= 10, `chunk ${d.chunkSize}`);
  assert.ok(chunkCandidates({ ...stream, n }, 2, 10).every((c) => c <= 10));
  assert.equal(streamItems(0), undefined); // no per-item time: no nominal count
});

test("decide: minSpeedup refuses a marginal gain", () => {
  const d = decide({ ...base, warmWorkers: 0 }, { ...limits, minSpeedup: 2.5 });
  assert.equal(d.executor, "inline");
  assert.match(d.reason, /below minSpeedup 2.5/);
});

test('decide: workers predicted slower than the plain loop are said to be, not "faster"', () => {
  // Items 5× slower on a worker (each sent whole, say): two workers take 2.5× the plain loop.
  const d = decide({ ...base, workerPerItemMs: 5 }, limits);
  assert.equal(d.executor, "inline");
  assert.match(
    d.reason,
    /\(2 workers, .*only 0\.\d\d× as fast as the plain loop, below minSpeedup/,
  );
  assert.doesNotMatch(d.reason, /faster/);
});

test("decide: memory and nested-parallelism caps limit the workers", () => {
  const wide = { ...base, cores: 8 };
  const free = decide(wide, { ...limits, maxWorkers: 8 });
  assert.equal(free.workers, 8);
  const mem = decide(wide, { ...limits, maxWorkers: 8, memoryWorkers: 3 });
  assert.equal(mem.workers, 3);
  assert.ok(mem.alternatives.some((a) => a.rejected === "memory cap"));
  const nested = decide(wide, { ...limits, maxWorkers: 8, nestedWorkers: 2 });
  assert.equal(nested.workers, 2);
});

test("decide: calls measured overlapped bound the async prediction, whatever the CPU clock says", () => {
  // 1 ms per call one at a time; the CPU clock says the whole 1 ms is CPU (an in-process server
  // counts too), so the async executor looks no better than the plain loop; 16 calls at once were
  // measured at 0.2 ms each: async at that pace beats 2 workers.
  const m = { ...base, n: 1000, warmWorkers: 2 };
  const clockOnly = decide(m, { ...limits, isAsync: true, cpuPerItemMs: 1 });
  assert.equal(clockOnly.executor, "workers");
  const measured = decide(m, { ...limits, isAsync: true, cpuPerItemMs: 1, asyncItemMs: 0.2 });
  assert.equal(measured.executor, "async");
  assert.equal(measured.predictedMs, 200);
});

test("decide: an async task that overlapping calls speed up by minSpeedup takes workers only when they are predicted far faster", () => {
  // 200 calls of 1 ms alone, 0.6 ms a call when overlapped (measured): async 1.67×. Two warm
  // workers, one call at a time each, are predicted near 2× — their scaling over the service is
  // assumed, not measured, and their number is fixed: the async executor runs it.
  const m = { ...base, n: 200, perItemMs: 1, maxItemMs: 1 };
  const io = { ...limits, isAsync: true, cpuPerItemMs: 1, asyncItemMs: 0.6 };
  const two = decide(m, io);
  const workers = two.alternatives.filter((a) => a.executor === "workers" && !a.rejected)
    .reduce((a, b) => (a.predictedMs <= b.predictedMs ? a : b));
  assert.ok(two.serialMs / workers.predictedMs > 200 / 120, "workers predicted faster");
  assert.equal(two.executor, "async");
  assert.equal(two.predictedMs, 120);
  // Eight cores: workers predicted over 1.5× the async executor's speedup win.
  const eight = decide({ ...m, cores: 8, warmWorkers: 8 }, { ...io, maxWorkers: 8 });
  assert.equal(eight.executor, "workers");
  assert.ok(eight.predictedSpeedup > 1.5 * (200 / 120), `${eight.predictedSpeedup}`);
  // Overlapping that does not pay by minSpeedup on its own (1.18×): workers, as before.
  assert.equal(decide(m, { ...io, asyncItemMs: 0.85 }).executor, "workers");
});

test("decide: a batch served in turn bounds the async prediction by its pace, at any concurrency", () => {
  // 300 calls of 1 ms alone; 64 of them at once answered at 0.5 ms a call (a pool of two):
  // in waves of 64 the run would take 5 ms (60×); served in turn, no less than 150 ms (2×).
  const m = { ...base, n: 300, perItemMs: 1, maxItemMs: 1 };
  const io = { ...limits, isAsync: true, cpuPerItemMs: 0.01, asyncItemMs: 0.5 };
  const waves = decide(m, io);
  assert.equal(waves.executor, "async");
  assert.ok(waves.predictedSpeedup > 50, `${waves.predictedSpeedup}`);
  const inTurn = decide(m, { ...io, asyncQueued: true });
  assert.equal(inTurn.executor, "async");
  assert.equal(inTurn.predictedMs, 150);
  assert.equal(inTurn.predictedSpeedup, 2);
});

test("queued: calls answered in turn, each later than one alone, not calls of their own latencies", () => {
  const look = (latencyMs: number[], times: number[]) => ({
    ...emptyProbe(),
    isAsync: true,
    warmTimes: true,
    times,
    concurrent: { started: latencyMs.length, calls: latencyMs.length, wallMs: 20, latencyMs },
  });
  const inTurn = Array.from({ length: 16 }, (_, k) => 1 + k); // a pool of one, 1 ms a call
  assert.equal(queued(look(inTurn, [1])), true);
  // The same latencies of calls that take that long alone: no queue.
  assert.equal(queued(look(inTurn, [10])), false);
  // Their own varied latencies, in any order (one alone 3 ms): no queue either.
  const varied = [120, 3, 250, 41, 9, 180, 77, 290, 15, 60];
  assert.equal(queued(look(varied, [3])), false);
  // Too few calls to tell.
  assert.equal(queued(look([1, 2, 3, 4, 5], [1])), false);
});

test("decide: an async task that nothing speeds up by minSpeedup runs on the async executor, from the calls predicted to gain", () => {
  // Calls that compute (1 ms of CPU each) on one core: no overlap gain, no worker: one call at a
  // time to start, the plain loop's pace, and the limiter adds calls while they gain.
  const computes = decide(
    { ...base, n: 200, perItemMs: 1, maxItemMs: 1 },
    { ...limits, maxWorkers: 1, isAsync: true, cpuPerItemMs: 1 },
  );
  assert.equal(computes.executor, "async");
  assert.equal(computes.concurrency, 1);
  assert.equal(computes.predictedSpeedup, 1);
  assert.equal(computes.predictedMs, computes.serialMs);
  assert.match(computes.reason, /not predicted to gain/);
  // A batch served in turn at 0.85 ms a call, for calls of 1 ms alone: 1.18×, under 1.2; the
  // start is the concurrency predicted, not one call at a time.
  const gains = decide(
    { ...base, n: 200, perItemMs: 1, maxItemMs: 1 },
    {
      ...limits,
      maxWorkers: 1,
      isAsync: true,
      cpuPerItemMs: 0.01,
      asyncItemMs: 0.85,
      asyncQueued: true,
    },
  );
  assert.equal(gains.executor, "async");
  assert.ok(gains.concurrency > 1, `${gains.concurrency}`);
  assert.ok(
    gains.predictedSpeedup > 1 && gains.predictedSpeedup < 1.2,
    `${gains.predictedSpeedup}`,
  );
  // Workers that pay still win: calls that compute, on two cores.
  const twoCores = decide(
    { ...base, n: 200, perItemMs: 1, maxItemMs: 1 },
    { ...limits, isAsync: true, cpuPerItemMs: 1 },
  );
  assert.equal(twoCores.executor, "workers");
});

test("decide: an I/O-bound async task goes to the async executor", () => {
  const d = decide(
    { ...base, n: 200, perItemMs: 5, maxItemMs: 5 },
    { ...limits, isAsync: true, cpuPerItemMs: 0.05 },
  );
  assert.equal(d.executor, "async");
  assert.equal(d.concurrency, 100); // 10 ms of CPU holds two waves of 5 ms (= wait / CPU here)
  // Two calls left beside the look's calls in flight: the concurrency is the whole job's (the
  // decision is kept for it), not two.
  const rest = decide(
    { ...base, n: 2, perItemMs: 5, maxItemMs: 5 },
    { ...limits, isAsync: true, cpuPerItemMs: 0.05, jobItems: 200 },
  );
  assert.equal(rest.executor, "async");
  assert.equal(rest.concurrency, 100);
});

test("decide: a job of a few waves starts all the calls its CPU time cannot cover in fewer", () => {
  // 120 calls of 50 ms with 0.65 ms of CPU each (78 ms in all): the CPU ratio (77 in flight)
  // leaves two waves, a latency more than one; all 120 at once fit one wave.
  const few = decide(
    { ...base, n: 120, perItemMs: 50, maxItemMs: 50 },
    { ...limits, isAsync: true, cpuPerItemMs: 0.65 },
  );
  assert.equal(few.executor, "async");
  assert.equal(few.concurrency, 120);
  // 300 of them (195 ms of CPU): three waves fit in it, 100 in flight.
  const more = decide(
    { ...base, n: 300, perItemMs: 50, maxItemMs: 50 },
    { ...limits, isAsync: true, cpuPerItemMs: 0.65 },
  );
  assert.equal(more.concurrency, 100);
  // 10,000 of them: about the wait over the CPU a call needs (50 / 0.65).
  const long = decide(
    { ...base, n: 10_000, perItemMs: 50, maxItemMs: 50 },
    { ...limits, isAsync: true, cpuPerItemMs: 0.65 },
  );
  assert.equal(long.concurrency, 77);
});

test("decide: a batch whose calls queued starts the async executor near what its throughput needs (Little's law), never under the batch's own calls", () => {
  // Calls of 0.4 ms alone that overlapped at 0.1 ms a call: 4 in flight sustain that throughput;
  // the start is 4× past them, under the floor of 64 that the CPU ratio alone would get.
  const m = { ...base, n: 600, perItemMs: 0.4, maxItemMs: 0.4 };
  const io = { ...limits, isAsync: true, cpuPerItemMs: 0.05 }; // wait / CPU = 8
  assert.equal(decide(m, io).concurrency, 64);
  const queued = decide(m, { ...io, asyncItemMs: 0.1 });
  assert.equal(queued.executor, "async");
  assert.equal(queued.concurrency, 16);
  // Never under the calls the batch had in flight (its throughput's concurrency), up to the
  // floor of 64.
  assert.equal(decide(m, { ...io, asyncItemMs: 0.1, asyncBatchCalls: 40 }).concurrency, 40);
  assert.equal(decide(m, { ...io, asyncItemMs: 0.1, asyncBatchCalls: 130 }).concurrency, 64);
  assert.equal(decide(m, { ...io, asyncItemMs: 0.1, asyncBatchCalls: 8 }).concurrency, 16);
  // Never under the CPU ratio: 8 calls cover the wait with the CPU each needs.
  assert.equal(decide(m, { ...io, asyncItemMs: 0.8 }).concurrency, 8);
  // Calls of 50 ms that overlapped at 0.25 ms a call: 200 in flight, 4× past the floor: 64.
  const far = { ...base, n: 300, perItemMs: 50, maxItemMs: 50 };
  const farIo = { ...limits, isAsync: true, cpuPerItemMs: 2, asyncItemMs: 0.25 };
  assert.equal(decide(far, farIo).concurrency, 64);
});

test("decide: calls measured to overlap near-linearly start the async executor 4× past them", () => {
  const m = { ...base, n: 1000, perItemMs: 50, maxItemMs: 50 };
  const io = { ...limits, isAsync: true, cpuPerItemMs: 2 }; // wait / CPU = 25: below the floor
  assert.equal(decide(m, io).concurrency, 64);
  assert.equal(decide(m, { ...io, asyncLinearCalls: 32 }).concurrency, 128);
  assert.equal(decide(m, { ...io, asyncLinearCalls: 64 }).concurrency, 256); // maxConcurrency
  assert.equal(decide(m, { ...io, asyncLinearCalls: 64, maxConcurrency: 100 }).concurrency, 100);
  assert.equal(decide({ ...m, n: 90 }, { ...io, asyncLinearCalls: 64 }).concurrency, 90);
});

test("decide: fine-grained work on many cores can prefer fewer workers (main thread bound)", () => {
  // 1 µs items with 0.4 µs of main-thread clone each: at 16 cores the main thread is the limit.
  const m = {
    ...base,
    n: 200_000,
    perItemMs: 0.001,
    maxItemMs: 0.001,
    mainPerItemMs: 0.0004,
    workerPerItemMs: 0.0004,
    chunkMs: 0.05,
    roundTripMs: 0.1,
    cores: 16,
    warmWorkers: 0,
    marginalStartMs: 15,
    adaptive: true,
  };
  const d = decide(m, { ...limits, maxWorkers: 16 });
  assert.equal(d.executor, "workers");
  assert.ok(d.workers < 16, `chose ${d.workers}`);
});

test("decide: on many cores the worker counts between rungs are searched around the fastest, as every count would be", () => {
  // Jobs whose predicted time steps with the waves of chunks (50 items of 20 ms: 10, 13, 17 and
  // 25 workers run 5, 4, 3 and 2 waves), cold and warm pools, other processes' load, caps.
  const jobs: Partial<ModelInputs>[] = [
    { n: 50, perItemMs: 20, maxItemMs: 20 },
    { n: 300, perItemMs: 5, maxItemMs: 30, cv: 0.8 },
    { n: 2000, perItemMs: 1, maxItemMs: 3, cv: 0.3, adaptive: true, targetChunkMs: 10 },
    { n: 100_000, perItemMs: 0.05, maxItemMs: 0.2, mainPerItemMs: 0.0005, adaptive: true },
    { n: 1_000_000, perItemMs: 0.001, maxItemMs: 0.01, mainPerItemMs: 0.0005, adaptive: true },
    { n: 40, perItemMs: 100, maxItemMs: 150, warmWorkers: 8, externalLoad: 3 },
  ];
  for (const cores of [2, 8, 17, 48, 128]) {
    for (const job of jobs) {
      for (const cap of [cores, Math.ceil(cores / 3)]) {
        const m: ModelInputs = {
          ...base,
          chunkMs: 0.05,
          roundTripMs: 0.1,
          warmWorkers: 0,
          firstStartMs: 25,
          marginalStartMs: 8,
          ...job,
          cores,
        };
        const lim = { ...limits, maxWorkers: cores, memoryWorkers: cap };
        const d = decide(m, lim);
        // Every count up to the cap, every chunk size: the fastest, ties broken as decide does.
        const all = [];
        for (let w = 1; w <= cap; w++) {
          for (const c of chunkCandidates(m, w)) all.push(predictWorkers(m, w, c));
        }
        const fastest = all.reduce((a, b) => (b.totalMs < a.totalMs ? b : a));
        const want = amongTies(fastest, all, m.n!, (p) => p.totalMs);
        const what = `${cores} cores, cap ${cap}, ${JSON.stringify(job)}`;
        assert.equal(d.best!.workers, want.workers, what);
        assert.equal(d.best!.chunkSize, want.chunkSize, what);
        const counts = new Set(
          d.alternatives.filter((a) => a.executor === "workers").map((a) => a.workers),
        );
        assert.ok(counts.size <= Math.min(cores, 50), `${what}: ${counts.size} worker counts`);
      }
    }
  }
  assert.deepEqual(workerLadder(128, 128).slice(14), [
    15,
    16,
    19,
    23,
    27,
    32,
    38,
    45,
    54,
    64,
    76,
    91,
    108,
    128,
  ]);
});

test("chunkCandidates include powers of 4 and the target-duration size", () => {
  const c = chunkCandidates({ ...base, perItemMs: 0.5 }, 2);
  for (const x of [1, 4, 16, 64, 256, 1024, 400]) assert.ok(c.includes(x), `missing ${x}`);
  assert.ok(c.every((x) => x >= 1 && x <= 2000));
});

test("predictWorkers: other processes' threads share the cores (fair share)", () => {
  // 2 cores, 2 busy threads elsewhere. Sampling ran as 1 of 3 threads (share 2/3 of a core); 2
  // workers run as 2 of 4 (share 1/2 each): 2 × (1/2) / (2/3) = 1.5× the sampling speed.
  const quiet = predictWorkers(base, 2, 100);
  const loaded = predictWorkers({ ...base, externalLoad: 2 }, 2, 100);
  assert.equal(quiet.totalMs, 1000);
  assert.ok(Math.abs(loaded.totalMs - 2000 / 1.5) < 1, `got ${loaded.totalMs}`);
});

test("main-thread look: the pace is steady after two timeable batches within 20 %", () => {
  const pace = new Pace();
  pace.add(0.01, 100); // too short to time: ignored
  pace.add(0.2, 100); // 2 µs per item
  assert.equal(pace.steady, false);
  pace.add(0.2, 200); // 1 µs: the JIT tiered the task up, not yet steady
  assert.equal(pace.steady, false);
  pace.add(0.46, 400); // 1.15 µs: within 20 % of the last
  assert.equal(pace.steady, true);
  pace.add(1.6, 800); // 2 µs: preempted, not steady any more
  assert.equal(pace.steady, false);
  assert.equal(pace.calls, 1600);
});

test("main-thread look: a synchronous task's steady pace ends the look only past 1,024 calls", async () => {
  // Two batches of a lower JIT tier agreed after ~60 calls: the look stopped there and read a
  // warm microsecond task at twice its time. A clock that reads 1 ms a call from the 65th call
  // on (and none before) keeps every pace after it steady.
  let calls = 0;
  const clock = { t: 0 };
  const task = (x: unknown) => {
    calls++;
    if (calls > 64) clock.t += 0.001;
    return x;
  };
  const src = new Source<number>(Array.from({ length: 100_000 }, (_, i) => i));
  const rt = runtime();
  const now = rt.now;
  (rt as { now: () => number }).now = () => clock.t;
  try {
    const look = await mainProbe(task, src, 2, 100_000);
    assert.ok(look.results.size >= 1024, `the look stopped after ${look.results.size} calls`);
  } finally {
    (rt as { now: () => number }).now = now;
  }
});

test("main-thread look: a synchronous task of short items still warming up is looked at past the look's time, within a share of its job", async () => {
  // A lower tier's pace for the first 1,000 calls (4 µs a call on this injected clock), then the
  // warm one (1 µs): 2 ms of look ran 500 calls and read the job at four times its time.
  let calls = 0;
  const clock = { t: 0 };
  const task = (x: unknown) => {
    clock.t += ++calls <= 1000 ? 0.004 : 0.001;
    return x;
  };
  const rt = runtime();
  const now = rt.now;
  (rt as { now: () => number }).now = () => clock.t;
  const look = async (n: number) => {
    calls = 0;
    clock.t = 0;
    const src = new Source<number>(Array.from({ length: n }, (_, i) => i));
    return await mainProbe(task, src, 2, 100_000);
  };
  try {
    // 100,000 items (400 ms at the cold pace): up to a tenth of it, 16 ms at most, until warm.
    const long = await look(100_000);
    assert.equal(long.warmPerItemMs.toFixed(6), "0.001000");
    assert.ok(clock.t <= 2 * 16, `the look took ${clock.t} ms`);
    // 4,000 items (16 ms at the cold pace): a tenth is under the look's time; it stops there.
    const short = await look(4_000);
    assert.equal(short.warmPerItemMs.toFixed(6), "0.004000");
    assert.ok(short.results.size < 1000, `${short.results.size} items looked at`);
  } finally {
    (rt as { now: () => number }).now = now;
  }
});

test("main-thread look: at least one item runs even when its time budget is already spent", async () => {
  const src = new Source<number>([1, 2, 3, 4]);
  const look = await mainProbe((x) => (x as number) * 2, src, 0, 3);
  assert.ok(look.times.length >= 1, `${look.times.length} items timed`);
  look.results.forEach((r, i) => assert.equal(r, 2 * (i + 1)));
  assert.equal(look.results.size, look.times.length);
});

test("main-thread look: the rest of an array that takes less than its budget runs too", async () => {
  // A budget no pace can exceed (1000 s) with at most 100 items before it would stop: the look
  // finishes the array, past `maxItems`, and keeps every result at its index. (One single item:
  // the warm single items' check, which preemption can sway, has nothing to read.)
  const data = Array.from({ length: 20_000 }, (_, i) => i);
  const look = await mainProbe((x) => (x as number) * 2, new Source<number>(data), 1e6, 100, {
    single: 1,
  });
  assert.equal(look.results.size, data.length);
  look.results.forEach((r, i) => assert.equal(r, 2 * i));
  assert.ok(look.items.length < data.length, "long batches keep a spread of their items");
});

test("main-thread look: a finished array runs each item once, the single items inside batches", async () => {
  // The single items spread over the array (the first ones and the finishing probes) lie inside
  // the finishing batches, which run around them: every item once, every result at its index.
  const n = 20_000;
  const calls = new Uint8Array(n);
  const look = await mainProbe(
    (x) => {
      calls[x as number]++;
      return -(x as number);
    },
    new Source<number>(Array.from({ length: n }, (_, i) => i)),
    1e6,
    100,
  );
  assert.ok(look.times.length >= 3, `${look.times.length} single items`);
  assert.equal(look.results.size, n);
  assert.deepEqual([...new Set(calls)], [1], "each item once");
  assert.equal(look.results.keptUntil(0), n);
  look.results.forEach((r, i) => assert.equal(r, -i));
});

test("main-thread look: items that cost more further on are not finished in the look", async () => {
  // The first quarter is cheap, the rest spins 0.2 ms an item: the warm pace of the first items
  // says nothing of the rest, which the single items spread over the array meet.
  const n = 4000;
  const data = Array.from({ length: n }, (_, i) => i);
  const costly = (x: unknown) => {
    if ((x as number) >= n / 4) {
      const end = performance.now() + 0.2;
      while (performance.now() < end) { /* spin */ }
    }
    return x;
  };
  const look = await mainProbe(costly, new Source<number>(data), 2, 100);
  assert.ok(look.results.size < n / 2, `${look.results.size} items ran`);
});

test("main-thread look: a task that returns a Promise for some items keeps every result", async () => {
  const data = Array.from({ length: 5000 }, (_, i) => i);
  const sometimes = (x: unknown) =>
    (x as number) % 7 === 3 ? Promise.resolve((x as number) + 1) : (x as number) + 1;
  const look = await mainProbe(sometimes, new Source<number>(data), 1e6, 100);
  assert.equal(look.isAsync, true);
  assert.ok(look.results.size > 0);
  look.results.forEach((r, i) => assert.equal(r, i + 1));
});

test("main-thread look: a cold first item under 10 look times is followed by a warm second", async () => {
  // The first call spins 6 ms (cold), every other one returns at once: past the look's 5 ms
  // after the first item, a second still runs, and the warm per-item time is the items' after
  // the first (not compared with the first's time: a thread preempted for 6 ms during the second
  // call, beside two CPU hogs, once made the second as slow as the first).
  let calls = 0;
  const coldFirst = (x: unknown) => {
    if (calls++ === 0) {
      const end = performance.now() + 6;
      while (performance.now() < end) { /* cold */ }
    }
    return x;
  };
  const look = await mainProbe(coldFirst, new Source<number>([1, 2, 3, 4, 5, 6, 7, 8]), 5, 100);
  assert.ok(look.times.length >= 2, `${look.times.length} items timed`);
  assert.equal(look.warmPerItemMs, median(look.times.slice(1)), `times ${look.times}`);
});

test("decide: configurations the model cannot tell apart are broken toward 8 chunks per worker", () => {
  // 400 items of 0.25 ms on 2 warm workers, chunks that cost little: every chunk size from 1 to
  // 100 is predicted within 1 % of the others; the pick is 25 items (8 chunks per worker).
  const flat: ModelInputs = {
    ...base,
    n: 400,
    perItemMs: 0.25,
    maxItemMs: 0.25,
    chunkMs: 0.06,
    roundTripMs: 0.25,
    adaptive: true,
  };
  const d = decide(flat, { ...limits, cpuPerItemMs: 0.25 });
  assert.equal(d.executor, "workers");
  assert.equal(
    d.chunkSize,
    25,
    d.alternatives.map((a) => `${a.chunkSize}: ${a.predictedMs}`).join(", "),
  );
  // Where the model tells them apart (0.5 ms a chunk, fixed sizes: chunks of 25 cost 14 % more
  // than the best), the fastest stands, or one within 2 % of it.
  const costly = decide({ ...flat, adaptive: false, chunkMs: 0.5 }, {
    ...limits,
    cpuPerItemMs: 0.25,
  });
  assert.ok(costly.chunkSize >= 100, `chunks of ${costly.chunkSize}`);
  assert.ok(
    costly.predictedMs <= 1.02 * Math.min(...costly.alternatives.map((a) => a.predictedMs)),
  );
});

test("perfectSplit: on many cold cores the best split starts fewer workers than cores", () => {
  const cold = { warmWorkers: 0, firstStartMs: 27, marginalStartMs: 15 };
  // 150 ms of work: all 16 workers would take 9.4 + 252 ms (0.57×); 3 of them 1.40×.
  const many = perfectSplit(150, 16, 16, cold);
  assert.equal(many.workers, 3);
  assert.ok(many.speedup >= 1.2, `${many.speedup}×`);
  // The same on 2 cores: only 2 workers, 1.28×.
  assert.equal(perfectSplit(150, 2, 2, cold).workers, 2);
  // A warm pool: the split is perfect but for the round trips.
  const warm = perfectSplit(150, 16, 16, { ...cold, warmWorkers: 16 });
  assert.equal(warm.workers, 16);
  assert.ok(warm.speedup > 15, `${warm.speedup}×`);
  // Too small whatever the count: 20 ms on cold workers.
  assert.ok(perfectSplit(20, 16, 16, cold).speedup < 1.2);
});

test("perfectSplit: a worker that holds the task runs items while the others start and load it", () => {
  // 800 ms of work; one worker loaded the task, a second one starts (27 ms) and loads it (250
  // ms): the first runs alone for 277 ms, then both share the 523 ms left (1.48×). Charged to
  // both, the start and load left 1.15×, under the 1.2× a run on workers needs.
  const one = { warmWorkers: 1, loadedWorkers: 1, firstStartMs: 27, marginalStartMs: 15 };
  const split = perfectSplit(800, 2, 2, { ...one, loadMs: 250 });
  assert.ok(split.speedup > 1.45 && split.speedup < 1.5, `${split.speedup}×`);
  // Less work than the others' start and load: the loaded worker alone, no gain.
  assert.ok(perfectSplit(200, 2, 2, { ...one, loadMs: 250 }).speedup < 1);
  // A task of its own source (nothing to load): the warm worker does not wait for the other.
  assert.ok(perfectSplit(800, 2, 2, { ...one, loadedWorkers: 0 }).speedup > 1.9);
});

test("perfectSplit: workers loading the task beside this thread on few cores share them", () => {
  const cold = { warmWorkers: 0, firstStartMs: 12, marginalStartMs: 10, loadMs: 200 };
  // Two workers load a module of 200 ms on 2 cores beside this thread: 1.5 × 200 ms each, and
  // 600 ms of work no longer pays (600 / (300 + 22 + 300)); charged alone, 1.15×.
  assert.ok(perfectSplit(600, 2, 2, cold).speedup < 1);
  // On 16 cores up to 15 of them load at once without stretching: 8 of them, 600 / (75 + 12 +
  // 70 + 200), 1.68×.
  const many = perfectSplit(600, 16, 16, cold);
  assert.ok(many.speedup > 1.35 && many.workers < 16, `${many.workers}: ${many.speedup}×`);
});

test("splitWithHere: a start that holds this thread is time it runs nothing", () => {
  // 140 ms of work on 2 cores, a worker that starts in 12 ms with nothing to load: held 1 ms by
  // the start (Bun), this thread and the worker share the work after it (1.78×); held 45 ms
  // (Deno's constructor), 123 ms in all (1.14×), under the 1.25 × 1.2 a start needs.
  const start = { firstStartMs: 12, marginalStartMs: 10 };
  const bun = splitWithHere(140, 2, 2, { ...start, startHoldMs: 1 });
  assert.equal(bun.workers, 1);
  assert.ok(bun.speedup > 1.75, `${bun.speedup}×`);
  const deno = splitWithHere(140, 2, 2, { ...start, startHoldMs: 45 });
  assert.ok(deno.speedup < 1.15, `${deno.speedup}×`);
  // A second of work still pays for it: 45 + 12 + (1000 − 8) / 2 = 553 ms.
  const long = splitWithHere(1000, 2, 2, { ...start, startHoldMs: 45 });
  assert.equal(long.workers, 1);
  assert.ok(long.speedup > 1.8, `${long.speedup}×`);
  // perfectSplit counts each cold worker's hold among their start.
  const cold = { warmWorkers: 0, ...start };
  assert.equal(startCost({ ...cold, startHoldMs: 45 }, 2), startCost(cold, 2) + 90);
  assert.ok(perfectSplit(200, 2, 2, { ...cold, startHoldMs: 45 }).speedup < 1.2);
  assert.ok(perfectSplit(200, 2, 2, cold).speedup > 1.6);
});

test("model: a batch's fastest call is no fair reference when this thread served the calls before it settled", () => {
  // 200 HTTP calls to a server in this process (Bun): started in 2.7 ms, the first settled 4.9 ms
  // in, after 4.2 ms of this thread's CPU — it waited on this thread, not on the service.
  const batch = {
    started: 200,
    calls: 200,
    wallMs: 31,
    latencyMs: [4.9, 13.4, 15.4],
    launchMs: 2.7,
  };
  assert.equal(fairFastest({ ...batch, firstSettleCpuMs: 4.2 }), false);
  // Calls that wait on a timer: the thread did little but start them before the first settled.
  assert.equal(fairFastest({ ...batch, latencyMs: [5.2, 5.4, 60.1], firstSettleCpuMs: 0.9 }), true);
  // Without the CPU time to the first settlement, the launch alone decides.
  assert.equal(fairFastest(batch), true);
});

test("model: a batch keeps this thread busy only where its CPU time exceeds half the fastest call too", () => {
  // 64 calls of a 16 ms timer beside sixteen CPU hogs (Deno), measured half settled: 0.9 ms of
  // this thread's CPU in 17.3 ms, 16.4 of them waiting for a CPU — all of the time it could run,
  // but a twentieth of one call's wait.
  const loaded = {
    started: 64,
    calls: 32,
    wallMs: 17.29,
    latencyMs: [17.09, 17.2],
    waitMs: 16.38,
    threadCpuMs: 0.91,
  };
  assert.equal(threadBound(loaded), false);
  // Over half of the fastest call, too: busy.
  assert.equal(threadBound({ ...loaded, threadCpuMs: 9 }), true);
  // Unloaded, the same CPU time is no more than its share of the time the thread could run.
  assert.equal(threadBound({ ...loaded, waitMs: 0, threadCpuMs: 9 }), true);
  assert.equal(threadBound({ ...loaded, waitMs: 0, threadCpuMs: 8 }), false);
  // Without any CPU clock nothing says the thread was busy.
  assert.equal(threadBound({ ...loaded, threadCpuMs: undefined }), false);
});

test("calls served in turn vs calls of their own varied latencies (injected latencies)", () => {
  // A service that serves 4 at a time: each four a step later, in the order they started.
  const inTurn = Array.from({ length: 32 }, (_, i) => 20 * (1 + Math.floor(i / 4)));
  assert.equal(servedInTurn(inTurn), true);
  // Calls of 1–300 ms each, settled in any order: their mean is one call's time.
  const own = Array.from({ length: 32 }, (_, i) => 1 + ((i * 7919) % 101) * 2.99);
  assert.equal(servedInTurn(own), false);
  assert.equal(servedInTurn(own.slice(0, 5)), true, "too few to tell: the fastest, as before");
});

test("model: calls that kept this thread busy are I/O only by the part of the fastest call spent elsewhere (injected batches)", () => {
  const probe = (c: ConcurrentBatch) => ({
    ...emptyProbe(),
    isAsync: true,
    waits: true,
    concurrent: c,
  });
  // An HTTP client of a server in this process that answers after 50 ms (Deno, 256 calls): this
  // thread on a CPU 64 ms of 115, 50 of them before the first call settled at 61 ms. 11 ms of
  // that call were spent elsewhere: 256 × 11 / 115 ≈ 24× — I/O, at the fastest call's latency.
  const slowServer: ConcurrentBatch = {
    started: 256,
    calls: 256,
    wallMs: 115,
    latencyMs: [61, 84, 90],
    launchMs: 20,
    firstSettleCpuMs: 50,
    threadCpuMs: 64,
    waitMs: 0,
  };
  assert.equal(threadBound(slowServer), true);
  assert.equal(fairFastest(slowServer), false);
  assert.equal(awayMs(slowServer), 11);
  const io = overlap(probe(slowServer), 2, 1.2);
  assert.ok(io, "I/O-bound");
  assert.equal(io.latencyMs, 61);
  // The same batch where it ran every item left, all settled: the 11 ms may be a wait its calls
  // shared, and no call is left to time alone — no verdict (the look then says how they ran).
  assert.equal(overlap(probe({ ...slowServer, coversRest: true }), 2, 1.2), undefined);
  // With calls still in flight, the verdict stands (they are handed to the run).
  const inFlight = { ...slowServer, calls: 255, coversRest: true, pendingMs: [70] };
  assert.ok(overlap(probe(inFlight), 2, 1.2));
  // The same server answering at once: the first call settled after as much of this thread's
  // CPU as its latency — nothing waited elsewhere, whatever the batch's spread.
  const busyServer: ConcurrentBatch = {
    ...slowServer,
    wallMs: 31,
    latencyMs: [4.9, 13.4, 15.4],
    firstSettleCpuMs: 4.9,
    threadCpuMs: 30,
  };
  assert.equal(awayMs(busyServer), 0);
  assert.equal(overlap(probe(busyServer), 2, 1.2), undefined);
  // Calls that wait 10 ms on a timer, then compute 10 ms (64 started, half settled): 10 ms of
  // the fastest call away (14 of this thread's CPU before it settled), but the batch took about
  // the sum of its calls' work — no gain.
  const computes: ConcurrentBatch = {
    started: 64,
    calls: 32,
    wallMs: 330,
    latencyMs: [20.5, 180, 330],
    launchMs: 0.3,
    firstSettleCpuMs: 14,
    threadCpuMs: 320,
    waitMs: 0,
  };
  assert.equal(overlap(probe(computes), 2, 1.2), undefined);
});

test("model: async calls that settled before the event loop turned are never I/O, whatever load did to the clocks (injected batch)", () => {
  // 10 calls computing 2 ms each beside two CPU hogs: 20 ms of this thread's CPU in a batch of
  // 40 ms (20 waiting for a CPU), every call settling at the batch's end; one call alone timed at
  // 6 ms. The clocks read a gain of 1.5 (10 × 6 / 40) and this thread not busy.
  const loaded: ConcurrentBatch = {
    started: 10,
    calls: 10,
    wallMs: 40,
    latencyMs: Array.from({ length: 10 }, (_, i) => 39.93 - i / 100), // settled in order
    launchMs: 0.02,
    cpuMs: 19.9,
    threadCpuMs: 19.9,
    waitMs: 20.1,
  };
  const look = (c: ConcurrentBatch) => ({
    ...emptyProbe(),
    isAsync: true,
    concurrent: c,
    times: [6],
  });
  assert.equal(threadBound(loaded), false, "the clocks alone cannot tell");
  // Every call settled within the microtasks: no gain, measured directly.
  const direct = { ...loaded, inMicrotasks: true };
  assert.equal(overlap(look(direct), 2, 1.2), undefined);
  const f = asyncFigures(look(direct));
  assert.equal(f.asyncQueued, true, "this thread served the calls in turn");
  assert.equal(f.asyncInlineMs, 4, "the plain loop at the batch's pace");
  assert.equal(f.asyncLinearCalls, undefined);
  // So the async executor is never predicted faster than the plain loop (here 100 calls whose
  // worker-measured CPU is 2 ms each).
  const m = { ...base, n: 100, perItemMs: 2, inlineItemMs: f.asyncInlineMs };
  const d = decide(m, {
    ...limits,
    maxWorkers: 1,
    isAsync: true,
    cpuPerItemMs: 2,
    asyncItemMs: f.asyncItemMs,
    asyncQueued: f.asyncQueued,
  });
  assert.equal(d.executor, "async");
  assert.doesNotMatch(d.reason, /I\/O-bound/, d.reason);
});

test("main-thread look: a batch of async calls that compute settles before the event loop turns; one of timers does not", async () => {
  const computes = async (x: unknown) => {
    await Promise.resolve();
    let s = 0;
    for (let i = 0; i < 1000; i++) s += i;
    return (x as number) + s;
  };
  // No time for one call at a time (`maxMs` 0): the batch follows the first call.
  const c = (await mainProbe(computes, new Source<number>(new Array(64).fill(1)), 0, 100))
    .concurrent;
  assert.ok(c, "the calls ran as a batch");
  assert.equal(c.inMicrotasks, true, JSON.stringify(c));
  const sleepy = (ms: unknown) => new Promise((r) => setTimeout(() => r(ms), ms as number));
  const look = await mainProbe(sleepy, new Source<number>(new Array(64).fill(1)), 0, 100);
  try {
    assert.ok(look.concurrent, "the calls ran as a batch");
    assert.notEqual(look.concurrent.inMicrotasks, true);
  } finally {
    await look.results.settle();
  }
});

test("model: an async task counts as I/O once workers could not beat its overlap by minSpeedup (injected batches)", () => {
  // 64 calls of an HTTP client that keeps this thread busy (a near server): one call alone, warm,
  // 0.3 ms; the batch ran in 10.5 ms — a gain of 1.83 (64 × 0.3 / 10.5). Workers run one call at
  // a time: two reach at most 2 / 1.83 = 1.09× the async executor, under minSpeedup 1.2, so the
  // look decides (no sampling in a worker); four could reach 2.2×, so sampling decides.
  const at = (wallMs: number) => ({
    ...emptyProbe(),
    isAsync: true,
    waits: true,
    warmTimes: true,
    times: [0.3, 0.3, 0.3],
    concurrent: {
      started: 64,
      calls: 64,
      wallMs,
      latencyMs: [2, 5, 10],
      threadCpuMs: 0.95 * wallMs,
      waitMs: 0,
    },
  });
  assert.equal(threadBound(at(10.5).concurrent), true);
  assert.ok(overlap(at(10.5), 2, 1.2), "2 cores: I/O");
  assert.equal(overlap(at(10.5), 4, 1.2), undefined, "4 cores: workers may win, sampled");
  assert.ok(overlap(at(10.5), 1, 1.2), "1 core: no worker can win");
  // A gain of 1.3 (wall 14.8 ms): on one core the async executor passes minSpeedup alone; on two,
  // workers could still reach 1.54× it.
  assert.ok(overlap(at(14.8), 1, 1.2));
  assert.equal(overlap(at(14.8), 2, 1.2), undefined);
  // A short job whose task no worker holds yet: minSpeedup alone (sampling would first load the
  // task in a worker); a gain of 1.1 stays under it.
  assert.ok(overlap(at(14.8), 2, 1.2, true), "short: I/O from the look");
  assert.ok(overlap(at(14.8), 4, 1.2, true));
  assert.equal(overlap(at(17.5), 2, 1.2, true), undefined);
  // The bar never rises past 2 with more cores (sampling slow calls one at a time can cost more
  // than the job), nor falls under minSpeedup.
  assert.equal(ioGain(64, 1.2), 2);
  assert.equal(ioGain(1, 1.5), 1.5);
  assert.ok(overlap(at(9), 64, 1.2), "a gain of 2.1 is I/O on any machine");
  // The model's pace of the batch is on the gain test's clock: the time this thread waited for a
  // CPU is left out where the first call waited on the event loop (on the wall clock a batch that
  // passed the test read slower than the calls one at a time: "not predicted to gain").
  const loaded = at(14.8);
  loaded.concurrent.waitMs = 5.2;
  assert.ok(overlap(loaded, 2, 1.2), "a gain of 2 once the wait is left out");
  const f = asyncFigures(loaded);
  assert.equal(f.asyncItemMs, (14.8 - 5.2) / 64);
  assert.ok(f.asyncItemMs! < f.asyncInlineMs!, "the batch gains over one call at a time");
  assert.equal(asyncFigures({ ...loaded, waits: false }).asyncItemMs, 14.8 / 64);
  // A batch that left this thread idle waited on something else: its waits for a CPU overlapped
  // that wait, and its pace is the wall clock's (30 timer calls, all in the batch, 60 ms).
  const timers = { ...loaded, concurrent: { ...loaded.concurrent, wallMs: 60, threadCpuMs: 0.5 } };
  timers.concurrent.waitMs = 6;
  assert.equal(threadBound(timers.concurrent), false);
  assert.equal(asyncFigures(timers).asyncItemMs, 60 / 64);
});

test("model: other processes' load is left uncounted for the plain loop only where it cannot favour workers", () => {
  // Where the plain loop is chosen with no load, the model's workers only lose to a load of up
  // to cpu − 1 (the count before the look bounds it), and may win past it: every thread's fair
  // share shrinks, the plain loop's as theirs, and more threads take more of the machine. A quota
  // of 1.5 CPUs, two warm workers, `minSpeedup` 1.5.
  const inputs = { ...base, n: 50, perItemMs: 0.2, maxItemMs: 0.2, cores: 1.5 };
  const at = (externalLoad: number) =>
    decide({ ...inputs, externalLoad }, { ...limits, cpuPerItemMs: 0.2, minSpeedup: 1.5 })
      .executor;
  assert.equal(at(0), "inline");
  assert.equal(loadCannotMatter(0.5, 1.5), true);
  assert.equal(at(0.5), "inline");
  assert.equal(loadCannotMatter(1, 1.5), false);
  assert.equal(at(4.5), "workers");
  assert.equal(loadCannotMatter(1, 2), true);
  assert.equal(loadCannotMatter(undefined, 2), false);
});

test("model: slices here grow with their own pace, twice the last at most, never below the pace's", () => {
  const none = { items: 0, ms: 0 };
  assert.equal(sliceSize(1, 0.005, none), 200);
  assert.equal(sliceSize(1, 0.005, { items: 200, ms: 0.1 }), 400); // 0.5 µs an item: twice
  assert.equal(sliceSize(1, 0.005, { items: 400, ms: 0.8 }), 500); // 2 µs: the slice's pace
  assert.equal(sliceSize(1, 0.005, { items: 200, ms: 4 }), 200); // slower than the window
  assert.equal(sliceSize(1, 0.005, { items: 200, ms: 0 }), 200); // untimed: the window's
  assert.equal(sliceSize(1, 5, none), 1);
});

test("model: a load read before and after the look is taken once it outlasted a burst (injected counts)", async () => {
  const reader = (counts: (number | undefined)[]) => {
    const read = () => {
      read.calls++;
      return counts.shift();
    };
    read.calls = 0;
    return read;
  };
  // A burst covering both counts, gone by the third: no load, a third count taken.
  let read = reader([1, 0]);
  assert.equal(await settledLoad(1, read, 1000), 0);
  assert.equal(read.calls, 2);
  // A load that stays: the least of the three.
  read = reader([2, 1]);
  assert.equal(await settledLoad(3, read, 1000), 1);
  // None before the look: no load, and no count now (reading this process's threads costs);
  // none after it: no load, no third count.
  read = reader([2, 2]);
  assert.equal(await settledLoad(0, read, 1000), 0);
  assert.equal(read.calls, 0);
  read = reader([0, 2]);
  assert.equal(await settledLoad(2, read, 1000), 0);
  assert.equal(read.calls, 1);
  // A job too small to wait for: the two counts decide.
  read = reader([1, 0]);
  assert.equal(await settledLoad(1, read, 10), 1);
  assert.equal(read.calls, 1);
  // Unreadable counts: the readable ones decide; none, no load.
  assert.equal(await settledLoad(undefined, reader([2, 2]), 1000), 2);
  assert.equal(await settledLoad(undefined, reader([undefined]), 1000), 0);
});

test("mainProfile: a task's clone times, timed three times in this process, are taken again for values of about the same size", () => {
  const probe = (values: number) => {
    const p = emptyProbe();
    for (let i = 0; i < 8; i++) {
      p.items.push(i);
      p.results.set(i, new Float64Array(values));
    }
    return p;
  };
  const key = "test:clone-times";
  const outOf = (p: ReturnType<typeof emptyProbe>) => mainProfile(p, 1000, key).outputCloneMs;
  const small = probe(4096);
  const timed = [outOf(small), outOf(small), outOf(small)];
  assert.equal(outOf(small), Math.min(...timed));
  assert.equal(outOf(probe(5000)), Math.min(...timed), "within twice the size");
  // Values four times larger are timed anew, three times, before their least is taken again.
  const large = probe(4 * 4096);
  const timedLarge = [outOf(large), outOf(large), outOf(large)];
  assert.equal(outOf(large), Math.min(...timedLarge));
  // Another task's values are its own.
  const other = mainProfile(small, 1000, "test:clone-times-other");
  assert.equal(other.outputBytes, mainProfile(small, 1000, key).outputBytes);
});

test("firstLookHere: a task is cold on its first look here however long its import took, and later only when imported just now", () => {
  const key = "mod:file:///test/first_look.ts#render";
  assert.equal(firstLookHere(key, 0.01), true, "its module imported by the caller before the call");
  assert.equal(firstLookHere(key, 0.01), false, "looked at before");
  assert.equal(firstLookHere(key, 25), true, "imported just now");
  assert.equal(firstLookHere("mod:file:///test/first_look.ts#other", 0), true, "another task");
});
