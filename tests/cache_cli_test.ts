// `amorsize cache stats|clear` as a real process on the runtime running the tests, on a temporary
// AMORSIZE_HOME.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createResultCache } from "../src/store/result_cache.ts";
import { VERSION } from "../src/version.ts";
import { cliCommand, repoRoot } from "./_cli.ts";

function cli(args: string[], home: string) {
  const { cmd, args: base } = cliCommand();
  const res = spawnSync(cmd, [...base, ...args], {
    cwd: repoRoot(),
    encoding: "utf8",
    env: { ...process.env, AMORSIZE_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout ?? "", stderr: res.stderr ?? "" };
}

test("amorsize cache stats and clear on $AMORSIZE_HOME/cache", async () => {
  const home = mkdtempSync(join(tmpdir(), "amorsize-cache-cli-"));
  try {
    const empty = cli(["cache", "stats", "--json"], home);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(JSON.parse(empty.stdout).entries, 0);
    const cache = createResultCache({ dir: join(home, "cache"), version: VERSION });
    await cache.set("a", { x: 1 });
    await cache.set("b", { x: 2 });
    // A truncated entry of ours (a clear leaves another program's file: store_cache_test).
    const truncated = '{"schema":1,"library":"amorsize","version":';
    writeFileSync(join(home, "cache", "0123456789abcdef0123456789abcdef.json"), truncated);
    const stats = JSON.parse(cli(["cache", "stats", "--json"], home).stdout);
    assert.equal(stats.entries, 3);
    assert.equal(stats.corrupt, 1);
    assert.equal(stats.dir, join(home, "cache"));
    const text = cli(["cache", "stats"], home);
    assert.match(text.stdout, /^entries +3$/m);
    assert.match(text.stdout, /^corrupt +1$/m);
    const cleared = cli(["cache", "clear"], home);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal(cleared.stdout, "removed 3 entries\n");
    assert.deepEqual(JSON.parse(cli(["cache", "clear", "--json"], home).stdout), { removed: 0 });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("amorsize cache --dir reads another directory", async () => {
  const home = mkdtempSync(join(tmpdir(), "amorsize-cache-cli-"));
  try {
    const dir = join(home, "elsewhere");
    await createResultCache({ dir, version: VERSION }).set("k", 1);
    const stats = JSON.parse(cli(["cache", "stats", "--json", "--dir", dir], home).stdout);
    assert.equal(stats.entries, 1);
    assert.equal(stats.dir, dir);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("amorsize cache --help, and usage errors exit 2 with one line", () => {
  const home = mkdtempSync(join(tmpdir(), "amorsize-cache-cli-"));
  try {
    const help = cli(["cache", "--help"], home);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /stats\|clear/);
    for (const args of [["cache"], ["cache", "purge"], ["cache", "stats", "--bogus"]]) {
      const { code, stdout, stderr } = cli(args, home);
      assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
      assert.equal(stdout, "");
      assert.match(stderr, /^amorsize cache: .+\n$/);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
