// Helpers shared by the tests: fixture paths that work from the TypeScript sources (Deno, Bun)
// and from the JavaScript build (Node).
import { fileURLToPath } from "node:url";

const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/** URL of a module under tests/fixtures/, with the extension of the running build. */
export function fixtureModule(name: string): URL {
  return new URL(`./fixtures/${name}${ext}`, import.meta.url);
}

/** File-system path of a fixture directory or data file under tests/fixtures/. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** Resolve after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
