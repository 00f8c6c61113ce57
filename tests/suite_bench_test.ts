// benchOptimized: a deno bench group (inline baseline, the recommendation, extra configurations)
// checked through a real `deno bench --json` run; elsewhere a clear Error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { benchOptimized } from "../src/suite/bench_group.ts";
import { benchRegistrar } from "../src/runtime/bench.ts";
import { runtime } from "../src/runtime/detect.ts";
import { denoBinary, repoRoot } from "./_cli.ts";
import { fixturePath } from "./_helpers.ts";

const square = (x: number) => x * x;

test("bench helper: bad arguments throw at once on every runtime", async () => {
  await assert.rejects(benchOptimized("", square, [1]), {
    name: "TypeError",
    message: `'name' must be a non-empty string, got ""`,
  });
  await assert.rejects(benchOptimized("sq", square, 5 as never), /'data' must be an array/);
  await assert.rejects(
    benchOptimized("sq", square, [1], { configs: { bad: { workers: 0 } } }),
    { name: "RangeError", message: "'workers' must be a positive integer, got 0" },
  );
  await assert.rejects(benchOptimized("sq", square, [1], { n: 1.5 }), RangeError);
  await assert.rejects(benchOptimized("sq", square, [1], { group: "" }), TypeError);
});

test("bench helper: outside Deno it says it needs deno bench", async () => {
  if (runtime().name === "deno") {
    assert.equal(typeof benchRegistrar(), "function");
    return;
  }
  assert.equal(benchRegistrar(), undefined);
  await assert.rejects(benchOptimized("sq", square, [1, 2, 3]), (e: Error) => {
    assert.equal(e.constructor, Error);
    assert.match(e.message, /benchOptimized needs `deno bench` \(Deno\.bench\), which (bun|node)/);
    return true;
  });
});

test("bench helper: deno bench --json runs inline (baseline), optimized and the extra config", () => {
  const deno = denoBinary();
  if (runtime().name !== "deno" || !deno) return; // one runtime is enough for the real run
  const res = spawnSync(
    deno,
    ["bench", "-A", "--no-check", "--json", fixturePath("suite/bench_optimized_bench.ts")],
    { cwd: repoRoot(), encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] },
  );
  assert.equal(res.status, 0, res.stderr);
  const report = JSON.parse(res.stdout);
  const benches = report.benches as {
    name: string;
    group: string;
    baseline: boolean;
    results: { ok?: { n: number } }[];
  }[];
  assert.deepEqual(benches.map((b) => b.group), ["spin", "spin", "spin"]);
  assert.equal(benches[0].name, "inline");
  assert.equal(benches[0].baseline, true);
  assert.match(
    benches[1].name,
    /^optimized \((inline|async ×\d+|workers \d+ × chunk \d+ adaptive)\)$/,
  );
  assert.equal(benches[1].baseline, false);
  assert.equal(benches[2].name, "2 workers, chunks of 1");
  for (const b of benches) assert.ok(b.results[0].ok, `${b.name} failed`);
});
