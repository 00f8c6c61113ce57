import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { _isTempName, _readJson, _tempPathFor, _writeJsonAtomic } from "../src/store/_atomic.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "amorsize-atomic-"));

test("store atomic: a written value reads back, and no temporary file is left", async () => {
  const dir = tempDir();
  const path = join(dir, "a.json");
  await _writeJsonAtomic(path, { n: 1, list: [1, "two", null] });
  assert.deepEqual(await _readJson(path), { ok: true, value: { n: 1, list: [1, "two", null] } });
  assert.deepEqual(readdirSync(dir), ["a.json"]);
  assert.ok(readFileSync(path, "utf8").endsWith("}\n"));
});

test("store atomic: a second write replaces the first", async () => {
  const dir = tempDir();
  const path = join(dir, "a.json");
  await _writeJsonAtomic(path, "old");
  await _writeJsonAtomic(path, "new");
  assert.deepEqual(await _readJson(path), { ok: true, value: "new" });
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("store atomic: a missing file reads as missing, without throwing", async () => {
  const read = await _readJson(join(tempDir(), "nope.json"));
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
    const read = await _readJson(join(dir, name));
    assert.equal(read.ok, false, name);
    assert.equal(!read.ok && read.reason, "corrupt", name);
    assert.ok(!read.ok && read.message.includes(name), name);
  }
});

test("store atomic: a value JSON cannot hold throws a TypeError and leaves the file alone", async () => {
  const dir = tempDir();
  const path = join(dir, "a.json");
  await _writeJsonAtomic(path, 1);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  await assert.rejects(_writeJsonAtomic(path, cycle), { name: "TypeError", message: /'value'/ });
  await assert.rejects(_writeJsonAtomic(path, undefined), /'value' must be JSON-serialisable/);
  await assert.rejects(_writeJsonAtomic(path, 1n), TypeError);
  assert.deepEqual(await _readJson(path), { ok: true, value: 1 });
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("store atomic: a write into a missing directory fails and leaves nothing", async () => {
  const dir = tempDir();
  await assert.rejects(_writeJsonAtomic(join(dir, "no", "a.json"), 1), { code: "ENOENT" });
  assert.deepEqual(readdirSync(dir), []);
});

test("store atomic: many writes of one file at once leave one whole value", async () => {
  const dir = tempDir();
  const path = join(dir, "a.json");
  const values = Array.from({ length: 40 }, (_, i) => ({ i, pad: "z".repeat(10_000 + i) }));
  await Promise.all(values.map((v) => _writeJsonAtomic(path, v)));
  const read = await _readJson(path);
  assert.ok(read.ok);
  const got = read.value as { i: number; pad: string };
  assert.deepEqual(got, values[got.i]);
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("store atomic: temporary names sit beside the target, unique, and are recognised", () => {
  const a = _tempPathFor("/some/dir/x.json");
  const b = _tempPathFor("/some/dir/x.json");
  assert.notEqual(a, b);
  assert.equal(dirname(a), "/some/dir");
  assert.ok(_isTempName(basename(a)), a);
  assert.ok(!basename(a).endsWith(".json"));
  assert.ok(!_isTempName("x.json"));
  assert.ok(!_isTempName("20250101T000000000Z-00000000.json"));
});
