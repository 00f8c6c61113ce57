/**
 * `writeReport`: render a report and write it to a file, for the `--html FILE` flag of the CLI
 * commands.
 *
 * @module
 */
import { describeValue } from "../args.ts";
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { writeTextAtomic } from "../store/mod.ts";
import { renderReport } from "./render_report.ts";
import type { ReportInput } from "./report_input.ts";

/**
 * Render `input` with {@linkcode renderReport} and write the page to `file` (atomically: a reader
 * sees the old file or the new one; missing parent directories are created).
 *
 * @param file Where to write the HTML (relative paths are resolved against the working directory).
 * @param input What the report shows; see `ReportInput`.
 * @returns The absolute path written.
 * @throws {TypeError} If `file` is not a non-empty string, or as `renderReport` does.
 *
 * @example Usage
 * ```ts
 * import { writeReport } from "./write_report.ts";
 * import assert from "node:assert/strict";
 * import { mkdtempSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const file = join(mkdtempSync(join(tmpdir(), "amorsize-")), "out", "report.html");
 * const path = await writeReport(file, {
 *   suiteHistory: [{ date: "2025-03-10", results: [{ workload: "cpu", actualSpeedup: 3, passed: true }] }],
 * });
 * assert.equal(path, file);
 * assert.match(readFileSync(path, "utf8"), /<svg /);
 * ```
 */
export async function writeReport(file: string, input: ReportInput): Promise<string> {
  if (typeof file !== "string" || file.trim() === "") {
    const E = typeof file === "string" ? RangeError : TypeError;
    throw new E(`'file' must be a non-empty path, got ${describeValue(file)}`);
  }
  const html = renderReport(input);
  const path = resolve(file);
  await mkdir(dirname(path), { recursive: true });
  await writeTextAtomic(path, html);
  return path;
}
