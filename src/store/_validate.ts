// Argument checks of the store modules: TypeError/RangeError naming the argument and the value.

/** Show a value in an error message: strings quoted, everything else as `String` gives it. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

/** `value` must be a non-empty string. */
export function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new TypeError(`'${name}' must be a non-empty string, got ${describeValue(value)}`);
  }
  if (value.trim() === "") {
    throw new RangeError(`'${name}' must be a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}

/** `value` must be `undefined` or a non-empty string. */
export function optionalString(name: string, value: unknown): string | undefined {
  return value === undefined ? undefined : nonEmptyString(name, value);
}

/** `value` must be `undefined` or an object (the options bag of a function). */
export function optionsArg<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`'${name}' must be an object, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * `value` must have a JSON form at the top level (not `undefined`, a function or a symbol, which
 * JSON drops from an enclosing object). Cycles and BigInts are caught when serialising.
 */
export function jsonValue(name: string, value: unknown): void {
  const type = typeof value;
  if (type === "undefined" || type === "function" || type === "symbol") {
    throw new TypeError(`'${name}' must be JSON-serialisable, got ${type}`);
  }
}
