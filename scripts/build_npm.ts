/**
 * Builds the npm package of amorsize under `npm/` (what dnt would do; dnt and JSR are not
 * reachable here): ESM JavaScript and `.d.ts` for the whole library (tsc from
 * `node_modules/.bin/tsc` with `tsconfig.npm.json`), a `package.json` derived from `deno.json`,
 * the `amorsize` bin with a Node shebang, README and LICENSE. The build is checked before it
 * replaces `npm/`: every module the JavaScript loads by a relative specifier or by
 * `new URL("./…", import.meta.url)` (the worker entry, the suite's task module) must exist in the
 * package, so the package works from inside `node_modules`.
 *
 * Usage: `deno run -A scripts/build_npm.ts [--out DIR]` (default `npm/`). In a fresh clone it
 * installs the pinned toolchain first (`node scripts/bootstrap.mjs`, as `npm test` does).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  _addShebang,
  _bareImports,
  _checkLayout,
  _rewriteDeclaration,
  _walk,
} from "./_npm_layout.ts";
import { _emittedPath, _npmManifest, type DenoConfig } from "./_npm_manifest.ts";
import { ensureToolchain } from "./_toolchain.ts";

/** Options of {@linkcode buildNpm}. */
export interface BuildNpmOptions {
  /** Where the package goes (default: `npm/` in the repository). It is replaced as a whole. */
  outDir?: string;
}

/** What {@linkcode buildNpm} built. */
export interface BuildNpmResult {
  /** The package directory. */
  outDir: string;
  /** The generated `package.json`. */
  manifest: Record<string, unknown>;
  /** Files in the package. */
  files: number;
  /** Milliseconds the build took (tsc included). */
  ms: number;
}

/** The repository root (the directory above `scripts/`). */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/**
 * Build the npm package. Throws an Error naming the problem when tsc fails or the output is not
 * self-contained; `outDir` is left untouched then.
 *
 * @param options See {@linkcode BuildNpmOptions}.
 * @returns What was built.
 */
export function buildNpm(options: BuildNpmOptions = {}): BuildNpmResult {
  const t0 = performance.now();
  const outDir = resolve(options.outDir ?? join(ROOT, "npm"));
  // Build beside the target (under build/ for the default) and swap at the end, so that a test
  // run reading the previous package is never handed a half-written one.
  const inRepo = !relative(ROOT, outDir).startsWith("..");
  const staging = join(inRepo ? join(ROOT, "build") : dirname(outDir), `.npm-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const manifest = emit(staging);
    const trash = `${staging}-old`;
    mkdirSync(dirname(outDir), { recursive: true });
    // Another build may put its package in place between the two renames: move it aside again.
    for (let attempt = 1;; attempt++) {
      try {
        if (existsSync(outDir)) renameSync(outDir, `${trash}${attempt}`);
        renameSync(staging, outDir);
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
    for (let i = 1; i <= 3; i++) rmSync(`${trash}${i}`, { recursive: true, force: true });
    return { outDir, manifest, files: _walk(outDir).length, ms: performance.now() - t0 };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function emit(dir: string): Record<string, unknown> {
  const bin = ensureToolchain(ROOT);
  const esm = join(dir, "esm");
  const res = spawnSync(join(bin, "tsc"), ["-p", "tsconfig.npm.json", "--outDir", esm], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (res.status !== 0) {
    throw new Error(`tsc failed (${res.error?.message ?? `exit ${res.status}`}):\n${res.stdout}`);
  }
  bundleWorkerEntry(join(esm, WORKER_ENTRY), join(bin, "deno"));
  const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as DenoConfig;
  const manifest = _npmManifest(deno, _bareImports(esm));
  for (const file of _walk(esm)) if (file.endsWith(".d.ts")) _rewriteDeclaration(file);
  const cli = deno.exports["./cli"];
  if (cli) _addShebang(join(dir, _emittedPath(cli, ".js")));
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  const readme = ["README.md", "docs/distribution.md"].find((f) => existsSync(join(ROOT, f)));
  if (readme) copyFileSync(join(ROOT, readme), join(dir, "README.md"));
  copyFileSync(join(ROOT, "LICENSE"), join(dir, "LICENSE"));
  const problems = _checkLayout(esm);
  for (const [key, value] of Object.entries(manifest.exports as Record<string, unknown>)) {
    const targets = typeof value === "string" ? [value] : Object.values(value as object);
    for (const t of targets) {
      if (!existsSync(join(dir, t))) problems.push(`exports["${key}"]: ${t} was not emitted`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`the npm package is not self-contained:\n  ${problems.join("\n  ")}`);
  }
  return manifest;
}

/** The pool worker's entry module in the package's `esm/` (see `bundleWorkerEntry`). */
const WORKER_ENTRY = "src/engine/_worker_entry.js";

/**
 * Replace the emitted worker entry with one module holding its whole import graph (`deno
 * bundle`; `node:` imports stay imports). Node loads a worker's modules one by one: the entry's
 * 42 took 22–28 ms of a pool worker's start of 45–63 ms, where a worker that imports nothing
 * started in 23–38; bundled, it started in 26–32 (one machine, 6 starts each, alternating).
 * Function and class names are kept (errors are told apart by them). The library's copies of those
 * modules stay in the package for the calling thread; state they share with a worker's task
 * module, such as the pool worker's mark, lives on global symbols (see `engine/_in_worker.ts`).
 */
function bundleWorkerEntry(entry: string, deno: string): void {
  const out = entry.replace(/\.js$/, ".bundle.js");
  const res = spawnSync(deno, [
    "bundle",
    "--quiet",
    "--platform=deno",
    "--packages=external",
    "--keep-names",
    "--output",
    out,
    entry,
  ], { cwd: ROOT, encoding: "utf8" });
  if (res.status !== 0 || !existsSync(out)) {
    const why = res.error?.message ?? `exit ${res.status}`;
    throw new Error(`bundling ${WORKER_ENTRY} failed (${why}):\n${res.stderr}`);
  }
  renameSync(out, entry);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { out: { type: "string" } },
  });
  try {
    const r = buildNpm({ outDir: values.out });
    const name = `${r.manifest.name}@${r.manifest.version}`;
    console.log(
      `built ${name} in ${relative(process.cwd(), r.outDir) || basename(r.outDir)}: ` +
        `${r.files} files, ${r.ms.toFixed(0)} ms`,
    );
  } catch (e) {
    console.error(`build_npm: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
