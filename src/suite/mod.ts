/**
 * The performance-regression suite: standard workloads, the suite runner, result comparison, the
 * deno-bench helper. What the rest of src/ uses of it.
 * Files of this folder whose name starts with `_` are private to it: import them from here.
 *
 * @module
 */
export { formatComparison, formatSuite, formatTable, resultLabel } from "./_format.ts";
export { comparePerformanceResults } from "./compare_results.ts";
export { parseComparable } from "./_schema.ts";
export { runPerformanceSuite } from "./run_suite.ts";
export type { SuiteResult } from "./run_suite.ts";
export { getStandardWorkloads } from "./workloads.ts";
