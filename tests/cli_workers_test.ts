// `execute --workers N` as a real process: the end of the process once the command is done.
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
