// Edge cases of the chunk scheduler: runs whose first pull takes every item.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execute, map } from "../mod.ts";

const triple = (x: number) => x * 3;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test("execute: a single item on one worker is not lost", async () => {
  assert.deepEqual(await execute(triple, [3], { executor: "workers", workers: 1 }), [9]);
});

test("execute: one chunk holding every item is not lost", async () => {
  const out = await execute(triple, range(10), { workers: 2, chunkSize: 10, adaptive: false });
  assert.deepEqual(out, range(10).map(triple));
});

test("map: a generator drained by the first pull yields every result", async () => {
  function* gen() {
    yield* range(5);
  }
  const out: number[] = [];
  for await (const y of map(triple, gen(), { workers: 2, chunkSize: 64, adaptive: false })) {
    out.push(y);
  }
  assert.deepEqual(out, range(5).map(triple));
});
