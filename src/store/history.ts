/**
 * The history: suite and validation results saved as one JSON file per entry, so that processes
 * saving at the same time never overwrite each other, and a damaged file costs one entry (reported
 * as a warning), never the whole history.
 *
 * @module
 */
import {
  describeValue,
  jsonValue,
  knownKeys,
  nonEmptyString,
  optionalString,
  optionsArg,
} from "../args.ts";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { open, unlink } from "node:fs/promises";
import { readJson, tempPathFor, toJson, writeTextAtomic } from "./_atomic.ts";
import { fileNames, mapLimit, removeFile, removeStaleTemps, removeStoreFile } from "./_dir_scan.ts";
import {
  HISTORY_ID,
  type HistoryEntry,
  type HistoryEntrySummary,
  type HistoryKind,
  newHistoryId,
  parseHistoryEntry,
} from "./history_entry.ts";
import { resolveStoreDir, storeDir } from "./store_dir.ts";
import { scanHistory } from "./_history_scan.ts";
import { MAX_BYTES } from "./_safe_read.ts";
import { withFileLock } from "./_lock.ts";

/** The lock of saves (`<dir>/history.lock`), named for `withFileLock` (which adds `.lock`). */
const SAVE_LOCK = "history";

/** Where the history lives: `dir`, else `$AMORSIZE_HOME/history`, else the user cache directory. */
export interface HistoryOptions {
  /** The history directory (default: `storeDir("history")`). */
  dir?: string;
}

/** Options of {@linkcode listResults} and {@linkcode clearResults}. */
export interface HistoryQuery extends HistoryOptions {
  /** Only entries of this kind. */
  kind?: HistoryKind;
}

/** What {@linkcode saveResult} saves. */
export interface HistoryInput {
  /** `"suite"`, `"validation"` or another non-empty label. */
  kind: HistoryKind;
  /** An optional name (a run label). */
  name?: string;
  /** The data: anything JSON can hold. */
  payload: unknown;
}

function _dirOf(options: HistoryOptions | undefined, known: readonly string[] = ["dir"]): string {
  const o = optionsArg("options", options);
  knownKeys("options", o, known);
  return resolveStoreDir("history", { dir: o.dir });
}

function _checkId(id: unknown): string {
  if (typeof id !== "string") {
    throw new TypeError(`'id' must be a string, got ${describeValue(id)}`);
  }
  if (!HISTORY_ID.test(id)) {
    throw new RangeError(
      `'id' must be a history entry id such as "20250314T092653127Z-4f1c2a9b", got ${
        describeValue(id)
      }`,
    );
  }
  return id;
}

/**
 * The history directory, created where missing and checked writable (a file created there and
 * removed): for work that saves its result only at its end, so that a directory that cannot
 * take it fails before the work, not after.
 *
 * @param options `dir`: the history directory.
 * @returns The directory.
 * @throws The file system's error (e.g. `ENOTDIR` where a file stands on the path, `EACCES`).
 *
 * @example Usage
 * ```ts
 * import { writableHistoryDir } from "./history.ts";
 * import assert from "node:assert/strict";
 * import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const root = mkdtempSync(join(tmpdir(), "amorsize-"));
 * const dir = await writableHistoryDir({ dir: join(root, "history") });
 * assert.deepEqual(readdirSync(dir), []);
 * writeFileSync(join(root, "file"), "");
 * await assert.rejects(writableHistoryDir({ dir: join(root, "file", "history") }));
 * ```
 */
export async function writableHistoryDir(options?: HistoryOptions): Promise<string> {
  const dir = await storeDir("history", { dir: optionsArg("options", options).dir });
  const probe = tempPathFor(join(dir, "write-check"));
  await (await open(probe, "wx")).close();
  await unlink(probe).catch(() => {});
  return dir;
}

