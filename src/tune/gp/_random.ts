// A small seeded pseudo-random generator (mulberry32): deterministic, fast, 32 bits of state.
// Good enough to pick spread starting points and break ties; not for cryptography.

/**
 * A generator of uniform numbers in [0, 1) fully determined by `seed`.
 *
 * @param seed Any finite number; its low 32 bits are the state.
 * @returns A function that yields the next number of the sequence each call.
 */
export function mulberry32Random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffle `items` in place (Fisher–Yates) with the generator `random`; returns `items`. */
export function shuffleWith<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
