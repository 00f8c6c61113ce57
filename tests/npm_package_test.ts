// The npm build (scripts/build_npm.ts): the manifest derived from deno.json, the layout check that
// catches modules only the source tree has, and a real build into a temporary directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { _npmDependencies, _npmManifest, type DenoConfig } from "../scripts/_npm_manifest.ts";
import { _bareImports, _checkLayout, _walk } from "../scripts/_npm_layout.ts";
import { denoBinary, repoRoot } from "./_cli.ts";

const denoJson = (): DenoConfig =>
  JSON.parse(readFileSync(join(repoRoot(), "deno.json"), "utf8")) as DenoConfig;

test("npm manifest: name, version, ESM exports with types, bin, engines, npm dependencies", () => {
  const m = _npmManifest({
    version: "1.2.3",
    exports: { ".": "./mod.ts", "./cli": "./src/cli/main.ts" },
    imports: { "comlink": "npm:comlink@4.4.2", "comlink/": "npm:/comlink@4.4.2/" },
  });
  assert.equal(m.name, "amorsize");
  assert.equal(m.version, "1.2.3");
  assert.equal(m.type, "module");
  assert.deepEqual(m.exports, {
    ".": { types: "./esm/mod.d.ts", import: "./esm/mod.js" },
    "./cli": { types: "./esm/src/cli/main.d.ts", import: "./esm/src/cli/main.js" },
    "./package.json": "./package.json",
  });
  assert.deepEqual(m.bin, { amorsize: "./esm/src/cli/main.js" });
  assert.deepEqual(m.engines, { node: ">=20" });
  assert.deepEqual(m.dependencies, { comlink: "4.4.2" });
});

test("npm manifest: only the npm imports the built JavaScript uses become dependencies", () => {
  const imports = { "comlink": "npm:comlink@4.4.2", "comlink/": "npm:/comlink@4.4.2/" };
  const deno = { version: "1.0.0", exports: { ".": "./mod.ts" }, imports };
  assert.deepEqual(_npmManifest(deno, new Set()).dependencies, {});
  assert.deepEqual(_npmManifest(deno, new Set(["comlink"])).dependencies, { comlink: "4.4.2" });
  assert.throws(() => _npmDependencies(imports, new Set(["left-pad"])), {
    name: "RangeError",
    message: /the package imports "left-pad", which deno.json's imports do not map/,
  });
});

