// `amorsize system` as a real process on the runtime running the tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliCommand, repoRoot } from "./_cli.ts";
import { fixtureModule, fixturePath } from "./_helpers.ts";
import { fileURLToPath } from "node:url";

function cli(args: string[], env: Record<string, string> = {}, cwd = repoRoot()) {
  const { cmd, args: base } = cliCommand();
  const res = spawnSync(cmd, [...base, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, AMORSIZE_CPUS: "", AMORSIZE_MEMORY: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout ?? "", stderr: res.stderr ?? "" };
}

test("amorsize system --json prints the SystemInfo", () => {
  const { code, stdout, stderr } = cli(["system", "--json"]);
  assert.equal(code, 0, stderr);
  const info = JSON.parse(stdout);
  assert.ok(info.effectiveCores >= 1 && info.effectiveCores <= info.logicalCores);
  assert.equal(typeof info.sources.effectiveCores, "string");
  assert.ok(Array.isArray(info.warnings));
});

test("amorsize system --root reads a fixture tree", () => {
  const root = fixturePath("cgroup_v2_quota");
  const { code, stdout, stderr } = cli(["system", "--root", root, "--json"]);
  assert.equal(code, 0, stderr);
  const info = JSON.parse(stdout);
  assert.equal(info.cpuQuota, 1.5); // 150000 / 100000
  assert.equal(info.effectiveCores, 1); // floor(1.5)
  assert.equal(info.sources.cpuQuota, "/sys/fs/cgroup/cpu.max");
});

test("amorsize system prints a table of figure, value and source", () => {
  const { code, stdout, stderr } = cli(["system", "--root", fixturePath("memory_v2_limit")]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^figure +value +source$/m);
  assert.match(stdout, /^logical cores +4 +\/sys\/devices\/system\/cpu\/online$/m); // "0-3"
  assert.match(stdout, /^CPU quota +none +fallback$/m);
  // 2147483648 B = 2 GiB
  assert.match(
    stdout,
    /^memory limit +2\.0 GiB \(2147483648 B\) +\/sys\/fs\/cgroup\/job\/memory\.max$/m,
  );
  assert.doesNotMatch(stdout, /warnings:/);
});

test("amorsize system lists the warnings under the table", () => {
  const { code, stdout } = cli(["system", "--root", fixturePath("garbage")]);
  assert.equal(code, 0);
  assert.match(stdout, /^warnings:$/m);
  assert.match(stdout, /^ {2}- ignored \/sys\/fs\/cgroup\/cpu\.max: /m);
});

test("an unknown flag exits with 2 and a one-line message", () => {
  const { code, stdout, stderr } = cli(["system", "--bogus"]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.match(stderr, /^amorsize system: .*--bogus.*\n$/);
  assert.equal(stderr.trim().split("\n").length, 1);
});

test("an invalid AMORSIZE_CPUS exits with 2 and names the variable", () => {
  const { code, stderr } = cli(["system", "--json"], { AMORSIZE_CPUS: "abc" });
  assert.equal(code, 2);
  assert.equal(stderr, `amorsize system: 'AMORSIZE_CPUS' must be a positive integer, got "abc"\n`);
});

test("an AMORSIZE_CACHE that says neither yes nor no exits with 2 and names the variable", () => {
  // It meant yes: `disabled` stored entries without a word.
  // The running build's task module (Node loads no TypeScript).
  const square = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;
  for (const value of ["disabled", "maybe"]) {
    const { code, stderr } = cli(["optimize", square, "--range", "10"], { AMORSIZE_CACHE: value });
    assert.equal(code, 2, stderr);
    assert.equal(
      stderr,
      `amorsize optimize: 'AMORSIZE_CACHE' must be 0, off, false or no (or 1, on, true, yes), ` +
        `got "${value}"\n`,
    );
  }
  const { code, stderr } = cli(["optimize", square, "--range", "10"], { AMORSIZE_CACHE: "Off" });
  assert.equal(code, 0, stderr);
});

test("a relative AMORSIZE_HOME exits with 2 and names the variable", () => {
  // It was taken from the working directory: each directory a command ran in got its own cache
  // and history (here, ./amorsize-files/cache).
  const square = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;
  const cwd = mkdtempSync(join(tmpdir(), "amorsize-relative-home-"));
  try {
    const home = { AMORSIZE_HOME: "amorsize-files" };
    const runs = [["optimize", square, "--range", "10"], ["cache", "stats"], ["history", "list"]];
    for (const args of runs) {
      const { code, stdout, stderr } = cli(args, home, cwd);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, "");
      assert.equal(
        stderr,
        `amorsize ${args[0]}: 'AMORSIZE_HOME' must be an absolute path, got "amorsize-files"\n`,
      );
    }
    assert.deepEqual(readdirSync(cwd), [], "nothing written in the working directory");
    // Without the cache, optimize does not use AMORSIZE_HOME.
    const off = cli(["optimize", square, "--range", "10"], { ...home, AMORSIZE_CACHE: "0" }, cwd);
    assert.equal(off.code, 0, off.stderr);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test("AMORSIZE_CPUS and AMORSIZE_MEMORY override the probe", () => {
  const { code, stdout, stderr } = cli(["system", "--json"], {
    AMORSIZE_CPUS: "3",
    AMORSIZE_MEMORY: "256M",
  });
  assert.equal(code, 0, stderr);
  const info = JSON.parse(stdout);
  assert.equal(info.effectiveCores, 3);
  assert.equal(info.memory.limitBytes, 268435456); // 256 × 1024²
  assert.equal(info.sources["memory.limitBytes"], "AMORSIZE_MEMORY");
});
