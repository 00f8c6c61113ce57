/**
 * Compiles the source tree and the tests to JavaScript under `build/node/` (tsc from npm), and
 * copies the test fixtures beside them, so that Node 20 (which cannot run TypeScript) runs the
 * same test files as Deno and Bun.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(join(root, "build/node"), { recursive: true, force: true });
const res = spawnSync(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.node.json"], {
  cwd: root,
  stdio: "inherit",
});
if (res.status !== 0) Deno.exit(res.status ?? 1);
cpSync(join(root, "tests/fixtures"), join(root, "build/node/tests/fixtures"), {
  recursive: true,
  filter: (src) => !src.endsWith(".ts"),
});
cpSync(join(root, "package.json"), join(root, "build/node/package.json"));
