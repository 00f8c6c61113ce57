// Argument checks shared by the public functions: TypeError/RangeError naming the option and value.

const show = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : String(v));

/** `value` must be a positive integer. */
export function positiveInt(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    const E = typeof value === "number" ? RangeError : TypeError;
    throw new E(`'${name}' must be a positive integer, got ${show(value)}`);
  }
  return value;
}

/** `value` must be a positive finite number. */
export function positiveNumber(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    const E = typeof value === "number" ? RangeError : TypeError;
    throw new E(`'${name}' must be a positive number, got ${show(value)}`);
  }
  return value;
}

/** `value` must be one of `allowed`. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new TypeError(
      `'${name}' must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${show(value)}`,
    );
  }
  return value as T;
}

/** `value` must be a boolean. */
export function bool(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`'${name}' must be a boolean, got ${show(value)}`);
  }
  return value;
}

/** `value` must be a function. */
export function fn(name: string, value: unknown): void {
  if (typeof value !== "function") {
    throw new TypeError(`'${name}' must be a function, got ${show(value)}`);
  }
}
