import { test } from "node:test";
import assert from "node:assert/strict";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import {
  isTempName,
  readJson,
  tempPathFor,
  writeJsonAtomic,
  writeTextAtomic,
} from "../src/store/_atomic.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "amorsize-atomic-"));

test("store atomic: a written value reads back, and no temporary file is left", async () => {
  const dir = tempDir();
  const path = join(dir, "a.json");
  await writeJsonAtomic(path, { n: 1, list: [1, "two", null] });
  assert.deepEqual(await readJson(path), { ok: true, value: { n: 1, list: [1, "two", null] } });
  assert.deepEqual(readdirSync(dir), ["a.json"]);
  assert.ok(readFileSync(path, "utf8").endsWith("}\n"));
});

test("store atomic: a link is written where it leads, a FIFO through: neither is replaced", async () => {
  const dir = tempDir();
  const real = join(dir, "real.html"), link = join(dir, "link.html");
  writeFileSync(real, "old");
  symlinkSync(real, link);
  await writeTextAtomic(link, "new");
  assert.ok(lstatSync(link).isSymbolicLink(), "the link stays a link");
  assert.equal(readFileSync(real, "utf8"), "new");
  // A link to nothing yet creates its target.
  const dangling = join(dir, "later.html");
  symlinkSync(join(dir, "target.html"), dangling);
  await writeTextAtomic(dangling, "made");
  assert.equal(readFileSync(join(dir, "target.html"), "utf8"), "made");
  assert.ok(lstatSync(dangling).isSymbolicLink());
  // A FIFO (as a device would be) is written to, not replaced by a regular file.
  const fifo = join(dir, "pipe");
  if (spawnSync("mkfifo", [fifo]).status !== 0) return; // no mkfifo here
  const reader = spawn("cat", [fifo], { stdio: ["ignore", "pipe", "inherit"] });
  let got = "";
  reader.stdout.on("data", (d) => (got += String(d)));
  const closed = new Promise((r) => reader.on("close", r));
  await writeTextAtomic(fifo, "through the pipe");
  await closed;
  assert.equal(got, "through the pipe");
  assert.ok(statSync(fifo).isFIFO(), "still a FIFO");
});

test("store atomic: a second write replaces the first", async () => {
  const dir = tempDir();
  const path = join(dir, "a.json");
  await writeJsonAtomic(path, "old");
  await writeJsonAtomic(path, "new");
  assert.deepEqual(await readJson(path), { ok: true, value: "new" });
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("store atomic: a missing file reads as missing, without throwing", async () => {
  const read = await readJson(join(tempDir(), "nope.json"));
  assert.equal(read.ok, false);
  assert.equal(!read.ok && read.reason, "missing");
  assert.match(!read.ok ? read.message : "", /nope\.json does not exist/);
});

test("store atomic: garbage, an empty file and a directory read as corrupt", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "garbage.json"), "{ not json");
  writeFileSync(join(dir, "empty.json"), "");
  mkdirSync(join(dir, "folder.json"));
  for (const name of ["garbage.json", "empty.json", "folder.json"]) {
    const read = await readJson(join(dir, name));
    assert.equal(read.ok, false, name);
    assert.equal(!read.ok && read.reason, "corrupt", name);
    assert.ok(!read.ok && read.message.includes(name), name);
  }
});

test("store atomic: a value JSON cannot hold throws a TypeError and leaves the file alone", async () => {
  const dir = tempDir();
  const path = join(dir, "a.json");
  await writeJsonAtomic(path, 1);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  await assert.rejects(writeJsonAtomic(path, cycle), { name: "TypeError", message: /'value'/ });
  await assert.rejects(writeJsonAtomic(path, undefined), /'value' must be JSON-serialisable/);
  await assert.rejects(writeJsonAtomic(path, 1n), TypeError);
  assert.deepEqual(await readJson(path), { ok: true, value: 1 });
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("store atomic: a write into a missing directory fails and leaves nothing", async () => {
  const dir = tempDir();
  await assert.rejects(writeJsonAtomic(join(dir, "no", "a.json"), 1), { code: "ENOENT" });
  assert.deepEqual(readdirSync(dir), []);
});

test("store atomic: many writes of one file at once leave one whole value", async () => {
  const dir = tempDir();
  const path = join(dir, "a.json");
  const values = Array.from({ length: 40 }, (_, i) => ({ i, pad: "z".repeat(10_000 + i) }));
  await Promise.all(values.map((v) => writeJsonAtomic(path, v)));
  const read = await readJson(path);
  assert.ok(read.ok);
  const got = read.value as { i: number; pad: string };
  assert.deepEqual(got, values[got.i]);
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("store atomic: temporary names sit beside the target, unique, and are recognised", () => {
  const a = tempPathFor("/some/dir/x.json");
  const b = tempPathFor("/some/dir/x.json");
  assert.notEqual(a, b);
  assert.equal(dirname(a), "/some/dir");
  assert.ok(isTempName(basename(a)), a);
  assert.ok(!basename(a).endsWith(".json"));
  assert.ok(!isTempName("x.json"));
  assert.ok(!isTempName("20250101T000000000Z-00000000.json"));
});
