import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { homedir, platform, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runtime } from "../src/runtime/detect.ts";
import { fixtureModule } from "./_helpers.ts";
import { denoBinary } from "./_cli.ts";
import { ENV_ERROR } from "../src/system/mod.ts";
import { optimize } from "../src/optimize.ts";
import {
  resolveStoreDir,
  storeDir,
  type StoreDirOptions,
  userStoreRoot,
} from "../src/store/store_dir.ts";

/** Run `fn` with AMORSIZE_HOME set to `value` (or unset), restoring it afterwards. */
async function withHome<T>(value: string | undefined, fn: () => T | Promise<T>): Promise<T> {
  const before = process.env.AMORSIZE_HOME;
  if (value === undefined) delete process.env.AMORSIZE_HOME;
  else process.env.AMORSIZE_HOME = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.AMORSIZE_HOME;
    else process.env.AMORSIZE_HOME = before;
  }
}

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

test("store dir: the dir option wins over AMORSIZE_HOME, resolved to an absolute path", async () => {
  await withHome("/elsewhere", () => {
    assert.equal(
      resolveStoreDir("history", { dir: "/tmp/my-history" }),
      resolve("/tmp/my-history"),
    );
    assert.equal(resolveStoreDir("cache", { dir: "rel/dir" }), resolve("rel/dir"));
  });
});

test("store dir: AMORSIZE_HOME gives <AMORSIZE_HOME>/<kind>", async () => {
  await withHome("/srv/amorsize", () => {
    assert.equal(resolveStoreDir("history"), resolve("/srv/amorsize", "history"));
    assert.equal(resolveStoreDir("cache", {}), resolve("/srv/amorsize", "cache"));
  });
});

test("store dir: a relative AMORSIZE_HOME is a RangeError naming it, for the store and the optimizer", async () => {
  // It was resolved against the working directory: the cache and the history scattered over the
  // directories programs ran in.
  const error = {
    name: "RangeError",
    code: ENV_ERROR,
    message: `'AMORSIZE_HOME' must be an absolute path, got "amorsize-files"`,
  };
  await withHome("amorsize-files", async () => {
    assert.throws(() => resolveStoreDir("cache"), error);
    assert.throws(() => resolveStoreDir("history"), error);
    await assert.rejects(storeDir("history"), error);
    await assert.rejects(optimize((x: number) => x, [1, 2, 3]), error);
    // Without the cache, the optimizer does not read it; `dir` wins over it.
    const off = await optimize((x: number) => x, [1, 2, 3], { cache: false });
    assert.equal(off.executor, "inline");
    assert.equal(resolveStoreDir("cache", { dir: "/srv/cache" }), resolve("/srv/cache"));
  });
  await withHome("/srv/amorsize", () => {
    assert.equal(resolveStoreDir("cache"), resolve("/srv/amorsize", "cache"));
  });
});

test("store dir: an empty AMORSIZE_HOME counts as unset", async () => {
  await withHome("", () => {
    const expected = join(userStoreRoot(platform(), homedir(), (n) => process.env[n]), "cache");
    assert.equal(resolveStoreDir("cache"), expected);
  });
});

test("store dir: without either, the per-user cache directory of this platform", async () => {
  await withHome(undefined, () => {
    const dir = resolveStoreDir("history");
    assert.match(dir, /amorsize[\\/]history$/);
    assert.equal(
      dir,
      join(userStoreRoot(platform(), homedir(), (n) => process.env[n]), "history"),
    );
  });
});

test("store dir: Linux uses an absolute $XDG_CACHE_HOME, else ~/.cache", () => {
  assert.equal(
    userStoreRoot("linux", "/home/ann", envOf({ XDG_CACHE_HOME: "/var/cache/ann" })),
    "/var/cache/ann/amorsize",
  );
  assert.equal(userStoreRoot("linux", "/home/ann", envOf({})), "/home/ann/.cache/amorsize");
  // The XDG spec says a relative path is to be ignored.
  assert.equal(
    userStoreRoot("linux", "/home/ann", envOf({ XDG_CACHE_HOME: "rel" })),
    "/home/ann/.cache/amorsize",
  );
  assert.equal(userStoreRoot("freebsd", "/home/ann", envOf({})), "/home/ann/.cache/amorsize");
});

test("store dir: macOS uses ~/Library/Caches", () => {
  assert.equal(
    userStoreRoot("darwin", "/Users/ann", envOf({ XDG_CACHE_HOME: "/ignored" })),
    "/Users/ann/Library/Caches/amorsize",
  );
});

test("store dir: Windows uses %LOCALAPPDATA%, else ~\\AppData\\Local", () => {
  assert.equal(
    userStoreRoot("win32", "C:\\Users\\ann", envOf({ LOCALAPPDATA: "D:\\Local" })),
    "D:\\Local\\amorsize",
  );
  assert.equal(
    userStoreRoot("win32", "C:\\Users\\ann", envOf({})),
    "C:\\Users\\ann\\AppData\\Local\\amorsize",
  );
});

test("store dir: storeDir creates the directory and its parents on demand", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "amorsize-dir-")), "a", "b", "cache");
  assert.equal(existsSync(dir), false);
  assert.equal(await storeDir("cache", { dir }), dir);
  assert.ok(existsSync(dir));
  assert.equal(await storeDir("cache", { dir }), dir, "an existing directory is fine");
  const home = mkdtempSync(join(tmpdir(), "amorsize-home-"));
  await withHome(home, async () => {
    assert.equal(await storeDir("history"), join(home, "history"));
    assert.ok(existsSync(join(home, "history")));
  });
});

test("store dir: bad arguments throw, naming the argument and the value", async () => {
  assert.throws(() => resolveStoreDir("logs" as "cache"), {
    name: "TypeError",
    message: `'kind' must be "history", "cache" or "loads", got "logs"`,
  });
  assert.throws(() => resolveStoreDir("cache", { dir: "" }), {
    name: "RangeError",
    message: `'dir' must be a non-empty string, got ""`,
  });
  assert.throws(() => resolveStoreDir("cache", { dir: 5 as unknown as string }), {
    name: "TypeError",
    message: `'dir' must be a non-empty string, got 5`,
  });
  assert.throws(() => resolveStoreDir("cache", null as unknown as StoreDirOptions), {
    name: "TypeError",
    message: `'options' must be an object, got null`,
  });
  await assert.rejects(storeDir("nope" as "cache"), TypeError);
});

// Deno's child_process rewrites the arguments of a spawned process.execPath; use the pinned binary.
const deno = denoBinary();

test("store dir: Deno without permissions gets an error that says what to do", () => {
  if (runtime().name !== "deno" || deno === undefined) return; // only Deno has permissions
  const script = fileURLToPath(fixtureModule("store/dir_without_permissions"));
  const env = { ...process.env, AMORSIZE_HOME: "" };
  const res = spawnSync(deno, ["run", "--no-prompt", script], { encoding: "utf8", env });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /^Error: Cannot locate the amorsize cache directory: /);
  assert.match(res.stdout, /pass \{ dir \} or set AMORSIZE_HOME/);
});
