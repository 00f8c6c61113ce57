// The optimize, execute, validate, compare and validate-system commands as real processes on the
// runtime running the tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { cliCommand, repoRoot } from "./_cli.ts";
import { fixtureModule } from "./_helpers.ts";
import { runtime } from "../src/runtime/mod.ts";

/** The basic task module, relative to the repository root (`.ts`, or `.js` in the Node build). */
const basic = relative(repoRoot(), fileURLToPath(fixtureModule("tasks/basic")));

function cli(args: string[], input?: string, cwd = repoRoot()) {
  const { cmd, args: base } = cliCommand();
  const res = spawnSync(cmd, [...base, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, AMORSIZE_CPUS: "", AMORSIZE_MEMORY: "", NO_COLOR: "1" },
    input,
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    timeout: 120_000,
  });
  return { code: res.status, stdout: res.stdout ?? "", stderr: res.stderr ?? "" };
}

test("--help of each command prints its usage and exits 0", () => {
  // Every command the top-level help lists; `system --help` said nothing of its exit codes.
  const top = cli(["--help"]);
  const names = [...top.stdout.matchAll(/^ {2}([a-z-]+) {2,}\S/gm)].map((m) => m[1]);
  for (const name of ["optimize", "execute", "validate", "compare", "validate-system"]) {
    assert.ok(names.includes(name), `${name} in the top-level help`);
  }
  for (const name of [...names, "tune", "cache", "system"]) {
    const { code, stdout, stderr } = cli([name, "--help"]);
    assert.equal(code, 0, name);
    assert.equal(stderr, "", name);
    assert.match(stdout, new RegExp(`^Usage: amorsize ${name} `), name);
    assert.match(stdout, /Exit codes:/, name);
  }
  // `help COMMAND` is `COMMAND --help` (one argument more is a usage error: see below).
  const help = cli(["help", "execute"]);
  assert.equal(help.code, 0, help.stderr);
  assert.equal(help.stdout, cli(["execute", "--help"]).stdout);
});

