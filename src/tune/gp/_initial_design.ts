// Spread starting points for Bayesian search: greedy maximin over the discrete candidates, ties
// (and the very first point, when nothing is chosen yet) broken by a seeded shuffle.
import { scaledDistance } from "./_kernel.ts";
import { shuffleWith } from "./_random.ts";

/**
 * Choose `count` indices of `space` not in `taken`, each as far as possible (Euclidean) from the
 * points already taken or chosen. Deterministic for a given `random` generator.
 */
export function maximinSpread(
  space: readonly (readonly number[])[],
  taken: ReadonlySet<number>,
  count: number,
  random: () => number,
): number[] {
  const d = space[0].length;
  const order = shuffleWith(space.map((_, i) => i).filter((i) => !taken.has(i)), random);
  const nearest = order.map((i) => {
    let m = Infinity;
    for (const t of taken) m = Math.min(m, scaledDistance(space[i], 0, space[t], d));
    return m;
  });
  const chosen: number[] = [];
  while (chosen.length < count && chosen.length < order.length) {
    let pick = -1;
    for (let k = 0; k < order.length; k++) {
      if (nearest[k] >= 0 && (pick < 0 || nearest[k] > nearest[pick])) pick = k;
    }
    const p = order[pick];
    chosen.push(p);
    nearest[pick] = -1;
    for (let k = 0; k < order.length; k++) {
      if (nearest[k] >= 0) {
        nearest[k] = Math.min(nearest[k], scaledDistance(space[order[k]], 0, space[p], d));
      }
    }
  }
  return chosen;
}
