/**
 * Runs every test file on Deno, Bun and Node and prints one closing line
 * `N passed, N failed` totalled over the runtimes. Exits non-zero on any failure.
 *
 * Usage: `deno run -A scripts/test_all.ts [deno] [bun] [node] [--filter=a,b]`
 * (no runtime named = all three; the filter keeps the test files whose names hold any of its
 * comma-separated parts). Node 20 cannot run TypeScript, so its leg runs the tests
 * compiled by `scripts/build_node.ts` against the built npm package (`npm/`, from
 * `scripts/build_npm.ts`): the Node leg tests what npm users install.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { ensureToolchain } from "./_toolchain.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const binDir = ensureToolchain(root);
const bin = (name: string) => join(binDir, name);
const args = Deno.args.filter((a) => !a.startsWith("--filter="));
const filter = Deno.args.find((a) => a.startsWith("--filter="))?.slice(9).split(",");
const wanted = args.length > 0 ? args : ["deno", "bun", "node"];
const testFiles = (dir: string, ext: string) =>
  readdirSync(join(root, dir)).filter((f) => f.endsWith(`_test${ext}`)).filter((f) =>
    !filter || filter.some((part) => f.includes(part))
  ).sort().map((f) => join(dir, f));

// The runners get a fresh AMORSIZE_HOME: the optimizer's result cache (and the history) of a test
// run start empty and never touch the user's directories. They also get their own TMPDIR, which
// `os.tmpdir()` reads on every runtime: the folders tests and JSDoc examples make there go with
// this run's folder when it ends, passed or failed.
const runDir = mkdtempSync(join(tmpdir(), "amorsize-test-run-"));
const amorsizeHome = join(runDir, "home");
const runTmp = join(runDir, "tmp");
mkdirSync(amorsizeHome);
mkdirSync(runTmp);

interface Leg {
  name: string;
  passed: number;
  failed: number;
  ok: boolean;
  seconds: number;
}

function run(cmd: string, argv: string[], env: Record<string, string> = {}): [number, string] {
  const res = spawnSync(cmd, argv, {
    cwd: root,
    env: { ...Deno.env.toObject(), AMORSIZE_HOME: amorsizeHome, TMPDIR: runTmp, ...env },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: 15 * 60 * 1000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = `${res.stdout ?? ""}${res.stderr ?? ""}`;
  console.log(out);
  return [res.status ?? 1, out];
}

function count(out: string, re: RegExp): number {
  const matches = [...out.matchAll(re)];
  return matches.length === 0 ? 0 : Number(matches[matches.length - 1][1]);
}

const legs: Leg[] = [];
for (const name of wanted) {
  const started = performance.now();
  let status = 1, passed = 0, failed = 0, out = "";
  if (name === "deno") {
    [status, out] = run(bin("deno"), ["test", "-A", "--no-check", ...testFiles("tests", ".ts")]);
    passed = count(out, /(\d+) passed/g);
    failed = count(out, /(\d+) failed/g);
  } else if (name === "bun") {
    [status, out] = run(bin("bun"), [
      "test",
      "--timeout",
      "120000",
      ...testFiles("tests", ".ts").map((f) => `./${f}`),
    ]);
    passed = count(out, /^\s*(\d+) pass$/gm);
    failed = count(out, /^\s*(\d+) fail$/gm);
  } else if (name === "node") {
    // Builds npm/ and build/node/tests, whose imports of the library resolve to npm/esm/.
    const [buildStatus] = run(bin("deno"), ["run", "-A", "scripts/build_node.ts"]);
    if (buildStatus !== 0) {
      legs.push({ name, passed: 0, failed: 1, ok: false, seconds: 0 });
      continue;
    }
    [status, out] = run("node", ["--test", ...testFiles("build/node/tests", ".js")]);
    passed = count(out, /^[#ℹ] pass (\d+)$/gm);
    failed = count(out, /^[#ℹ] fail (\d+)$/gm);
  } else {
    console.error(`Unknown runtime "${name}": expected deno, bun or node`);
    rmSync(runDir, { recursive: true, force: true });
    Deno.exit(2);
  }
  // A runner that crashed or exited non-zero without reporting a failure still fails the leg.
  if (status !== 0 && failed === 0) failed = 1;
  if (passed === 0 && failed === 0) failed = 1;
  const seconds = (performance.now() - started) / 1000;
  legs.push({ name, passed, failed, ok: status === 0 && failed === 0, seconds });
}

for (const leg of legs) {
  console.log(
    `${leg.name}: ${leg.passed} passed, ${leg.failed} failed (${leg.seconds.toFixed(1)} s)`,
  );
}
const passed = legs.reduce((s, l) => s + l.passed, 0);
const failed = legs.reduce((s, l) => s + l.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
rmSync(runDir, { recursive: true, force: true });
Deno.exit(legs.every((l) => l.ok) ? 0 : 1);
