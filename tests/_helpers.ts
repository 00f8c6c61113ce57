// Helpers shared by the tests: fixture paths that work from the TypeScript sources (Deno, Bun)
// and from the JavaScript build (Node).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtime } from "../src/runtime/mod.ts";
import type { ModelInputs } from "../src/model/cost_model.ts";
import type { DecideLimits } from "../src/model/decide.ts";

const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/** URL of a module under tests/fixtures/, with the extension of the running build. */
export function fixtureModule(name: string): URL {
  return new URL(`./fixtures/${name}${ext}`, import.meta.url);
}

/** File-system path of a fixture directory or data file under tests/fixtures/. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/**
 * Run the fixture script `name` (see {@linkcode fixtureModule}) in a fresh process of this
 * runtime (Deno with every permission) with `args` and `env`, and a store of its own: a new
 * temporary `AMORSIZE_HOME`, handed to `inHome` once the script ended and then removed. The
 * script must exit with 0; returns the JSON of its last line of output, with what `inHome` read.
 */
export function runFixture<T = Record<string, never>>(
  name: string,
  args: string[] = [],
  env: Record<string, string> = {},
  inHome: (home: string) => T = () => ({} as T),
) {
  const script = fileURLToPath(fixtureModule(name));
  const argv = runtime().name === "deno" ? ["run", "-A", script, ...args] : [script, ...args];
  const home = mkdtempSync(join(tmpdir(), "amorsize-fixture-"));
  try {
    const res = spawnSync(process.execPath, argv, {
      encoding: "utf8",
      env: { ...process.env, AMORSIZE_HOME: home, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    assert.equal(res.status, 0, res.stderr);
    // deno-lint-ignore no-explicit-any
    const out: Record<string, any> = JSON.parse(res.stdout.trim().split("\n").at(-1)!);
    return { ...out, ...inHome(home) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
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

/**
 * A call that reads its data before its work (tune, validate, compare) rejects with the abort's
 * reason when aborted while an async iterable waits for its next item, and reads no item of a
 * one-shot source under a signal aborted already: `call(data, signal)`.
 */
export async function assertAbortWhileReading(
  call: (data: Iterable<number> | AsyncIterable<number>, signal: AbortSignal) => Promise<unknown>,
): Promise<void> {
  async function* stalls() {
    yield 1;
    yield 2;
    await new Promise(() => {});
  }
  const ctl = new AbortController();
  const pending = call(stalls(), ctl.signal);
  setTimeout(() => ctl.abort(new Error("stop reading")), 50);
  await assert.rejects(pending, /stop reading/);
  let read = 0;
  function* counted() {
    for (let i = 0; i < 5; i++) read++, yield i;
  }
  await assert.rejects(call(counted(), AbortSignal.abort(new Error("gone"))), /gone/);
  assert.equal(read, 0);
}

/** Model inputs of a job of 2,000 items of 1 ms on 2 warm workers, no costs of messages. */
export const modelBase: ModelInputs = {
  n: 2000,
  perItemMs: 1,
  cv: 0,
  maxItemMs: 1,
  mainPerItemMs: 0,
  workerPerItemMs: 0,
  chunkMs: 0,
  roundTripMs: 0,
  warmWorkers: 2,
  firstStartMs: 25,
  marginalStartMs: 15,
  cores: 2,
  adaptive: false,
  targetChunkMs: 200,
};

/** The limits of a decision on 2 cores, no caps, `minSpeedup` 1.2, a synchronous task. */
export const decideLimits: DecideLimits = {
  maxWorkers: 2,
  memoryWorkers: Infinity,
  nestedWorkers: Infinity,
  minSpeedup: 1.2,
  isAsync: false,
  cpuPerItemMs: 1,
};

/**
 * The controllers the unified cgroup hierarchy's root hands its children (its
 * `cgroup.subtree_control`), for tests that make a cgroup of their own; "" where unreadable.
 */
export function cgroupV2Controllers(): string {
  try {
    return readFileSync("/sys/fs/cgroup/cgroup.subtree_control", "utf8");
  } catch {
    return "";
  }
}
