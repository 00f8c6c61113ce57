// Sample indices spread over [0, n): the van der Corput sequence (base 2) with a random jitter
// inside each point's cell, so the first k indices are roughly evenly spaced for every k (one per
// half, then one per quarter, …) but never aliased with a period in the data (every 10th item
// heavy, say), and never repeating. Once the sequence thins out, the indices left follow in order.

/** Yields distinct indices in [0, n), spread evenly, skipping the ones in `skip`. */
export function* spreadIndices(
  n: number,
  skip: { has(i: number): boolean },
  random: () => number = Math.random,
): Generator<number> {
  if (n <= 0) return;
  const seen = new Set<number>();
  for (let j = 0; seen.size < n && j < 2 * n + 64; j++) {
    let x = 0, f = 0.5, k = j;
    while (k > 0) {
      if (k & 1) x += f;
      k >>= 1;
      f /= 2;
    }
    const cell = j === 0 ? 0.5 : 2 ** -(Math.floor(Math.log2(j)) + 1);
    const i = Math.min(n - 1, Math.floor((x + random() * cell) * n));
    if (seen.has(i)) continue;
    seen.add(i);
    if (!skip.has(i)) yield i;
  }
  for (let i = 0; i < n; i++) if (!seen.has(i) && !skip.has(i)) yield i;
}
