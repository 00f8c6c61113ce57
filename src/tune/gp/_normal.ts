// The standard normal density and distribution function, through a complementary error function
// with a fractional error below 1.2e-7 everywhere (Chebyshev fit, Numerical Recipes' `erfcc`), so
// the far tails keep their relative accuracy (what expected improvement needs).

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Complementary error function `erfc(x) = 1 − erf(x)`, relative error < 1.2e-7. */
function complementaryErrorFunction(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly = -1.26551223 +
    t * (1.00002368 +
        t * (0.37409196 +
            t * (0.09678418 +
                t * (-0.18628806 +
                    t * (0.27886807 +
                        t *
                          (-1.13520398 +
                            t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** Error function `erf(x)`. */
export function errorFunction(x: number): number {
  return 1 - complementaryErrorFunction(x);
}

/** Standard normal density φ(z). */
export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/** Standard normal distribution function Φ(z) = P(Z ≤ z). */
export function normalCdf(z: number): number {
  return 0.5 * complementaryErrorFunction(-z / Math.SQRT2);
}
