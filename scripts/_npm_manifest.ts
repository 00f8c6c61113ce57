/**
 * The npm `package.json` of amorsize, derived from `deno.json` (version, exports, npm imports) so
 * that the two never disagree.
 *
 * @module
 */

/** The parts of `deno.json` the npm manifest is derived from. */
export interface DenoConfig {
  version: string;
  exports: Record<string, string>;
  imports?: Record<string, string>;
}

/** Where each `deno.json` export lands in the npm package: `./mod.ts` → `./esm/mod.js`. */
export function _emittedPath(source: string, ext: ".js" | ".d.ts"): string {
  if (!/^\.\/.+\.ts$/.test(source)) {
    throw new RangeError(`'exports' entries must be "./<path>.ts", got ${JSON.stringify(source)}`);
  }
  return `./esm/${source.slice(2, -3)}${ext}`;
}

/**
 * The npm dependencies: the `npm:` imports of `deno.json` (`"comlink": "npm:comlink@4.4.2"` →
 * `comlink: "4.4.2"`, the version as pinned there, as dnt does) that the built JavaScript uses
 * (`used`, the names it imports; all of them when omitted). Imports only the tests or benchmarks
 * use stay out of the package. Entries ending in `/` are the sub-path twins of another entry;
 * entries mapping to a local path (`"./mod.ts"`, the package's own name for the examples) are
 * skipped.
 * Throws a RangeError for a used name that `deno.json` does not map.
 */
export function _npmDependencies(
  imports: Record<string, string> = {},
  used?: ReadonlySet<string>,
): Record<string, string> {
  const deps: Record<string, string> = {};
  for (const name of used ?? []) {
    if (!(name in imports)) {
      throw new RangeError(`the package imports "${name}", which deno.json's imports do not map`);
    }
  }
  for (const [key, target] of Object.entries(imports)) {
    if (key.endsWith("/") || target.startsWith("./") || (used && !used.has(key))) continue;
    const m = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)@([^/]+)$/.exec(target);
    if (!m) {
      throw new RangeError(`import "${key}" must map to "npm:<name>@<version>", got ${target}`);
    }
    deps[m[1]] = m[2];
  }
  return deps;
}

/**
 * Imports that become optional peer dependencies of the npm package instead of dependencies:
 * the cluster executor loads them only when a `cluster` option is used, so the core package
 * stays one small install.
 */
export const OPTIONAL_PEERS: readonly string[] = ["bullmq", "ioredis"];

/**
 * The npm dependencies (see {@linkcode _npmDependencies}) split into dependencies and optional
 * peer dependencies (`^` of the version pinned).
 */
export function _npmDependencyGroups(
  imports: Record<string, string> = {},
  used?: ReadonlySet<string>,
): {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional: true }>;
} {
  const dependencies: Record<string, string> = {};
  const peerDependencies: Record<string, string> = {};
  const peerDependenciesMeta: Record<string, { optional: true }> = {};
  for (const [name, version] of Object.entries(_npmDependencies(imports, used))) {
    if (!OPTIONAL_PEERS.includes(name)) {
      dependencies[name] = version;
      continue;
    }
    peerDependencies[name] = /^\d/.test(version) ? `^${version}` : version;
    peerDependenciesMeta[name] = { optional: true };
  }
  return { dependencies, peerDependencies, peerDependenciesMeta };
}

/**
 * The `package.json` written to `npm/`; `used` is what the built JavaScript imports by name (see
 * {@linkcode _npmDependencies}).
 */
export function _npmManifest(
  deno: DenoConfig,
  used?: ReadonlySet<string>,
): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  for (const [key, source] of Object.entries(deno.exports)) {
    exports[key] = { types: _emittedPath(source, ".d.ts"), import: _emittedPath(source, ".js") };
  }
  exports["./package.json"] = "./package.json";
  const cli = deno.exports["./cli"];
  return {
    name: "amorsize",
    version: deno.version,
    description: "Decides whether work should run on workers, with how many workers and what " +
      "chunk size: measures what parallelism costs here, predicts the wall time of each choice, " +
      "runs the best, and refuses parallelism where a plain loop is faster.",
    keywords: ["parallel", "workers", "worker_threads", "chunk size", "deno", "bun"],
    license: "MIT",
    type: "module",
    main: _emittedPath(deno.exports["."], ".js"),
    types: _emittedPath(deno.exports["."], ".d.ts"),
    exports,
    ...(cli ? { bin: { amorsize: _emittedPath(cli, ".js") } } : {}),
    engines: { node: ">=20" },
    ...withoutEmpty(_npmDependencyGroups(deno.imports, used)),
  };
}

function withoutEmpty(groups: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(groups)) {
    if (key === "dependencies" || Object.keys(value).length > 0) out[key] = value;
  }
  return out;
}
