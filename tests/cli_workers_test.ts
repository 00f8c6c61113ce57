// `execute --workers N` as a real process: a warning where N is far more than the cores, and the
// end of the process once the command is done.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cliCommand, repoRoot } from "./_cli.ts";
import { fixtureModule } from "./_helpers.ts";
import { runtime } from "../src/runtime/detect.ts";

const home = mkdtempSync(join(tmpdir(), "amorsize-cli-workers-"));

function cli(args: string[], env: Record<string, string> = {}, timeout = 120_000) {
  const { cmd, args: pre } = cliCommand();
  const r = spawnSync(cmd, [...pre, ...args], {
    cwd: repoRoot(),
    encoding: "utf8",
    env: { ...process.env, AMORSIZE_HOME: home, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout,
  });
  return { code: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "").trim() };
}

test("cli workers: a forced --workers more than 4 times the cores draws one warning on stderr", () => {
  // `--workers 256` on 2 cores ran without a word (on Deno, 30 s of worker start-up alone).
  const basic = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;
  const many = cli(["execute", basic, "--range", "6", "--workers", "5"], { AMORSIZE_CPUS: "1" });
  assert.equal(many.code, 0, many.stderr);
  assert.equal(many.stdout, "0\n1\n4\n9\n16\n25\n");
  assert.equal(
    many.stderr,
    "warning: --workers 5 is more than 4 times the 1 core this process may use: each worker " +
      "takes its start-up time and memory, and they take turns on the cores",
  );
  // Four workers a core: no warning.
  const four = cli(["execute", basic, "--range", "3", "--workers", "4"], { AMORSIZE_CPUS: "1" });
  assert.equal(four.code, 0, four.stderr);
  assert.equal(four.stdout, "0\n1\n4\n");
  assert.equal(four.stderr, "");
});

test("cli workers: --workers past the pool's most is a usage error (exit code 2), before any work", () => {
  // It ran as a failure of the run, exit code 1, after the warning of too many workers.
  const basic = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;
  const r = cli(["execute", basic, "--range", "3", "--workers", "99999"]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(
    r.stderr,
    /^amorsize execute: --workers 99999 is more than the pool can start: at most \d+/,
  );
  assert.doesNotMatch(r.stderr, /warning/);
});

test(
  "cli workers: on Deno the command ends the process once its output is written",
  { skip: runtime().name === "deno" ? false : "only Deno's exit waits for its workers in turn" },
  () => {
    // Deno's own exit ended the workers left in the pool one after another: `execute --workers
    // 256` stayed 24 s past its output on 2 cores. The process now ends when the command is
    // done, as this task module's timer of ten minutes shows (its process waited for the timer).
    const timer = `${fileURLToPath(fixtureModule("tasks/timer_at_top"))}#square`;
    const r = cli(["execute", timer, "--range", "4", "--workers", "2"], {}, 60_000);
    assert.equal(r.code, 0, `ended by the timeout, or failed: ${r.stderr}`);
    assert.equal(r.stdout, "0\n1\n4\n9\n");
  },
);

test("cli workers: cleanup", () => rmSync(home, { recursive: true, force: true }));
