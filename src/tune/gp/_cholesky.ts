// Cholesky factorisation and triangular solves on dense row-major matrices (Float64Array, n × n).
// Small and allocation-light: the Gaussian process factorises matrices of at most a few hundred rows.

/**
 * Lower-triangular `L` with `L Lᵀ = A`, or `undefined` when `A` is not (numerically) positive
 * definite. Only the lower triangle of `A` is read; `jitter` is added to its diagonal first.
 */
export function cholesky(a: ArrayLike<number>, n: number, jitter = 0): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let sum = a[ri + j];
      for (let k = 0; k < j; k++) sum -= l[ri + k] * l[rj + k];
      if (i === j) {
        sum += jitter;
        if (!(sum > 0)) return undefined;
        l[ri + i] = Math.sqrt(sum);
      } else {
        l[ri + j] = sum / l[rj + j];
      }
    }
  }
  return l;
}

/**
 * Factorise `A + base·I`, retrying with a growing extra diagonal jitter (relative to the mean
 * diagonal) when it is not positive definite. Returns the factor and the extra jitter used, or
 * `undefined` if every try fails.
 */
export function choleskyWithJitter(
  a: ArrayLike<number>,
  n: number,
  base = 0,
): { l: Float64Array; jitter: number } | undefined {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i] + base;
  const scale = n > 0 && trace > 0 ? trace / n : 1;
  for (const relative of [0, 1e-10, 1e-8, 1e-6, 1e-4]) {
    const jitter = relative * scale;
    const l = cholesky(a, n, base + jitter);
    if (l) return { l, jitter };
  }
  return undefined;
}

/** Solve `L x = b` (forward substitution) for lower-triangular `L`. */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    const ri = i * n;
    for (let k = 0; k < i; k++) sum -= l[ri + k] * x[k];
    x[i] = sum / l[ri + i];
  }
  return x;
}

/** Solve `Lᵀ x = b` (back substitution) for lower-triangular `L`. */
function solveUpper(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}

/** Solve `A x = b` given the Cholesky factor `L` of `A`. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  return solveUpper(l, n, solveLower(l, n, b));
}
