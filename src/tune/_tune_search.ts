// The two search strategies of `tune` over a session's candidates (the optimizer's pick, when in
// the space, is candidate 0 and is measured first).
import { bayesianMinimize } from "./gp/mod.ts";
import type { TuneSession } from "./_tune_session.ts";
import type { TuneStopReason } from "./tune_types.ts";

/**
 * Expected improvement the Bayesian search must still see, relative to the modelled best: with
 * values `4 + ln(ms / ref)` (|best| ≈ 4) it is about 1 % of the time.
 */
const MIN_IMPROVEMENT = 0.0025;
/**
 * Points measured before the model guides the search (seeds, then maximin spread): run times on a
 * busy machine are noisy, and a model of fewer points gives up too early.
 */
const INITIAL = 6;

/** Measure every candidate in order, until the space, `maxConfigs` or the budget runs out. */
export async function gridSearch<I, O>(
  session: TuneSession<I, O>,
  maxConfigs: number,
): Promise<TuneStopReason> {
  session.planned = Math.min(maxConfigs, session.candidates.length);
  for (let i = 0; i < session.candidates.length; i++) {
    if (session.trials.length >= maxConfigs) return "maxConfigs";
    if (session.aborted) return "aborted";
    if (i > 0 && session.overBudget()) return "budget";
    if (!(await session.measure(i))) return "aborted";
  }
  return "exhausted";
}

/**
 * Bayesian search: the optimizer's pick (`pickIndex`, when ≥ 0), inline and async (when in the
 * space: they lie apart from the worker grid), spread points up to 6 in all, then the candidate
 * of largest expected improvement under a Gaussian process over (workers, log chunk size),
 * modelling the log of the time. Stops on `maxEvaluations`, the budget, negligible expected
 * improvement, or abort.
 */
export async function bayesianSearch<I, O>(
  session: TuneSession<I, O>,
  pickIndex: number,
  maxEvaluations: number,
  seed: number,
): Promise<TuneStopReason> {
  const space = session.candidates.map((c) => c.point);
  session.planned = Math.min(maxEvaluations, space.length);
  // Times span orders of magnitude: model 4 + ln(ms / ref), with the first time measured as ref
  // (the pick's, or the first candidate's when the pick is outside the space).
  const firstIndex = Math.max(pickIndex, 0);
  const first = await session.measure(firstIndex);
  if (!first) return "aborted";
  if (session.aborted) return "aborted";
  if (session.overBudget()) return "budget";
  const predicted = session.candidates[firstIndex].predictedMs;
  const ref = Number.isFinite(first.medianMs) && first.medianMs > 0
    ? first.medianMs
    : Number.isFinite(predicted) && predicted > 0
    ? predicted
    : 1;
  const others = session.candidates.map((c, i) => (c.config.executor === "workers" ? -1 : i))
    .filter((i) => i >= 0 && i !== firstIndex);
  const seeds = [firstIndex, ...others];
  const stop = new AbortController();
  const signal = session.settings.signal;
  const onAbort = () => stop.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  let reason: TuneStopReason | undefined;
  try {
    const r = await bayesianMinimize(
      async (_point, index) => {
        const trial = await session.measure(index);
        if (!trial) {
          reason = "aborted";
          stop.abort();
          return Infinity;
        }
        if (session.overBudget()) {
          reason ??= "budget";
          stop.abort();
        }
        return Number.isFinite(trial.medianMs) ? 4 + Math.log(trial.medianMs / ref) : Infinity;
      },
      space,
      {
        seedPoints: seeds,
        initial: Math.min(Math.max(seeds.length + 2, INITIAL), space.length),
        maxEvaluations: Math.min(maxEvaluations, space.length),
        minImprovement: MIN_IMPROVEMENT,
        seed,
        signal: stop.signal,
      },
    );
    if (reason) return reason;
    if (session.aborted) return "aborted";
    return r.stoppedBecause === "budget" ? "maxConfigs" : r.stoppedBecause;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
