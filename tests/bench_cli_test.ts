// The decision-quality bench as a user runs it: its help, and a clear error (exit 2) for a bad
// option, before any workload runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { runtime } from "../src/runtime/detect.ts";
import { repoRoot } from "./_cli.ts";

/** Run bench/decision_quality.ts on this runtime with `args`. */
function bench(...args: string[]) {
  const root = repoRoot();
  const name = runtime().name;
  const script = name === "node"
    ? join(root, "build/node/bench/decision_quality.js")
    : join(root, "bench/decision_quality.ts");
  const argv = name === "deno" ? ["run", "-A", script, ...args] : [script, ...args];
  return spawnSync(process.execPath, argv, { cwd: root, encoding: "utf8", timeout: 60_000 });
}

test("decision-quality bench: --help lists the options and exits 0", () => {
  const res = bench("--help");
  assert.equal(res.status, 0, res.stderr);
  for (const option of ["--quick", "--only", "--repeats", "--explain"]) {
    assert.match(res.stdout, new RegExp(`^  ${option}`, "m"));
  }
});

test("decision-quality bench: a bad option is refused with exit 2, naming it", () => {
  const unknown = bench("--bogus");
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--bogus/);
  assert.match(unknown.stderr, /^Usage: decision_quality/m);
  const repeats = bench("--repeats", "0");
  assert.equal(repeats.status, 2);
  assert.match(repeats.stderr, /'--repeats' must be a positive integer, got 0/);
  // Names that match no workload: the workloads are listed, and none runs.
  const only = bench("--only", "nope");
  assert.equal(only.status, 2);
  assert.match(only.stderr, /'--only' names no workload: nope; the workloads are:/);
  assert.match(only.stderr, /^ {2}tiny 20 × 1 ms$/m);
  assert.equal(only.stdout, ""); // refused before any output
});
