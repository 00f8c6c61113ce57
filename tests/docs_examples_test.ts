// Every TypeScript example of README.md and docs/*.md is a file under examples/, verbatim, and
// runs as written on the runtime running the tests: `deno run -A examples/X.ts`, `bun
// examples/X.ts`, and on Node the build of scripts/build_node.ts (`build/node/examples/X.js`,
// which imports the built npm package as `@amorsize/amorsize`). Type checking: `deno check
// examples/` (CI) and the Node build's tsc. `*_bench.ts` examples run under `deno bench`, from
// the docs' shell lines (tests/docs_commands_test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { repoRoot } from "./_cli.ts";
import { runtime } from "../src/runtime/detect.ts";

const root = repoRoot();

/** The code blocks of `lang` in a Markdown text, with their first line number. */
function codeBlocks(text: string, langs: string[]): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  let open: { line: number; lines: string[] } | undefined;
  let inOther = false;
  text.split("\n").forEach((line, i) => {
    const fence = /^```(\S*)/.exec(line);
    if (!fence) {
      open?.lines.push(line);
      return;
    }
    if (open) {
      out.push({ line: open.line, code: open.lines.join("\n") + "\n" });
      open = undefined;
    } else if (inOther) inOther = false;
    else if (langs.includes(fence[1])) open = { line: i + 2, lines: [] };
    else inOther = true;
  });
  return out;
}

const docs = () => [
  "README.md",
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) =>
    `docs/${f}`
  ),
];
const examples = () => readdirSync(join(root, "examples")).filter((f) => f.endsWith(".ts")).sort();

test("docs examples: code blocks are extracted with their line numbers", () => {
  const md = "a\n```ts\nconst x = 1;\n```\n```sh\nls\n```\n```ts\nf();\n```\n";
  assert.deepEqual(codeBlocks(md, ["ts"]), [
    { line: 3, code: "const x = 1;\n" },
    { line: 9, code: "f();\n" },
  ]);
});

test("docs examples: every TypeScript or JavaScript block is a file of examples/, verbatim", () => {
  const files = new Map(
    examples().map((f) => [readFileSync(join(root, "examples", f), "utf8"), f]),
  );
  const stray: string[] = [];
  let found = 0;
  for (const doc of docs()) {
    const text = readFileSync(join(root, doc), "utf8");
    for (const b of codeBlocks(text, ["ts", "typescript", "js", "javascript"])) {
      found++;
      const file = files.get(b.code);
      if (!file) stray.push(`${doc}:${b.line} is not the text of a file under examples/`);
      else if (!text.includes(`examples/${file}`)) {
        stray.push(`${doc}:${b.line} is examples/${file} but ${doc} does not name the file`);
      }
    }
  }
  assert.deepEqual(stray, []);
  assert.ok(found >= 3, `only ${found} examples found`);
});

const runnable = examples().filter((f) => !f.endsWith("_bench.ts") && f !== "tasks.ts");

/** What each example must print (beyond exiting 0). */
const PRINTS: Record<string, RegExp> = {
  "use.ts":
    /^2000 results$[^]*^Decision: [^]*^sum of squares 332833500$[^]*^2000 results on the pool$/m,
  "pool.ts": /^\[ 1, 4, 9, 16 \]$/m,
  "engine.ts": /^\[ 1, 4, 9 \]$/m,
  "probe.ts": /^\d+ /m,
  "suite.ts": /^score (pass|fail|busy) /m,
  "async_timeout.ts": /^the run failed with a ChunkTimeoutError$/m,
  "non_error_throw.ts": /^TaskError at item 1$/m,
};

test("docs examples: every example has its expected output listed", () => {
  assert.deepEqual(Object.keys(PRINTS).sort(), runnable);
});

for (const file of runnable) {
  test(`docs examples: examples/${file} runs as written on this runtime`, () => {
    const name = runtime().name;
    const [cmd, args] = name === "deno"
      ? [process.execPath, ["run", "-A", join(root, "examples", file)]]
      : name === "bun"
      ? [process.execPath, [join(root, "examples", file)]]
      : [process.execPath, [join(root, "build/node/examples", file.replace(/\.ts$/, ".js"))]];
    const home = mkdtempSync(join(tmpdir(), "amorsize-example-"));
    try {
      const res = spawnSync(cmd, args, {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, AMORSIZE_HOME: home, NO_COLOR: "1" },
        timeout: 180_000,
      });
      assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
      assert.match(res.stdout, PRINTS[file], res.stdout);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
}
