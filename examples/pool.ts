import { createPool, execute, task } from "@amorsize/amorsize";
import { square } from "./tasks.ts";

const squareTask = task(new URL("./tasks.ts", import.meta.url), square);
{
  await using pool = createPool({ maxWorkers: 2 });
  const out = await execute(squareTask, [1, 2, 3, 4], { pool, executor: "workers", workers: 2 });
  console.log(out); // [ 1, 4, 9, 16 ]
} // the pool is closed here
