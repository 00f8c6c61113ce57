import { test } from "node:test";
import assert from "node:assert/strict";
import * as Comlink from "comlink";
import { runtime } from "../src/runtime/detect.ts";
import type { WorkerFailure } from "../src/runtime/types.ts";
import { fixtureModule, fixturePath } from "./_helpers.ts";

const rt = runtime();

test("runtime() names this runtime and its version", () => {
  assert.ok(["deno", "bun", "node"].includes(rt.name));
  assert.match(rt.version, /^\d+\.\d+\.\d+/);
  assert.equal(runtime(), rt);
});

test("hardwareConcurrency() is a positive integer", () => {
  const n = rt.hardwareConcurrency();
  assert.ok(Number.isInteger(n) && n >= 1, `got ${n}`);
});

test("readTextFile() reads a file and says when it is missing", () => {
  const read = rt.readTextFile(fixturePath("cgroup_v2_quota/sys/fs/cgroup/cpu.max"));
  assert.deepEqual(read, { ok: true, text: "150000 100000\n" });
  const missing = rt.readTextFile(fixturePath("no/such/file"));
  assert.equal(missing.ok, false);
  assert.equal(!missing.ok && missing.reason, "missing");
});

test("env() reads a variable and returns undefined for an unset one", () => {
  assert.equal(typeof rt.env("PATH").value, "string");
  assert.deepEqual(rt.env("AMORSIZE_SURELY_UNSET_VARIABLE"), { value: undefined, denied: false });
});

test("memory() reports the machine and this process", () => {
  const m = rt.memory();
  assert.ok(m.totalBytes! > 0 && m.availableBytes! > 0 && m.availableBytes! <= m.totalBytes!);
  assert.ok(m.rssBytes! > 0 && m.heapUsedBytes! > 0);
});

test("cpuTimeUs() grows with work and now() is monotonic", () => {
  const c0 = rt.cpuTimeUs()!;
  const t0 = rt.now();
  let x = 0;
  while (rt.now() - t0 < 30) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  const c1 = rt.cpuTimeUs()!;
  assert.ok(c1 > c0, `cpu time ${c0} -> ${c1}`);
  assert.ok(rt.now() >= t0 + 30);
});

function nextMessage(h: ReturnType<typeof rt.startWorker>) {
  const queue: unknown[] = [];
  let wake: (() => void) | undefined;
  h.onMessage((d) => {
    queue.push(d);
    wake?.();
  });
  return async () => {
    while (queue.length === 0) await new Promise<void>((r) => (wake = r));
    return queue.shift();
  };
}

function failure(h: ReturnType<typeof rt.startWorker>) {
  return new Promise<WorkerFailure>((resolve) => h.onFailure(resolve));
}

test("a worker echoes messages; the first message is never dropped", async () => {
  const h = rt.startWorker(fixtureModule("workers/echo"));
  await new Promise((r) => setTimeout(r, 50)); // attach late on purpose: the adapter buffers
  const next = nextMessage(h);
  assert.equal(await next(), "ready");
  h.postMessage({ n: 1, list: [1, 2] });
  assert.deepEqual(await next(), { n: 1, list: [1, 2] });
  await h.terminate();
  await h.terminate();
});

test("a worker that throws at start-up is reported, and the process survives", async () => {
  const h = rt.startWorker(fixtureModule("workers/throws_at_start"));
  const f = await failure(h);
  assert.equal(f.kind, "error");
  assert.match(f.kind === "error" ? f.error.message : "", /failed at start-up/);
  await h.terminate();
});

test("a worker that exits on its own is reported", async () => {
  const h = rt.startWorker(fixtureModule("workers/echo"));
  const next = nextMessage(h);
  const failed = failure(h);
  assert.equal(await next(), "ready");
  h.postMessage("exit:3");
  const f = await failed;
  assert.equal(f.kind, "exit");
  await h.terminate();
});

test("an uncaught error in a worker's timer is reported", async () => {
  const h = rt.startWorker(fixtureModule("workers/echo"));
  const next = nextMessage(h);
  const failed = failure(h);
  assert.equal(await next(), "ready");
  h.postMessage("throw");
  const f = await failed;
  assert.ok(f.kind === "error" || f.kind === "exit");
  await h.terminate();
});

test("the worker endpoint works with Comlink.wrap", async () => {
  const h = rt.startWorker(fixtureModule("workers/comlink_api"));
  const api = Comlink.wrap<{ add(a: number, b: number): number }>(h.endpoint);
  assert.equal(await api.add(2, 3), 5);
  api[Comlink.releaseProxy]();
  await h.terminate();
});

test("unref() is available where the runtime supports it", async () => {
  const h = rt.startWorker(fixtureModule("workers/echo"));
  assert.equal(h.canUnref, rt.workersCanUnref);
  h.unref();
  h.ref();
  await h.terminate();
});
