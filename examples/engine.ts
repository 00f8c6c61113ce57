import { execute, map, task } from "@amorsize/amorsize";
import { square } from "./tasks.ts";

const squareTask = task(new URL("./tasks.ts", import.meta.url), square);
const out = await execute(squareTask, [1, 2, 3], { executor: "workers", workers: 2, chunkSize: 1 });
console.log(out); // [ 1, 4, 9 ]

async function* numbers() {
  for (let i = 0; i < 10; i++) yield i;
}
for await (const y of map(squareTask, numbers(), { ordered: false })) console.log(y);
