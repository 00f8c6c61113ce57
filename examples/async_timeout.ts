import { ChunkTimeoutError, execute } from "@amorsize/amorsize";
import assert from "node:assert/strict";

const never = (_x: number) => new Promise<number>(() => {});
await assert.rejects(
  execute(never, [1, 2, 3], { executor: "async", timeoutMs: 20 }),
  ChunkTimeoutError,
);
console.log("the run failed with a ChunkTimeoutError");
