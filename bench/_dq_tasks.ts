// Tasks of the decision-quality benchmark (loaded by workers through task(url, name)).

/** Busy loop of `iterations` xorshift steps; returns the final state (so it is not elided). */
export function spinIterations(iterations: number): number {
  let x = 2463534242;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x >>> 0;
}

/** A little work, then a 100 KB result (12,800 doubles). */
export function bigResult(iterations: number): Float64Array {
  const out = new Float64Array(12_800);
  out[0] = spinIterations(iterations);
  for (let i = 1; i < out.length; i++) out[i] = out[i - 1] * 0.5 + i;
  return out;
}

/** An I/O-like task: waits `ms`, uses almost no CPU. */
export async function sleepMs(ms: number): Promise<number> {
  await new Promise((r) => setTimeout(r, ms));
  return ms;
}
