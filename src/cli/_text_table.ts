// Plain-text tables for the CLI: columns padded to their widest cell, two spaces apart.

/**
 * Format rows as a table (the first row is the header); trailing spaces are trimmed.
 *
 * @param rows The cells, row by row.
 * @param right Indices of the columns to align right (numbers).
 * @returns The table, one line per row.
 *
 * @example Usage
 * ```ts
 * import { formatTable } from "./_text_table.ts";
 * import assert from "node:assert/strict";
 *
 * const text = formatTable([["name", "ms"], ["inline", "12.5"], ["workers 2", "7.0"]], [1]);
 * assert.equal(text, "name         ms\ninline     12.5\nworkers 2   7.0");
 * ```
 */
export function formatTable(rows: readonly (readonly string[])[], right: number[] = []): string {
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from(
    { length: cols },
    (_, c) => Math.max(0, ...rows.map((r) => (r[c] ?? "").length)),
  );
  return rows.map((r) =>
    widths.map((w, c) => {
      const cell = r[c] ?? "";
      return right.includes(c) ? cell.padStart(w) : cell.padEnd(w);
    }).join("  ").trimEnd()
  ).join("\n");
}

/**
 * A number of milliseconds for a table: about 3 significant digits; `—` when not finite.
 *
 * @param x Milliseconds.
 * @returns The text.
 *
 * @example Usage
 * ```ts
 * import { formatMs } from "./_text_table.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatMs(456.44), "456");
 * assert.equal(formatMs(12.345), "12.3");
 * assert.equal(formatMs(NaN), "—");
 * ```
 */
export function formatMs(x: number): string {
  if (!Number.isFinite(x)) return "—";
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
