/**
 * The walk over a cgroup's levels, from the leaf up to the root of its mount, that keeps the
 * tightest limit.
 *
 * @module
 */
import type { HostFiles } from "./host_files.ts";

/** The tightest limit found by {@linkcode smallestLimit}. */
export interface LimitFound {
  /** The smallest limit, or `null` when every file read said "no limit". */
  value: number | null;
  /** The file that gave `value` (for `null`: the first file read); `undefined` if none was read. */
  source: string | undefined;
}

/**
 * Read `name` in every directory of `dirs` and keep the smallest limit. `parse` returns a number,
 * `null` for "no limit", or `undefined` for garbage (the file is then ignored with a warning).
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import { cgroupLevels } from "./cgroup.ts";
 * import { smallestLimit } from "./cgroup_limit.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({
 *   "/sys/fs/cgroup/a/b/memory.max": "max\n",
 *   "/sys/fs/cgroup/a/memory.max": "1024\n",
 * });
 * const parse = (t: string) => (t.trim() === "max" ? null : Number(t));
 * const found = smallestLimit(files, cgroupLevels("/sys/fs/cgroup", "/a/b"), "memory.max", {
 *   parse,
 *   expected: "a number or max",
 * });
 * assert.deepEqual(found, { value: 1024, source: "/sys/fs/cgroup/a/memory.max" });
 * ```
 */
export function smallestLimit(
  files: HostFiles,
  dirs: string[],
  name: string,
  format: { parse: (text: string) => number | null | undefined; expected: string },
): LimitFound {
  const found: LimitFound = { value: null, source: undefined };
  for (const dir of dirs) {
    const path = `${dir}/${name}`;
    const text = files.read(path);
    if (text === undefined) continue;
    const value = format.parse(text);
    if (value === undefined) {
      files.garbage(path, format.expected);
      continue;
    }
    if (value !== null && (found.value === null || value < found.value)) {
      found.value = value;
      found.source = path;
    }
    found.source ??= path;
  }
  return found;
}
