import { test } from "node:test";
import assert from "node:assert/strict";
import {
  busyThreads,
  threadCpuMs,
  threadId,
  threadName,
  threadNow,
  threadSched,
} from "../src/system/thread_cpu.ts";
import { nestedThreads } from "../src/measure/sample.ts";
import { runtime } from "../src/runtime/detect.ts";
import { fixturePath } from "./_helpers.ts";

test("threadCpuMs: schedstat nanoseconds, or stat ticks where schedstat is absent", () => {
  const root = fixturePath("thread_cpu");
  const t = threadCpuMs(root)!;
  assert.equal(t.get("101"), 250);
  assert.equal(t.get("102"), 1.5);
  assert.equal(t.get("103"), (37 + 5) * 10); // a name with spaces and parentheses
  assert.equal(threadName("102", root), "JITWorker");
  assert.equal(threadCpuMs(fixturePath("no/such/dir")), undefined);
});

test("threadNow: one thread's CPU time and whether it sleeps in an event loop's wait", () => {
  const root = fixturePath("thread_cpu");
  // Asleep in epoll (an idle event loop), its CPU time from schedstat.
  assert.deepEqual(threadNow("104", root), { cpuMs: 40, inEventLoop: true });
  // Asleep on a futex (Atomics.wait, a lock): not in its event loop; CPU time from stat ticks.
  assert.deepEqual(threadNow("105", root), { cpuMs: 40, inEventLoop: false });
  // Runnable (state R): not waiting at all.
  assert.deepEqual(threadNow("106", root), { cpuMs: 40, inEventLoop: false });
  // Asleep, the wait channel not named (no file, or "0" for this reader): no verdict.
  assert.deepEqual(threadNow("103", root), { cpuMs: 420, inEventLoop: undefined });
  assert.equal(threadNow("999", root), undefined, "a thread that ended");
});

test("threadCpuMs: schedstat of zeros (scheduler statistics off) falls back to stat ticks", () => {
  // A kernel without scheduler statistics writes "0 0 0" for every thread: read as no CPU time
  // at all, no thread of a task that runs threads of its own counted as busy.
  const t = threadCpuMs(fixturePath("thread_cpu_schedstat_off"))!;
  assert.equal(t.get("401"), (120 + 30) * 10);
  assert.equal(t.get("402"), (4 + 1) * 10);
});

test("threadSched: on-CPU and run-queue nanoseconds of schedstat, undefined where absent", () => {
  assert.deepEqual(threadSched(fixturePath("thread_cpu/task/101/schedstat")), {
    runMs: 250,
    waitMs: 0.001,
  });
  assert.equal(threadSched(fixturePath("no/such/schedstat")), undefined);
  // Scheduler statistics off: zeros, not a thread that never ran.
  assert.equal(threadSched(fixturePath("thread_cpu/schedstat_off")), undefined);
  const own = threadSched();
  if (own === undefined) return; // not Linux, or no schedstats
  assert.ok(own.runMs > 0 && own.waitMs >= 0);
  // This thread's clock advances by this thread's work.
  const t0 = performance.now();
  let x = 0;
  while (performance.now() - t0 < 20) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  assert.ok(threadSched()!.runMs > own.runMs, "this thread ran");
});

test("threadId: the first field of the thread's stat, one of this process's threads", () => {
  assert.equal(threadId(fixturePath("thread_cpu/thread_stat")), "4242");
  assert.equal(threadId(fixturePath("no/such/stat")), undefined);
  const own = threadId();
  if (own !== undefined) assert.ok(threadCpuMs()!.has(own), `thread ${own} listed`);
});

test("threadCpuMs: this process's threads, where the OS tells", () => {
  const before = threadCpuMs();
  if (!before) return; // not Linux, or no /proc: the fallback is tested below
  const rt = runtime();
  const t0 = rt.now();
  let x = 0;
  while (rt.now() - t0 < 30) x += Math.sqrt(x + 1);
  const after = threadCpuMs()!;
  assert.ok(x > 0);
  assert.ok([...after].some(([tid, ms]) => ms > (before.get(tid) ?? 0)), "some thread ran");
});

test("busyThreads: counts threads busy ≥ the share of the wall time, not the runtime's helpers", () => {
  const before = new Map([["1", 0], ["2", 0], ["3", 100], ["4", 0]]);
  const after = new Map([["1", 90], ["2", 60], ["3", 130], ["4", 80], ["5", 55]]);
  assert.equal(busyThreads(before, after, 100), 4); // 1, 2, 4 and the new 5; 3 ran 30 %
  assert.equal(busyThreads(before, after, 100, 0.7), 2);
  const names: Record<string, string> = { "2": "JITWorker", "4": "V8 DefaultWorker" };
  assert.equal(busyThreads(before, after, 100, 0.5, (t) => names[t]), 2);
});

test("nestedThreads: the per-thread count decides where it exists (threads the task waited for), the CPU ratio only past 2.5", () => {
  // A busy library: CPU 1.7× wall from JIT and GC threads, one busy thread: not nested.
  assert.equal(nestedThreads(1.7, { busy: 1, ms: 50 }).internalThreads, 1);
  // The task's own pool: 4 busy threads.
  const four = nestedThreads(1.2, { busy: 4, ms: 50 });
  assert.equal(four.internalThreads, 4);
  assert.match(four.nestedReason!, /4 threads/);
  // Where the sampling thread's own clock tells: busy threads are the task's where it waited for
  // them, not where it computed beside them (a runtime's compiler, unnamed on Node).
  const awaited = nestedThreads(0.1, { busy: 2, ms: 50, ownShare: 0.08 });
  assert.equal(awaited.internalThreads, 2);
  assert.match(awaited.nestedReason!, /the task's own thread 8 % of it/);
  assert.equal(nestedThreads(0.9, { busy: 2, ms: 50, ownShare: 0.7 }).internalThreads, 1);
  assert.equal(nestedThreads(1, { busy: 3, ms: 50, ownShare: 0.5 }).internalThreads, 1);
  // No per-thread times: the ratio, with a bar above what helper threads reach.
  assert.equal(nestedThreads(1.8, undefined).internalThreads, 1);
  assert.equal(nestedThreads(3.9, undefined).internalThreads, 4);
  assert.equal(nestedThreads(null, undefined).internalThreads, 1);
  // Per-thread times exist but every round was too short for them: no claim, whatever the
  // process clock read over those rounds.
  assert.equal(nestedThreads(2.6, "short").internalThreads, 1);
});
