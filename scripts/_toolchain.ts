/**
 * The pinned toolchain (Deno, Bun, TypeScript from `package.json`'s devDependencies, installed
 * under `node_modules/.bin`). Scripts that spawn it call {@linkcode ensureToolchain} first, which
 * runs `node scripts/bootstrap.mjs` (as `npm start` and `npm test` do) when a tool is missing, so
 * that they work in a fresh clone.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The tools the scripts spawn from `node_modules/.bin`. */
export const TOOLS: readonly string[] = ["deno", "bun", "tsc"];

/**
 * Install the pinned toolchain under `root/node_modules` when one of {@linkcode TOOLS} is
 * missing. Throws an Error whose message is the one line to run when the install fails (no Node.js,
 * no network).
 *
 * @param root The repository root.
 * @returns The path of `node_modules/.bin` under `root`.
 */
export function ensureToolchain(root: string): string {
  const bin = join(root, "node_modules", ".bin");
  if (TOOLS.every((t) => existsSync(join(bin, t)))) return bin;
  const res = spawnSync("node", [join(root, "scripts", "bootstrap.mjs")], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (res.status !== 0 || !TOOLS.every((t) => existsSync(join(bin, t)))) {
    const why = res.error ? res.error.message : `exit ${res.status}`;
    throw new Error(
      `the pinned toolchain is not installed (${why}): run \`npm ci\` in ${root} (Node.js >= 20)`,
    );
  }
  return bin;
}
