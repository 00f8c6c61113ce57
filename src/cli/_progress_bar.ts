// The CLI's progress bar on stderr (only on a terminal, and never with NO_COLOR set).
import process from "node:process";
import type { Progress } from "../engine/mod.ts";
import { runtime } from "../runtime/mod.ts";

/**
 * A progress bar on stderr, or `undefined` when stderr is not a terminal or `NO_COLOR` is set.
 * Call `end()` after the run to finish the line.
 *
 * @param label A word before the bar.
 * @returns The progress callback and `end`, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { progressBar } from "./_progress_bar.ts";
 * import assert from "node:assert/strict";
 *
 * const bar = progressBar("run");
 * assert.ok(bar === undefined || typeof bar.onProgress === "function");
 * bar?.end();
 * ```
 */
export function progressBar(
  label: string,
): { onProgress: (p: Progress) => void; end(): void } | undefined {
  if (!process.stderr.isTTY || runtime().env("NO_COLOR").value !== undefined) return undefined;
  let drawn = false;
  return {
    onProgress(p: Progress) {
      const total = p.total ?? 0;
      const frac = total > 0 ? Math.min(1, p.done / total) : 0;
      const bar = "#".repeat(Math.round(frac * 20)).padEnd(20);
      const count = total > 0 ? `${p.done}/${total}` : `${p.done}`;
      const pct = total > 0 ? `${(frac * 100).toFixed(0).padStart(3)}%` : "";
      process.stderr.write(
        `\r${p.phase ?? label} [${bar}] ${pct} ${count} ${(p.elapsedMs / 1000).toFixed(1)} s\x1b[K`,
      );
      drawn = true;
    },
    end() {
      if (drawn) process.stderr.write("\r\x1b[K");
      drawn = false;
    },
  };
}
