// `amorsize suite` and `amorsize history` as real processes on the runtime running the tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { cliCommand, repoRoot } from "./_cli.ts";
import { fixturePath } from "./_helpers.ts";
import { loadResult, saveResult } from "../src/store/history.ts";

const file = (name: string) => fixturePath(`suite/${name}`);
const tempHome = () => mkdtempSync(join(tmpdir(), "amorsize-cli-"));

function cli(args: string[], env: Record<string, string> = {}) {
  const { cmd, args: base } = cliCommand();
  const res = spawnSync(cmd, [...base, ...args], {
    cwd: repoRoot(),
    encoding: "utf8",
    env: { ...process.env, AMORSIZE_CPUS: "", AMORSIZE_MEMORY: "", AMORSIZE_HOME: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout ?? "", stderr: res.stderr ?? "" };
}

/** Exit 2 with exactly one line on stderr that matches `re`. */
function usageError(args: string[], re: RegExp, env: Record<string, string> = {}) {
  const { code, stdout, stderr } = cli(args, env);
  assert.equal(code, 2, `${args.join(" ")}: ${stdout}${stderr}`);
  assert.equal(stderr.trim().split("\n").length, 1, stderr);
  assert.match(stderr, re);
}

test("suite/history CLI: --help on each command exits 0", () => {
  const s = cli(["suite", "--help"]);
  assert.equal(s.code, 0);
  assert.match(s.stdout, /amorsize suite compare BASELINE CURRENT/);
  assert.match(s.stdout, /Exit codes: 0 ok \(or busy: no verdict\), 1/);
  const h = cli(["history", "--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /amorsize history compare ID1 ID2/);
  const top = cli(["--help"]).stdout;
  assert.match(top, /^ {2}suite\b/m);
  assert.match(top, /^ {2}history\b/m);
});

test("suite CLI: usage errors exit 2 with one line", () => {
  usageError(["suite"], /^amorsize suite: a subcommand is needed/);
  usageError(["suite", "walk"], /unknown subcommand "walk"/);
  usageError(["suite", "run", "--repeats", "0"], /--repeats must be an integer >= 1, got "0"/);
  usageError(
    ["suite", "run", "--workloads", "nope"],
    /unknown workload "nope" \(known: cpu-intensive/,
  );
  usageError(["suite", "run", "--bogus"], /--bogus/);
  usageError(["suite", "run", "--dir", "/tmp"], /--dir needs --save/);
  usageError(
    ["suite", "compare", file("baseline.json")],
    /needs BASELINE and CURRENT files, got 1/,
  );
  usageError(["suite", "compare", "--repeats", "2", "a", "b"], /does not take --repeats/);
  usageError(
    ["suite", "compare", file("baseline.json"), file("baseline.json"), "--threshold", "abc"],
    /--threshold must be a positive number, got "abc"/,
  );
  usageError(
    ["suite", "compare", file("baseline.json"), file("baseline.json"), "--threshold=-1"],
    /--threshold must be a positive number, got "-1"/,
  );
});

test("suite CLI: unreadable or foreign files exit 2 naming the file", () => {
  usageError(
    ["suite", "compare", file("garbage.txt"), file("baseline.json")],
    /garbage\.txt is not JSON/,
  );
  usageError(
    ["suite", "compare", file("baseline.json"), file("schema2.json")],
    /schema2\.json: suite result schema 2 is not supported/,
  );
  usageError(
    ["suite", "compare", "no_such.json", file("baseline.json")],
    /Cannot read no_such\.json/,
  );
});

test("suite compare: a regression exits 1 and is shown first", () => {
  const { code, stdout, stderr } = cli([
    "suite",
    "compare",
    file("baseline.json"),
    file("current_regressed.json"),
  ]);
  assert.equal(code, 1, stderr);
  assert.match(stdout, /^workload +metric +baseline +current +change +spread +status$/m);
  const rows = stdout.split("\n").filter((l) => /^(cpu|mixed|fast|variable)/.test(l));
  assert.match(rows[0], /^cpu-intensive +actualSpeedup +1\.80× +1\.20× +-33\.3% +5% +REGRESSION$/);
  assert.match(stdout, /^variable-time .* improved$/m);
  assert.match(stdout, /^mixed .* unchanged \(noise\)$/m);
  assert.match(stdout, /^missing in current: memory-intensive$/m);
  assert.match(stdout, /^new in current: extra$/m);
  assert.match(stdout, /^1 regression\(s\), 1 improvement\(s\), 2 unchanged/m);
});

test("suite compare: no regression exits 0; --threshold and --json", () => {
  const same = cli(["suite", "compare", file("baseline.json"), file("current_same.json")]);
  assert.equal(same.code, 0, same.stderr);
  const loose = cli([
    "suite",
    "compare",
    file("baseline.json"),
    file("current_regressed.json"),
    "--threshold",
    "0.5",
    "--json",
  ]);
  assert.equal(loose.code, 0, loose.stderr);
  const out = JSON.parse(loose.stdout);
  assert.equal(out.threshold, 0.5);
  assert.deepEqual(out.regressions, []);
});

/** What `deno bench --json` writes for one bench named `name` with one `result`. */
function denoBenchReport(name: string, result: unknown) {
  return {
    version: 1,
    runtime: "Deno/2",
    cpu: "x",
    benches: [{
      origin: "file:///b_bench.ts",
      group: null,
      name,
      baseline: false,
      results: [result],
    }],
  };
}

test("suite compare: malformed figures exit 2 naming the file; a byte-order mark is no fault", () => {
  const dir = tempHome();
  const put = (name: string, value: unknown, prefix = "") => {
    const path = join(dir, name);
    writeFileSync(path, prefix + JSON.stringify(value));
    return path;
  };
  const bench = (avg: unknown) =>
    denoBenchReport("ok", {
      ok: { n: 10, min: 90, max: 300, avg, p75: 210, p99: 290, p995: 295, p999: 299 },
    });
  // Stats as strings: "v.toFixed is not a function", exit 1 (the regression code).
  usageError(
    ["suite", "compare", put("b.json", bench(100)), put("strings.json", bench("200"))],
    /strings\.json: benches\[0\]\.results\[0\]\.ok\.avg is not a number >= 0: "200"/,
  );
  const suite = (speedup: number) => ({
    format: "amorsize-suite",
    schema: 1,
    results: [{ workload: "w", actualSpeedup: speedup, spread: { speedup: 0 } }],
  });
  // A negative speedup: "-150.0% REGRESSION", exit 1.
  usageError(
    ["suite", "compare", put("neg.json", suite(-2)), put("one.json", suite(1))],
    /neg\.json: results\[0\] has an "actualSpeedup" that is not a number >= 0: -2/,
  );
  // JSON with a byte-order mark (as --data accepts it): "Unexpected token", exit 2.
  const r = cli([
    "suite",
    "compare",
    put("bom.json", suite(1), "\uFEFF"),
    put("same.json", suite(1)),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /unchanged/);
});

test("suite compare: a workload or bench that failed outright in the current run exits 1", () => {
  const dir = tempHome();
  const put = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const suite = (r: Record<string, unknown>) => ({
    format: "amorsize-suite",
    schema: 1,
    results: [{ workload: "cpu-intensive", spread: { speedup: 0 }, ...r }],
  });
  const base = put("base.json", suite({ actualSpeedup: 1.8, passed: true, failures: [] }));
  const threw = { actualSpeedup: null, passed: false, failures: ["optimize threw Error: boom"] };
  // It was "missing in current", 0 regressions, exit 0: the CI gate passed a broken workload.
  const r = cli(["suite", "compare", base, put("threw.json", suite(threw))]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^FAILED in current: cpu-intensive$/m);
  assert.doesNotMatch(r.stdout, /missing in current/);
  // A busy workload is no verdict, not a failure.
  const busy = { ...threw, verdict: "busy" };
  assert.equal(cli(["suite", "compare", base, put("busy.json", suite(busy))]).code, 0);
  const bench = (result: unknown) => denoBenchReport("f", result);
  const ok = {
    ok: { n: 9, min: 90, max: 110, avg: 100, p75: 101, p99: 109, p995: 110, p999: 110 },
  };
  const failed = { failed: "Error: boom" };
  const j = cli([
    "suite",
    "compare",
    put("b0.json", bench(ok)),
    put("b1.json", bench(failed)),
    "--json",
  ]);
  assert.equal(j.code, 1, j.stderr);
  assert.deepEqual(JSON.parse(j.stdout).failed, ["b_bench.ts: f"]);
});

test("suite compare: a workload measured on a busy machine is not judged (as suite run)", () => {
  const dir = tempHome();
  const put = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const suite = (...results: Record<string, unknown>[]) => ({
    format: "amorsize-suite",
    schema: 1,
    results: results.map((r) => ({ spread: { speedup: 0 }, failures: [], ...r })),
  });
  const pass = (workload: string, actualSpeedup: number) => ({
    workload,
    actualSpeedup,
    passed: true,
    verdict: "pass",
  });
  // Timing checks failed under load: `suite run` gives no verdict (exit 0); compare called the
  // same figure a REGRESSION and exited 1.
  const busy = {
    workload: "cpu-intensive",
    actualSpeedup: 0.9,
    passed: false,
    verdict: "busy",
    externalLoad: 3,
    failures: ["speedup 0.90× is below 80% of the minimum 1.40× (1.12×)"],
  };
  const base = put("base.json", suite(pass("cpu-intensive", 1.8), pass("mixed", 2)));
  const cur = put("busy.json", suite(busy, pass("mixed", 2)));
  const r = cli(["suite", "compare", base, cur]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /REGRESSION|missing in current/);
  assert.match(r.stdout, /^not judged, the machine was busy \(no verdict\): cpu-intensive$/m);
  const j = JSON.parse(cli(["suite", "compare", base, cur, "--json"]).stdout);
  assert.deepEqual([j.regressions, j.missing, j.new, j.busy], [[], [], [], ["cpu-intensive"]]);
  assert.deepEqual(j.unchanged.map((e: { workload: string }) => e.workload), ["mixed"]);
  // A busy baseline is no reference either: the current figure is neither judged nor new.
  const back = JSON.parse(cli(["suite", "compare", cur, base, "--json"]).stdout);
  assert.deepEqual([back.improvements, back.new, back.busy], [[], [], ["cpu-intensive"]]);
  // A drop on a quiet machine is still a regression.
  const quiet = put("quiet.json", suite({ ...busy, verdict: "fail" }, pass("mixed", 2)));
  assert.equal(cli(["suite", "compare", base, quiet]).code, 1);
});

test("suite compare: a baseline speedup of 0 is no reference: no Infinity %, no null changePct", () => {
  const dir = tempHome();
  const put = (name: string, speedup: number) => {
    const path = join(dir, name);
    const results = [
      { workload: "w", actualSpeedup: speedup, spread: { speedup: 0 }, passed: true },
      { workload: "v", actualSpeedup: 2, spread: { speedup: 0 }, passed: true },
    ];
    writeFileSync(path, JSON.stringify({ format: "amorsize-suite", schema: 1, results }));
    return path;
  };
  const [zero, one] = [put("zero.json", 0), put("one.json", 1)];
  // It was "+Infinity%  improved", and "changePct": null in the JSON (a number by its type).
  const r = cli(["suite", "compare", zero, one]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /Infinity|improved/);
  assert.match(r.stdout, /^note: a baseline figure of 0, no change to measure from: w$/m);
  const j = cli(["suite", "compare", zero, one, "--json"]);
  assert.equal(j.code, 0, j.stderr);
  const out = JSON.parse(j.stdout);
  const entries = [...out.regressions, ...out.improvements, ...out.unchanged];
  assert.deepEqual(entries.map((e: { workload: string }) => e.workload), ["v"]);
  for (const e of entries) assert.equal(typeof e.changePct, "number");
  assert.deepEqual([out.missing, out.new], [[], []]);
  // A drop to 0 is a change of -100 %: a regression.
  const down = JSON.parse(cli(["suite", "compare", one, zero, "--json"]).stdout);
  assert.deepEqual(down.regressions.map((e: { changePct: number }) => e.changePct), [-100]);
});

test("suite compare: a side that does not say its runtime or machine is noted as unknown", () => {
  const dir = tempHome();
  const put = (name: string, extra: Record<string, unknown>) => {
    const path = join(dir, name);
    const results = [{ workload: "w", actualSpeedup: 2, spread: { speedup: 0 }, passed: true }];
    writeFileSync(path, JSON.stringify({ format: "amorsize-suite", schema: 1, results, ...extra }));
    return path;
  };
  const short = put("short.json", {});
  const full = put("full.json", {
    runtime: { name: "node", version: "22.1.0" },
    system: { effectiveCores: 8 },
  });
  // It said "baseline undefined undefined" and "undefined effective cores in the baseline".
  const r = cli(["suite", "compare", short, full]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /undefined/);
  assert.match(r.stdout, /^note: different runtimes: baseline unknown, current node 22\.1\.0$/m);
  assert.match(
    r.stdout,
    /^note: different machines: an unknown number of effective cores in the baseline, 8 now$/m,
  );
  const back = cli(["suite", "compare", full, short]);
  assert.doesNotMatch(back.stdout, /undefined/);
  assert.match(back.stdout, /8 effective cores in the baseline, an unknown number now$/m);
  assert.doesNotMatch(cli(["suite", "compare", short, short]).stdout, /note: different/);
});

test("suite compare: a suite result that names a workload twice exits 2", () => {
  const dir = tempHome();
  const put = (name: string, figures: number[]) => {
    const path = join(dir, name);
    const results = figures.map((actualSpeedup) => ({
      workload: "cpu-intensive",
      actualSpeedup,
      spread: { speedup: 0 },
      passed: true,
    }));
    writeFileSync(path, JSON.stringify({ format: "amorsize-suite", schema: 1, results }));
    return path;
  };
  // Merged by hand: the baseline's 1.0× was judged against the current 2.0× ("improved"), and
  // a current run naming it twice was judged by its last figure only (exit 0 or 1 by position).
  const twice = put("twice.json", [2, 1]);
  const once = put("once.json", [2]);
  usageError(
    ["suite", "compare", twice, once],
    /twice\.json: results\[1\] names the workload "cpu-intensive" of results\[0\] again/,
  );
  usageError(["suite", "compare", once, twice], /twice\.json: results\[1\] names the workload/);
});

test("history compare: a suite entry without a suite result says so, not 'not a suite run'", async () => {
  const home = tempHome();
  const env = { AMORSIZE_HOME: home };
  const dir = join(home, "history");
  // The shape loadSuiteHistory (the report) reads: saved by other code, without the format.
  const results = [{ workload: "cpu", actualSpeedup: 3, passed: true }];
  const a = await saveResult({ kind: "suite", payload: { date: "2025-03-10", results } }, { dir });
  // It said 'history entry … is of kind "suite", not a suite run'.
  usageError(
    ["history", "compare", a.id, a.id],
    new RegExp(
      `history entry ${a.id} is of kind "suite" but its payload is not a suite result ` +
        `\\(no format: "amorsize-suite"`,
    ),
    env,
  );
});

test("suite compare: deno bench --json files", () => {
  const { code, stdout } = cli([
    "suite",
    "compare",
    file("deno_bench_baseline.json"),
    file("deno_bench_current.json"),
    "--json",
  ]);
  assert.equal(code, 1);
  const out = JSON.parse(stdout);
  assert.equal(out.kind, "deno-bench");
  assert.deepEqual(out.regressions.map((e: { workload: string }) => e.workload), [
    "engine_bench.ts: squares/workers",
  ]);
});

test("suite list prints the standard workloads", () => {
  const { code, stdout } = cli(["suite", "list", "--json"]);
  assert.equal(code, 0);
  assert.equal(JSON.parse(stdout).length, 5);
});

test("history show: a suite entry in the shortest form is shown; another schema exits 2", async () => {
  const home = tempHome();
  const env = { AMORSIZE_HOME: home };
  const dir = join(home, "history");
  // The shape history compare accepts: show crashed on it ("reading 'name'", exit 1).
  const short = {
    format: "amorsize-suite",
    schema: 1,
    results: [{ workload: "w", actualSpeedup: 1 }],
  };
  const a = await saveResult({ kind: "suite", payload: short }, { dir });
  const show = cli(["history", "show", a.id], env);
  assert.equal(show.code, 0, show.stderr);
  assert.deepEqual(JSON.parse(show.stdout.slice(show.stdout.indexOf("{"))), short);
  assert.equal(cli(["history", "compare", a.id, a.id], env).code, 0);
  const b = await saveResult({ kind: "suite", payload: { ...short, schema: 2 } }, { dir });
  usageError(["history", "show", b.id], /suite result schema 2 is not supported/, env);
});

test("history CLI: list, show, compare, delete and clear against a temporary AMORSIZE_HOME", async () => {
  const home = tempHome();
  const env = { AMORSIZE_HOME: home };
  const dir = join(home, "history");
  const empty = cli(["history", "list"], env);
  assert.equal(empty.code, 0);
  assert.match(empty.stdout, /^no history entries in /);
  const { readFileSync } = await import("node:fs");
  const read = (n: string) => JSON.parse(readFileSync(file(n), "utf8"));
  const a = await saveResult({ kind: "suite", name: "deno", payload: read("baseline.json") }, {
    dir,
  });
  const b = await saveResult({ kind: "suite", payload: read("current_regressed.json") }, { dir });
  const v = await saveResult({ kind: "validation", payload: { accuracy: 0.9 } }, { dir });

  const list = cli(["history", "list"], env);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^id +kind +name +saved at$/m);
  assert.deepEqual(list.stdout.trim().split("\n").slice(1).map((l) => l.split(/ +/)[0]), [
    v.id,
    b.id,
    a.id,
  ]);
  const suites = JSON.parse(cli(["history", "list", "--kind", "suite", "--json"], env).stdout);
  assert.deepEqual(suites.map((e: { id: string }) => e.id), [b.id, a.id]);

  const show = cli(["history", "show", a.id], env);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^cpu-intensive +workers 2 × chunk 4 adaptive +1\.90× +1\.80× /m);
  assert.match(show.stdout, /5 of 5 workloads passed/);
  assert.equal(JSON.parse(cli(["history", "show", v.id, "--json"], env).stdout).kind, "validation");

  const cmp = cli(["history", "compare", a.id, b.id], env);
  assert.equal(cmp.code, 1, cmp.stderr);
  assert.match(cmp.stdout, /^cpu-intensive .* REGRESSION$/m);
  assert.equal(cli(["history", "compare", a.id, a.id, "--json"], env).code, 0);
  usageError(["history", "compare", a.id, v.id], /is of kind "validation", not a suite run/, env);
  // latest / latest~N name entries newest first (v, b, a).
  const latest = JSON.parse(cli(["history", "show", "latest", "--json"], env).stdout);
  assert.equal(latest.id, v.id);
  const lastTwo = cli(["history", "compare", "latest~2", "latest~1"], env);
  assert.equal(lastTwo.code, 1, lastTwo.stderr);
  assert.match(lastTwo.stdout, /^cpu-intensive .* REGRESSION$/m);
  usageError(
    ["history", "show", "latest~3"],
    /no history entry "latest~3": .* holds 3 entries/,
    env,
  );
  // A newer entry that cannot be read is said, not passed over in silence: `latest` is then the
  // newest that can be read.
  const { rmSync, writeFileSync: write } = await import("node:fs");
  const broken = join(dir, "29991231T000000000Z-00000000.json");
  write(broken, '{"schema": 1, "id": "trunc');
  const skipped = cli(["history", "show", "latest", "--json"], env);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.equal(JSON.parse(skipped.stdout).id, v.id);
  assert.match(skipped.stderr, /^warning: .*29991231T000000000Z-00000000/m);
  // Said once, also where two ids are resolved (compare said it once per id).
  const twice = cli(["history", "compare", "latest~2", "latest~1", "--json"], env);
  assert.equal(twice.code, 1, twice.stderr);
  assert.equal(twice.stderr.match(/^warning: /gm)?.length, 1, twice.stderr);
  rmSync(broken);

  const del = cli(["history", "delete", b.id], env);
  assert.equal(del.code, 0, del.stderr);
  assert.equal(del.stdout.trim(), `deleted ${b.id}`);
  await assert.rejects(loadResult(b.id, { dir }), /No history entry/);
  usageError(["history", "delete", b.id], /no history entry/, env);
  usageError(["history", "show", b.id], /No history entry/, env);
  usageError(["history", "show", "not-an-id"], /'id' must be a history entry id/, env);
  usageError(["history", "clear"], /confirm with --yes/, env);
  usageError(["history", "show"], /takes 1 argument\(s\), got 0/, env);
  usageError(["history", "list", "--yes"], /does not take --yes/, env);

  const clear = cli(["history", "clear", "--kind", "validation", "--yes", "--json"], env);
  assert.deepEqual(JSON.parse(clear.stdout), { deleted: 1 });
  // --dir wins over AMORSIZE_HOME.
  assert.equal(cli(["history", "clear", "-y", "--dir", dir]).stdout.trim(), "deleted 1 entry");
  assert.match(cli(["history", "list"], env).stdout, /^no history entries/);
});

test("suite run: one small workload for real, saved, then listed in the history", () => {
  const home = tempHome();
  const env = { AMORSIZE_HOME: home };
  const run = cli(
    ["suite", "run", "--workloads", "fast-function", "--repeats", "1", "--save", "--json"],
    env,
  );
  assert.ok(run.code === 0 || run.code === 1, run.stderr);
  const suite = JSON.parse(run.stdout);
  // Exit 1 only for a verdict of "fail"; "busy" (timing checks failed under load) is no verdict.
  assert.equal(run.code, suite.results[0].verdict === "fail" ? 1 : 0);
  assert.equal(suite.results[0].verdict, suite.passed ? "pass" : suite.results[0].verdict);
  assert.ok(["pass", "fail", "busy"].includes(suite.results[0].verdict));
  const load = suite.results[0].externalLoad;
  assert.ok(load === null || load >= 0, String(load));
  assert.equal(suite.results.length, 1);
  assert.equal(suite.results[0].workload, "fast-function");
  assert.equal(suite.results[0].samples.serialMs.length, 1);
  const list = JSON.parse(cli(["history", "list", "--json"], env).stdout);
  assert.deepEqual(list.map((e: { id: string }) => e.id), [suite.historyId]);
});

test("suite run: with one effective core a plain loop passes cpu-intensive", () => {
  const run = cli(["suite", "run", "--workloads", "cpu-intensive", "--repeats", "1", "--json"], {
    AMORSIZE_CPUS: "1",
  });
  const suite = JSON.parse(run.stdout);
  const r = suite.results[0];
  assert.equal(suite.system.effectiveCores, 1);
  assert.equal(r.minSpeedup, 1);
  assert.equal(r.recommendation.executor, "inline");
  assert.equal(r.actualSpeedup, 1);
  assert.deepEqual(r.failures, []);
  assert.equal(run.code, 0, run.stderr);
});

test("suite CLI: run --save where the history cannot be written fails before any workload runs", () => {
  const home = tempHome();
  const blocker = join(home, "file");
  writeFileSync(blocker, "");
  // A file where the history directory would be: the saving failed only after the whole suite,
  // and its results were not printed.
  const r = cli(["suite", "run", "--save", "--workloads", "fast-function"], {
    AMORSIZE_HOME: blocker,
  });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /a file lies at that path or above it \(AMORSIZE_HOME is /);
  assert.doesNotMatch(r.stderr, /fast-function:/, "no workload ran");
  assert.equal(r.stdout, "");
});

test("suite CLI: run --no-validate says what it checked: the prediction, not a pass", () => {
  const r = cli(["suite", "run", "--no-validate", "--workloads", "fast-function"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /^fast-function: predicted$/m);
  assert.match(r.stdout, /^fast-function .* predicted$/m);
  assert.match(r.stdout, /1 of 1 workloads passed \(1 on the prediction alone: no timed runs\)/);
});
