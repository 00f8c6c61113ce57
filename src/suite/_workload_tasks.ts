/**
 * The task functions of the standard workloads. Workers load this module through
 * `task(url, name)`; it imports nothing, so loading it starts no worker and pulls in no engine.
 *
 * @module
 */

/** Count the primes in [lo, hi) by trial division. */
function _primes(lo: number, hi: number): number {
  let count = 0;
  for (let n = Math.max(2, lo); n < hi; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

/**
 * CPU-bound: the primes in a window of 5 000 numbers above `n`, plus a sum of squares.
 *
 * @param n Where the window starts.
 * @returns A checksum.
 *
 * @example Usage
 * ```ts
 * import { cpuIntensive } from "./_workload_tasks.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeof cpuIntensive(1000), "number");
 * ```
 */
export function cpuIntensive(n: number): number {
  let sq = 0;
  for (let i = 0; i < 20_000; i++) sq = (sq + i * i) % 1_000_003;
  return _primes(n, n + 5_000) * 1_000_003 + sq;
}

/**
 * Mixed: the primes in a window of 1 000 numbers above `n`, then an asynchronous wait of `ms`
 * milliseconds (an I/O stand-in).
 *
 * @param item `n` for the computation, `ms` for the wait.
 * @returns A checksum.
 *
 * @example Usage
 * ```ts
 * import { mixed } from "./_workload_tasks.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeof await mixed({ n: 500, ms: 1 }), "number");
 * ```
 */
export async function mixed(item: { n: number; ms: number }): Promise<number> {
  const c = _primes(item.n, item.n + 1_000);
  await new Promise((r) => setTimeout(r, item.ms));
  return c;
}

/**
 * Memory-bound: build an array of `n` numbers, filter it, sort it, and reduce it.
 *
 * @param n Size of the intermediate array.
 * @returns A checksum.
 *
 * @example Usage
 * ```ts
 * import { memoryIntensive } from "./_workload_tasks.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeof memoryIntensive(1000), "number");
 * ```
 */
export function memoryIntensive(n: number): number {
  const xs = Array.from({ length: n }, (_, i) => ((i * 2_654_435_761) >>> 0) % 1_000_003);
  const kept = xs.filter((x) => x % 3 !== 0);
  kept.sort((a, b) => a - b);
  const objs = kept.map((x) => ({ x, half: x >> 1 }));
  let sum = 0;
  for (let i = 0; i < objs.length; i += 97) sum += objs[i].half;
  return sum + kept[kept.length >> 1];
}

/**
 * Overhead-dominated: one multiplication.
 *
 * @param x A number.
 * @returns Its square.
 *
 * @example Usage
 * ```ts
 * import { fast } from "./_workload_tasks.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fast(7), 49);
 * ```
 */
export function fast(x: number): number {
  return x * x;
}

/**
 * Heterogeneous: a sum of squares over `n` terms (items of very different sizes).
 *
 * @param n Number of terms.
 * @returns The sum modulo 1 000 003.
 *
 * @example Usage
 * ```ts
 * import { variableTime } from "./_workload_tasks.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(variableTime(3), 5); // 0 + 1 + 4
 * ```
 */
export function variableTime(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s + i * i) % 1_000_003;
  return s;
}
