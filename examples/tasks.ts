// Tasks of the README examples: functions that workers import by module URL and export name.
// A task module only defines functions: a worker imports it, so work at its top level would run
// again in every worker.

/** A CPU-bound score of one number (an integer hash iterated 20 000 times). */
export function score(n: number): number {
  let h = n | 0;
  for (let i = 0; i < 20_000; i++) h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + i) | 0;
  return h >>> 0;
}

/** The square of a number. */
export function square(x: number): number {
  return x * x;
}
