import { test } from "node:test";
import assert from "node:assert/strict";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  clearResults,
  deleteResult,
  listResults,
  loadResult,
  saveResult,
} from "../src/store/history.ts";
import { HISTORY_ID, newHistoryId } from "../src/store/history_entry.ts";
import { fixtureModule } from "./_helpers.ts";
import { spawnSync } from "node:child_process";
import { cliCommand, repoRoot } from "./_cli.ts";
import { runWriters } from "./fixtures/store/spawn_writers.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "amorsize-history-"));
const OTHER_ID = "20240101T000000000Z-0badf00d";

test("store history: saveResult returns the entry and writes <id>.json", async () => {
  const dir = tempDir();
  const before = Date.now();
  const when = new Date("2025-03-14T09:26:53.127Z");
  const entry = await saveResult(
    { kind: "suite", name: "nightly", payload: { when, skip: undefined, n: [1, 2] } },
    { dir },
  );
  assert.match(entry.id, HISTORY_ID);
  assert.equal(entry.kind, "suite");
  assert.equal(entry.name, "nightly");
  assert.equal(entry.schema, 1);
  const savedAt = Date.parse(entry.savedAt);
  assert.ok(savedAt >= before && savedAt <= Date.now(), entry.savedAt);
  assert.equal(new Date(savedAt).toISOString(), entry.savedAt);
  // The payload is what JSON gives back: a Date becomes its string, undefined fields go.
  assert.deepEqual(entry.payload, { when: "2025-03-14T09:26:53.127Z", n: [1, 2] });
  assert.deepEqual(readdirSync(dir), [`${entry.id}.json`]);
  const file = JSON.parse(readFileSync(join(dir, `${entry.id}.json`), "utf8"));
  assert.deepEqual(file, { library: "amorsize", ...entry });
  assert.deepEqual(await loadResult(entry.id, { dir }), entry);
});

test("store history: what is saved can be read back: compact past 16 MiB indented, refused past 16 MiB compact", async () => {
  const dir = tempDir();
  // 3 million zeros: 6 MB compact, 21 MB indented (the reader's cap is 16 MiB). saveResult wrote
  // the indented form, which listResults skipped and loadResult called corrupt.
  const zeros = new Array(3_000_000).fill(0);
  const big = await saveResult({ kind: "suite", payload: zeros }, { dir });
  assert.ok(statSync(join(dir, `${big.id}.json`)).size <= 16 * 2 ** 20);
  assert.equal(((await loadResult(big.id, { dir })).payload as number[]).length, zeros.length);
  const { entries, warnings } = await listResults({ dir });
  assert.deepEqual([entries.map((e) => e.id), warnings], [[big.id], []]);
  // Too large even compact: refused, naming the size, and nothing written.
  await assert.rejects(saveResult({ kind: "suite", payload: "x".repeat(17 * 2 ** 20) }, { dir }), {
    name: "RangeError",
    message:
      /'payload' must fit a history entry of at most 16777216 bytes .*, got 17825\d{3} bytes/,
  });
  assert.deepEqual(readdirSync(dir), [`${big.id}.json`]);
});

test("store history: a name is optional (null), and any non-empty kind goes", async () => {
  const dir = tempDir();
  const entry = await saveResult({ kind: "tuning", payload: null }, { dir });
  assert.equal(entry.name, null);
  assert.equal(entry.kind, "tuning");
  assert.equal(entry.payload, null);
});

test("store history: ids sort in save order, and list gives newest first", async () => {
  const dir = tempDir();
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    ids.push((await saveResult({ kind: "suite", payload: i }, { dir })).id);
  }
  assert.deepEqual([...ids].sort(), ids, "ids increase even within one millisecond");
  assert.equal(new Set(ids).size, 30);
  const { entries, warnings } = await listResults({ dir });
  assert.deepEqual(warnings, []);
  assert.deepEqual(entries.map((e) => e.id), [...ids].reverse());
  assert.deepEqual(Object.keys(entries[0]).sort(), ["id", "kind", "name", "savedAt"]);
});

test("store history: list filters by kind", async () => {
  const dir = tempDir();
  const a = await saveResult({ kind: "suite", name: "a", payload: 1 }, { dir });
  const b = await saveResult({ kind: "validation", name: "b", payload: 2 }, { dir });
  const c = await saveResult({ kind: "suite", name: "c", payload: 3 }, { dir });
  const suites = await listResults({ dir, kind: "suite" });
  assert.deepEqual(suites.entries.map((e) => e.name), ["c", "a"]);
  assert.deepEqual((await listResults({ dir, kind: "validation" })).entries, [
    { id: b.id, kind: "validation", name: "b", savedAt: b.savedAt },
  ]);
  assert.deepEqual((await listResults({ dir, kind: "other" })).entries, []);
  assert.equal((await listResults({ dir })).entries.length, 3);
  assert.ok(a.id < c.id);
});

