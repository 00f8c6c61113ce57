// A chunk's time limit on the pool's side of a worker (`PoolWorker`), with a stand-in for the
// worker's messages: an answer the worker posted that waits in this thread's queue (counted in
// shared memory as it posts) is no timeout; a limit with no answer runs out.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { WorkerHandle } from "../src/runtime/mod.ts";
import { type InFlight, PoolWorker } from "../src/engine/_pool_worker.ts";
import type { ToWorker } from "../src/engine/_protocol.ts";

/** A stand-in worker: the messages posted to it, and a way to deliver its own. */
function standIn() {
  const sent: unknown[] = [];
  let deliver: (data: unknown) => void = () => {};
  const handle = {
    endpoint: {} as never,
    postMessage: (m: unknown) => void sent.push(m),
    onMessage: (l: (data: unknown) => void) => void (deliver = l),
    onFailure: () => {},
    onMessageError: () => {},
    terminate: () => Promise.resolve(),
    canUnref: false,
    unref: () => {},
    ref: () => {},
  } satisfies WorkerHandle;
  const events = { onFree: () => {}, onIdle: () => {}, onDeath: () => {} };
  const w = new PoolWorker(handle, () => performance.now(), events);
  deliver({ t: "ready" });
  const counter = (sent[0] as Extract<ToWorker, { t: "replies" }>).count;
  /** The worker posts `m`: counted there at once, delivered here when the test says. */
  const post = (m: { t: string; id?: number }) => {
    Atomics.add(counter, 0, 1);
    return () => deliver({ results: [], ms: 0, ...m });
  };
  return { w, post };
}

/** A chunk of `timeoutMs`, recording how it ended. */
function chunk(id: number, timeoutMs: number, loading = false) {
  const ended: string[] = [];
  const c: InFlight = {
    id,
    message: { t: "run", id, key: "k", items: [], start: 0 } as never,
    transfer: [],
    timeoutMs,
    loading,
    onReply: (r) => void ended.push(r.t),
    onLost: () => void ended.push("lost"),
    onTimeout: (load) => void ended.push(load ? "load timeout" : "timeout"),
  };
  return { c, ended };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("worker timer: a reply posted in time but read after the limit is no timeout", async () => {
  const { w, post } = standIn();
  const { c, ended } = chunk(1, 20);
  w.send(c);
  const reply = post({ t: "done", id: 1 }); // posted; this thread reads it only later
  // The limit runs out at 20 ms and is given once more (to 40 ms or later): read at 30 ms, after
  // the first (timers run in the order they are due, microtasks between them).
  await sleep(30);
  assert.deepEqual(ended, []);
  reply();
  assert.deepEqual(ended, ["done"]);
  await sleep(60);
  assert.deepEqual(ended, ["done"]); // and no timeout after it
});

test("worker timer: with no answer the limit runs out", async () => {
  const { w } = standIn();
  const { c, ended } = chunk(1, 20);
  w.send(c);
  await sleep(200);
  assert.deepEqual(ended, ["timeout"]);
});

test("worker timer: a load answered in time but read late times the items from then", async () => {
  const { w, post } = standIn();
  const { c, ended } = chunk(1, 20, true);
  w.send(c);
  const loaded = post({ t: "loaded", id: 1 });
  await sleep(30); // as above
  assert.deepEqual(ended, []); // not a load timeout: the worker had loaded the task
  loaded();
  await sleep(200); // the items' own limit, and no reply
  assert.deepEqual(ended, ["timeout"]);
});
