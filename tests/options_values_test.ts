// Bad option values are refused at once, in one wording (`'name' must be …, got <value>`), by
// every function that takes them and in every mode: a value checked by `execute` is checked the
// same way by `optimize`, and a forced configuration does not skip the automatic mode's options.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute, map, optimize } from "../mod.ts";

const double = (x: number) => x * 2;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test("option values: optimize refuses what execute refuses, in the same words", async () => {
  const pool = createPool({ maxWorkers: 2 });
  const cases: [Record<string, unknown>, ErrorConstructor, RegExp][] = [
    // A timer waits at most 2^31 − 1 ms: a longer limit ended the sampling at once.
    [
      { timeoutMs: 2 ** 31 },
      RangeError,
      /^'timeoutMs' must be at most 2147483647 ms.*got 2147483648$/,
    ],
    [{ timeoutMs: 1e300 }, RangeError, /^'timeoutMs' must be at most 2147483647 ms.*got 1e\+300$/],
    [{ signal: "x" }, TypeError, /^'signal' must be an AbortSignal, got "x"$/],
    [{ signal: null }, TypeError, /^'signal' must be an AbortSignal, got null$/],
  ];
  for (const [bad, E, re] of cases) {
    await assert.rejects(
      optimize(double, range(200), { pool, cache: false, ...bad }),
      (e: Error) => e instanceof E && re.test(e.message),
      JSON.stringify(bad),
    );
  }
  assert.equal(pool.startedCount, 0, "no worker was started");
  await pool.close();
  await assert.rejects(
    optimize(double, range(200), { pool: {} as never }),
    { name: "TypeError", message: "'pool' must be a Pool (from createPool()), got an object" },
  );
  // A closed pool is a bad argument, as for execute (it was answered "inline: workers cannot
  // start here").
  await assert.rejects(
    optimize(double, range(200), { pool, cache: false }),
    { name: "TypeError", message: "'pool' is closed: create a new one with createPool()" },
  );
});

test("option values: a forced configuration still checks the automatic mode's options", async () => {
  const pool = createPool({ maxWorkers: 2 });
  const forced = [
    { executor: "workers", workers: 2, pool },
    { chunkSize: 4, pool },
    { executor: "inline" },
    { executor: "async" },
  ] as const;
  const cases: [Record<string, unknown>, ErrorConstructor, string][] = [
    [{ minSpeedup: -1 }, RangeError, "'minSpeedup' must be a positive number, got -1"],
    [{ minSpeedup: NaN }, RangeError, "'minSpeedup' must be a positive number, got NaN"],
    [{ sampleBudgetMs: "50" }, TypeError, `'sampleBudgetMs' must be a positive number, got "50"`],
    [{ maxWorkers: 0 }, RangeError, "'maxWorkers' must be a positive integer, got 0"],
    [{ maxWorkers: 1.5 }, RangeError, "'maxWorkers' must be a positive integer, got 1.5"],
    [{ cache: "yes" }, TypeError, `'cache' must be a boolean, got "yes"`],
  ];
  for (const config of forced) {
    for (const [bad, E, message] of cases) {
      const what = `${JSON.stringify({ ...config, pool: undefined })} ${JSON.stringify(bad)}`;
      await assert.rejects(
        execute(double, range(20), { ...config, ...bad }),
        (e: Error) => e instanceof E && e.message === message,
        what,
      );
      await assert.rejects(
        (async () => {
          for await (const _ of map(double, range(20), { ...config, ...bad }));
        })(),
        (e: Error) => e instanceof E && e.message === message,
        `map ${what}`,
      );
    }
  }
  assert.equal(pool.startedCount, 0, "no worker was started");
  await pool.close();
});

