// Helpers for tests that spawn processes: the repository root, the pinned deno binary, and the
// command that runs the amorsize CLI on the runtime running the tests.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtime } from "../src/runtime/detect.ts";

/** The repository root: the nearest directory above this file that holds deno.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "deno.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no deno.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

/** The deno binary pinned in node_modules/.bin, or `undefined` when it is not installed. */
export function denoBinary(): string | undefined {
  const bin = join(repoRoot(), "node_modules", ".bin", "deno");
  return existsSync(bin) ? bin : undefined;
}

/**
 * How to run `amorsize` as a real process on this runtime: `deno run -A src/cli/main.ts`,
 * `bun src/cli/main.ts` or `node build/node/src/cli/main.js` (run it with `cwd: repoRoot()`).
 */
export function cliCommand(): { cmd: string; args: string[] } {
  const root = repoRoot();
  const name = runtime().name;
  if (name === "deno") {
    return { cmd: process.execPath, args: ["run", "-A", join(root, "src/cli/main.ts")] };
  }
  if (name === "bun") return { cmd: process.execPath, args: [join(root, "src/cli/main.ts")] };
  return { cmd: process.execPath, args: [join(root, "build/node/src/cli/main.js")] };
}

/**
 * Assert that `stderr` holds one line (besides `warning:` lines) matching `re`, and no stack
 * frame: how the CLI reports a failure.
 */
export function oneLine(stderr: string, re: RegExp): void {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("warning:"));
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
  assert.match(lines[0], re);
}