test("npm layout: bare imports of the JavaScript, without node: built-ins and comments", () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-bare-"));
  try {
    writeFileSync(
      join(dir, "a.js"),
      'import * as C from "comlink";\nimport { x } from "@scope/pkg/sub";\n' +
        'import fs from "node:fs";\nimport { y } from "./y.js";\n' +
        '// import "commented-out";\nconst m = await import("dyn");\n',
    );
    assert.deepEqual([..._bareImports(dir)].sort(), ["@scope/pkg", "comlink", "dyn"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("npm manifest: bullmq and ioredis become optional peer dependencies", () => {
  const m = _npmManifest({
    version: "1.0.0",
    exports: { ".": "./mod.ts" },
    imports: {
      comlink: "npm:comlink@4.4.2",
      bullmq: "npm:bullmq@6.7.0",
      ioredis: "npm:ioredis@6.0.0",
    },
  }, new Set(["comlink", "bullmq", "ioredis"]));
  assert.deepEqual(m.dependencies, { comlink: "4.4.2" });
  assert.deepEqual(m.peerDependencies, { bullmq: "^6.7.0", ioredis: "^6.0.0" });
  assert.deepEqual(m.peerDependenciesMeta, {
    bullmq: { optional: true },
    ioredis: { optional: true },
  });
  // The real deno.json maps both (Deno resolves the cluster's dynamic imports through it).
  const imports = denoJson().imports ?? {};
  assert.match(imports.bullmq ?? "", /^npm:bullmq@/);
  assert.match(imports.ioredis ?? "", /^npm:ioredis@/);
});

test("npm manifest: imports that are not npm: and exports that are not .ts are refused", () => {
  assert.deepEqual(_npmDependencies({ "@scope/x": "npm:@scope/x@^2.0.0" }), {
    "@scope/x": "^2.0.0",
  });
  assert.throws(() => _npmDependencies({ std: "jsr:@std/path@1" }), {
    name: "RangeError",
    message: /import "std" must map to "npm:<name>@<version>", got jsr:@std\/path@1/,
  });
  assert.throws(() => _npmManifest({ version: "1.0.0", exports: { ".": "mod.js" } }), {
    name: "RangeError",
    message: /'exports' entries must be "\.\/<path>\.ts", got "mod\.js"/,
  });
});

test("jsr.json mirrors deno.json: name, version, exports and the published files", () => {
  const jsr = JSON.parse(readFileSync(join(repoRoot(), "jsr.json"), "utf8"));
  const deno = JSON.parse(readFileSync(join(repoRoot(), "deno.json"), "utf8"));
  for (const key of ["name", "version", "exports", "publish"]) {
    assert.deepEqual(jsr[key], deno[key], key);
  }
});

test("npm layout check: finds missing URL modules and .ts specifiers, ignores comments", () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-layout-"));
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  try {
    put("src/engine/_worker_entry.js", "");
    put("src/engine/_worker_entry.d.ts", "");
    put(
      "src/engine/pool.js",
      [
        "/**",
        ' * import { x } from "./mod.ts";',
        " */",
        'import { a } from "./_worker_entry.js";',
        "const ext = '.js';",
        "const u = new URL(`./_worker_entry${ext}`, import.meta.url);",
      ].join("\n"),
    );
    put("src/engine/pool.d.ts", 'export * from "./_worker_entry.js";\n');
    assert.deepEqual(_checkLayout(dir), []);
    put("src/suite/workloads.js", "const u = new URL(`./_tasks${ext}`, import.meta.url);");
    put("src/x.js", 'import "./y.ts";\nconst m = await import("./z.js");');
    put("src/x.d.ts", 'import type { T } from "./gone.js";');
    assert.deepEqual(_checkLayout(dir), [
      "src/suite/workloads.js: ./_tasks.js is missing from the package",
      "src/x.d.ts: ./gone.js is missing from the package",
      "src/x.js: specifier ./y.ts is not .js",
      "src/x.js: ./z.js is missing from the package",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const deno = denoBinary();

test(
  "npm build: a self-contained package with the worker entry, .d.ts files and the bin",
  { skip: deno === undefined ? "node_modules/.bin/deno is not installed" : false },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "amorsize-npm-"));
    try {
      const out = join(dir, "npm");
      const res = spawnSync(deno!, ["run", "-A", "scripts/build_npm.ts", "--out", out], {
        cwd: repoRoot(),
        encoding: "utf8",
        timeout: 120_000,
      });
      assert.equal(res.status, 0, res.stderr);
      assert.match(res.stdout, /^built amorsize@\d+\.\d+\.\d+ in .+: \d+ files, \d+ ms$/m);
      const pkg = JSON.parse(readFileSync(join(out, "package.json"), "utf8"));
      const used = _bareImports(join(out, "esm"));
      assert.deepEqual(pkg, _npmManifest(denoJson(), used));
      // Dependencies are what the package imports: nothing the tests alone use (comlink); the
      // cluster's bullmq and ioredis are optional peers (loaded only with a cluster option).
      const declared = {
        ...(pkg.dependencies as Record<string, string>),
        ...(pkg.peerDependencies as Record<string, string>),
      };
      assert.deepEqual(Object.keys(declared).sort(), [...used].sort());
      assert.deepEqual(Object.keys(pkg.peerDependencies as object).sort(), ["bullmq", "ioredis"]);
      assert.deepEqual(Object.keys(pkg.peerDependenciesMeta as object).sort(), [
        "bullmq",
        "ioredis",
      ]);
      for (const f of ["LICENSE", "esm/mod.js", "esm/mod.d.ts", "esm/src/engine/pool.js"]) {
        assert.ok(existsSync(join(out, f)), f);
      }
      // The worker entry sits next to _worker_set.js, where workerEntryUrl() looks for it, as one
      // module (Node loads a worker's modules one by one): no relative import is left in it.
      const entry = readFileSync(join(out, "esm/src/engine/_worker_entry.js"), "utf8");
      assert.doesNotMatch(entry, /\b(from|import)\s*\(?\s*["']\.{1,2}\//);
      assert.match(entry, /markPoolWorker/);
      const bin = join(out, (pkg.bin as { amorsize: string }).amorsize);
      assert.ok(readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n"));
      assert.ok((statSync(bin).mode & 0o111) !== 0, "the bin is executable");
      // Every module of src/ is in the package, as JavaScript and as declarations.
      const src = _walk(join(repoRoot(), "src")).filter((f) => f.endsWith(".ts"));
      for (const f of src) {
        const rel = f.slice(repoRoot().length + 1, -3);
        assert.ok(existsSync(join(out, "esm", `${rel}.js`)), `${rel}.js`);
        assert.ok(existsSync(join(out, "esm", `${rel}.d.ts`)), `${rel}.d.ts`);
      }
      assert.deepEqual(_checkLayout(join(out, "esm")), []);
      assert.ok(!existsSync(join(out, "esm/tests")), "no tests in the package");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
