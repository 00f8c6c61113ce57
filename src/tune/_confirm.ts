// The confirmation round of `tune`: the fastest few configurations found are run again,
// alternating (A B C, C B A, …), and their medians are taken over every run. A search that picks
// the minimum of noisy medians favours a lucky run; running the finalists side by side, under the
// same load, decides between them fairly.
import { summarize } from "../measure/mod.ts";
import { runTrial } from "./_trial.ts";
import type { TuneSession } from "./_tune_session.ts";
import type { TuneTrial } from "./tune_types.ts";

/** Finalists re-run. */
const FINALISTS = 3;
/** Alternating rounds over the finalists. */
const ROUNDS = 2;

/** Re-run the fastest finite trials, alternating; stops early on abort or a spent budget. */
export async function confirm<I, O>(session: TuneSession<I, O>): Promise<void> {
  let finalists = session.trials.filter((t) => Number.isFinite(t.medianMs))
    .sort((a, b) => a.medianMs - b.medianMs).slice(0, FINALISTS);
  if (finalists.length < 2) return;
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [...finalists] : [...finalists].reverse();
    for (const trial of order) {
      if (session.aborted || session.overBudget()) return;
      const runs = await runTrial(session.task, session.items, trial.config, {
        ...session.settings,
        repeats: 1,
      });
      if (runs.aborted) return;
      trial.runs++;
      if (runs.error !== undefined) {
        _fail(trial, runs.error);
        finalists = finalists.filter((t) => t !== trial);
        continue;
      }
      const times = session.times.get(trial) ?? [];
      times.push(...runs.times);
      session.times.set(trial, times);
      trial.medianMs = summarize(times).median;
      trial.spreadMs = [Math.min(...times), Math.max(...times)];
    }
  }
}

function _fail(trial: TuneTrial, error: string): void {
  trial.medianMs = Infinity;
  trial.spreadMs = [Infinity, Infinity];
  trial.error = error;
}
