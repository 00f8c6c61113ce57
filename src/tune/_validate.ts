// Argument checks shared by the tuning modules: each throws a TypeError or RangeError that names
// the argument and shows the value it got.

/** A short, readable rendering of any value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) {
    return String(value);
  }
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `a value of type ${typeof value}`;
}

function fail(name: string, what: string, value: unknown): never {
  const message = `'${name}' must be ${what}, got ${describe(value)}`;
  throw typeof value === "number" ? new RangeError(message) : new TypeError(message);
}

/** A finite number ≥ 0. */
export function nonNegativeNumber(name: string, value: unknown): number {
  if (typeof value !== "number" || !(value >= 0) || value === Infinity) {
    fail(name, "a non-negative number", value);
  }
  return value;
}

/** A finite number > 0. */
export function positiveNumber(name: string, value: unknown): number {
  if (typeof value !== "number" || !(value > 0) || value === Infinity) {
    fail(name, "a positive number", value);
  }
  return value;
}

/** An integer ≥ `min`. */
export function integerAtLeast(name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    fail(name, min === 0 ? "a non-negative integer" : `an integer >= ${min}`, value);
  }
  return value;
}

/** An integer (the seed of a generator). */
export function integerArg(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value)) fail(name, "an integer", value);
  return value;
}

/** A plain options object, or `undefined` (read as `{}`). */
export function optionsObject<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(name, "an object", value);
  }
  return value;
}

/**
 * A non-empty array of points, all of the same dimension ≥ 1, every coordinate finite (and in
 * [0, 1] when `unit` is set). Returns the dimension.
 */
export function pointsArg(name: string, value: unknown, unit: boolean): number {
  if (!Array.isArray(value) || value.length === 0) fail(name, "a non-empty array of points", value);
  let d = -1;
  value.forEach((p: unknown, i: number) => {
    if (!Array.isArray(p) || p.length === 0) fail(`${name}[${i}]`, "a non-empty array", p);
    if (d < 0) d = p.length;
    if (p.length !== d) {
      fail(`${name}[${i}]`, `an array of length ${d} like ${name}[0]`, p);
    }
    coordinates(`${name}[${i}]`, p, unit);
  });
  return d;
}

/** Every entry of `p` a finite number (in [0, 1] when `unit` is set). */
export function coordinates(name: string, p: readonly unknown[], unit: boolean): void {
  p.forEach((v, j) => {
    const ok = typeof v === "number" && Number.isFinite(v) && (!unit || (v >= 0 && v <= 1));
    if (!ok) fail(`${name}[${j}]`, unit ? "a number in [0, 1]" : "a finite number", v);
  });
}
