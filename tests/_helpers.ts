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

/** What a caller can read off an error: its built-in class, name, message, fields, cause chain. */
export function anatomy(e: unknown, depth = 0): unknown {
  if (!(e instanceof Error) || depth > 8) return { value: e };
  const classes = [AggregateError, RangeError, SyntaxError, TypeError, DOMException, Error];
  const own = Object.keys(e).filter((k) => k !== "name").sort()
    // A function is no value structured clone can carry out of a worker: left out there.
    .filter((k) => typeof (e as unknown as Record<string, unknown>)[k] !== "function")
    .map((k) => [k, (e as unknown as Record<string, unknown>)[k]]);
  return {
    class: classes.find((c) => e instanceof c)?.name,
    name: e.name,
    message: e.message,
    own,
    cause: "cause" in e ? anatomy(e.cause, depth + 1) : "none",
    errors: e instanceof AggregateError ? e.errors.map((x) => anatomy(x, depth + 1)) : undefined,
  };
}
