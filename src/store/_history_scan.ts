// Reading a whole history directory: every entry that parses, in id (= save) order, and a warning
// naming each file that is corrupt or not a history entry. Files removed while the scan runs
// (another process clearing), the temporary files of writes in flight and the lock of saves are
// skipped silently.
import { join } from "node:path";
import { isTempName, readJson } from "./_atomic.ts";
import { fileNames } from "./_dir_scan.ts";
import { LOCK_FILE } from "./_lock.ts";
import { HISTORY_ID, type HistoryEntry, parseHistoryEntry } from "./history_entry.ts";

/** What a scan found: entries oldest first, and warnings about the files skipped. */
export interface HistoryScan {
  entries: HistoryEntry[];
  warnings: string[];
}

/**
 * Read the entries of `dir` (only those of `ids` when given: then other files raise no warning).
 * A directory that does not exist holds no entries.
 */
export async function scanHistory(dir: string, ids?: string[]): Promise<HistoryScan> {
  const warnings: string[] = [];
  let wanted = ids;
  if (wanted === undefined) {
    wanted = [];
    for (const name of await fileNames(dir)) {
      const id = name.endsWith(".json") ? name.slice(0, -5) : "";
      if (HISTORY_ID.test(id)) wanted.push(id);
      else if (!isTempName(name) && !LOCK_FILE.test(name)) {
        warnings.push(`${join(dir, name)} is not a history entry file (<id>.json); skipped`);
      }
    }
  }
  const found = wanted.map((id) => {
    const path = join(dir, `${id}.json`);
    const read = readJson(path);
    if (!read.ok) {
      if (read.reason === "corrupt") warnings.push(`${read.message}; skipped`);
      return undefined;
    }
    const entry = parseHistoryEntry(read.value, id);
    if (typeof entry === "string") {
      warnings.push(`${path} is not a history entry (${entry}); skipped`);
      return undefined;
    }
    return entry;
  });
  const entries = found.filter((e): e is HistoryEntry => e !== undefined);
  entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { entries, warnings: warnings.sort() };
}