test("store history: a directory that does not exist lists nothing and is not created", async () => {
  const dir = join(tempDir(), "absent");
  assert.deepEqual(await listResults({ dir }), { entries: [], warnings: [] });
  assert.equal(await clearResults({ dir }), 0);
  assert.equal(await deleteResult(OTHER_ID, { dir }), false);
  assert.equal(existsSync(dir), false);
});

test("store history: corrupt and foreign files are skipped with a warning naming each", async () => {
  const dir = tempDir();
  const good = await saveResult({ kind: "suite", payload: "ok" }, { dir });
  writeFileSync(join(dir, `${OTHER_ID}.json`), "{ truncated");
  writeFileSync(join(dir, "20240101T000000001Z-00000001.json"), JSON.stringify({ hello: 1 }));
  // A valid entry copied under another id does not match its file name.
  copyFileSync(join(dir, `${good.id}.json`), join(dir, "20240101T000000002Z-00000002.json"));
  writeFileSync(join(dir, "notes.txt"), "my notes");
  writeFileSync(join(dir, `.${good.id}.json.123.abcdefabcdef.tmp`), "{"); // a write in flight
  const { entries, warnings } = await listResults({ dir });
  assert.deepEqual(entries.map((e) => e.id), [good.id]);
  assert.equal(warnings.length, 4, warnings.join("\n"));
  const about = (name: string) => warnings.find((w) => w.includes(join(dir, name)));
  assert.match(about(`${OTHER_ID}.json`) ?? "", /is not valid JSON/);
  assert.match(about("20240101T000000001Z-00000001.json") ?? "", /not an amorsize file/);
  assert.match(about("20240101T000000002Z-00000002.json") ?? "", /does not match the file name/);
  assert.match(about("notes.txt") ?? "", /not a history entry file/);
});

test("store history: loadResult of a missing, corrupt or foreign entry throws a clear Error", async () => {
  const dir = tempDir();
  await assert.rejects(loadResult(OTHER_ID, { dir }), {
    name: "Error",
    message: `No history entry "${OTHER_ID}" in ${dir}`,
  });
  writeFileSync(join(dir, `${OTHER_ID}.json`), "garbage");
  await assert.rejects(loadResult(OTHER_ID, { dir }), (e: Error) => {
    assert.match(e.message, /^Corrupt history entry: .* is not valid JSON/);
    assert.ok(e.message.includes(join(dir, `${OTHER_ID}.json`)), e.message);
    return true;
  });
  writeFileSync(join(dir, `${OTHER_ID}.json`), "[1, 2]");
  await assert.rejects(loadResult(OTHER_ID, { dir }), {
    message: `${join(dir, `${OTHER_ID}.json`)} is not a history entry: not a JSON object`,
  });
});

test("store history: ids that are not ids are refused (no paths through an id)", async () => {
  const dir = tempDir();
  await assert.rejects(loadResult("../../etc/passwd", { dir }), {
    name: "RangeError",
    message: /^'id' must be a history entry id .*, got "..\/..\/etc\/passwd"$/,
  });
  await assert.rejects(deleteResult("x", { dir }), RangeError);
  await assert.rejects(loadResult(42 as unknown as string, { dir }), {
    name: "TypeError",
    message: `'id' must be a string, got 42`,
  });
});

test("store history: deleteResult says whether it deleted", async () => {
  const dir = tempDir();
  const a = await saveResult({ kind: "suite", payload: 1 }, { dir });
  const b = await saveResult({ kind: "suite", payload: 2 }, { dir });
  assert.equal(await deleteResult(a.id, { dir }), true);
  assert.equal(await deleteResult(a.id, { dir }), false);
  assert.deepEqual((await listResults({ dir })).entries.map((e) => e.id), [b.id]);
});

test("store history: clearResults clears all entries or one kind, leaving other files", async () => {
  const dir = tempDir();
  for (const kind of ["suite", "validation", "suite"]) {
    await saveResult({ kind, payload: 0 }, { dir });
  }
  // A truncated entry of ours, and another program's file named as an entry (listed as "not an
  // amorsize file"): the clear deleted it too.
  writeFileSync(join(dir, `${OTHER_ID}.json`), '{"schema":1,"library":"amorsize","id":"2024');
  const theirs = "20240101T000000000Z-12345678.json";
  writeFileSync(join(dir, theirs), '{"mine":1}');
  writeFileSync(join(dir, "notes.txt"), "keep me");
  assert.equal(await clearResults({ dir, kind: "suite" }), 2);
  assert.deepEqual((await listResults({ dir })).entries.map((e) => e.kind), ["validation"]);
  assert.equal(await clearResults({ dir }), 2, "the validation entry and the corrupt entry file");
  assert.deepEqual(readdirSync(dir).sort(), [theirs, "notes.txt"].sort());
  assert.equal(await clearResults({ dir }), 0);
});

