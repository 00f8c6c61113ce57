// Every command line the documentation shows runs. The lines are read from the shell blocks
// (```sh, ```bash, ```shell) of README.md and then docs/*.md (sorted), and run in that order in
// ONE bash session, as a reader would type them, in a fresh copy of the repository: the files git
// tracks or would track, without node_modules/, npm/ or build/. The session's PATH has no
// node_modules/.bin (the first commands, `npm start`/`npm test`, install the pinned toolchain and
// the README's `export PATH=…` line puts it on the PATH), and AMORSIZE_HOME is a new directory.
//
// How it decides:
// - A command passes when it exits 0, or 0 or 1 when its comment says "exit 1" (a check that a
//   busy machine can fail: validate, suite run, compare). Exit 2 (usage) or a crash fails.
// - Blocks fenced ```sh norun are not run: what needs a registry or a project of the reader's own
//   (`npm install amorsize`, `deno add jsr:…`); the docs say so next to them.
// - Long commands run as documented with a smaller workload appended (SMALLER below): the suite
//   on one workload and one repeat, `npm test` on one test file and Deno only, benchmarks on one
//   section. NOT_RUN lists the lines that are not run at all, with the reason. An entry of either
//   table that matches no documented line fails the test, so the tables cannot rot.
// - The commands run on the Deno leg only: they pick their runtimes themselves (deno task, bun,
//   node), so the Bun and Node legs would run the same processes again. All legs check the
//   extraction. The whole run takes about three minutes on 2 busy cores, most of it `npm ci`,
//   the npm build and the pack-and-install check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import { repoRoot } from "./_cli.ts";
import { runtime } from "../src/runtime/detect.ts";

/** A command line of a shell block. */
interface DocCommand {
  /** `README.md` or `docs/….md`. */
  file: string;
  /** 1-based line number in the file. */
  line: number;
  /** The command, without its trailing comment. */
  command: string;
  /** The trailing `# …` comment ("" when none). */
  comment: string;
}

/** The command lines of the shell blocks of a Markdown text (blocks fenced `norun` apart). */
function shellCommands(file: string, text: string): { run: DocCommand[]; norun: DocCommand[] } {
  const run: DocCommand[] = [];
  const norun: DocCommand[] = [];
  let block: DocCommand[] | undefined;
  text.split("\n").forEach((raw, i) => {
    const fence = /^```(\S*)\s*(.*)$/.exec(raw);
    if (fence && block === undefined) {
      const shell = ["sh", "bash", "shell"].includes(fence[1]);
      block = shell ? (/\bnorun\b/.test(fence[2]) ? norun : run) : [];
      return;
    }
    if (fence) {
      block = undefined;
      return;
    }
    const line = raw.trim();
    if (block === undefined || line === "" || line.startsWith("#")) return;
    const m = /^(.*?)(?:\s+#\s(.*))?$/.exec(line)!;
    block.push({ file, line: i + 1, command: m[1].trim(), comment: m[2] ?? "" });
  });
  return { run, norun };
}

/** README.md, then docs/*.md in name order. */
function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort();
  return ["README.md", ...docs.map((f) => `docs/${f}`)];
}

/** Long commands: what is appended (before any `>` redirection) to run them on less work. */
const SMALLER: [RegExp, string][] = [
  [/^npm start$/, "-- --workloads cpu-intensive --repeats 1"],
  // The whole suite would run this test again.
  [/^npm test$/, "-- deno --filter=cli_validate"],
  [/\bsuite run\b/, "--workloads cpu-intensive --repeats 1"],
  [/bench\/decision_quality\.ts/, "--only tiny --repeats 1"],
  [/bench\/engine_bench\.ts/, "--reps 1 --only 1"],
];

/** Lines that are not run, and why. */
const NOT_RUN: [RegExp, string][] = [
  [/^\.ci\/run$/, "the CI itself: static checks and every test, this one included"],
];

/**
 * The line as the test runs it: a long one with its rule's flags, in place of those flags' own
 * values where the line gives them (a flag given twice is a usage error).
 */
function smaller(command: string): string {
  const rule = SMALLER.find(([re]) => re.test(command));
  if (!rule) return command;
  for (const flag of rule[1].match(/--[a-z][\w-]*/g) ?? []) {
    command = command.replace(new RegExp(`\\s${flag}(?:=\\S+|\\s+(?!-)\\S+)`), "");
  }
  const at = command.search(/\s>\s/);
  return at < 0
    ? `${command} ${rule[1]}`
    : `${command.slice(0, at)} ${rule[1]}${command.slice(at)}`;
}

/** The exit codes a documented line may end with. */
const allowedCodes = (c: DocCommand) => (/\bexit 1\b/.test(c.comment) ? [0, 1] : [0]);

function allCommands(root: string) {
  const run: DocCommand[] = [];
  const norun: DocCommand[] = [];
  for (const file of docFiles(root)) {
    const found = shellCommands(file, readFileSync(join(root, file), "utf8"));
    run.push(...found.run);
    norun.push(...found.norun);
  }
  return { run, norun };
}

test("docs commands: extraction of shell blocks, comments, norun blocks and redirections", () => {
  const md = [
    "text `not a command`",
    "```sh",
    "# a comment line",
    "deno task cli system        # what this process can use",
    "deno task cli suite run --json > current.json   # exit 1 when a workload fails",
    "```",
    "```ts",
    "const x = 1; // not shell",
    "```",
    "```sh norun",
    "npm install amorsize  # once published",
    "```",
  ].join("\n");
  const { run, norun } = shellCommands("X.md", md);
  assert.deepEqual(run.map((c) => [c.line, c.command, c.comment]), [
    [4, "deno task cli system", "what this process can use"],
    [5, "deno task cli suite run --json > current.json", "exit 1 when a workload fails"],
  ]);
  assert.deepEqual(norun.map((c) => c.command), ["npm install amorsize"]);
  assert.deepEqual(allowedCodes(run[1]), [0, 1]);
  assert.deepEqual(allowedCodes(run[0]), [0]);
  assert.equal(
    smaller(run[1].command),
    "deno task cli suite run --json --workloads cpu-intensive --repeats 1 > current.json",
  );
  assert.equal(smaller("npm start"), "npm start -- --workloads cpu-intensive --repeats 1");
  assert.equal(
    smaller("deno task cli suite run --workloads cpu-intensive,mixed --repeats 5"),
    "deno task cli suite run --workloads cpu-intensive --repeats 1",
  );
});

