/**
 * Where amorsize keeps its files: the history of suite and validation results, and the result
 * cache of the optimizer.
 *
 * @module
 */
import { describeValue, optionalString, optionsArg } from "../args.ts";
import { statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { homedir, platform } from "node:os";
import { isAbsolute, posix, relative, resolve, win32 } from "node:path";
import { runtime } from "../runtime/mod.ts";
import { ENV_ERROR } from "../system/mod.ts";

/**
 * The kinds of stored data, each in its own directory: the run history, the optimizer's decisions,
 * and the loads of tasks in fresh workers that the optimizer timed.
 */
export type StoreKind = "history" | "cache" | "loads";

/** Options of {@linkcode storeDir}. */
export interface StoreDirOptions {
  /** Use this directory as it is (resolved against the working directory); wins over the rest. */
  dir?: string;
}

const _KINDS: readonly StoreKind[] = ["history", "cache", "loads"];

/** An environment variable, or `undefined` when it is unset, empty or not readable. */
function readEnv(name: string): string | undefined {
  const value = runtime().env(name).value;
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The per-user amorsize directory of a platform (`<cache dir>/amorsize`): `$XDG_CACHE_HOME` (when
 * absolute) or `~/.cache` on Linux and other Unixes, `~/Library/Caches` on macOS,
 * `%LOCALAPPDATA%` (or `~\AppData\Local`) on Windows.
 */
export function userStoreRoot(
  os: string,
  home: string,
  env: (name: string) => string | undefined,
): string {
  if (os === "win32") {
    return win32.join(env("LOCALAPPDATA") ?? win32.join(home, "AppData", "Local"), "amorsize");
  }
  if (os === "darwin") return posix.join(home, "Library", "Caches", "amorsize");
  const xdg = env("XDG_CACHE_HOME");
  return posix.join(xdg && posix.isAbsolute(xdg) ? xdg : posix.join(home, ".cache"), "amorsize");
}

/**
 * The directory for `kind`, without creating it: `options.dir` when given, else
 * `$AMORSIZE_HOME/<kind>`, else the per-user cache directory (`$XDG_CACHE_HOME` or `~/.cache` on
 * Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows) + `/amorsize/<kind>`.
 *
 * @param kind `"history"`, `"cache"` or `"loads"`.
 * @param options `dir` overrides everything.
 * @returns An absolute path.
 * @throws {TypeError} For an unknown `kind` or a `dir` that is not a non-empty string.
 * @throws {Error} When no directory was given and the home directory cannot be read (Deno without
 * `--allow-sys`): the message says to pass `dir` or set `AMORSIZE_HOME` (or, where AMORSIZE_HOME
 * could not be read, Deno without `--allow-env`, to allow reading it).
 * @throws {RangeError} When no directory was given and `AMORSIZE_HOME` is a relative path (see
 * {@linkcode checkStoreHome}).
 *
 * Where AMORSIZE_HOME cannot be read (Deno without `--allow-env`) and the per-user directory is
 * used instead, a one-line warning on stderr says so, once a process.
 *
 * @example Usage
 * ```ts
 * import { resolveStoreDir } from "./store_dir.ts";
 * import assert from "node:assert/strict";
 * import { resolve } from "node:path";
 *
 * assert.equal(resolveStoreDir("cache", { dir: "/tmp/amorsize-x" }), resolve("/tmp/amorsize-x"));
 * assert.match(resolveStoreDir("history"), /history$/);
 * assert.throws(() => resolveStoreDir("logs" as "cache"), TypeError);
 * ```
 */
export function resolveStoreDir(kind: StoreKind, options?: StoreDirOptions): string {
  if (!_KINDS.includes(kind)) {
    throw new TypeError(
      `'kind' must be "history", "cache" or "loads", got ${describeValue(kind)}`,
    );
  }
  const dir = optionalString("dir", optionsArg("options", options).dir);
  if (dir !== undefined) return resolve(dir);
  const read = runtime().env("AMORSIZE_HOME");
  const home = checkStoreHome();
  if (home !== undefined) return resolve(home, kind);
  const os = platform();
  let user: string;
  try {
    user = homedir();
  } catch (error) {
    // "set AMORSIZE_HOME" was the advice where it was set, and could not be read.
    if (read.denied) warnHomeDenied(undefined);
    const advice = read.denied
      ? ` and ${HOME_DENIED}; pass { dir } or set AMORSIZE_HOME, and allow reading it ` +
        "(deno run --allow-env)"
      : "; pass { dir } or set AMORSIZE_HOME";
    throw new Error(
      `Cannot locate the amorsize ${kind} directory: the home directory is not readable ` +
        `(${(error as Error).message})${advice}`,
    );
  }
  const root = userStoreRoot(os, user, readEnv);
  if (read.denied) warnHomeDenied(root);
  return os === "win32" ? win32.join(root, kind) : posix.join(root, kind);
}

/**
 * `AMORSIZE_HOME`, checked: `undefined` when unset, empty or not readable, else an absolute path.
 * A relative path would be taken from the working directory, so that the cache and the history
 * of one user scattered over the directories the programs ran in.
 *
 * @returns The directory `AMORSIZE_HOME` names, or `undefined`.
 * @throws {RangeError} For a relative path, naming the variable and the value, as a bad
 * `AMORSIZE_CPUS` is (its `code` is `ENV_ERROR`: the CLI exits 2).
 *
 * @example Usage
 * ```ts
 * import { checkStoreHome } from "./store_dir.ts";
 * import assert from "node:assert/strict";
 * import process from "node:process";
 *
 * const before = process.env.AMORSIZE_HOME;
 * process.env.AMORSIZE_HOME = "amorsize-files";
 * try {
 *   assert.throws(() => checkStoreHome(), {
 *     name: "RangeError",
 *     message: `'AMORSIZE_HOME' must be an absolute path, got "amorsize-files"`,
 *   });
 * } finally {
 *   if (before === undefined) delete process.env.AMORSIZE_HOME;
 *   else process.env.AMORSIZE_HOME = before;
 * }
 * ```
 */
export function checkStoreHome(): string | undefined {
  const value = readEnv("AMORSIZE_HOME");
  if (value === undefined || isAbsolute(value)) return value;
  throw Object.assign(
    new RangeError(`'AMORSIZE_HOME' must be an absolute path, got ${JSON.stringify(value)}`),
    { code: ENV_ERROR },
  );
}

const HOME_DENIED = "AMORSIZE_HOME cannot be read without --allow-env";

let homeDeniedSaid = false;

/**
 * Say once a process, on stderr, that AMORSIZE_HOME could not be read (Deno without
 * `--allow-env`: the permission is refused whether the variable is set or not) and which
 * directory is used instead (`root`), or that none is (no home directory either): a set
 * AMORSIZE_HOME was ignored without a word, and the optimizer's result cache went off unsaid.
 */
function warnHomeDenied(root: string | undefined): void {
  if (homeDeniedSaid) return;
  homeDeniedSaid = true;
  console.error(
    `warning: ${HOME_DENIED}: ` +
      (root === undefined
        ? "amorsize has no directory for its files (the home directory is not readable either: " +
          "--allow-sys), so no result cache and no history"
        : `amorsize keeps its files in ${root} instead`),
  );
}

/**
 * The directory for `kind` (see {@linkcode resolveStoreDir} for the rules), created on demand
 * together with its parents.
 *
 * @param kind `"history"`, `"cache"` or `"loads"`.
 * @param options `dir` overrides everything.
 * @returns The absolute path of the existing directory.
 * @throws {TypeError} For an unknown `kind` or a bad `dir`.
 *
 * @example Usage
 * ```ts
 * import { storeDir } from "./store_dir.ts";
 * import assert from "node:assert/strict";
 * import { existsSync, mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = join(mkdtempSync(join(tmpdir(), "amorsize-")), "nested", "history");
 * assert.equal(await storeDir("history", { dir }), dir);
 * assert.ok(existsSync(dir));
 * ```
 */
export async function storeDir(kind: StoreKind, options?: StoreDirOptions): Promise<string> {
  const dir = resolveStoreDir(kind, options);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw notADirectory(dir, error);
  }
  return dir;
}

/**
 * A store directory that a file stands in the way of (ENOTDIR, or EEXIST from a recursive
 * `mkdir`), said as such, naming `AMORSIZE_HOME` where the directory lies in it and it is no
 * directory itself (`cache stats` printed `ENOTDIR: not a directory, readdir '<file>/cache'`);
 * the OS error is the cause and its code is kept. Any other error is returned as it is.
 *
 * @param dir The store directory.
 * @param error The error met.
 * @returns The error to throw.
 *
 * @example Usage
 * ```ts
 * import { notADirectory } from "./store_dir.ts";
 * import assert from "node:assert/strict";
 *
 * const os = Object.assign(new Error("ENOTDIR: not a directory"), { code: "ENOTDIR" });
 * const e = notADirectory("/tmp/file/cache", os) as Error & { code?: string };
 * assert.match(e.message, /^The store directory \/tmp\/file\/cache is not usable: a file lies/);
 * assert.equal(e.code, "ENOTDIR");
 * const other = new Error("EACCES");
 * assert.equal(notADirectory("/x", other), other);
 * ```
 */
export function notADirectory(dir: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== "ENOTDIR" && code !== "EEXIST") return error;
  const home = readEnv("AMORSIZE_HOME");
  const rel = home === undefined ? undefined : relative(home, dir);
  const inHome = rel !== undefined && !rel.startsWith("..") && !isAbsolute(rel) &&
    !isDirectory(home!);
  return Object.assign(
    new Error(
      `The store directory ${dir} is not usable: a file lies at that path or above it` +
        (inHome ? ` (AMORSIZE_HOME is ${home}: it must name a directory)` : ""),
      { cause: error },
    ),
    { code },
  );
}

/** Whether `path` is a directory (false where it is anything else, or cannot be read). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
