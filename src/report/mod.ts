/**
 * The HTML/SVG report. What the rest of src/ uses of it.
 * Files of this folder whose name starts with `_` are private to it: import them from here.
 *
 * @module
 */
export type { MeasuredPoint, ReportInput } from "./report_input.ts";
export { loadSuiteHistory } from "./suite_history.ts";
export { renderReport } from "./render_report.ts";
export { writeReport } from "./write_report.ts";