test("docs commands: every table entry matches a documented line; README has commands", () => {
  const { run } = allCommands(repoRoot());
  for (const [re] of [...SMALLER, ...NOT_RUN]) {
    assert.ok(run.some((c) => re.test(c.command)), `no documented command matches ${re}`);
  }
  assert.ok(run.filter((c) => c.file === "README.md").length >= 10);
});

/** The repository's files as a fresh clone has them (tracked, or untracked and not ignored). */
function freshCopy(root: string): string {
  const ls = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(ls.status, 0, ls.stderr);
  const dir = mkdtempSync(join(tmpdir(), "amorsize-docs-"));
  for (const rel of ls.stdout.split("\0").filter(Boolean)) {
    if (!existsSync(join(root, rel))) continue; // deleted in the working tree
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    cpSync(join(root, rel), join(dir, rel), { verbatimSymlinks: true });
  }
  return dir;
}

test(
  "docs commands: every command line of README.md and docs/*.md runs in a fresh copy",
  {
    skip: runtime().name !== "deno"
      ? "runs on the Deno leg only: the commands choose their runtimes themselves"
      : false,
    timeout: 20 * 60_000,
  },
  () => {
    const root = repoRoot();
    const { run } = allCommands(root);
    const dir = freshCopy(root);
    const logs = mkdtempSync(join(tmpdir(), "amorsize-docs-logs-"));
    const home = mkdtempSync(join(tmpdir(), "amorsize-docs-home-"));
    try {
      const todo = run.map((c) => ({ c, why: NOT_RUN.find(([re]) => re.test(c.command))?.[1] }));
      const script = ["set +e"];
      todo.forEach(({ c, why }, i) => {
        if (why) return;
        script.push(
          `cd "${dir}"`,
          "t0=$(date +%s%N)",
          `{ ${smaller(c.command)}\n} > "${logs}/${i}.out" 2>&1 < /dev/null`,
          `echo "$? $(( ($(date +%s%N) - t0) / 1000000 ))" > "${logs}/${i}.rc"`,
        );
      });
      writeFileSync(join(logs, "script.sh"), script.join("\n") + "\n");
      // No pinned tool on the PATH: the docs' own commands install it and put it there.
      const path = (process.env.PATH ?? "").split(delimiter).filter((p) =>
        !p.includes("node_modules")
      ).join(delimiter);
      const res = spawnSync("bash", [join(logs, "script.sh")], {
        cwd: dir,
        env: { ...process.env, PATH: path, AMORSIZE_HOME: home, NO_COLOR: "1" },
        stdio: "ignore",
        timeout: 18 * 60_000,
      });
      const failures: string[] = [];
      const report: string[] = [];
      todo.forEach(({ c, why }, i) => {
        const where = `${c.file}:${c.line}`;
        if (why) {
          report.push(`skip ${where} ${c.command} (${why})`);
          return;
        }
        const rcFile = join(logs, `${i}.rc`);
        const [rc, ms] = existsSync(rcFile)
          ? readFileSync(rcFile, "utf8").trim().split(" ").map(Number)
          : [null, null];
        report.push(
          `exit ${rc ?? "-"} ${ms === null ? "" : `${(ms / 1000).toFixed(1)} s `}${where} ` +
            smaller(c.command),
        );
        if (rc === null || !allowedCodes(c).includes(rc)) {
          const out = existsSync(join(logs, `${i}.out`))
            ? readFileSync(join(logs, `${i}.out`), "utf8").split("\n").slice(-15).join("\n")
            : `(not reached: ${res.error?.message ?? res.signal ?? "the session ended"})`;
          failures.push(
            `${where}: ${c.command}\n  exit ${rc}, expected ${
              allowedCodes(c).join(" or ")
            }\n${out}`,
          );
        }
      });
      console.log(report.join("\n"));
      assert.deepEqual(failures, [], failures.join("\n\n"));
    } finally {
      for (const d of [dir, logs, home]) rmSync(d, { recursive: true, force: true });
    }
  },
);
