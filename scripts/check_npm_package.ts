/**
 * The pack-and-install check of the npm package: builds `npm/`, packs it (`npm pack`), installs
 * the tarball into a new project outside the repository (comlink comes from the registry or the
 * npm cache), and there runs a task on two workers from an ESM import (Node, and Bun and Deno on
 * the same `node_modules`), type-checks a TypeScript consumer (`tsc --noEmit`, `module: NodeNext`)
 * and runs the `amorsize` bin through `npx`. Prints the tarball's size and file count; exits 1 when
 * a check fails.
 *
 * Usage: `deno run -A scripts/check_npm_package.ts [--no-build] [--keep]`
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { buildNpm, ROOT } from "./build_npm.ts";
import { _consumerFiles } from "./_npm_consumer.ts";
import { ensureToolchain } from "./_toolchain.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { "no-build": { type: "boolean" }, keep: { type: "boolean" } },
});
const binDir = ensureToolchain(ROOT);
const bin = (name: string) => join(binDir, name);
const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}` };
let failures = 0;

/** Run a command in `cwd`; returns its stdout, or throws with its output on failure. */
function sh(cmd: string, args: string[], cwd: string): string {
  const res = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 180_000 });
  if (res.status !== 0) {
    const why = res.error?.message ??
      (res.signal ? `killed by ${res.signal}` : `exit ${res.status}`);
    throw new Error(`${cmd} ${args.join(" ")}: ${why}\n${res.stdout}${res.stderr}`.trim());
  }
  return res.stdout;
}

/** Run one named check, print `ok`/`FAIL`, its detail and its wall time. */
function check(name: string, body: () => string): void {
  const t0 = performance.now();
  try {
    const detail = body();
    console.log(`ok   ${name}: ${detail} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const lastJson = (out: string) => JSON.parse(out.trim().split("\n").at(-1) ?? "");
const pkgDir = join(ROOT, "npm");
const project = realpathSync(mkdtempSync(join(tmpdir(), "amorsize-consumer-")));
if (!relative(ROOT, project).startsWith("..")) throw new Error(`${project} is inside the repo`);

if (!flags["no-build"]) check("build npm/", () => `${buildNpm().files} files`);
let tarball = "";
check("npm pack", () => {
  const [info] = JSON.parse(sh("npm", ["pack", "--json", "--pack-destination", project], pkgDir));
  tarball = join(project, info.filename);
  return `${info.filename}: ${info.size} bytes packed, ${info.unpackedSize} bytes unpacked, ` +
    `${info.entryCount} files`;
});
for (const [name, text] of Object.entries(_consumerFiles())) {
  writeFileSync(join(project, name), text);
}
check("npm install <tarball> into a new project", () => {
  sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball], project);
  const tree = JSON.parse(sh("npm", ["ls", "--all", "--json"], project));
  const deps = tree.dependencies?.amorsize?.dependencies ?? {};
  return `amorsize ${tree.dependencies?.amorsize?.version}, dependencies: ` +
    (Object.entries(deps).map(([n, d]) => `${n}@${(d as { version: string }).version}`).join(
      ", ",
    ) || "none");
});
const runners: [string, string, string[]][] = [
  ["node", "node", ["use.mjs"]],
  ["bun", bin("bun"), ["use.mjs"]],
  ["deno", bin("deno"), ["run", "--allow-read=.", "use.mjs"]],
];
for (const [label, cmd, args] of runners) {
  check(`${label}: import "amorsize", execute a module task on 2 workers, exit`, () => {
    const r = lastJson(sh(cmd, args, project));
    if (r.results !== 20) throw new Error(`expected 20 results, got ${JSON.stringify(r)}`);
    // Not a timing claim: a worker that kept the process alive would hit the 180 s timeout.
    return `20 correct results, exited ${r.exitLagMs.toFixed(0)} ms after the work`;
  });
}
check('node main.js importing "amorsize/cli" does not run the command line', () => {
  const out = sh("node", ["main.js"], project).trim();
  if (out !== "function") throw new Error(`expected only "function", got ${JSON.stringify(out)}`);
  return "main() imported, nothing run";
});
check("tsc --noEmit of a TypeScript consumer (module NodeNext)", () => {
  sh(bin("tsc"), ["-p", "tsconfig.json"], project);
  return `types of "amorsize" and "amorsize/cli" check (tsc ${
    sh(bin("tsc"), ["-v"], project).trim()
  })`;
});
let commands: string[] = [];
check("npx amorsize --help", () => {
  const help = sh("npx", ["--no", "--", "amorsize", "--help"], project);
  commands = [...help.matchAll(/^ {2}([a-z][\w-]*)\s/gm)].map((m) => m[1]);
  return `commands: ${commands.join(", ")}`;
});
check("npx amorsize system --json", () => {
  const info = JSON.parse(sh("npx", ["--no", "--", "amorsize", "system", "--json"], project));
  if (!(info.effectiveCores >= 1)) throw new Error(`no effectiveCores in ${JSON.stringify(info)}`);
  return `effectiveCores ${info.effectiveCores}`;
});
if (commands.includes("optimize")) {
  check("npx amorsize optimize tasks.js#square --range 20 --json", () => {
    const args = [
      "--no",
      "--",
      "amorsize",
      "optimize",
      "tasks.js#square",
      "--range",
      "20",
      "--json",
    ];
    const r = JSON.parse(sh("npx", args, project));
    if (!["inline", "async", "workers"].includes(r.executor)) {
      throw new Error(`no executor in ${JSON.stringify(r).slice(0, 300)}`);
    }
    return `executor ${r.executor}, workers ${r.workers}, chunkSize ${r.chunkSize}`;
  });
  check("bunx --bun amorsize optimize typed_tasks.ts#square (a TypeScript task module)", () => {
    const args = ["x", "--bun", "amorsize", "optimize", "typed_tasks.ts#square", "--range", "20"];
    const r = JSON.parse(sh(bin("bun"), [...args, "--json"], project));
    if (!["inline", "async", "workers"].includes(r.executor)) {
      throw new Error(`no executor in ${JSON.stringify(r).slice(0, 300)}`);
    }
    return `executor ${r.executor} (the bin ran on Bun)`;
  });
} else console.log("skip npx amorsize optimize: the optimize command is not in this build");

if (flags.keep) console.log(`kept ${project}`);
else rmSync(project, { recursive: true, force: true });
console.log(failures === 0 ? "npm package: all checks passed" : `npm package: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
