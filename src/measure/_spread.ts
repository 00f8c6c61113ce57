// Sample indices spread over [0, n): the van der Corput sequence (base 2) scaled to n, so the
// first k indices are roughly evenly spaced for every k, never repeating.

/** Yields distinct indices in [0, n), spread evenly, skipping the ones in `skip`. */
export function* _spreadIndices(n: number, skip: Map<number, unknown>): Generator<number> {
  if (n <= 0) return;
  const seen = new Set<number>();
  for (let j = 0; seen.size < n && j < 4 * n + 64; j++) {
    let x = 0, f = 0.5, k = j;
    while (k > 0) {
      if (k & 1) x += f;
      k >>= 1;
      f /= 2;
    }
    const i = Math.min(n - 1, Math.floor(x * n));
    if (seen.has(i)) continue;
    seen.add(i);
    if (!skip.has(i)) yield i;
  }
}
