// `amorsize report` as a real process on the runtime running the tests, and the history loader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { saveResult } from "../mod.ts";
import { loadSuiteHistory } from "../src/report/suite_history.ts";
import { cliCommand, repoRoot } from "./_cli.ts";
import { fixtureModule } from "./_helpers.ts";

const home = mkdtempSync(join(tmpdir(), "amorsize-report-cli-"));

function cli(args: string[]) {
  const { cmd, args: base } = cliCommand();
  const res = spawnSync(cmd, [...base, "report", ...args], {
    cwd: repoRoot(),
    encoding: "utf8",
    env: { ...process.env, AMORSIZE_HOME: home, AMORSIZE_CPUS: "", AMORSIZE_MEMORY: "" },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });
  return { code: res.status, stdout: res.stdout ?? "", stderr: res.stderr ?? "" };
}

async function suiteDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-report-history-"));
  for (const [i, s] of [3.1, 3.3, 2.2].entries()) {
    const payload = {
      format: "amorsize-suite",
      date: `2025-03-1${i}T02:00:00.000Z`,
      results: [
        { workload: "cpu_intensive", actualSpeedup: s, passed: true, failures: [] },
        { workload: "fast_function", actualSpeedup: 1, passed: i !== 1, failures: [] },
      ],
    };
    await saveResult({ kind: "suite", name: i === 1 ? "bun" : "deno", payload }, { dir });
  }
  await saveResult({ kind: "suite", name: "deno", payload: { results: "none" } }, { dir });
  await saveResult({ kind: "validation", payload: { results: [] } }, { dir });
  return dir;
}

test("report --help explains both modes", () => {
  const { code, stdout } = cli(["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /--optimize MODULE#EXPORT/);
  assert.match(stdout, /--suite-history/);
});

test("usage errors exit with 2 and one line", () => {
  for (
    const [args, message] of [
      [["--suite-history"], "--html FILE is required"],
      [["--html", "r.html"], "give --optimize MODULE#EXPORT, --suite-history, or both"],
      [["--optimize", "m.ts#f", "--html", "r.html"], "--optimize needs its data"],
      [["--suite-history", "--range", "3", "--html", "r.html"], "--range and --data go with"],
      [["--bogus"], "bogus"],
    ] as const
  ) {
    const { code, stdout, stderr } = cli([...args]);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.equal(stdout, "");
    assert.ok(stderr.startsWith("amorsize report: ") && stderr.includes(message), stderr);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
  }
});

test("report --suite-history draws the saved suite runs, oldest first", async () => {
  const dir = await suiteDir();
  const file = join(dir, "out", "history.html");
  const { code, stdout, stderr } = cli(["--suite-history", "--dir", dir, "--html", file]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^suite history: 3 run\(s\)$/m);
  assert.match(stdout, /^wrote .*history\.html$/m);
  assert.match(stderr, /warning: skipped suite entry \S+: /); // the malformed payload
  const html = readFileSync(file, "utf8");
  assert.match(html, /<svg [^>]*id="amorsize-history"/);
  assert.match(html, />2025-03-10<[\s\S]*>2025-03-12</);
  assert.match(html, /class="regression" data-workload="fast_function" data-run="1"/);
  assert.match(html, /class="regression" data-workload="cpu_intensive" data-run="2"/);
  // --name keeps the runs saved under one name.
  const named = cli(["--suite-history", "--dir", dir, "--name", "deno", "--html", file]);
  assert.equal(named.code, 0, named.stderr);
  assert.match(named.stdout, /^suite history: 2 run\(s\)$/m);
});

test("report --suite-history with no saved runs exits with 1", () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-report-empty-"));
  const file = join(dir, "r.html");
  const { code, stderr } = cli(["--suite-history", "--dir", dir, "--html", file]);
  assert.equal(code, 1);
  assert.match(stderr, /no suite results in the history/);
  assert.equal(existsSync(file), false);
});

test("report --suite-history --name that matches no run names the names there", async () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-report-names-"));
  const results = [{ workload: "cpu", actualSpeedup: 2, passed: true }];
  for (const name of ["deno", "bun", "deno"]) {
    await saveResult({ kind: "suite", name, payload: { date: "2025-03-10", results } }, { dir });
  }
  const file = join(dir, "r.html");
  // It said "no suite results in the history", as if there were none.
  const { code, stderr } = cli(["--suite-history", "--dir", dir, "--name", "dneo", "--html", file]);
  assert.equal(code, 1);
  assert.match(
    stderr,
    /no suite results saved under the name "dneo" in the history \(.+\); its suite runs are saved under "(deno", "bun|bun", "deno)"$/m,
  );
  assert.equal(existsSync(file), false);
});

