/**
 * Where files live, atomic JSON, the result cache and the history. What the rest of src/ uses of
 * it.
 * Files of this folder whose name starts with `_` are private to it: import them from here.
 *
 * @module
 */
export { parseJsonText, writeTextAtomic } from "./_atomic.ts";
export {
  clearResults,
  deleteResult,
  listResults,
  loadResult,
  saveResult,
  writableHistoryDir,
} from "./history.ts";
export type { HistoryEntry, HistoryEntrySummary } from "./history_entry.ts";
export { createResultCache } from "./result_cache.ts";
export type { CacheStats, ResultCache } from "./result_cache.ts";
export { checkStoreHome, resolveStoreDir } from "./store_dir.ts";
