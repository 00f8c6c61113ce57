/**
 * The system facts of a report: what the probe found, each figure with where it came from.
 *
 * @module
 */
import { formatBytes } from "./_format.ts";
import { esc, htmlElement } from "./_svg.ts";
import type { SystemFigure, SystemInfo } from "../system/mod.ts";

/**
 * The probe's figures as an HTML table (figure, value, source), followed by its warnings.
 *
 * @param system The `SystemInfo` of an optimization profile (or of `probeSystem`).
 * @returns HTML markup: a `<table>` with a caption, and a list of warnings when there are any.
 *
 * @example Usage
 * ```ts
 * import { systemTable } from "./system_table.ts";
 * import { probeSystem } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const html = systemTable(await probeSystem({ env: {} }));
 * assert.match(html, /<th scope="row">effective cores<\/th>/);
 * ```
 */
export function systemTable(system: SystemInfo): string {
  const m = system.memory ?? {};
  const s = (system.sources ?? {}) as Partial<Record<SystemFigure, string>>;
  const rows: [string, string, SystemFigure][] = [
    ["effective cores", String(system.effectiveCores), "effectiveCores"],
    ["logical cores", String(system.logicalCores), "logicalCores"],
    ["physical cores", String(system.physicalCores), "physicalCores"],
    ["affinity cores", String(system.affinityCores), "affinityCores"],
    ["CPU quota", system.cpuQuota == null ? "none" : `${system.cpuQuota} cores`, "cpuQuota"],
    ["memory total", formatBytes(m.totalBytes, "unknown"), "memory.totalBytes"],
    ["memory available", formatBytes(m.availableBytes, "unknown"), "memory.availableBytes"],
    ["memory limit", formatBytes(m.limitBytes, "none"), "memory.limitBytes"],
    ["swap used", formatBytes(m.swapUsedBytes, "unknown"), "memory.swapUsedBytes"],
  ];
  // Results saved before the probe read the limit on threads have no such figures.
  const t = system.threads;
  if (t) {
    rows.push(["thread limit", t.limit === null ? "none" : String(t.limit), "threads.limit"]);
    rows.push(["threads left", t.room === null ? "no limit" : String(t.room), "threads.room"]);
  }
  const body = rows.map(([figure, value, key]) =>
    htmlElement(
      "tr",
      {},
      htmlElement("th", { scope: "row" }, esc(figure)),
      htmlElement("td", { class: "num" }, esc(value)),
      htmlElement(
        "td",
        {},
        htmlElement("code", {}, esc(s[key] ?? "unknown").replaceAll("/", "/<wbr>")),
      ),
    )
  );
  const table = htmlElement(
    "table",
    { class: "facts" },
    htmlElement("caption", {}, "What this process may use, and where each figure came from"),
    htmlElement(
      "thead",
      {},
      htmlElement(
        "tr",
        {},
        htmlElement("th", { scope: "col" }, "figure"),
        htmlElement("th", { scope: "col", class: "num" }, "value"),
        htmlElement("th", { scope: "col" }, "source"),
      ),
    ),
    htmlElement("tbody", {}, ...body),
  );
  const warnings = system.warnings ?? [];
  return warnings.length === 0 ? table : table +
    htmlElement("ul", { class: "warnings" }, ...warnings.map((w) => htmlElement("li", {}, esc(w))));
}