test("option values: createPool refuses an idleTimeoutMs no timer can wait", async () => {
  // A timer of 2^31 ms or more fires at once: the pool terminated its idle workers 1 ms after
  // every call, so each call started them again.
  for (const idleTimeoutMs of [2 ** 31, 1e300]) {
    assert.throws(() => createPool({ idleTimeoutMs }), {
      name: "RangeError",
      message: `'idleTimeoutMs' must be at most 2147483647 ms (about 24.8 days, the longest ` +
        `timer) or Infinity (never), got ${idleTimeoutMs}`,
    });
  }
  for (const idleTimeoutMs of [0, 2 ** 31 - 1, Infinity]) {
    const pool = createPool({ maxWorkers: 1, idleTimeoutMs });
    assert.equal(pool.idleTimeoutMs, idleTimeoutMs);
    assert.deepEqual(
      await execute(double, [1, 2], { executor: "workers", workers: 1, pool }),
      [2, 4],
    );
    await pool.close();
  }
});

test("option values: a cluster option that is not an object is shown as every other value", async () => {
  // "got number", "got string" named the type only; an array was read as an object without keys.
  const cases: [unknown, string][] = [
    [5, "5"],
    ["redis://h", `"redis://h"`],
    [null, "null"],
    [[], "an empty array"],
  ];
  for (const [cluster, shown] of cases) {
    const message = `'cluster' must be an object { redis, queue? }, got ${shown}`;
    await assert.rejects(execute(double, [1], { cluster: cluster as never }), {
      name: "TypeError",
      message,
    });
    await assert.rejects(optimize(double, [1], { cluster: cluster as never }), {
      name: "TypeError",
      message,
    });
  }
});

test("option values: a revoked Proxy as the task, the data or the options is named", async () => {
  const revoked = <T extends object>(target: T): T => {
    const { proxy, revoke } = Proxy.revocable(target, {});
    revoke();
    return proxy;
  };
  const named = (name: string) =>
    new RegExp(
      `^'${name}' cannot be read: it is a revoked Proxy, or a Proxy whose traps throw \\(`,
    );
  const square = (x: number) => x * x;
  const calls: [string, () => Promise<unknown>][] = [
    ["data", () => execute(square, revoked([1, 2]))],
    ["data", () => optimize(square, revoked([1, 2]))],
    ["data", async () => {
      for await (const _ of map(square, revoked([1, 2]))) { /* no item */ }
    }],
    ["options", () => execute(square, [1], revoked({ workers: 2 }))],
    ["options", () => optimize(square, [1], revoked({}))],
    ["options", async () => await createPool(revoked({})).close()],
    ["task", () => execute(revoked(square), [1])],
  ];
  for (const [name, call] of calls) {
    await assert.rejects(call, (e: Error) => {
      assert.equal(e.name, "TypeError");
      assert.match(e.message, named(name));
      return true;
    });
  }
});

test("option values: forced workers beyond the pool's maxWorkers are refused; the default fits the pool", async () => {
  // `workers: 2` on a pool of one ran one worker, as if asked.
  const pool = createPool({ maxWorkers: 1 });
  try {
    for (
      const run of [execute, (t: typeof double, d: number[], o: object) => collect(map(t, d, o))]
    ) {
      await assert.rejects(run(double, range(8), { pool, executor: "workers", workers: 2 }), {
        name: "RangeError",
        message: "'workers' must be at most 1 (the pool's maxWorkers), got 2",
      });
      await assert.rejects(run(double, range(8), { pool, workers: 3 }), {
        name: "RangeError",
        message: "'workers' must be at most 1 (the pool's maxWorkers), got 3",
      });
    }
    assert.equal(pool.startedCount, 0, "no worker was started");
    // The executors that run here take no workers from the pool.
    assert.deepEqual(await execute(double, range(3), { pool, executor: "async", workers: 0 }), [
      0,
      2,
      4,
    ]);
    // Without `workers`: as many as the pool holds, not refused.
    assert.deepEqual(
      await execute(double, range(8), { pool, executor: "workers", chunkSize: 1 }),
      range(8).map(double),
    );
  } finally {
    await pool.close();
  }
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const y of it) out.push(y);
  return out;
}
