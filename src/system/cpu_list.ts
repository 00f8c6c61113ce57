/**
 * The kernel's CPU list format (`0-3,8,10-11`), used by `/sys/devices/system/cpu/online`,
 * `Cpus_allowed_list` and the cpuset files.
 *
 * @module
 */

/** The largest CPU number accepted; anything above is taken for garbage. */
const _MAX_CPU = 65535;

/**
 * Parse a kernel CPU list into the set of CPU numbers. An empty list gives an empty set; anything
 * that is not a list (letters, reversed ranges, numbers above 65535) gives `undefined`.
 *
 * @param text The list, e.g. `"0-3,8,10-11"` (surrounding white space is ignored).
 * @returns The CPU numbers, or `undefined` for garbage.
 *
 * @example Usage
 * ```ts
 * import { parseCpuList } from "./cpu_list.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([...parseCpuList("0-3,8,10-11\n")!], [0, 1, 2, 3, 8, 10, 11]);
 * assert.equal(parseCpuList("")!.size, 0);
 * assert.equal(parseCpuList("x-y"), undefined);
 * ```
 */
export function parseCpuList(text: string): Set<number> | undefined {
  const cpus = new Set<number>();
  const trimmed = text.trim();
  if (trimmed === "") return cpus;
  for (const part of trimmed.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first || last > _MAX_CPU) return undefined;
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return cpus;
}