test("store history: bad arguments throw, naming the argument and the value", async () => {
  const dir = tempDir();
  const save = (entry: unknown) => saveResult(entry as Parameters<typeof saveResult>[0], { dir });
  await assert.rejects(save({ payload: 1 }), {
    name: "TypeError",
    message: `'kind' must be a non-empty string, got undefined`,
  });
  await assert.rejects(save({ kind: "", payload: 1 }), { name: "RangeError", message: /'kind'/ });
  await assert.rejects(save({ kind: "suite", name: 5, payload: 1 }), {
    name: "TypeError",
    message: `'name' must be a non-empty string, got 5`,
  });
  await assert.rejects(save({ kind: "suite" }), { name: "TypeError", message: /'payload'/ });
  await assert.rejects(save({ kind: "suite", payload: undefined }), /'payload' must be JSON/);
  const cycle: Record<string, unknown> = {};
  cycle.me = cycle;
  await assert.rejects(save({ kind: "suite", payload: cycle }), {
    name: "TypeError",
    message: /^'payload' must be JSON-serialisable/,
  });
  await assert.rejects(save(null), {
    name: "TypeError",
    message: `'entry' must be an object, got null`,
  });
  await assert.rejects(listResults({ dir, kind: 3 as unknown as string }), TypeError);
  await assert.rejects(listResults({ dir: "" }), RangeError);
  assert.deepEqual(readdirSync(dir), [], "nothing was written");
});

test("store history: without dir, entries go to $AMORSIZE_HOME/history", async () => {
  const home = tempDir();
  const before = process.env.AMORSIZE_HOME;
  process.env.AMORSIZE_HOME = home;
  try {
    const entry = await saveResult({ kind: "suite", payload: 1 });
    assert.ok(existsSync(join(home, "history", `${entry.id}.json`)));
    assert.deepEqual((await listResults()).entries.map((e) => e.id), [entry.id]);
    assert.equal(await clearResults(), 1);
  } finally {
    if (before === undefined) delete process.env.AMORSIZE_HOME;
    else process.env.AMORSIZE_HOME = before;
  }
});

test("store history: two processes saving 20 entries each at once lose nothing", async () => {
  const dir = join(tempDir(), "not", "yet"); // both create it too
  const runs = await runWriters(fixtureModule("store/concurrent_writer"), "history", dir, [
    "a",
    "b",
  ], 20);
  for (const run of runs) assert.equal(run.code, 0, run.output);
  const { entries, warnings } = await listResults({ dir });
  assert.deepEqual(warnings, []);
  assert.equal(entries.length, 40);
  const names = entries.map((e) => e.name).sort();
  const expected = ["a", "b"].flatMap((l) => Array.from({ length: 20 }, (_, i) => `${l}-${i}`));
  assert.deepEqual(names, expected.sort());
  assert.equal(readdirSync(dir).length, 40, "no temporary files left");
  for (const e of entries.slice(0, 5)) {
    const { payload } = await loadResult(e.id, { dir });
    assert.equal(`${(payload as { label: string }).label}-${(payload as { i: number }).i}`, e.name);
  }
});

test("store history: the newest entry is the last saved, in one millisecond or after the clock went back", async () => {
  const dir = tempDir();
  // An entry saved by another process in the same millisecond as the saves below, or one saved
  // before the clock went back: its time is later than theirs. The saves used to get ids of
  // their own time and a random suffix, so `latest` named the planted entry (or, in the same
  // millisecond, either one by chance).
  const later = new Date(Date.now() + 3_600_000).toISOString().replace(/[-:.]/g, "");
  const planted = `${later}-7ffffffe`;
  const record = (id: string) =>
    JSON.stringify({
      schema: 1,
      library: "amorsize",
      id,
      kind: "suite",
      name: "planted",
      savedAt: new Date().toISOString(),
      payload: 0,
    });
  writeFileSync(join(dir, `${planted}.json`), record(planted));
  const a = await saveResult({ kind: "suite", name: "a", payload: 1 }, { dir });
  const b = await saveResult({ kind: "suite", name: "b", payload: 2 }, { dir });
  assert.deepEqual([a.id, b.id], [`${later}-7fffffff`, `${later}-80000000`]);
  const { entries, warnings } = await listResults({ dir });
  assert.deepEqual(entries.map((e) => e.name), ["b", "a", "planted"]);
  assert.deepEqual(warnings, [], "the lock of saves is no stray file");
  assert.deepEqual(readdirSync(dir).sort(), [planted, a.id, b.id].map((i) => `${i}.json`).sort());
  // The save's own time is kept in savedAt.
  assert.ok(Date.parse(b.savedAt) <= Date.now());
  // The last suffix of a millisecond moves on to the next one.
  assert.equal(newHistoryId(0, "20250314T092653127Z-ffffffff"), "20250314T092653128Z-00000000");
  // An older entry (ids such as the ones saved before) stays readable and sorts by its time.
  writeFileSync(join(dir, `${OTHER_ID}.json`), record(OTHER_ID));
  assert.equal((await loadResult(OTHER_ID, { dir })).payload, 0);
  assert.equal((await listResults({ dir })).entries.at(-1)?.id, OTHER_ID);

  // `history show latest` in a process of its own names the last saved.
  const { cmd, args } = cliCommand();
  const r = spawnSync(cmd, [...args, "history", "show", "latest", "--dir", dir, "--json"], {
    cwd: repoRoot(),
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).id, b.id);
});
