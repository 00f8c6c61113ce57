import { execute, TaskError } from "@amorsize/amorsize";
import assert from "node:assert/strict";

const bad = (x: number) => {
  if (x === 1) throw Object.assign(Object.create(null), { code: 7 });
  return x;
};
const e = await execute(bad, [0, 1, 2], { executor: "inline" }).catch((e) => e);
assert.ok(e instanceof TaskError);
assert.equal(e.index, 1);
assert.match(e.message, /\{"code":7\}/);
console.log(`TaskError at item ${e.index}`);
