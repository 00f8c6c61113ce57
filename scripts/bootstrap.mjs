// Installs the pinned toolchain (Deno, Bun, TypeScript from the npm registry) and the development
// packages of package.json when any is missing, e.g. in a fresh clone or after package.json gained
// a package. Plain JavaScript so that it runs on a machine with only Node.js and npm.
import { existsSync, readFileSync } from "node:fs";
import { execSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
const packages = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
const bins = ["deno", "bun", "tsc"].map((b) => `${root}node_modules/.bin/${b}`);
const missing = [
  ...bins.filter((p) => !existsSync(p)),
  ...packages.filter((p) => !existsSync(`${root}node_modules/${p}/package.json`)),
];
if (missing.length > 0) {
  console.error("amorsize: installing the pinned toolchain and development packages (npm ci)...");
  const cmd = existsSync(`${root}package-lock.json`) ? "npm ci" : "npm install";
  execSync(`${cmd} --no-audit --no-fund --loglevel=error`, { cwd: root, stdio: "inherit" });
}
