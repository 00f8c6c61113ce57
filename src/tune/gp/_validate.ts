// Checks of the Gaussian-process and search inputs: points in the unit cube, in the one wording
// of src/args.ts.
import { invalid as fail } from "../../args.ts";

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