/**
 * Save a result as a new history entry (`<dir>/<id>.json`, written atomically). Saves into one
 * directory take its lock (`history.lock`) in turn, and each picks an id that sorts after every id
 * there: the newest entry listed is the last one saved, even for saves of several processes in
 * one millisecond (or after the clock went back; the id's time is then that of the entry before,
 * `savedAt` the save's).
 *
 * @param entry `kind`, an optional `name`, and the `payload` (JSON-serialisable).
 * @param options `dir`: the history directory, created on demand.
 * @returns The entry as {@linkcode loadResult} will return it.
 * @throws {TypeError} For a missing `kind`, a `name` that is not a string, or a `payload` that JSON
 * cannot hold (`undefined`, a cycle, a BigInt).
 * @throws {RangeError} For a `payload` whose entry would be larger than the history reads back
 * (16 MiB of JSON, written without indentation where the indented form is larger); nothing is
 * written.
 * @throws {Error} A `LockTimeoutError` (code `"ELOCKTIMEOUT"`) when another process held the
 * directory's lock for 5 s (a lock of a process that is gone, or older than 30 s, is taken over).
 *
 * @example Usage
 * ```ts
 * import { loadResult, saveResult } from "./history.ts";
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "amorsize-"));
 * const saved = await saveResult({ kind: "suite", name: "nightly", payload: { passed: 5 } }, { dir });
 * assert.equal(saved.schema, 1);
 * assert.deepEqual(await loadResult(saved.id, { dir }), saved);
 * ```
 */
export async function saveResult(
  entry: HistoryInput,
  options?: HistoryOptions,
): Promise<HistoryEntry> {
  const input = optionsArg("entry", entry);
  const kind = nonEmptyString("kind", input.kind);
  const name = optionalString("name", input.name) ?? null;
  jsonValue("payload", input.payload);
  const dir = await storeDir("history", { dir: optionsArg("options", options).dir });
  const ms = Date.now();
  const draft = newHistoryId(ms);
  const record = {
    schema: 1,
    library: "amorsize",
    id: draft,
    kind,
    name,
    savedAt: new Date(ms).toISOString(),
    payload: input.payload,
  };
  // Indented where it fits what the history reads back (MAX_BYTES), else compact; never larger.
  let text = toJson(record, "payload", true);
  if (Buffer.byteLength(text) > MAX_BYTES) text = toJson(record, "payload");
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_BYTES) {
    throw new RangeError(
      `'payload' must fit a history entry of at most ${MAX_BYTES} bytes (what the history reads ` +
        `back), got ${bytes} bytes of JSON`,
    );
  }
  // One save at a time in a directory: the id is picked after every id there, so that id order
  // is save order, even for saves in one millisecond or after the clock went back. It replaces
  // the draft's (its first quoted occurrence: only `schema` and `library` come before it).
  const id = await withFileLock(join(dir, SAVE_LOCK), async () => {
    const ids = (await fileNames(dir)).filter((n) => n.endsWith(".json"))
      .map((n) => n.slice(0, -5)).filter((i) => HISTORY_ID.test(i));
    const id = newHistoryId(ms, ids.at(-1));
    text = text.replace(`"${draft}"`, `"${id}"`);
    await writeTextAtomic(join(dir, `${id}.json`), text);
    return id;
  });
  return parseHistoryEntry(JSON.parse(text), id) as HistoryEntry;
}

/**
 * List the saved entries, newest first. Files that are corrupt or not history entries are skipped,
 * each with a warning that names the file; nothing throws for them.
 *
 * @param options `dir`, and `kind` to list one kind only.
 * @returns The summaries (no payloads) and the warnings. A missing directory lists nothing.
 *
 * @example Usage
 * ```ts
 * import { listResults, saveResult } from "./history.ts";
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "amorsize-"));
 * const a = await saveResult({ kind: "suite", payload: 1 }, { dir });
 * const b = await saveResult({ kind: "validation", payload: 2 }, { dir });
 * writeFileSync(join(dir, "20250101T000000000Z-00000000.json"), "{ not json");
 * const { entries, warnings } = await listResults({ dir });
 * assert.deepEqual(entries.map((e) => e.id), [b.id, a.id]);
 * assert.equal(warnings.length, 1);
 * assert.deepEqual((await listResults({ dir, kind: "suite" })).entries.map((e) => e.id), [a.id]);
 * ```
 */
export async function listResults(
  options?: HistoryQuery,
): Promise<{ entries: HistoryEntrySummary[]; warnings: string[] }> {
  const kind = optionalString("kind", optionsArg("options", options).kind);
  const { entries, warnings } = await scanHistory(_dirOf(options, ["dir", "kind"]));
  const summaries = entries
    .filter((e) => kind === undefined || e.kind === kind)
    .map(({ id, kind, name, savedAt }) => ({ id, kind, name, savedAt }));
  return { entries: summaries.reverse(), warnings };
}

