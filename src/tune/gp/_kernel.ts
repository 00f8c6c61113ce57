// Stationary correlation kernels of a Gaussian process, as functions of the Euclidean distance.

/** The kernels a {@linkcode GaussianProcess} offers. */
export type KernelName = "matern52" | "rbf";

const SQRT5 = Math.sqrt(5);

/** Matérn ν = 5/2 correlation at distance `r` with length scale `ell`: 1 at r = 0. */
function matern52Kernel(r: number, ell: number): number {
  const s = (SQRT5 * r) / ell;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/** Squared-exponential (RBF) correlation at distance `r` with length scale `ell`. */
function rbfKernel(r: number, ell: number): number {
  const s = r / ell;
  return Math.exp(-0.5 * s * s);
}

/** The correlation function of the named kernel. */
export function kernelFunction(name: KernelName): (r: number, ell: number) => number {
  return name === "rbf" ? rbfKernel : matern52Kernel;
}

/** Euclidean distance between row `i` of `a` and the point `b` (rows of length `d`). */
export function scaledDistance(
  a: ArrayLike<number>,
  i: number,
  b: ArrayLike<number>,
  d: number,
): number {
  let s = 0;
  const o = i * d;
  for (let k = 0; k < d; k++) {
    const t = a[o + k] - b[k];
    s += t * t;
  }
  return Math.sqrt(s);
}
