/**
 * The system facts of a report: what the probe found, each figure with where it came from.
 *
 * @module
 */
import { _bytes } from "./_format.ts";
import { _esc, _html } from "./_svg.ts";
import type { SystemFigure, SystemInfo } from "../system/system_info.ts";

/**
 * The probe's figures as an HTML table (figure, value, source), followed by its warnings.
 *
 * @param system The `SystemInfo` of an optimization profile (or of `probeSystem`).
 * @returns HTML markup: a `<table>` with a caption, and a list of warnings when there are any.
 *
 * @example Usage
 * ```ts
 * import { systemTable } from "./system_table.ts";
 * import { probeSystem } from "../system/probe_system.ts";
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
    ["memory total", _bytes(m.totalBytes, "unknown"), "memory.totalBytes"],
    ["memory available", _bytes(m.availableBytes, "unknown"), "memory.availableBytes"],
    ["memory limit", _bytes(m.limitBytes, "none"), "memory.limitBytes"],
    ["swap used", _bytes(m.swapUsedBytes, "unknown"), "memory.swapUsedBytes"],
  ];
  const body = rows.map(([figure, value, key]) =>
    _html(
      "tr",
      {},
      _html("th", { scope: "row" }, _esc(figure)),
      _html("td", { class: "num" }, _esc(value)),
      _html("td", {}, _html("code", {}, _esc(s[key] ?? "unknown").replaceAll("/", "/<wbr>"))),
    )
  );
  const table = _html(
    "table",
    { class: "facts" },
    _html("caption", {}, "What this process may use, and where each figure came from"),
    _html(
      "thead",
      {},
      _html(
        "tr",
        {},
        _html("th", { scope: "col" }, "figure"),
        _html("th", { scope: "col", class: "num" }, "value"),
        _html("th", { scope: "col" }, "source"),
      ),
    ),
    _html("tbody", {}, ...body),
  );
  const warnings = system.warnings ?? [];
  return warnings.length === 0 ? table : table +
    _html("ul", { class: "warnings" }, ...warnings.map((w) => _html("li", {}, _esc(w))));
}