test("report --suite-history: a busy run (no verdict) is neither a failure nor a drop", async () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-report-busy-"));
  const result = (actualSpeedup: number, verdict: string) => ({
    workload: "cpu-intensive",
    actualSpeedup,
    passed: verdict === "pass",
    verdict,
    failures: verdict === "pass" ? [] : ["actual speedup 1.00× below the minimum 1.12×"],
  });
  for (const [i, r] of [result(1.8, "pass"), result(1.0, "busy"), result(1.7, "pass")].entries()) {
    const payload = { format: "amorsize-suite", date: `2025-03-1${i}`, results: [r] };
    await saveResult({ kind: "suite", name: "deno", payload }, { dir });
  }
  const file = join(dir, "r.html");
  const { code, stderr } = cli(["--suite-history", "--dir", dir, "--html", file]);
  assert.equal(code, 0, stderr);
  const html = readFileSync(file, "utf8");
  // The busy run was listed as "failed its checks" (and 44% below the previous run).
  assert.doesNotMatch(html, /failed its checks|below the previous run|class="regression"/);
  // A busy first run is no failed first run either.
  const first = mkdtempSync(join(tmpdir(), "amorsize-report-busy-first-"));
  const payload = { format: "amorsize-suite", date: "2025-03-10", results: [result(1, "busy")] };
  await saveResult({ kind: "suite", payload }, { dir: first });
  assert.equal(cli(["--suite-history", "--dir", first, "--html", file]).code, 0);
  assert.doesNotMatch(readFileSync(file, "utf8"), /failed their checks/);
});

test("report --optimize with an empty --suite-history writes both sections", () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-report-both-"));
  const file = join(dir, "report.html");
  const task = `${fixtureModule("tasks/basic").href}#square`;
  const args = ["--optimize", task, "--range", "50", "--suite-history", "--dir", dir];
  const { code, stdout, stderr } = cli([...args, "--html", file]);
  // The optimization ran, then "no suite results in the history", exit 1 and no report.
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^decision: /m);
  assert.match(stdout, /^suite history: 0 run\(s\)$/m);
  const html = readFileSync(file, "utf8");
  assert.match(html, /class="card decision"/);
  assert.match(html, /No suite runs\./);
});

test("report --optimize measures the task and writes the decision's charts", () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-report-opt-"));
  const data = join(dir, "items.json");
  writeFileSync(data, JSON.stringify(Array(150).fill(2))); // 150 items of 2 ms
  const file = join(dir, "report.html");
  const task = `${fixtureModule("tasks/basic").href}#spin`;
  const { code, stdout, stderr } = cli([
    "--optimize",
    task,
    "--data",
    data,
    "--html",
    file,
    "--title",
    "spin",
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^decision: /m);
  const html = readFileSync(file, "utf8");
  assert.match(html, /<title>spin<\/title>/);
  assert.match(html, /class="card decision"/);
  assert.match(html, /<th scope="row">effective cores<\/th>/);
  // Unless the optimizer refused early, the worker configurations it modelled are drawn.
  assert.ok(
    html.includes('id="amorsize-speedup"') || html.includes('id="amorsize-chunks"') ||
      html.includes("No worker configuration"),
    "speedup chart or its absence explained",
  );
  // Under the title: which task, how many items, which runtime, when.
  assert.match(
    html,
    /<span class="sub">file:[^<]*#spin, 150 items, (deno|bun|node) [^<]* · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC<\/span>/,
  );
});

test("loadSuiteHistory skips what is not a suite result, with a warning", async () => {
  const dir = await suiteDir();
  const { runs, warnings } = await loadSuiteHistory({ dir });
  assert.deepEqual(runs.map((r) => r.date.slice(0, 10)), [
    "2025-03-10",
    "2025-03-11",
    "2025-03-12",
  ]);
  assert.deepEqual(runs[1].results[1], {
    workload: "fast_function",
    actualSpeedup: 1,
    passed: false,
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /no results in its payload|a result without/);
  assert.equal((await loadSuiteHistory({ dir, name: "bun" })).runs.length, 1);
});

test("report --html: the target is checked by writing, not by permission bits (root writes a read-only directory)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-report-ro-"));
  const file = join(dir, "r.html");
  chmodSync(dir, 0o555);
  try {
    const { code, stderr } = cli(["--suite-history", "--dir", await suiteDir(), "--html", file]);
    // Deno's accessSync(W_OK) said EACCES for root, who can write there: a refusal.
    const root = process.getuid?.() === 0;
    assert.equal(code, root ? 0 : 2, stderr);
    assert.equal(existsSync(file), root);
    if (!root) assert.match(stderr, /is not writable/);
    assert.deepEqual(readdirSync(dir).filter((n) => n !== "r.html"), [], "no check file left");
  } finally {
    chmodSync(dir, 0o755);
  }
});
