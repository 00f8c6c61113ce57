// The CLI's input and output streams: data that has no end, a report for standard output, and
// standard output that cannot be written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cliCommand, oneLine, repoRoot } from "./_cli.ts";
import { fixtureModule } from "./_helpers.ts";

const home = mkdtempSync(join(tmpdir(), "amorsize-fault-cli-io-"));
const basic = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;

/** Run the CLI with `args` (within `timeout` ms, in the directory `cwd`). */
function cli(args: string[], timeout?: number, cwd?: string) {
  const { cmd, args: pre } = cliCommand();
  return result(spawnSync(cmd, [...pre, ...args], { ...options(timeout), cwd: cwd ?? repoRoot() }));
}

/**
 * Run the CLI through `sh -c script`, where `"$0" "$@"` is the CLI with `args`: the shell sets up
 * its standard streams (`< /dev/zero`, `>&-`).
 */
function sh(script: string, args: string[], timeout?: number) {
  const { cmd, args: pre } = cliCommand();
  return result(spawnSync("sh", ["-c", script, cmd, ...pre, ...args], options(timeout)));
}

const options = (timeout = 120_000) => ({
  cwd: repoRoot(),
  encoding: "utf8" as const,
  env: { ...process.env, AMORSIZE_HOME: home, NO_COLOR: "1" },
  maxBuffer: 64 * 2 ** 20,
  timeout,
});

function result(r: { status: number | null; stdout: string | null; stderr: string | null }) {
  return { code: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "").trim() };
}

test(
  "fault cli io: data without end (--data /dev/zero, stdin from it) is read to a bound, then a usage error",
  { skip: existsSync("/dev/zero") ? false : "no /dev/zero here" },
  () => {
    // Both were read until memory ran out: 4 to 8 GB in 30 s, on every runtime. The bounded read
    // takes 2 to 4 s here; the short timeout keeps a read without bound from filling the memory.
    const bound = "536870888 bytes, the most the command line reads";
    const file = cli(["execute", basic, "--data", "/dev/zero"], 30_000);
    assert.equal(file.code, 2, file.stderr);
    assert.equal(file.stdout, "");
    oneLine(
      file.stderr,
      new RegExp(`^amorsize execute: --data /dev/zero holds more than ${bound}`),
    );
    // The shell opens the device as stdin (Deno's spawnSync takes no file descriptor there).
    const stdin = sh('"$0" "$@" < /dev/zero', ["execute", basic], 30_000);
    assert.equal(stdin.code, 2, stdin.stderr);
    oneLine(stdin.stderr, new RegExp(`^amorsize execute: stdin holds more than ${bound}`));
  },
);

test("fault cli io: --html - writes the report to standard output, the command's own output to stderr", () => {
  // It wrote a file named "-" in the working directory.
  const dir = mkdtempSync(join(home, "cwd-"));
  const report = cli(["report", "--optimize", basic, "--range", "20", "--html", "-"], 120_000, dir);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /^<!doctype html>/);
  assert.match(report.stdout, /<\/html>\n$/);
  assert.match(report.stderr, /^decision: /);
  assert.doesNotMatch(report.stderr, /wrote/);
  assert.equal(existsSync(join(dir, "-")), false, "no file named -");
  // A command that prints a result prints it on stderr: stdout is the report alone.
  const optimize = cli(["optimize", basic, "--range", "20", "--json", "--html", "-"], 120_000, dir);
  assert.equal(optimize.code, 0, optimize.stderr);
  assert.match(optimize.stdout, /^<!doctype html>[^]*<\/html>\n$/);
  // The decision as JSON (a line of a warning, if any, before it).
  const json = optimize.stderr.split("\n").filter((l) => !l.startsWith("warning:")).join("\n");
  assert.equal(typeof JSON.parse(json).executor, "string");
  assert.equal(existsSync(join(dir, "-")), false, "no file named -");
});

test("fault cli io: cleanup", () => rmSync(home, { recursive: true, force: true }));
