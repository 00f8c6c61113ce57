/**
 * Post-processing and checks of the tsc output for the npm package: the CLI shebang, `.js`
 * specifiers in the declaration files, and a check that every relative module the JavaScript
 * loads (static and dynamic imports, `new URL("./…", import.meta.url)` worker and task modules)
 * exists in the built layout, so nothing only works in the source tree.
 *
 * @module
 */
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Every file under `dir`, as absolute paths, sorted. */
export function _walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(..._walk(path));
    else out.push(path);
  }
  return out;
}

/** Lines of code, without the comment lines (JSDoc examples import `./mod.ts` on purpose). */
function codeLines(text: string): string[] {
  return text.split("\n").filter((line) => !/^\s*(\*|\/\*|\/\/)/.test(line));
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(["'])(\.{1,2}\/[^"']*)\1/g;
const URL_REF = /new URL\(\s*(["'`])(\.{1,2}\/[^"'`]*)\1\s*,\s*import\.meta\.url\s*\)/g;

/** Make `file` an executable Node script (`#!/usr/bin/env node`). */
export function _addShebang(file: string): void {
  const text = readFileSync(file, "utf8");
  if (!text.startsWith("#!")) writeFileSync(file, `#!/usr/bin/env node\n${text}`);
  chmodSync(file, 0o755);
}

/**
 * Rewrite relative `.ts` specifiers of a declaration file to `.js` (tsc keeps `.ts` there), so
 * that older TypeScript versions, which reject `.ts` specifiers, read the types too.
 */
export function _rewriteDeclaration(file: string): void {
  const text = readFileSync(file, "utf8");
  const out = text.split("\n").map((line) =>
    /^\s*(\*|\/\*|\/\/)/.test(line) ? line : line.replace(
      /(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(["'])(\.{1,2}\/[^"']*)\.ts\2/g,
      (_m, head: string, q: string, path: string) => `${head}${q}${path}.js${q}`,
    )
  ).join("\n");
  if (out !== text) writeFileSync(file, out);
}

/**
 * Check the output under `dir`: every relative import and every `new URL("./…", import.meta.url)`
 * of the JavaScript must name a file of the output, never a `.ts` file; every relative import of
 * a declaration file must name a `.js` module whose `.d.ts` exists. `${ext}` in a template (the
 * `.ts`/`.js` switch of the source tree) stands for `.js`.
 *
 * @returns One line per problem (empty: the layout is self-contained).
 */
export function _checkLayout(dir: string): string[] {
  const problems: string[] = [];
  for (const file of _walk(dir).filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))) {
    const where = relative(dir, file);
    const dts = file.endsWith(".d.ts");
    for (const line of codeLines(readFileSync(file, "utf8"))) {
      const refs = [
        ...[...line.matchAll(IMPORT)].map((m) => m[2]),
        ...dts ? [] : [...line.matchAll(URL_REF)].map((m) => m[2].replaceAll("${ext}", ".js")),
      ];
      for (const ref of refs) {
        const target = resolve(dirname(file), dts ? ref.replace(/\.js$/, ".d.ts") : ref);
        if (ref.includes("${")) problems.push(`${where}: cannot check computed path ${ref}`);
        else if (!ref.endsWith(".js")) problems.push(`${where}: specifier ${ref} is not .js`);
        else if (!isFile(target)) problems.push(`${where}: ${ref} is missing from the package`);
      }
    }
  }
  return problems;
}

const BARE = [
  /^\s*(?:import|export)\b[^"'`]*?\bfrom\s*(["'])([^"']+)\1/g,
  /^\s*import\s*(["'])([^"']+)\1/g,
  /\bimport\(\s*(["'])([^"']+)\1\s*\)/g,
];
const PACKAGE = /^(?:@[a-z0-9~-][\w.~-]*\/)?[a-z0-9~-][\w.~-]*(?:\/.*)?$/;

/**
 * The packages the JavaScript under `dir` imports by a bare specifier (`comlink`,
 * `@scope/x/sub` → `@scope/x`), without `node:` built-ins: what the package must depend on.
 */
export function _bareImports(dir: string): Set<string> {
  const names = new Set<string>();
  for (const file of _walk(dir).filter((f) => f.endsWith(".js"))) {
    for (const line of codeLines(readFileSync(file, "utf8"))) {
      for (const m of BARE.flatMap((re) => [...line.matchAll(re)])) {
        const spec = m[2];
        if (spec.startsWith("node:") || !PACKAGE.test(spec)) continue;
        const parts = spec.split("/");
        names.add(spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
      }
    }
  }
  return names;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
