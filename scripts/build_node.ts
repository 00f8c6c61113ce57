/**
 * Prepares the Node leg of the tests: builds the npm package (`npm/`, by `build_npm.ts`), compiles
 * the tests to `build/node/tests/` (tsc from npm), and links `build/node/mod.js` and
 * `build/node/src` to the package's `npm/esm/`, so that the tests' imports of `../mod.ts` and
 * `../src/…` run the built package itself (Node resolves the links to their real paths, so the
 * package's `new URL("./…", import.meta.url)` modules come from `npm/esm/` too). Test fixtures are
 * copied beside the compiled tests. The examples (`examples/`) compile beside them and import the
 * package as `@amorsize/amorsize` from `build/node/node_modules`.
 *
 * Usage: `deno run -A scripts/build_node.ts`
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { buildNpm, ROOT } from "./build_npm.ts";

/**
 * Build `npm/` and `build/node/`. Throws an Error when a build step fails.
 *
 * @returns The number of files in the npm package.
 */
export function buildNode(): number {
  const pkg = buildNpm();
  const out = join(ROOT, "build/node");
  rmSync(out, { recursive: true, force: true });
  const res = spawnSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", "tsconfig.node.json"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (res.status !== 0) {
    throw new Error(`tsc failed (${res.error?.message ?? `exit ${res.status}`}):\n${res.stdout}`);
  }
  // tsc also emitted the library files the tests import: replace them with the package.
  for (const name of ["mod.js", "src"]) rmSync(join(out, name), { recursive: true, force: true });
  symlinkSync("../../npm/esm/mod.js", join(out, "mod.js"));
  symlinkSync("../../npm/esm/src", join(out, "src"), "junction");
  cpSync(join(ROOT, "tests/fixtures"), join(out, "tests/fixtures"), {
    recursive: true,
    filter: (src) => !src.endsWith(".ts"),
  });
  cpSync(join(ROOT, "package.json"), join(out, "package.json"));
  // The examples import the package by its name, as users do: node_modules/@amorsize/amorsize is
  // the built package. Their task modules are named by URL: the compiled ones end in .js.
  mkdirSync(join(out, "node_modules/@amorsize"), { recursive: true });
  symlinkSync("../../../../npm", join(out, "node_modules/@amorsize/amorsize"), "junction");
  for (const file of readdirSync(join(out, "examples")).filter((f) => f.endsWith(".js"))) {
    const path = join(out, "examples", file);
    const text = readFileSync(path, "utf8");
    writeFileSync(path, text.replace(/new URL\("(\.\/[\w/-]+)\.ts"/g, 'new URL("$1.js"'));
  }
  return pkg.files;
}

if (import.meta.main) {
  try {
    const files = buildNode();
    console.log(`build_node: npm/ (${files} files) and build/node/tests ready`);
  } catch (e) {
    console.error(`build_node: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
