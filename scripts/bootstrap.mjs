// Installs the pinned toolchain (Deno, Bun, TypeScript from the npm registry) when it is missing.
// Plain JavaScript so that it runs on a machine with only Node.js and npm.
import { existsSync } from "node:fs";
import { execSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const needed = ["deno", "bun", "tsc"].map((b) => `${root}node_modules/.bin/${b}`);
if (!needed.every((p) => existsSync(p)) || !existsSync(`${root}node_modules/comlink`)) {
  console.error("amorsize: installing the pinned toolchain (npm ci)...");
  const cmd = existsSync(`${root}package-lock.json`) ? "npm ci" : "npm install";
  execSync(`${cmd} --no-audit --no-fund --loglevel=error`, { cwd: root, stdio: "inherit" });
}