test("optimize --help: its try-it-anywhere example runs in an empty directory", () => {
  const help = cli(["optimize", "--help"]).stdout;
  const echo = /^ +echo '(.+)' > (\S+)$/m.exec(help);
  const run = /^ +amorsize (optimize \S+#\S+ .*)$/m.exec(help);
  assert.ok(echo && run, help);
  const dir = mkdtempSync(join(tmpdir(), "amorsize-help-"));
  try {
    writeFileSync(join(dir, echo[2]), `${echo[1]}\n`);
    const { code, stdout, stderr } = cli([...run[1].split(" "), "--json"], undefined, dir);
    assert.equal(code, 0, stderr);
    assert.ok(["inline", "async", "workers"].includes(JSON.parse(stdout).executor), stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a TypeScript task module: runs on Deno and Bun; on Node the error says what works", () => {
  const { code, stdout, stderr } = cli(["optimize", "examples/tasks.ts#score", "--range", "10"]);
  if (runtime().name === "node") {
    assert.equal(code, 2, stdout);
    assert.match(stderr, /This runtime cannot load TypeScript: run on Bun \(`bunx --bun amorsize`/);
  } else assert.equal(code, 0, stderr);
});

test("usage errors exit 2 with one line on stderr", () => {
  const cases: [string[], RegExp][] = [
    [["optimize", "--range", "5"], /^amorsize optimize: missing the task/],
    [["execute", basic, "--range", "5"], /^amorsize execute: the task must be MODULE#EXPORT/],
    [["execute", `${basic}#nope`, "--range", "3"], /has no export "nope"/],
    [["execute", `${basic}#square`, "--range", "x"], /--range must be an integer >= 0, got "x"/],
    [["execute", `${basic}#square`, "--range", "3", "--executor", "gpu"], /--executor must be/],
    [["compare", `${basic}#square`, "--range", "3", "--configs", "gpu:2"], /--configs/],
    [["validate", `${basic}#square`, "--range", "3", "--bogus"], /--bogus/],
    [["validate-system", "extra"], /unexpected argument "extra"/],
    // It printed the general help with exit code 0.
    [["help", "execute", "extra"], /^amorsize help: unexpected argument "extra"$/m],
    [["optimize", "missing/file.ts#f", "--range", "3"], /task module not found/],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = cli(args);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.equal(stdout, "");
    assert.match(stderr, message);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
  }
});

test("an unknown command exits 2 with one line naming the closest commands", () => {
  // It was named alone ("unknown command "optimise""), whatever the typo.
  const cases: [string, RegExp][] = [
    ["optimise", /^amorsize: unknown command "optimise": did you mean "optimize"\?/],
    ["exectue", /^amorsize: unknown command "exectue": did you mean "execute"\?/],
    ["val", /did you mean "validate" or "validate-system"\?/],
    ["--bogus", /^amorsize: unknown option "--bogus": give a command first/],
  ];
  for (const [name, message] of cases) {
    const { code, stdout, stderr } = cli([name]);
    assert.equal(code, 2, `${name}: ${stderr}`);
    assert.equal(stdout, "");
    assert.match(stderr, message);
    assert.match(stderr, /\(see amorsize --help\)$/m);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
  }
  const none = cli(["deploy"]);
  assert.equal(none.code, 2);
  assert.equal(none.stderr.trim(), 'amorsize: unknown command "deploy" (see amorsize --help)');
});

test("optimize square --range 1 --json says inline", () => {
  // One item: the look runs it, whatever the load (a decision over more items is the model's,
  // which a loaded machine can move: 50 squares went to workers once beside two CPU hogs).
  const { code, stdout, stderr } = cli(["optimize", `${basic}#square`, "--range", "1", "--json"]);
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout);
  assert.equal(r.executor, "inline");
  assert.equal(r.workers, 1);
  assert.match(r.reason, /^Inline: /);
  assert.equal("data" in r, false);
  const text = cli(["optimize", `${basic}#square`, "--range", "1"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /inline/i);
});

test("execute --range 5 prints the 5 squares, one per line; --json prints an array", () => {
  const lines = cli(["execute", `${basic}#square`, "--range", "5"]);
  assert.equal(lines.code, 0, lines.stderr);
  assert.equal(lines.stdout, "0\n1\n4\n9\n16\n");
  const forced = cli([
    "execute",
    `${basic}#square`,
    "--range",
    "5",
    "--workers",
    "2",
    "--chunk-size",
    "2",
    "--json",
  ]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(JSON.parse(forced.stdout), [0, 1, 4, 9, 16]);
});

test("stdin JSON lines and --data FILE are read as the data", () => {
  const viaStdin = cli(["execute", `${basic}#square`, "--json"], "3\n\n-2\n10\n");
  assert.equal(viaStdin.code, 0, viaStdin.stderr);
  assert.deepEqual(JSON.parse(viaStdin.stdout), [9, 4, 100]);
  const bad = cli(["execute", `${basic}#square`], "1\nnot json\n");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /stdin line 2 is not JSON/);
  const dir = mkdtempSync(join(tmpdir(), "amorsize-cli-"));
  try {
    const file = join(dir, "items.json");
    writeFileSync(file, "[1, 2, 3]");
    const viaFile = cli(["execute", `${basic}#square`, "--data", file, "--executor", "inline"]);
    assert.equal(viaFile.code, 0, viaFile.stderr);
    assert.equal(viaFile.stdout, "1\n4\n9\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a task that throws exits 1 with the item named", () => {
  const { code, stderr } = cli(["execute", `${basic}#failOn13`, "--range", "20"]);
  assert.equal(code, 1);
  assert.match(stderr, /item 13/);
});

test("validate and compare print JSON with the measured figures", () => {
  // One item: the look runs it, whatever the load (over 20, a first item stretched by a
  // deschedule could stand for the rest, and the model's answer is then no longer inline).
  const v = cli(["validate", `${basic}#square`, "--range", "1", "--repeats", "1", "--json"]);
  assert.equal(v.code, 0, v.stderr); // inline against inline: accuracy 1
  const r = JSON.parse(v.stdout);
  assert.equal(r.optimization.executor, "inline");
  assert.equal(r.accuracy, 1);
  assert.equal(r.runs.serial.length, 1);
  const c = cli([
    "compare",
    `${basic}#square`,
    "--range",
    "20",
    "--repeats",
    "1",
    "--configs",
    "inline,workers:2:5",
  ]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /^ +\d +inline +/m);
  assert.match(c.stdout, /workers 2 × chunk 5/);
  assert.match(c.stdout, /optimizer/);
});

test("compare: results that differ in a worker fail; --no-check-results measures anyway", () => {
  const args = [
    "compare",
    `${basic}#negate4InWorker`,
    "--range",
    "10",
    "--repeats",
    "1",
    "--configs",
    "inline,workers:2:5",
  ];
  const checked = cli(args);
  assert.equal(checked.code, 1, checked.stderr);
  assert.match(checked.stderr, /index 4: got -4, expected 4.*--no-check-results/s);
  const unchecked = cli([...args, "--no-check-results"]);
  assert.equal(unchecked.code, 0, unchecked.stderr);
  assert.match(unchecked.stdout, /workers 2 × chunk 5/);
});

test("validate-system --json: the exit code follows the health", () => {
  const { code, stdout, stderr } = cli(["validate-system", "--json"]);
  const v = JSON.parse(stdout);
  assert.ok(Array.isArray(v.checks) && v.checks.length >= 6, stderr);
  assert.equal(code, v.health === "excellent" || v.health === "good" ? 0 : 1);
});
