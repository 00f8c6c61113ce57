import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtime } from "../mod.ts";
import { fixtureModule } from "./_helpers.ts";

// The spec: the process ends within 500 ms of its last line. The bound below adds wide slack for
// process teardown on a loaded machine (a pool that kept the process alive would never end: the
// child is killed after 20 s); the measured value is printed.
const SPEC_MS = 500;
const SLACK_MS = 4500;

/** Run the fixture with `args`; its exit code, output, and ms from its last line to its exit. */
async function runChild(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; gap: number }> {
  const script = fileURLToPath(fixtureModule("exit_after_execute"));
  const argv = runtime().name === "deno" ? ["run", "-A", script, ...args] : [script, ...args];
  const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "", lastLineAt = NaN;
  child.stdout.on("data", (d) => {
    stdout += String(d);
    if (stdout.endsWith("\n")) lastLineAt = performance.now();
  });
  child.stderr.on("data", (d) => (stderr += String(d)));
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearTimeout(killer);
  return { code, stdout, stderr, gap: performance.now() - lastLineAt };
}

test("engine: an idle pool started by execute() lets the process exit", async () => {
  const { code, stdout, stderr, gap } = await runChild([]);
  assert.equal(code, 0, `exit code ${code}; stderr: ${stderr}`);
  assert.equal(stdout.trim(), "results 1,4,9,16,25,36,49,64");
  console.log(`${runtime().name}: exited ${gap.toFixed(0)} ms after its last line`);
  assert.ok(gap < SPEC_MS + SLACK_MS, `exited ${gap} ms after its last line`);
});

// Deno keeps a process alive while an `AbortSignal.timeout` has a listener: the runs' one listener
// on the caller's signal (src/engine/_abort_watch.ts) must leave with the last run watching it
// (else this child waits ten minutes and is killed after 20 s).
test("engine: runs that ended under an AbortSignal.timeout do not hold the process", async () => {
  const { code, stdout, stderr, gap } = await runChild(["signal"]);
  assert.equal(code, 0, `exit code ${code}; stderr: ${stderr}`);
  assert.equal(stdout.trim(), "results 1,4,9,16,25,36,49,64");
  console.log(`${runtime().name}: exited ${gap.toFixed(0)} ms after its last line`);
  assert.ok(gap < SPEC_MS + SLACK_MS, `exited ${gap} ms after its last line`);
});
