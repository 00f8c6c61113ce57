// The layout rules of src/, checked on the source text: privacy by file and folder (no exported
// symbol starts with `_`; no file imports another folder's private file; another folder is
// imported through its entry module, mod.ts), no module imported for its side effects, and no
// import cycle.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { repoRoot } from "./_cli.ts";

const src = join(repoRoot(), "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** The code of a file without its comments (JSDoc examples import things too). */
const code = (path: string) =>
  readFileSync(path, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");

const IMPORT =
  /(?:import|export)\s+(?:type\s+)?(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?)\s*from\s*"(\.[^"]+)"/g;

/** Relative imports of `file`, resolved to paths. */
function importsOf(file: string): string[] {
  return [...code(file).matchAll(IMPORT)].map((m) => normalize(join(dirname(file), m[1])));
}

const files = sourceFiles(src);
const parts = (path: string) => relative(src, path).split(sep);

test("structure: no exported symbol of src/ starts with _", () => {
  const bad = files.flatMap((f) =>
    [
      ...code(f).matchAll(
        /^export\s+(?:async\s+)?(?:function\*?|const|let|class|interface|type)\s+(_\w+)/gm,
      ),
    ]
      .map((m) => `${relative(src, f)}: ${m[1]}`)
  );
  assert.deepEqual(bad, []);
});

test("structure: another folder is imported through its entry module, never a private file", () => {
  const bad: string[] = [];
  for (const f of files) {
    const from = dirname(f);
    for (const target of importsOf(f)) {
      const folder = dirname(target);
      if (folder === src || (from + sep).startsWith(folder + sep)) continue; // own folder or above
      const inside = relative(from, folder).split(sep)[0] !== "..";
      // A folder below the importer's is imported through its mod.ts too.
      if (!target.endsWith(`${sep}mod.ts`) || parts(target).some((p) => p.startsWith("_"))) {
        bad.push(`${relative(src, f)} → ${relative(src, target)}${inside ? " (subfolder)" : ""}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test("structure: no module of src/ is imported for its side effects", () => {
  const bad = files.filter((f) => /^\s*import\s+"\.[^"]*";/m.test(code(f)));
  assert.deepEqual(bad.map((f) => relative(src, f)), []);
});

test("structure: no import cycle in src/", () => {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith(src))]));
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(src, p)).join(" → "));
      return;
    }
    state.set(f, "open");
    for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
    state.set(f, "done");
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, []);
});

test("structure: the checks see the tree (they would catch a private import)", () => {
  assert.ok(files.length > 100, `${files.length} files under ${src}`);
  const engine = join(src, "engine");
  assert.ok(importsOf(join(src, "execute.ts")).includes(join(engine, "mod.ts")));
});
