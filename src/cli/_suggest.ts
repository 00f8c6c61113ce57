// The names closest to a mistyped one, for "did you mean" in usage errors.

/**
 * The edit distance of `a` and `b`: how many characters must be inserted, deleted, replaced or
 * swapped with their neighbour to turn one into the other.
 */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The known names `given` may have been meant as: those that start with it (at least two
 * characters given), else those within a small edit distance (one edit for short names, two
 * from six characters on, three from nine), closest first. Case is ignored.
 *
 * @param given The name as typed.
 * @param known The names that exist.
 * @returns The likely names, closest first; empty when none is close.
 *
 * @example Usage
 * ```ts
 * import { suggestNames } from "./_suggest.ts";
 * import assert from "node:assert/strict";
 *
 * const commands = ["optimize", "execute", "validate", "validate-system", "tune"];
 * assert.deepEqual(suggestNames("optimise", commands), ["optimize"]);
 * assert.deepEqual(suggestNames("exectue", commands), ["execute"]);
 * assert.deepEqual(suggestNames("val", commands), ["validate", "validate-system"]);
 * assert.deepEqual(suggestNames("deploy", commands), []);
 * ```
 */
export function suggestNames(given: string, known: readonly string[]): string[] {
  const g = given.toLowerCase();
  if (g.length >= 2) {
    const prefixed = known.filter((k) => k.toLowerCase().startsWith(g));
    if (prefixed.length > 0) return prefixed;
  }
  const most = g.length >= 9 ? 3 : g.length >= 6 ? 2 : 1;
  return known
    .map((name) => ({ name, distance: editDistance(g, name.toLowerCase()) }))
    .filter((c) => c.distance <= most)
    .sort((a, b) => a.distance - b.distance)
    .map((c) => c.name);
}
