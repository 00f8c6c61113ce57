// `amorsize tune` as a real process on the runtime running the tests.
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

function cli(args: string[]) {
  const { cmd, args: base } = cliCommand();
  const home = mkdtempSync(join(tmpdir(), "amorsize-tune-cli-"));
  try {
    const res = spawnSync(cmd, [...base, ...args], {
      cwd: repoRoot(),
      encoding: "utf8",
      env: { ...process.env, AMORSIZE_HOME: home, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    return { code: res.status, stdout: res.stdout ?? "", stderr: res.stderr ?? "" };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The square task, relative to the repository root (`.ts`, or `.js` in the Node build). */
const SQUARE = `${relative(repoRoot(), fileURLToPath(fixtureModule("tasks/basic")))}#square`;

test("amorsize tune --json measures the grid and names the optimizer's pick", () => {
  const { code, stdout, stderr } = cli([
    "tune",
    SQUARE,
    "--range",
    "200",
    "--strategy",
    "grid",
    "--max-configs",
    "3",
    "--repeats",
    "1",
    "--json",
  ]);
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout);
  assert.equal(r.strategy, "grid");
  assert.equal(r.evaluations, 3);
  assert.equal(r.trials.length, 3);
  assert.equal(r.stoppedBecause, "maxConfigs");
  assert.deepEqual(r.trials[0].config, r.optimizerPick.config);
  assert.equal(typeof r.best.medianMs, "number");
});

test("amorsize tune prints a table of trials and the summary", () => {
  const { code, stdout, stderr } = cli([
    "tune",
    SQUARE,
    "--range",
    "100",
    "--strategy",
    "bayesian",
    "--max-configs",
    "4",
    "--repeats",
    "1",
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^config +median ms +spread ms +predicted ms/m);
  assert.match(stdout, /^best: /m);
  assert.match(stdout, /^optimizer's pick: /m);
  assert.match(stdout, /^bayesian: [1-4] of \d+ configurations measured, stopped: /m);
});

test("amorsize tune --help, and usage errors exit 2 with one line", () => {
  const help = cli(["tune", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--strategy S/);
  assert.match(help.stdout, /--budget MS/);
  for (
    const args of [
      ["tune", SQUARE, "--range", "10", "--strategy", "random"],
      ["tune", SQUARE, "--range", "10", "--budget", "-5"],
      ["tune", "--range", "10"],
      ["tune", SQUARE, "--range", "0"],
    ]
  ) {
    const { code, stdout, stderr } = cli(args);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.equal(stdout, "");
    assert.match(stderr, /^amorsize tune: .+\n$/);
  }
});

test("tune, validate and compare --timeout: a task that never ends in sampling exits 1 at once", () => {
  // The optimizer sampled without the limit, on the calling thread: the command spun forever.
  const dir = mkdtempSync(join(tmpdir(), "amorsize-tune-cli-data-"));
  try {
    const data = join(dir, "threes.json");
    writeFileSync(data, "[3, 3, 3, 3]");
    const hang = SQUARE.replace(/#square$/, "#hangOn3");
    for (const command of ["tune", "validate", "compare"]) {
      const more = command === "tune" ? ["--max-configs", "3"] : [];
      const { code, stdout, stderr } = cli([
        command,
        hang,
        "--data",
        data,
        "--timeout",
        "300",
        ...more,
      ]);
      assert.equal(code, 1, `${command}: ${stderr}`);
      if (command === "tune") {
        // Every configuration failed: the table is printed, then the first failure.
        assert.match(stdout, /^warning: The optimizer made no pick: /m);
        assert.match(stderr, /^amorsize tune: every configuration failed: .*time limit.*\n$/);
        continue;
      }
      assert.equal(stdout, "");
      assert.match(stderr, new RegExp(`^amorsize ${command}: TimeoutError: .*300 ms\\n$`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
