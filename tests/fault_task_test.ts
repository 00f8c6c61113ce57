// Faults of what tasks do and of the pool they run on, found by using the library as a demanding
// user would: each test names what the caller saw before and checks what it sees now. Runs on
// Deno, Bun and Node.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute } from "../mod.ts";
import { workerSet } from "../src/engine/_worker_set.ts";
import { sleep } from "./_helpers.ts";

const settle = <T>(p: Promise<T>) => p.then(() => undefined, (e: unknown) => e as Error);

/** What `p` settled with, or "pending" when it has not within `ms` (a hang, not a slow run). */
const within = (p: Promise<Error | undefined>, ms: number) => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"pending">((r) => (timer = setTimeout(() => r("pending"), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
};

test("fault task: closing a pool fails the runs waiting for one of its workers", async () => {
  // Run A fills the pool's one worker (two chunks in flight, whose items never settle); run B and
  // a pool.run wait for a free worker. Closing the pool failed A, and B and the pool.run never
  // settled on any runtime: no chunk of theirs was on a worker to be failed, and nothing woke them.
  const pool = createPool({ maxWorkers: 1 });
  const never = (_x: number) => new Promise<number>(() => {});
  const opts = { pool, executor: "workers" as const, workers: 1, chunkSize: 1, adaptive: false };
  const a = settle(execute(never, [1, 2, 3], opts));
  while ((workerSet(pool).live[0]?.inflight.length ?? 0) < 2) await sleep(5);
  const b = settle(execute((x: number) => x, [1], opts));
  const c = settle(pool.run((x: number) => x, 1));
  await sleep(20); // both are waiting for the worker now (had they not started, they fail too)
  await pool.close();
  const closed = /^The pool is closed/;
  assert.match(String((await a)?.message), closed);
  for (const [name, p] of [["execute", b], ["pool.run", c]] as const) {
    const e = await within(p, 20_000);
    assert.notEqual(e, "pending", `${name} never settled`);
    assert.ok(e instanceof Error, `${name}: ${String(e)}`);
    assert.match(e.message, closed, name);
  }
});
