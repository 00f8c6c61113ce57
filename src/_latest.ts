/**
 * A process's bounded memories (per task, per job): a map that keeps its latest entries.
 *
 * @module
 */

/**
 * Set `key` to `value` as the newest entry of `map`, and drop the oldest entries past `most`:
 * what a process remembers of tasks and jobs stays bounded however many it meets.
 *
 * @param map The memory.
 * @param key The entry's key (moved to the newest where present).
 * @param value The entry's value.
 * @param most The most entries kept.
 *
 * @example Usage
 * ```ts
 * import { setLatest } from "./_latest.ts";
 * import assert from "node:assert/strict";
 *
 * const seen = new Map<string, number>();
 * setLatest(seen, "a", 1, 2);
 * setLatest(seen, "b", 2, 2);
 * setLatest(seen, "a", 3, 2); // "a" is the newest now
 * setLatest(seen, "c", 4, 2); // "b", the oldest, goes
 * assert.deepEqual([...seen], [["a", 3], ["c", 4]]);
 * ```
 */
export function setLatest<K, V>(map: Map<K, V>, key: K, value: V, most: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > most) map.delete(map.keys().next().value!);
}
