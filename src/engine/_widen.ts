// An automatic inline run that proves far slower than the optimizer measured moves the rest of its
// items to workers. The decision for the plain loop rests on the look's warm time per item; items
// that cost more further on (or a task that slows down as it runs) make it wrong, and the run
// alone can tell: its own pace over the items it ran.
import type { TaskSpec } from "../task/mod.ts";
import type { KnownResults } from "./_known_results.ts";
import { inlineChunks, type LocalLimits } from "./_local.ts";
import { loadIn } from "./_measure_chunk.ts";
import type { Completed, Run } from "./_run.ts";
import type { Source } from "./_source.ts";
import type { WorkerSet } from "./_worker_set.ts";

/** What an automatic inline run may move its rest to. */
export interface Widen {
  /** Workers the rest may run on: the optimizer's caps (cores, memory, nested threads), ≥ 2. */
  workers: number;
  /** The warm time per item on the calling thread the decision rested on (ms). */
  perItemMs: number;
}

/** Least time the plain loop runs before its pace counts as evidence (ms). */
const WIDEN_AFTER_MS = 20;
/** How many times the decision's time per item the plain loop's pace must be. */
const WIDEN_FACTOR = 4;
/** Least time the items left must take at that pace (ms): enough to pay for starting workers. */
const WIDEN_REST_MS = 100;
/** About how long the plain loop runs between two looks at its pace (ms). */
const CHECK_MS = 5;
/** Most items between two looks at the pace (the plain loop's own chunk). */
const MOST_ITEMS = 256;

/**
 * The plain loop on the calling thread, watched: once it has run `WIDEN_AFTER_MS` and its last
 * two chunks both ran at `WIDEN_FACTOR` × the decision's time per item or slower, with
 * `WIDEN_REST_MS` of items left at that pace, a worker loads the task (meanwhile the loop goes
 * on, and lets the event loop turn between chunks), and the items not yet pulled run on workers
 * (`startRun`). The pace is the loop's own work (the time each chunk took to run), not what the
 * consumer does between chunks; the last chunks', not the run's mean (a slow stretch late in a
 * long run of fast items). A task that cannot load in a worker stays here. Only for a source of
 * known size. `into`: the plain loop's results go there in place (see `inlineChunks`).
 */
export async function* widening(
  fn: (x: unknown) => unknown,
  src: Source<unknown>,
  known: KnownResults,
  limits: LocalLimits,
  widen: Widen,
  workers: WorkerSet,
  spec: TaskSpec,
  startRun: () => Run,
  into?: unknown[],
): AsyncGenerator<Completed> {
  let chunk = 16;
  let loadable: boolean | undefined; // whether a worker loaded the task (undefined: not asked)
  let asked = false;
  let ranMs = 0; // the loop's own work so far
  let before = 0; // the pace of the chunk before the last (ms per item)
  const it = inlineChunks(fn, src, known, limits, () => chunk, into);
  for (;;) {
    const next = await it.next();
    if (next.done) return;
    const c = next.value;
    yield c;
    ranMs += c.ms;
    const last = c.ms / Math.max(1, c.inPlace ?? c.results.length);
    const pace = Math.min(last, before || last);
    before = last;
    chunk = Math.max(1, Math.min(MOST_ITEMS, Math.round(CHECK_MS / Math.max(last, 1e-6))));
    const left = src.remaining;
    if (loadable === false || left === undefined || left === 0) continue;
    const evidence = ranMs >= WIDEN_AFTER_MS && pace >= WIDEN_FACTOR * widen.perItemMs &&
      left * pace >= WIDEN_REST_MS;
    if (!evidence) continue;
    if (!asked) {
      asked = true;
      void loads(workers, spec).then((ok) => loadable = ok);
    }
    if (loadable) break;
    // The worker starts and replies through the event loop: a turn of it between chunks.
    await new Promise((r) => setTimeout(r, 0));
  }
  await it.return(undefined);
  yield* startRun().chunks();
}

/** Whether a worker of `workers` loads the task (an empty chunk; a worker that fails: no). */
async function loads(workers: WorkerSet, spec: TaskSpec): Promise<boolean> {
  try {
    return (await loadIn(workers.ensure(1)[0], spec)) === undefined;
  } catch {
    return false; // the pool closed
  }
}
