import { test } from "node:test";
import assert from "node:assert/strict";
import * as Comlink from "comlink";
import { existsSync } from "node:fs";
import { runtime } from "../src/runtime/detect.ts";
import type { WorkerFailure } from "../src/runtime/types.ts";
import { startFailure } from "../src/runtime/_handle.ts";
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

test("readTextFile() with maxBytes reads up to it and says too-large past it, even from a device", () => {
  const file = fixturePath("cgroup_v2_quota/sys/fs/cgroup/cpu.max"); // 14 bytes
  assert.deepEqual(rt.readTextFile(file, 14), { ok: true, text: "150000 100000\n" });
  const large = rt.readTextFile(file, 13);
  assert.equal(!large.ok && large.reason, "too-large");
  assert.equal(rt.readTextFile(fixturePath("no/such/file"), 10).ok, false);
  // A device without end (it was read until memory ran out where nothing bounded the read).
  if (existsSync("/dev/zero")) {
    const zero = rt.readTextFile("/dev/zero", 3 * 2 ** 20);
    assert.deepEqual(zero.ok ? "read" : zero.reason, "too-large");
  }
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

test("binary values cross to a worker and back exactly; listed buffers move, others are copied", async () => {
  // On Deno the adapter packs typed arrays (node:worker_threads moves them slowly): every kind
  // of view, views sharing one buffer, offsets, DataViews, nesting in maps and sets, cycles and
  // shared buffers must come back as structured clone gives them, on every runtime.
  const h = rt.startWorker(fixtureModule("workers/echo"));
  const next = nextMessage(h);
  assert.equal(await next(), "ready");
  const shared = new ArrayBuffer(32);
  new Uint8Array(shared).forEach((_, i, a) => (a[i] = i));
  const sab = typeof SharedArrayBuffer === "function" ? new SharedArrayBuffer(8) : undefined;
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const kept = new Float64Array([1.5, -0, NaN, Infinity]);
  const moved = new Uint8Array([9, 8, 7]);
  const message = {
    kept,
    moved,
    head: new Uint8Array(shared, 0, 8),
    tail: new Int16Array(shared, 16, 4),
    view: new DataView(shared, 4, 8),
    raw: new ArrayBuffer(4),
    big: new BigInt64Array([1n, -2n]),
    nested: [
      new Map<unknown, unknown>([["k", new Uint32Array([7])]]),
      new Set([new Int8Array([-1])]),
    ],
    items: Array.from({ length: 100 }, (_, i) => i),
    cyclic,
    sab,
    again: [kept, kept],
  };
  h.postMessage(message, [moved.buffer]);
  assert.equal(moved.byteLength, 0, "a listed buffer moves (the sender's view is detached)");
  assert.equal(kept.length, 4, "an unlisted typed array stays with the sender");
  const back = await next() as typeof message;
  assert.deepEqual(back.kept, new Float64Array([1.5, -0, NaN, Infinity]));
  assert.ok(Object.is(back.kept[1], -0));
  assert.deepEqual([...back.moved], [9, 8, 7]);
  assert.ok(back.head instanceof Uint8Array && back.tail instanceof Int16Array);
  assert.equal(back.head.buffer, back.tail.buffer, "views of one buffer still share it");
  assert.equal(back.view.buffer, back.head.buffer);
  assert.deepEqual([...back.head], [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(back.tail.byteOffset, 16);
  assert.equal(back.view.getUint8(0), 4);
  assert.ok(back.raw instanceof ArrayBuffer && back.raw.byteLength === 4);
  assert.deepEqual([...back.big], [1n, -2n]);
  const [map, set] = back.nested as [Map<string, Uint32Array>, Set<Int8Array>];
  assert.deepEqual([...map.get("k")!], [7]);
  assert.deepEqual([...[...set][0]], [-1]);
  assert.deepEqual(back.items, message.items);
  assert.equal((back.cyclic as Record<string, unknown>).self, back.cyclic);
  if (sab) assert.ok(back.sab instanceof SharedArrayBuffer);
  assert.equal(back.again[0], back.again[1], "one view referenced twice stays one view");
  await h.terminate();
});

test("a worker that throws at start-up is reported, and the process survives", async () => {
  const h = rt.startWorker(fixtureModule("workers/throws_at_start"));
  const f = await failure(h);
  assert.equal(f.kind, "error");
  assert.match(f.kind === "error" ? f.error.message : "", /failed at start-up/);
  await h.terminate();
});

test("a worker the system refused a thread names the cause on every runtime's wording", () => {
  const refused = [
    "EAGAIN", // Node
    "Resource temporarily unavailable (os error 11)", // Deno
    "Failed to spawn worker thread", // Bun
  ];
  for (const said of refused) {
    const e = startFailure(new Error(said));
    assert.equal(
      e.message.startsWith(`Could not start a worker (${said}): the system refused`),
      true,
    );
    assert.match(e.message, /pids\.max or ulimit -u/);
    assert.equal((e.cause as Error).message, said);
  }
  const other = startFailure(new TypeError("Invalid URL"));
  assert.equal(other.message, "Could not start a worker (Invalid URL)");
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