/**
 * Load one entry.
 *
 * @param id The id {@linkcode saveResult} returned.
 * @param options `dir`.
 * @returns The entry with its payload.
 * @throws {Error} `No history entry "<id>" in <dir>` when it does not exist, or an error naming the
 * file when that file is corrupt or not a history entry.
 * @throws {TypeError|RangeError} When `id` is not an id (this also keeps paths out of ids).
 *
 * @example Usage
 * ```ts
 * import { loadResult, saveResult } from "./history.ts";
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "amorsize-"));
 * const { id } = await saveResult({ kind: "validation", payload: [1, 2] }, { dir });
 * assert.deepEqual((await loadResult(id, { dir })).payload, [1, 2]);
 * await assert.rejects(loadResult("20250101T000000000Z-00000000", { dir }), /No history entry/);
 * ```
 */
// A Promise, as every history call returns (a bad id rejects, never throws): its read is
// synchronous (see `_atomic.ts`).
// deno-lint-ignore require-await
export async function loadResult(id: string, options?: HistoryOptions): Promise<HistoryEntry> {
  _checkId(id);
  const dir = _dirOf(options);
  const path = join(dir, `${id}.json`);
  const read = readJson(path);
  if (!read.ok && read.reason === "missing") {
    throw new Error(`No history entry ${JSON.stringify(id)} in ${dir}`);
  }
  if (!read.ok) throw new Error(`Corrupt history entry: ${read.message}`);
  const entry = parseHistoryEntry(read.value, id);
  if (typeof entry === "string") {
    throw new Error(`${path} is not a history entry: ${entry}`);
  }
  return entry;
}

/**
 * Delete one entry.
 *
 * @param id The entry's id.
 * @param options `dir`.
 * @returns `true` when it was deleted, `false` when there was no such entry.
 * @throws {TypeError|RangeError} When `id` is not an id.
 *
 * @example Usage
 * ```ts
 * import { deleteResult, saveResult } from "./history.ts";
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "amorsize-"));
 * const { id } = await saveResult({ kind: "suite", payload: null }, { dir });
 * assert.equal(await deleteResult(id, { dir }), true);
 * assert.equal(await deleteResult(id, { dir }), false);
 * ```
 */
export async function deleteResult(id: string, options?: HistoryOptions): Promise<boolean> {
  _checkId(id);
  return await removeFile(join(_dirOf(options), `${id}.json`));
}

/**
 * Delete every entry, or every entry of one kind. Without `kind`, entry files that are corrupt go
 * too where they say `"library": "amorsize"` (a truncated entry); files that are not named like
 * entries, or are another program's, are left alone.
 *
 * @param options `dir`, and `kind` to clear one kind only.
 * @returns How many entries were deleted.
 *
 * @example Usage
 * ```ts
 * import { clearResults, listResults, saveResult } from "./history.ts";
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "amorsize-"));
 * await saveResult({ kind: "suite", payload: 1 }, { dir });
 * await saveResult({ kind: "validation", payload: 2 }, { dir });
 * assert.equal(await clearResults({ dir, kind: "suite" }), 1);
 * assert.equal(await clearResults({ dir }), 1);
 * assert.deepEqual((await listResults({ dir })).entries, []);
 * ```
 */
export async function clearResults(options?: HistoryQuery): Promise<number> {
  const kind = optionalString("kind", optionsArg("options", options).kind);
  const dir = _dirOf(options, ["dir", "kind"]);
  const names = await fileNames(dir);
  let ids = names.filter((n) => n.endsWith(".json")).map((n) => n.slice(0, -5));
  ids = ids.filter((id) => HISTORY_ID.test(id));
  if (kind !== undefined) {
    const { entries } = await scanHistory(dir, ids);
    ids = entries.filter((e) => e.kind === kind).map((e) => e.id);
  } else {
    await removeStaleTemps(dir, names);
  }
  const removed = await mapLimit(ids, 16, (id) => removeStoreFile(join(dir, `${id}.json`)));
  return removed.filter(Boolean).length;
}
