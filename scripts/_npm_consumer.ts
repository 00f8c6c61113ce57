/**
 * The files of a throw-away project that installs the packed npm tarball the way a user would:
 * a task module, an ESM script that runs it on two workers, and a TypeScript file that uses the
 * public types (type-checked with `module: NodeNext`).
 *
 * @module
 */

const ITEMS = Array.from({ length: 20 }, (_, i) => i);

/** The consumer project: file name → contents. */
export function _consumerFiles(): Record<string, string> {
  return {
    "package.json": JSON.stringify(
      { name: "amorsize-consumer", private: true, type: "module" },
      null,
      2,
    ) + "\n",
    "tasks.js": "export function square(x) {\n  return x * x;\n}\n",
    // A TypeScript task module, for the bin run by Bun (`bunx --bun amorsize`).
    "typed_tasks.ts": "export function square(x: number): number {\n  return x * x;\n}\n",
    // Prints one JSON line; the exit hook reports how long the process lingered after the work.
    "use.mjs": `import assert from "node:assert/strict";
import { execute, task } from "amorsize";

const items = ${JSON.stringify(ITEMS)};
const out = await execute(task(new URL("./tasks.js", import.meta.url), "square"), items, {
  executor: "workers",
  workers: 2,
});
assert.deepEqual(out, items.map((x) => x * x));
const done = performance.now();
process.on("exit", () => {
  console.log(JSON.stringify({ results: out.length, exitLagMs: performance.now() - done }));
});
`,
    // Importing the command line from a script of one's own (named like an entry) must not run it.
    "main.js": `import { main } from "amorsize/cli";\nconsole.log(typeof main);\n`,
    "consumer.ts": `import {
  execute,
  type ExecuteOptions,
  type OptimizationResult,
  optimize,
  probeSystem,
  type SystemInfo,
  task,
  type TaskRef,
} from "amorsize";
import { main } from "amorsize/cli";

const ref: TaskRef<number, number> = task(new URL("./tasks.js", import.meta.url), "square");
const options: ExecuteOptions = { executor: "workers", workers: 2 };
const squares: number[] = await execute(ref, [1, 2, 3], options);
const info: SystemInfo = await probeSystem();
const cores: number = info.effectiveCores;
const result: OptimizationResult = await optimize((x: number) => x + 1, [1, 2, 3]);
const executor: "inline" | "async" | "workers" = result.executor;
const code: Promise<number> = main(["--version"]);
// The types are real, not \`any\`: a wrong option type must be an error.
// @ts-expect-error chunkSize is a number
const wrong: ExecuteOptions = { chunkSize: "3" };
export { code, cores, executor, squares, wrong };
`,
    "tsconfig.json": JSON.stringify(
      {
        // No "lib": the default of target ESNext (DOM, esnext.disposable), which the public types
        // need: Transferable, AbortSignal, URL and Symbol.asyncDispose (Pool).
        compilerOptions: {
          target: "ESNext",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        files: ["consumer.ts"],
      },
      null,
      2,
    ) + "\n",
  };
}
