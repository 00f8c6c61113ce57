/**
 * `/proc/cpuinfo`: one block of `key : value` lines per logical CPU.
 *
 * @module
 */

/**
 * Split `/proc/cpuinfo` into its processor blocks (key → value; keys as written, e.g.
 * `"physical id"`). Only blocks with a numeric `processor` line count; other text is skipped.
 *
 * @example Usage
 * ```ts
 * import { parseCpuinfo } from "./cpuinfo.ts";
 * import assert from "node:assert/strict";
 *
 * const blocks = parseCpuinfo(
 *   "processor\t: 0\ncore id\t\t: 0\n\nprocessor\t: 1\ncore id\t\t: 1\n",
 * );
 * assert.equal(blocks.length, 2);
 * assert.equal(blocks[1]["core id"], "1");
 * ```
 */
export function parseCpuinfo(text: string): Record<string, string>[] {
  const blocks: Record<string, string>[] = [];
  let block: Record<string, string> = {};
  const flush = () => {
    if (/^\d+$/.test(block["processor"] ?? "")) blocks.push(block);
    block = {};
  };
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (line.trim() === "") flush();
    else if (colon > 0) block[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  flush();
  return blocks;
}
