/**
 * One saved result of the history: its shape, its id, and how a file on disk is recognised as one.
 *
 * On disk an entry is `<dir>/<id>.json` holding `{ schema: 1, library: "amorsize", id, kind, name,
 * savedAt, payload }`. The id is sortable (compact UTC time, then a suffix), so a listing in id
 * order is a listing in save order: a save takes the directory's lock and picks an id after every
 * id there (see {@linkcode newHistoryId}), so two processes never pick the same file, and saves
 * in one millisecond still have an order.
 *
 * @module
 */
import { randomBytes } from "node:crypto";

/** The kind of a saved result: the two the library writes, or any other non-empty label. */
export type HistoryKind = "suite" | "validation" | (string & Record<never, never>);

/** A saved result, as {@linkcode loadResult} returns it. */
export interface HistoryEntry {
  /** Sortable id, e.g. `"20250314T092653127Z-4f1c2a9b"` (UTC time, then a suffix: see `newHistoryId`). */
  id: string;
  /** What was saved: `"suite"`, `"validation"` or another label. */
  kind: HistoryKind;
  /** A name given at save time (a run label, a workload), or `null`. */
  name: string | null;
  /** When it was saved, as an ISO 8601 UTC string. */
  savedAt: string;
  /** Version of the entry format. */
  schema: 1;
  /** The saved data, as JSON gave it back (Dates are strings, `undefined` fields are gone). */
  payload: unknown;
}

/** An entry without its payload, as {@linkcode listResults} returns it. */
export type HistoryEntrySummary = Pick<HistoryEntry, "id" | "kind" | "name" | "savedAt">;

/** Ids as {@linkcode newHistoryId} makes them; also the guard against paths in an id. */
export const HISTORY_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

/**
 * A new id for an entry saved at `ms` (epoch milliseconds) that sorts after `after` (the newest
 * id of the directory, if any): the time of `ms` and a random suffix where that time is later
 * than `after`'s; else (a save in the same millisecond, or after the clock went back) `after`'s
 * time and its suffix plus one, so that id order is save order. `savedAt` keeps the save's time.
 *
 * @example Usage
 * ```ts
 * import { HISTORY_ID, newHistoryId } from "./history_entry.ts";
 * import assert from "node:assert/strict";
 *
 * const ms = Date.parse("2025-03-14T09:26:53.127Z");
 * assert.match(newHistoryId(ms), /^20250314T092653127Z-[0-9a-f]{8}$/);
 * assert.equal(newHistoryId(ms, "20250314T092653127Z-4f1c2a9b"), "20250314T092653127Z-4f1c2a9c");
 * assert.equal(newHistoryId(ms, "20250314T092653127Z-ffffffff"), "20250314T092653128Z-00000000");
 * assert.match(newHistoryId(ms, "20240101T000000000Z-0badf00d"), HISTORY_ID);
 * ```
 */
export function newHistoryId(ms: number, after?: string): string {
  const compact = (t: number) => new Date(t).toISOString().replace(/[-:.]/g, "");
  const time = compact(ms);
  if (after === undefined || !HISTORY_ID.test(after) || time > after.slice(0, 19)) {
    return `${time}-${randomBytes(4).toString("hex")}`;
  }
  const suffix = parseInt(after.slice(20), 16);
  if (suffix < 0xffffffff) {
    return `${after.slice(0, 19)}-${(suffix + 1).toString(16).padStart(8, "0")}`;
  }
  const at = Date.parse(
    after.slice(0, 19).replace(
      /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/,
      "$1-$2-$3T$4:$5:$6.$7Z",
    ),
  );
  return `${compact(at + 1)}-00000000`;
}

const _isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Check that `value` (a parsed file) is the history entry with id `id`.
 *
 * @returns The entry, or a string saying why it is not one.
 */
export function parseHistoryEntry(value: unknown, id: string): HistoryEntry | string {
  if (!_isObject(value)) return "not a JSON object";
  if (value.library !== "amorsize") return 'not an amorsize file (no library: "amorsize")';
  if (value.schema !== 1) return `unknown schema ${JSON.stringify(value.schema)} (expected 1)`;
  if (value.id !== id) return `its id ${JSON.stringify(value.id)} does not match the file name`;
  if (typeof value.kind !== "string" || value.kind === "") return "no kind";
  if (value.name !== null && typeof value.name !== "string") return "a name that is not a string";
  if (typeof value.savedAt !== "string" || Number.isNaN(Date.parse(value.savedAt))) {
    return "no valid savedAt";
  }
  if (!("payload" in value)) return "no payload";
  return {
    id,
    kind: value.kind,
    name: value.name,
    savedAt: value.savedAt,
    schema: 1,
    payload: value.payload,
  };
}
