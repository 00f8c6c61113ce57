/**
 * Validation: validateOptimization, validateSystem, compareStrategies. What the rest of src/ uses
 * of it.
 * Files of this folder whose name starts with `_` are private to it: import them from here.
 *
 * @module
 */
export { materialize } from "./_materialize.ts";
export { compareStrategies } from "./compare_strategies.ts";
export type { ComparisonResult, StrategyConfig } from "./compare_strategies.ts";
export { quickValidate } from "./quick_validate.ts";
export { validateOptimization } from "./validate_optimization.ts";
export type { ValidationResult } from "./validate_optimization.ts";
export { validateSystem } from "./validate_system.ts";
export type { SystemValidation } from "./validate_system.ts";
