// The state of one `tune` call: the candidates, the trials measured (each configuration at most
// once), the time budget and the progress reports.
import { summarize } from "../measure/mod.ts";
import { runtime } from "../runtime/mod.ts";
import type { Task } from "../task/mod.ts";
import { runTrial, type TrialSettings } from "./_trial.ts";
import type { Candidate } from "./_tune_space.ts";
import type { TuneProgress, TuneTrial } from "./tune_types.ts";

/** What a session needs besides the trial settings. */
export interface SessionSettings extends TrialSettings {
  /** When the tuning started (the runtime's clock, ms). */
  startedAt: number;
  budgetMs?: number;
  onProgress?: (progress: TuneProgress) => void;
}

/** Trials of one tuning run. */
export class TuneSession<I, O> {
  readonly trials: TuneTrial[] = [];
  readonly byIndex = new Map<number, TuneTrial>();
  /** The run times behind each trial's median. */
  readonly times = new Map<TuneTrial, number[]>();
  /** Most trials planned (for progress). */
  planned = 0;

  constructor(
    readonly task: Task<I, O>,
    readonly items: I[],
    readonly candidates: readonly Candidate[],
    readonly settings: SessionSettings,
  ) {}

  get elapsedMs(): number {
    return runtime().now() - this.settings.startedAt;
  }

  /** Whether the time budget is spent. */
  overBudget(): boolean {
    const b = this.settings.budgetMs;
    return b !== undefined && this.elapsedMs >= b;
  }

  /** Whether the caller aborted. */
  get aborted(): boolean {
    return this.settings.signal?.aborted ?? false;
  }

  /** The best trial so far (lowest median; the first of equals). */
  best(): TuneTrial | undefined {
    return this.trials.reduce<TuneTrial | undefined>(
      (b, t) => (!b || t.medianMs < b.medianMs ? t : b),
      undefined,
    );
  }

  /** Measure candidate `index` once (again: the same trial); `undefined` when aborted. */
  async measure(index: number): Promise<TuneTrial | undefined> {
    const known = this.byIndex.get(index);
    if (known) return known;
    const c = this.candidates[index];
    const runs = c.fails === undefined
      ? await runTrial(this.task, this.items, c.config, this.settings)
      : { times: [], error: c.fails };
    if (runs.aborted) return undefined;
    const ok = runs.error === undefined && runs.times.length > 0;
    const trial: TuneTrial = {
      config: c.config,
      medianMs: ok ? summarize(runs.times).median : Infinity,
      spreadMs: ok ? [Math.min(...runs.times), Math.max(...runs.times)] : [Infinity, Infinity],
      predictedMs: c.predictedMs,
      runs: runs.times.length + (runs.error === undefined || c.fails !== undefined ? 0 : 1),
    };
    if (runs.error !== undefined) trial.error = runs.error;
    this.trials.push(trial);
    this.byIndex.set(index, trial);
    this.times.set(trial, runs.times);
    this.settings.onProgress?.({
      evaluations: this.trials.length,
      planned: Math.max(this.planned, this.trials.length),
      elapsedMs: this.elapsedMs,
      trial: { ...trial, spreadMs: [...trial.spreadMs] },
      bestMs: this.best()!.medianMs,
    });
    return trial;
  }
}
