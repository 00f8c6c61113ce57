import { test } from "node:test";
import assert from "node:assert/strict";
import { mulberry32Random, shuffleWith } from "../src/tune/gp/_random.ts";
import {
  cholesky,
  choleskySolve,
  choleskyWithJitter,
  solveLower,
} from "../src/tune/gp/_cholesky.ts";
import { errorFunction, normalCdf, normalPdf } from "../src/tune/gp/_normal.ts";
import { maximinSpread } from "../src/tune/gp/_initial_design.ts";
import { expectedImprovement } from "../src/tune/gp/expected_improvement.ts";
import { GaussianProcess } from "../src/tune/gp/gaussian_process.ts";
import { bayesianMinimize, type Evaluation } from "../src/tune/gp/bayesian_search.ts";

const close = (actual: number, expected: number, tol: number, what = "value") =>
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${what}: ${actual} is not within ${tol} of ${expected}`,
  );

/** A 15 × 15 grid over [0, 1]², row-major: index = 15·i + j for the point (i/14, j/14). */
const GRID = Array.from({ length: 225 }, (_, k) => [Math.floor(k / 15) / 14, (k % 15) / 14]);
/** The bowl (x − 0.3)² + (y − 0.7)² plus small deterministic noise. */
const bowl = (p: readonly number[], k: number) =>
  (p[0] - 0.3) ** 2 + (p[1] - 0.7) ** 2 + 1e-4 * Math.sin(12.9898 * k);
const BOWL_VALUES = GRID.map(bowl);
const BOWL_ARGMIN = BOWL_VALUES.indexOf(Math.min(...BOWL_VALUES));

const indices = (evaluations: Evaluation[]) => evaluations.map((e) => e.index);

// ---- seeded generator --------------------------------------------------------------------------

test("mulberry32Random is deterministic, uniform in [0, 1) and depends on the seed", () => {
  const a = mulberry32Random(42), b = mulberry32Random(42), c = mulberry32Random(43);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => c()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  close(xs.reduce((s, x) => s + x, 0) / xs.length, 0.5, 0.05, "mean");
  const shuffled = shuffleWith([0, 1, 2, 3, 4, 5, 6, 7], mulberry32Random(1));
  assert.deepEqual([...shuffled].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(shuffled, shuffleWith([0, 1, 2, 3, 4, 5, 6, 7], mulberry32Random(1)));
});

// ---- Cholesky ----------------------------------------------------------------------------------

test("cholesky factorises a known matrix and solves with it", () => {
  const a = [4, 12, -16, 12, 37, -43, -16, -43, 98];
  const l = cholesky(a, 3)!;
  assert.deepEqual([...l], [2, 0, 0, 6, 1, 0, -8, 5, 3]);
  // A x = b with x = [1, -2, 3]: b = A x
  const b = [4 - 24 - 48, 12 - 74 - 129, -16 + 86 + 294];
  const x = choleskySolve(l, 3, b);
  [1, -2, 3].forEach((v, i) => close(x[i], v, 1e-9, `x[${i}]`));
  const y = solveLower(l, 3, [2, 6, -8]);
  [1, 0, 0].forEach((v, i) => close(y[i], v, 1e-12, `y[${i}]`));
});

test("cholesky refuses a matrix that is not positive definite; jitter rescues a singular one", () => {
  assert.equal(cholesky([1, 2, 2, 1], 2), undefined);
  assert.equal(cholesky([1, 1, 1, 1], 2), undefined);
  const rescued = choleskyWithJitter([1, 1, 1, 1], 2)!;
  assert.ok(rescued.jitter > 0 && rescued.jitter <= 1e-4);
  const l = rescued.l;
  close(l[0] * l[0], 1 + rescued.jitter, 1e-12, "L00²");
  assert.equal(choleskyWithJitter([-1, 0, 0, -1], 2), undefined);
  assert.equal(choleskyWithJitter([4, 12, -16, 12, 37, -43, -16, -43, 98], 3)!.jitter, 0);
});

// ---- normal distribution and expected improvement ----------------------------------------------

test("normal CDF, PDF and erf match tabulated values to ~1e-7", () => {
  close(normalCdf(0), 0.5, 1e-7);
  close(normalCdf(1), 0.8413447461, 2e-7);
  close(normalCdf(-1), 0.1586552539, 2e-7);
  close(normalCdf(1.959963985), 0.975, 2e-7);
  close(normalCdf(-3), 0.0013498980, 1e-9);
  close(normalCdf(-8) / 6.22096057e-16, 1, 1e-6, "relative tail");
  close(errorFunction(0.5), 0.5204998778, 2e-7);
  close(errorFunction(-2), -0.9953222650, 2e-7);
  close(normalPdf(0), 0.3989422804, 1e-10);
  close(normalPdf(1), 0.2419707245, 1e-10);
});

test("expectedImprovement: no uncertainty means the plain improvement, or 0", () => {
  assert.equal(expectedImprovement(2, 0, 1), 0);
  assert.equal(expectedImprovement(1, 0, 1, 0), 0);
  assert.equal(expectedImprovement(0.25, 0, 1, 0), 0.75);
  close(expectedImprovement(0.25, 0, 1), 0.74, 1e-12);
});

test("expectedImprovement matches hand-computed values", () => {
  // mean = best: EI = std·φ(0)
  close(expectedImprovement(1, 1, 1, 0), 0.3989422804, 2e-7);
  close(expectedImprovement(5, 2, 5, 0), 2 * 0.3989422804, 4e-7);
  // gain 1, std 1: Φ(1) + φ(1)
  close(expectedImprovement(0, 1, 1, 0), 0.8413447461 + 0.2419707245, 3e-7);
  // gain −1, std 1: −Φ(−1) + φ(1)
  close(expectedImprovement(2, 1, 1, 0), 0.2419707245 - 0.1586552539, 3e-7);
  // xi shifts the gain: gain 1 − 0.5 = 0.5, std 0.5, z = 1
  close(expectedImprovement(0, 0.5, 1, 0.5), 0.5 * (0.8413447461 + 0.2419707245), 3e-7);
  // far tail: tiny but positive
  const tail = expectedImprovement(10, 1, 0, 0);
  assert.ok(tail > 0 && tail < 1e-20, `tail ${tail}`);
});

test("expectedImprovement symmetries: shift, scale, and EI(g) − EI(−g) = g", () => {
  for (const [mean, std, best] of [[0.3, 0.2, 0.5], [2, 1.5, 1], [-1, 0.1, -1.05]]) {
    const ei = expectedImprovement(mean, std, best, 0);
    close(expectedImprovement(mean + 7, std, best + 7, 0), ei, 1e-9, "shift");
    close(expectedImprovement(3 * mean, 3 * std, 3 * best, 0), 3 * ei, 1e-9, "scale");
    const gain = best - mean;
    const mirrored = expectedImprovement(best + gain, std, best, 0);
    close(ei - mirrored, gain, 1e-6, "put–call parity");
  }
  // more uncertainty, more expected improvement (for a fixed mean)
  const byStd = [0.1, 0.5, 1, 2].map((s) => expectedImprovement(1.2, s, 1));
  assert.ok(byStd.every((v, i) => i === 0 || v > byStd[i - 1]));
});

test("expectedImprovement rejects bad arguments, naming them", () => {
  assert.throws(() => expectedImprovement(0, -1, 0), {
    name: "RangeError",
    message: "'std' must be a non-negative number, got -1",
  });
  assert.throws(() => expectedImprovement(0, 1, 0, -0.1), {
    name: "RangeError",
    message: "'xi' must be a non-negative number, got -0.1",
  });
  assert.throws(() => expectedImprovement(NaN, 1, 0), { name: "RangeError", message: /'mean'/ });
  assert.throws(() => expectedImprovement(0, 1, "1" as unknown as number), {
    name: "TypeError",
    message: /'best' must be a number/,
  });
});

// ---- Gaussian process --------------------------------------------------------------------------

test("GaussianProcess interpolates its training points, with small std there", () => {
  const xs = [0, 0.1, 0.2, 0.35, 0.5, 0.6, 0.8, 1].map((x) => [x]);
  const ys = xs.map(([x]) => Math.sin(6 * x) + 3);
  for (const kernel of ["matern52", "rbf"] as const) {
    const gp = new GaussianProcess({ kernel }).fit(xs, ys);
    xs.forEach((x, i) => {
      const p = gp.predict(x);
      close(p.mean, ys[i], 1e-2, `${kernel} mean at ${x}`);
      assert.ok(p.std < 2e-2, `${kernel} std at ${x}: ${p.std}`);
    });
    const between = gp.predict([0.7]);
    close(between.mean, Math.sin(4.2) + 3, 0.1, `${kernel} mean at 0.7`);
    assert.ok(between.std > gp.predict([0.8]).std);
  }
});

test("GaussianProcess is uncertain far from its data, and reverts to the mean there", () => {
  const xs = [[0, 0], [0.1, 0.2], [0.2, 0.1], [0.15, 0.15], [0.05, 0.25]];
  const ys = xs.map(([a, b]) => a + 2 * b);
  const gp = new GaussianProcess().fit(xs, ys);
  const near = gp.predict([0.1, 0.2]), far = gp.predict([1, 1]);
  assert.ok(near.std < 1e-2, `near std ${near.std}`);
  assert.ok(far.std > 20 * near.std, `far ${far.std} vs near ${near.std}`);
  const { lengthScale, noise } = gp.hyperparameters;
  assert.ok(lengthScale >= 0.05 && lengthScale <= 2 && noise >= 0, `${lengthScale} ${noise}`);
});

test("GaussianProcess keeps fixed hyperparameters and copes with repeated points", () => {
  const gp = new GaussianProcess({ lengthScale: 0.4, noise: 0.01 }).fit([[0], [1]], [1, 2]);
  assert.equal(gp.hyperparameters.lengthScale, 0.4);
  assert.equal(gp.hyperparameters.noise, 0.01);
  // the same point twice, no nugget: jitter makes the matrix factorisable
  const twice = new GaussianProcess({ noise: 0 }).fit([[0.5], [0.5], [0.9]], [1, 1.2, 3]);
  close(twice.predict([0.5]).mean, 1.1, 1e-3, "mean at the repeated point");
  // flat observations: the mean everywhere, no uncertainty
  const flat = new GaussianProcess().fit([[0], [0.5], [1]], [4, 4, 4]).predict([0.25]);
  close(flat.mean, 4, 1e-12);
  assert.ok(flat.std < 1e-9);
});

test("GaussianProcess rejects bad arguments, naming them", () => {
  assert.throws(() => new GaussianProcess({ noise: -1 }), {
    name: "RangeError",
    message: "'noise' must be a non-negative number, got -1",
  });
  assert.throws(() => new GaussianProcess({ lengthScale: 0 }), {
    name: "RangeError",
    message: "'lengthScale' must be a positive number, got 0",
  });
  assert.throws(
    () => new GaussianProcess({ kernel: "cubic" as "rbf" }),
    { name: "TypeError", message: /'kernel' must be one of "matern52", "rbf", got "cubic"/ },
  );
  const gp = new GaussianProcess();
  assert.throws(() => gp.predict([0]), /call fit\(\) before predict\(\)/);
  assert.throws(() => gp.fit([], []), { name: "TypeError", message: /'x' must be/ });
  assert.throws(() => gp.fit([[0], [1]], [1]), { name: "TypeError", message: /'y' must be/ });
  assert.throws(() => gp.fit([[0], [1, 2]], [1, 2]), { name: "TypeError", message: /'x\[1\]'/ });
  assert.throws(() => gp.fit([[0], [1]], [1, NaN]), { name: "RangeError", message: /'y\[1\]'/ });
  gp.fit([[0, 0], [1, 1]], [0, 1]);
  assert.throws(() => gp.predict([0]), { name: "TypeError", message: /'x' must be an array of 2/ });
});

// ---- Bayesian search ---------------------------------------------------------------------------

test("maximinSpread spreads points and is deterministic", () => {
  const first = maximinSpread(GRID, new Set(), 3, mulberry32Random(5));
  assert.deepEqual(first, maximinSpread(GRID, new Set(), 3, mulberry32Random(5)));
  const [a, b] = first.map((k) => GRID[k]);
  assert.ok(Math.hypot(a[0] - b[0], a[1] - b[1]) >= 0.7, `${a} ${b}`);
  const next = maximinSpread(GRID, new Set([0]), 1, mulberry32Random(1));
  assert.deepEqual(next, [224]); // the corner opposite (0, 0)
});

test("bayesianMinimize finds the bottom of a 15 × 15 bowl within 40% of the grid", async () => {
  const result = await bayesianMinimize((p, k) => Promise.resolve(bowl(p, k)), GRID, {
    maxEvaluations: 90,
    seed: 1,
  });
  assert.equal(result.bestIndex, BOWL_ARGMIN);
  assert.equal(result.bestValue, BOWL_VALUES[BOWL_ARGMIN]);
  assert.ok(result.evaluations.length <= 90);
  assert.equal(new Set(indices(result.evaluations)).size, result.evaluations.length);
  result.evaluations.forEach((e) => assert.equal(e.value, BOWL_VALUES[e.index]));
  const foundAt = indices(result.evaluations).indexOf(BOWL_ARGMIN) + 1;
  assert.ok(foundAt >= 1 && foundAt <= 90, `found after ${foundAt} evaluations`);
});

test("bayesianMinimize finds the bowl's bottom for several seeds", async () => {
  for (const seed of [2, 3, 17, 123456]) {
    const r = await bayesianMinimize((p, k) => bowl(p, k), GRID, { maxEvaluations: 90, seed });
    assert.equal(r.bestIndex, BOWL_ARGMIN, `seed ${seed}`);
  }
});

test("bayesianMinimize is deterministic for a given seed", async () => {
  const run = (seed: number) =>
    bayesianMinimize((p, k) => Promise.resolve(bowl(p, k)), GRID, { maxEvaluations: 20, seed });
  const [a, b, c] = await Promise.all([run(9), run(9), run(10)]);
  assert.deepEqual(a, b);
  assert.notDeepEqual(indices(a.evaluations), indices(c.evaluations));
});

test("bayesianMinimize respects maxEvaluations", async () => {
  let calls = 0;
  const r = await bayesianMinimize(
    (p, k) => (calls++, bowl(p, k)),
    GRID,
    { maxEvaluations: 7, minImprovement: 0 },
  );
  assert.equal(r.stoppedBecause, "budget");
  assert.equal(r.evaluations.length, 7);
  assert.equal(calls, 7);
  const byDefault = await bayesianMinimize((p, k) => bowl(p, k), GRID, { minImprovement: 0 });
  assert.equal(byDefault.evaluations.length, 20);
});

test("bayesianMinimize stops 'converged' on a flat function", async () => {
  const r = await bayesianMinimize(() => 2.5, GRID, { maxEvaluations: 50 });
  assert.equal(r.stoppedBecause, "converged");
  assert.ok(r.evaluations.length <= 5, `${r.evaluations.length} evaluations`);
  assert.equal(r.bestValue, 2.5);
});

test("bayesianMinimize stops 'exhausted' after every candidate, each once", async () => {
  const space = [[0], [0.3], [0.6], [1]];
  const r = await bayesianMinimize(
    ([x]) => Promise.resolve((x - 0.6) ** 2),
    space,
    { maxEvaluations: 10, minImprovement: 0 },
  );
  assert.equal(r.stoppedBecause, "exhausted");
  assert.deepEqual(indices(r.evaluations).sort(), [0, 1, 2, 3]);
  assert.equal(r.bestIndex, 2);
  assert.equal(r.bestValue, 0);
});

test("bayesianMinimize evaluates seed points first, in order, once each", async () => {
  const r = await bayesianMinimize((p, k) => bowl(p, k), GRID, {
    seedPoints: [112, 7, 112, 200],
    initial: 4,
    maxEvaluations: 6,
    minImprovement: 0,
  });
  assert.deepEqual(indices(r.evaluations).slice(0, 3), [112, 7, 200]);
  assert.equal(new Set(indices(r.evaluations)).size, 6);
});

test("bayesianMinimize stops 'aborted' when its signal fires", async () => {
  const controller = new AbortController();
  let calls = 0;
  const r = await bayesianMinimize(
    (p, k) => {
      if (++calls === 4) controller.abort();
      return bowl(p, k);
    },
    GRID,
    { maxEvaluations: 50, signal: controller.signal },
  );
  assert.equal(r.stoppedBecause, "aborted");
  assert.equal(r.evaluations.length, 4);
  const before = await bayesianMinimize(() => 1, GRID, { signal: AbortSignal.abort() });
  assert.deepEqual(before, {
    bestIndex: -1,
    bestValue: Infinity,
    evaluations: [],
    stoppedBecause: "aborted",
  });
});

test("bayesianMinimize treats non-finite values as failures, never as the best", async () => {
  // the left half of the grid "fails" (Infinity, NaN); the minimum lies in the right half
  const r = await bayesianMinimize(
    (p, k) => (p[0] < 0.5 ? (k % 2 ? Infinity : NaN) : (p[0] - 0.7) ** 2 + (p[1] - 0.4) ** 2),
    GRID,
    { maxEvaluations: 60, seed: 3 },
  );
  assert.ok(Number.isFinite(r.bestValue));
  assert.ok(GRID[r.bestIndex][0] >= 0.5);
  const right = GRID.map((p) => (p[0] < 0.5 ? Infinity : (p[0] - 0.7) ** 2 + (p[1] - 0.4) ** 2));
  assert.equal(r.bestIndex, right.indexOf(Math.min(...right)));
});

test("bayesianMinimize rejects bad arguments, naming them", async () => {
  const f = () => 1;
  const bad = (options: unknown, pattern: RegExp, name = "RangeError") =>
    assert.rejects(
      bayesianMinimize(f, GRID, options as Parameters<typeof bayesianMinimize>[2]),
      { name, message: pattern },
    );
  await bad({ maxEvaluations: 0 }, /^'maxEvaluations' must be an integer >= 1, got 0$/);
  await bad({ maxEvaluations: 2.5 }, /'maxEvaluations'.*got 2.5/);
  await bad({ minImprovement: -1 }, /^'minImprovement' must be a non-negative number, got -1$/);
  await bad({ initial: -1 }, /^'initial' must be a non-negative integer, got -1$/);
  await bad({ seed: 1.5 }, /^'seed' must be an integer, got 1.5$/);
  await bad({ seed: "x" }, /^'seed' must be an integer, got "x"$/, "TypeError");
  await bad(
    { seedPoints: [3, 225] },
    /^'seedPoints\[1\]' must be an integer in \[0, 224\], got 225$/,
  );
  await bad({ seedPoints: 3 }, /'seedPoints' must be an array/, "TypeError");
  await bad({ signal: {} }, /'signal' must be an AbortSignal/, "TypeError");
  await bad("fast", /'options' must be an object, got "fast"/, "TypeError");
  await assert.rejects(bayesianMinimize("f" as unknown as () => number, GRID), {
    name: "TypeError",
    message: `'objective' must be a function, got "f"`,
  });
  await assert.rejects(bayesianMinimize(f, []), { name: "TypeError", message: /'space'/ });
  await assert.rejects(bayesianMinimize(f, [[0.5], [1.5]]), {
    name: "RangeError",
    message: "'space[1][0]' must be a number in [0, 1], got 1.5",
  });
  await assert.rejects(bayesianMinimize(f, [[0.5], [0.5, 1]]), {
    name: "TypeError",
    message: /'space\[1\]'/,
  });
  await assert.rejects(
    bayesianMinimize(() => "fast" as unknown as number, GRID),
    { name: "TypeError", message: `'objective' must return a number, got "fast"` },
  );
});
