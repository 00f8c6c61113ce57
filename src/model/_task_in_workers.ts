/**
 * The task in the pool's workers: which hold it, what loading it costs them, loading it while the
 * calling thread runs items (a process's first call), and whether a job is too small for workers
 * once their start and load are counted.
 *
 * @module
 */
import { loadIn, poolClosedError, type PoolWorker, workerSet } from "../engine/mod.ts";
import { cachedOverheads, startFallback, startHold } from "../measure/mod.ts";
import { runtime, withoutExit } from "../runtime/mod.ts";
import { APART_ITEM_MS, callApart, isThenable, type TaskSpec, thrownError } from "../task/mod.ts";
import { setImmediate } from "node:timers";
import { perfectSplit, splitWithHere } from "./cost_model.ts";
import { type Decision, speedupBelow } from "./decide.ts";
import { cacheEnabled, lookupTaskMs, storeTaskMs } from "./_optimizer_cache.ts";
import { BackFeed } from "./_back_feed.ts";
import { RecentPace } from "./_recent_pace.ts";
import { mainProfile } from "./_profiles.ts";
import {
  asLookRan,
  type End,
  failedOn,
  idleStarted,
  inline,
  type Job,
  limitsOf,
  type Look,
  poolWorkers,
  progress,
} from "./_job.ts";

/**
 * An import of the task module this long (ms) or longer loaded it just now (a cached import takes
 * microseconds): its first item is cold, and a second one is timed after a first of up to
 * `COLD_SECOND_MS`.
 */
export const COLD_IMPORT_MS = 1;
/** Items this long (ms, warm, on the calling thread) or longer are "large": see `largeItems`. */
export const LARGE_ITEM_MS = 20;

/**
 * Work (ms at the pace here) of a slice of the items run here (see `runWhileLoading`): the pace is
 * timed, and whether workers pay judged, between slices; while workers load the task, a turn of
 * the event loop between slices lets their replies in.
 */
const HERE_SLICE_MS = 1;

/**
 * Work (ms) of a slice here while workers run chunks beside this thread (see `BackFeed`): a turn
 * of the event loop between slices sends them their next chunk; a turn per 1 ms slice cost
 * 10–30 % of this thread's pace.
 */
const FINISH_SLICE_MS = 2;

/**
 * Work left (ms at the pace here, times the workers started) under which the workers that loaded
 * the task are not fed (see `runWhileLoading`): a worker that just loaded the task runs its first
 * items cold — a fresh Deno worker's first 2,000 markdown renders took 0.3 ms each, against 0.15
 * here once warm — while its compiler threads share the cores with this thread, which ran its
 * items 40 % slower beside it on 2 cores. A process's first 2,000 renders, fed one worker at
 * 0.6–0.8 s of work left (read at that slower pace), took 1.15× as long as when it only loaded;
 * 6,000, fed at 1.5 s, took 0.9× as long. Large items (`LARGE_ITEM_MS` or more here) are fed
 * whatever their work left: a worker's cold part is then a share of its first item, and an item
 * it takes is one fewer after this thread's (six items of 150 ms, a process's first call: 940–1,110
 * ms all here, where two workers forced took 550). So is a task that runs warm in a worker from
 * its first items: the first worker to hold the task runs one chunk of about 4 ms of work first,
 * timed there (`BackFeed.tryOut`), and a time per item within `COLD_CHUNK` × the pace here feeds
 * it (a process's first call, medians of 3: 4,000 items of 50 µs, 276 → 204 ms on Bun, 394 → 336
 * on Deno, 242 → 214 on Node, where the plain loop took 233, 195 and 204; that chunk read 2.0–2.1×
 * the pace here, cold). This thread's first call said it less well: a short arithmetic item's
 * first call is cold too (50 µs items were declined, and ran here), a long one's warms up within
 * itself (1.2–1.5× for 10 ms items, fed: 80 of them, 831 → 581 ms on Bun, 879 → 714 on Deno), and
 * markdown renders read 5.9× on Bun.
 */
const FEED_LEAST_MS = 1000;

/**
 * See `FEED_LEAST_MS`: a worker's first chunk this many times the pace here per item ran cold
 * (a library's code to compile: 7.7× for XML parses on Deno).
 */
const COLD_CHUNK = 3;

/**
 * Where no worker holds the task yet, this thread runs the array's items, from the front, in
 * slices of `HERE_SLICE_MS` (their results are kept), timing them — the look's items may all be
 * cold ones — until the items left, at the pace of the latest slices, pay for starting workers and
 * loading the task in them (see `workersPay`); the workers then start and load it while the items
 * run here, until one holds it — or, for an `execute` (`RunAfter.finish`), until every item ran
 * here or on the workers that loaded it, fed chunks from the array's end (see `BackFeed`,
 * `FEED_LEAST_MS`). Starting and loading a worker can take longer than the job — the
 * import of a module that imports npm libraries took 250 ms in a fresh Deno worker, and on 2
 * cores two workers importing it beside this thread left it a quarter of its pace — and this
 * thread only waited: 200 markdown renders (a 155–190 ms plain loop, the import included) took
 * 480–510 ms automatic as a process's first call, the look having timed one cold render of 21 ms.
 * Workers of the pool loading the task since an earlier call are joined as if started now: their
 * load is in flight, and a chunk sent them would wait behind it.
 * Nothing runs here where a worker holds the task (a warm pool), on one core, for an async task, a
 * one-shot source or under `timeoutMs` or `signal` (a synchronous call here can be neither timed
 * out nor aborted). `optimize` alone answers once the pace holds where the items left, at that
 * pace, are too small for workers (see {@linkcode tooSmallForWorkers}): it runs no job here.
 * `optimize` alone runs no more items here once workers load the task and the pace is judged: it
 * waits for their load, and answers inline from the pace here where the load outlasts both the
 * items left and the load foreseen.
 * Returns an answer when every item ran here (inline), one threw, the rest is too small for
 * workers or `optimize` alone's wait for the load ended first, else the workers started (their
 * first holds the task; the look's pace is now that of the slices here, where that is faster), or
 * undefined where nothing ran here (or where sampling is to settle it).
 */
export async function runWhileLoading(
  job: Job,
  look: Look,
  early?: BackFeed,
): Promise<End | number | undefined> {
  const { fn, src } = job;
  const n = src.total;
  if (
    !fn || look.probe.isAsync || !src.indexable || n === undefined || limitsOf(job) ||
    job.cores < 2 || !(look.perItemMs > 0) || job.known.size >= n
  ) {
    await early?.stop();
    return undefined;
  }
  const workers = poolWorkers(job);
  if (!early && workers.some((w) => w.specs.has(job.spec.key))) return undefined;
  // Workers loading the task since an earlier call (see `loadInOthers`): this thread runs items
  // until one holds it, as for a load started now — a chunk sent meanwhile waits behind the load
  // (a module of six npm libraries imported here before the call loaded for 180–250 ms in a Node
  // worker, and a 15 ms job waited for it: 290–360 ms).
  const loadingSince = early ? [] : workers.filter((w) => loads.get(w)?.has(job.spec.key));
  // A warm pool loads a function's source, or a module imported here at once, in about a round
  // trip: nothing to run meanwhile.
  const slowLoad = job.spec.kind === "module" &&
    (importTimes.get(job.spec.key) ?? 0) >= COLD_IMPORT_MS;
  if (
    !early && !slowLoad && loadingSince.length === 0 && workers.some((w) => w.readyAt !== undefined)
  ) return undefined;
  const t0 = job.rt.now();
  const pace = new RecentPace(PACE_WINDOW_MS, PACE_ITEMS); // of the items run here
  // The workers loading the task, once started, and how many started.
  let loading: Set<PoolWorker> | undefined;
  let started = 0;
  // An `execute` finishes here: the workers that load the task run chunks from the end while
  // this thread goes on from the front (see `BackFeed`), until every item ran.
  const finishing = job.run?.finish === true;
  let feed: BackFeed | undefined;
  let starters: PoolWorker[] = [];
  let declined = false; // the items left did not pay for feeding the workers (see `FEED_LEAST_MS`)
  // The first chunk of the first worker that held the task (`BackFeed.tryOut`): sent, and its
  // time per item there once it replied (ms; Infinity where it did not run).
  let trying = false;
  let tried: number | undefined;
  let unloaded = false; // a worker could not load the task: the finishing ends
  let next = 0; // the next item this thread runs, from the front
  let loadFrom = 0; // when the workers were sent the task
  let lateAfter = Infinity; // a ready worker's load is late past this long (ms from its readiness)
  let stoppedAfter: number | undefined; // late workers were stopped, their load this long so far
  const start = (most: number) => {
    loading = loadInOthers(job, undefined, most);
    loadFrom = job.rt.now();
    started = loading.size;
    lateAfter = LATE_LOAD * loadEstimate(job) + LATE_LOAD_MS;
    starters = [...loading];
    if (finishing && started > 0) {
      feed = new BackFeed(job, () => next, () => Math.min(pace.perItemMs, look.perItemMs));
    }
  };
  // Large items (see `largeItems`): the workers start at once (beside this thread when finishing),
  // and where finishing are fed at once, their chunks waiting behind the load: an item here holds
  // this thread for longer than a worker takes to load the task, and a worker that held it idled
  // until this thread's item ended (six items of 150 ms, a process's first call: the worker's
  // first item started 150 ms after the look's).
  // Workers fed since before the look (see `feedEarly`): this thread goes on from the front.
  if (early) {
    feed = early;
    feed.front = () => next;
    starters = [...early.workers];
    loading = new Set();
    started = starters.length;
  } else if (look.perItemMs >= LARGE_ITEM_MS) {
    start(finishing ? Math.min(job.cores - 1, n - job.known.size) : job.cores);
    for (const w of starters) feed?.add(w);
  } else if (loadingSince.length > 0) {
    // Their loads joined (see `loadOnce`), with any worker before them in the pool.
    start(Math.max(...loadingSince.map((w) => workers.indexOf(w))) + 1);
  }
  // Items run warm here: the look may have timed only a cold first one (a first markdown render
  // of a process took 21 ms, the next ones 0.8). Their pace becomes the look's where faster.
  const warmPace = () => {
    if (pace.perItemMs < look.perItemMs) {
      look.perItemMs = look.probe.warmPerItemMs = pace.perItemMs;
      job.mainPerItemMs = job.inlineItemMs = pace.perItemMs;
    }
  };
  const apart = look.perItemMs >= APART_ITEM_MS;
  const turn = () => new Promise((r) => setImmediate(r));
  let reported = t0; // when `onProgress` was last called
  const last = { items: 0, ms: 0 }; // the latest slice here
  // A turn of the event loop between slices lets a worker's reply in: only while workers load
  // or run chunks.
  for (await turn(); loading === undefined || loading.size === started || feed;) {
    // A pool closed meanwhile fails the call now (see `resolveRun`), not once every item ran here
    // (50,000 items of 40 µs: rejected 1.8 s after a close at 50 ms).
    if (job.pool.closed) {
      await feed?.stop();
      throw poolClosedError();
    }
    if (feed) {
      // Workers that loaded the task take chunks from the end; one that could not load it ends
      // the finishing (the sampling says why).
      for (const w of starters) {
        if (declined || loading?.has(w) || feed.workers.has(w)) continue;
        if (!w.specs.has(job.spec.key) || w.dead) {
          unloaded ||= !w.dead;
          continue;
        }
        // Judged again once the first worker holds the task, at the pace here now: fed only
        // where the items left are `FEED_LEAST_MS` of work or more over the workers started, or
        // are large, or the task runs warm there from the start: its first chunk, timed there,
        // at most `COLD_CHUNK` × the pace here (see `FEED_LEAST_MS`).
        if (feed.workers.size === 0 && pace.perItemMs < LARGE_ITEM_MS) {
          if (!trying) {
            trying = true;
            void feed.tryOut(w).then((ms) => tried = ms ?? Infinity);
            break;
          }
          if (tried === undefined) break; // its chunk runs
          declined = tried > COLD_CHUNK * pace.perItemMs &&
            (n - job.known.size) * pace.perItemMs * started < FEED_LEAST_MS;
          if (declined) break;
        }
        feed.add(w);
      }
      if (feed.failure || unloaded || feed.unloaded) break;
    }
    const back = feed?.back ?? n;
    while (next < back && job.known.has(next)) next++;
    if (next >= back) {
      if (!feed) break;
      if (feed.busy) {
        await feed.replied();
        continue;
      }
      // The workers' part ran, but for chunks a worker died with: this thread runs them.
      if (!feed.lost) break;
      feed.back = n;
      feed.lost = false;
      next = 0;
      continue;
    }
    // Judged once the pace holds, or after `PACE_WAIT_MS` of items here — or at once where
    // starting costs this thread little (see `lightStart`). `optimize` alone, which keeps no
    // result, is judged too once the items left at the latest pace take no longer than the items
    // here took so far: a pace that kept falling (a library's calls compiling ever faster paths)
    // ran every item here and answered with no prediction (30,000 validations, 1 call in ~30).
    const settled = pace.warmMs >= PACE_WINDOW_MS &&
        (pace.holds(PACE_SPREAD) || job.rt.now() - t0 >= PACE_WAIT_MS) ||
      !job.run && pace.warmMs > 0 && (n - job.known.size) * pace.perItemMs <= job.rt.now() - t0;
    const fastest = Math.min(pace.perItemMs, look.perItemMs); // the faster pace so far
    const light = !settled && finishing && loading === undefined &&
      lightStart(startCosts(job).startHoldMs, loadEstimate(job), (n - job.known.size) * fastest);
    if (loading === undefined && (settled || light)) {
      // `optimize` alone keeps no result: its answer is for the whole job, which its caller runs.
      const judged = job.run ? n - job.known.size : n;
      const most = light
        ? workersPay(job, judged * fastest, finishing, 1)
        : workersPay(job, judged * pace.perItemMs, finishing);
      if (most > 0) start(most);
      else if (!finishing) {
        // `optimize` alone: where the job, at the pace that holds, is too small for workers, the
        // answer comes now, not once every item ran here (a task's first calls of 3 ms, the next
        // of 5 µs, 14,000 items: 116 → 78 ms of `optimize` on Deno).
        // Judged at the pace that found no start paying, as `workersPay` judged it: at the
        // look's pace and its cold slow single items it could read as not small, and then every
        // item ran here (10,000 items of a falling pace all ran here once, Node under a load of
        // 3 on 2 cores, the path this left open); were the two ever to disagree, sampling on
        // workers would settle it. (`map` keeps the results it runs here: it goes on.)
        warmPace();
        const small = tooSmallForWorkers(job, look, false, job.run ? undefined : pace.perItemMs);
        if (small || !job.run) return small;
      }
    }
    if (loading !== undefined && started === 0) return undefined; // none could start: sampling says why
    // `optimize` alone keeps no result: once workers load the task and the pace here is judged
    // (see `settled`), this thread waits for the first to hold it (the load then has the cores
    // to itself), for as long as the items left would run here, or the load as foreseen where
    // longer. It ran them here meanwhile, and where the load outlasted them the answer was
    // "every item ran here", with no prediction (a pace that kept falling, 10,000 items, one
    // call in three on Bun). Until the pace is judged, items run here: a look of one cold item
    // is corrected by them (a first JSON-schema compile of 96 ms, in a job of 300 compiles that
    // took 1.8 s, had the plain loop predicted 16× too long).
    if (!job.run && loading !== undefined && loading.size === started && settled) {
      warmPace();
      const leftMs = (n - job.known.size) * look.perItemMs;
      const foreseen = loadFrom + lateAfter + startCosts(job).firstStartMs - job.rt.now();
      if (await firstLoad(job, loading, Math.max(leftMs, foreseen))) {
        if (loading.size < started) continue;
        break; // (a load that ended and is still counted: sampling on the workers says more)
      }
      const why = `the workers started were still loading the task after ` +
        `${(job.rt.now() - loadFrom).toFixed(0)} ms, longer than the rest of the job takes ` +
        `here (≈${leftMs.toFixed(0)} ms)`;
      return answeredHere(job, look, inline(why, n), n * look.perItemMs);
    }
    // Workers still loading the task well past their load as foreseen (`LATE_LOAD`), timed from
    // their readiness (a start is charged apart: beside two CPU hogs a worker's start ran late
    // while its load was light), none fed yet: judged again at each slice once every one is
    // ready, the rest of their load taken to be at least as long as the shortest has been. Where
    // they no longer pay, they stop, and this thread runs the rest at its whole pace (a module the
    // script imported before the call reads ~0 here: 400 XML parses with a module of six npm
    // libraries, a process's first call on Bun, a worker loaded it for 240–330 ms beside this
    // thread and its JIT threads, which already filled 2 cores).
    if (
      finishing && loading !== undefined && loading.size === started && started > 0 &&
      !declined && feed?.workers.size === 0 && job.rt.now() - loadFrom >= lateAfter
    ) {
      // (A worker's load since its readiness is at most the time since the load was sent: the
      // slices before that passes `lateAfter` judge nothing, nor allocate.)
      const now = job.rt.now();
      // A worker that holds other tasks is the pool's, warm: it is left to load, never judged.
      const loads = [...loading].map((w) =>
        w.readyAt === undefined || w.specs.size > 0
          ? -Infinity
          : now - Math.max(loadFrom, w.readyAt)
      );
      const least = Math.min(...loads);
      const left = (n - job.known.size) * pace.perItemMs;
      const rest = { firstStartMs: 0, marginalStartMs: 0, loadMs: least };
      if (least >= lateAfter && splitWithHere(left, started + 1, job.cpu, rest).workers === 0) {
        for (const w of loading) void w.kill();
        stoppedAfter = Math.max(...loads);
        noteLoad(job.spec.key, stoppedAfter, cacheEnabled(job.o.cache));
        declined = true;
      }
    }
    // Declined, nothing more comes from the workers: the rest runs here in slices of a progress
    // report, without turning the event loop (at 1 ms a turn cost 10–30 % of the pace).
    const sliceMs = declined ? PROGRESS_MS : feed?.workers.size ? FINISH_SLICE_MS : HERE_SLICE_MS;
    const slice = sliceSize(sliceMs, Math.min(look.perItemMs, pace.perItemMs), last);
    let end = next + 1;
    while (end < back && end - next < slice && !job.known.has(end)) end++;
    const items = src.slice(next, end);
    const rs: unknown[] = new Array(items.length);
    let j = 0;
    const t = job.rt.now();
    try {
      withoutExit(() => {
        for (; j < items.length; j++) rs[j] = apart ? callApart(fn, items[j]) : fn(items[j]);
      });
      const ms = job.rt.now() - t;
      pace.add(ms, items.length);
      last.items = items.length;
      last.ms = ms;
      // A task the look found synchronous may still return a Promise for some items.
      for (let k = 0; k < rs.length; k++) if (isThenable(rs[k])) rs[k] = await rs[k];
    } catch (e) {
      const at = next + j;
      rs.length = j;
      job.known.setRun(next, rs);
      await feed?.stop();
      const error = thrownError(e);
      return {
        decision: inline(`the task threw on item ${at}: ${error.message}`, n),
        failure: { index: at, kind: "task", error },
      };
    }
    job.known.setRun(next, rs);
    next = end;
    if (job.rt.now() - reported >= PROGRESS_MS) {
      reported = job.rt.now();
      progress(job);
    }
    if (loading !== undefined && !declined) await turn();
  }
  if (feed) {
    await feed.stop();
    if (feed.failure) return failedOn(job, feed.failure);
  }
  warmPace();
  if (job.known.size < n) return started;
  const loadMs = loadEstimate(job);
  const fed = feed?.workers.size ?? 0;
  const why = loading === undefined
    ? "every item ran here: at its pace, what was left never paid for starting workers" +
      (loadMs >= 1 ? ` and loading the task in them (≈${loadMs.toFixed(0)} ms)` : "")
    : fed > 0
    ? `every item ran here and on ${fed} worker${fed > 1 ? "s" : ""} that loaded the task meanwhile`
    : stoppedAfter !== undefined
    ? `every item ran here: the workers started were still loading the task after ` +
      `${stoppedAfter.toFixed(0)} ms, where the items left no longer paid for more (stopped)`
    : "every item ran here while the workers loaded the task";
  return answeredHere(job, look, asLookRan(look.probe, n, why));
}

/**
 * An answer from this thread's look and pace alone, the profile said to be this thread's: with
 * `serialMs` (the plain loop at that pace) as its prediction where given.
 */
function answeredHere(job: Job, look: Look, decision: Decision, serialMs?: number): End {
  job.profile.sampledIn = "main";
  job.profile.sample = mainProfile(look.probe);
  if (serialMs !== undefined) decision.serialMs = decision.predictedMs = serialMs;
  return { decision };
}

/**
 * How many workers to start for `serialMs` of work left (ms at this thread's pace), where none
 * holds the task: those of the best perfect split (see `perfectSplit`; `here`: beside this
 * thread, see `splitWithHere`) where it reaches `START_MARGIN` × `minSpeedup` once their start
 * and their load of the task are paid, else 0. `optimize` alone needs no margin: it runs none of
 * the caller's job, and a job that reaches `minSpeedup` is not too small for workers (see
 * `tooSmallForWorkers`), so that it is sampled on them, not run here item after item to the end.
 */
function workersPay(
  job: Job,
  serialMs: number,
  here: boolean,
  margin = job.run ? START_MARGIN : 1,
): number {
  const start = { ...taskWarmth(job), ...startCosts(job) };
  const best = here
    ? splitWithHere(serialMs, job.cores, job.cpu, start)
    : perfectSplit(serialMs, job.cores, job.cpu, start);
  return best.speedup >= margin * job.minSpeedup ? best.workers : 0;
}

/**
 * Items of the next slice run here (see `runWhileLoading`): `sliceMs` of work at `paceMs` per item
 * (the faster of the look's pace and the latest slices' over `PACE_WINDOW_MS`), or up to twice
 * the `last` slice where its own pace says more. The window trails a pace that still falls, and
 * slices sized by it were a fifth of their time at a tenth of it (zod's validations, a process's
 * first 28,000: 6 µs an item in the look, 0.6 µs after 20 ms here; 0.04 ms between slices of
 * 0.1–0.2 ms). Twice at most: a slice of cheaper items than the rest does not make the next one
 * hold this thread for long.
 *
 * @example Usage
 * ```ts
 * import { sliceSize } from "./_task_in_workers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sliceSize(1, 0.005, { items: 0, ms: 0 }), 200); // the first slice
 * assert.equal(sliceSize(1, 0.005, { items: 200, ms: 0.1 }), 400); // ran at 0.5 µs: twice
 * assert.equal(sliceSize(1, 0.005, { items: 400, ms: 0.8 }), 500); // at 2 µs: the pace's
 * assert.equal(sliceSize(1, 0.005, { items: 200, ms: 4 }), 200); // slower: never fewer
 * ```
 */
export function sliceSize(
  sliceMs: number,
  paceMs: number,
  last: { items: number; ms: number },
): number {
  const lastPace = last.items > 0 && last.ms > 0 ? last.ms / last.items : Infinity;
  const grown = Math.min(2 * last.items, Math.round(sliceMs / lastPace));
  return Math.max(1, Math.round(sliceMs / paceMs), grown);
}

/**
 * Whether starting workers beside this thread costs it little against `leftMs` of work left
 * (ms, at the faster of the look's pace and the pace here so far): the start's hold of this
 * thread (`holdMs`, see `startHold`) and the task's load in a worker (`loadMs`, see
 * `loadEstimate`) together under `LIGHT_START_SHARE` of it and under `LIGHT_START_MS`. A run
 * then starts workers at once where they pay `minSpeedup` (see `workersPay`), not once the pace
 * here holds, nor with `START_MARGIN`: what that guards against — a pace that still falls, a
 * heavy load beside this thread — is judged again before any worker is fed (its first chunk,
 * timed there, against the pace here then; a load running late stops it), and a worker started
 * for nothing costs this little. A process's first call of 2,000 arithmetic items of 52 µs on Bun
 * judged after two windows of the pace (at 56–60 ms of 105), when the 40 ms left no longer paid
 * for a start: the plain loop's time and more (129–146 ms), where two workers forced took 76–92.
 *
 * @example Usage
 * ```ts
 * import { lightStart } from "./_task_in_workers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(lightStart(1, 1.4, 96), true); // Bun: a 1 ms hold, a module of nothing to import
 * assert.equal(lightStart(45, 0, 96), false); // Deno's constructor holds this thread 45 ms
 * assert.equal(lightStart(1, 40, 10_000), false); // libraries to load: never light
 * assert.equal(lightStart(1, 1.4, 40), false); // over 5 % of the work left
 * ```
 */
export function lightStart(holdMs: number, loadMs: number, leftMs: number): boolean {
  return holdMs + loadMs <= Math.min(LIGHT_START_MS, LIGHT_START_SHARE * leftMs);
}

/** See `lightStart`. */
const LIGHT_START_SHARE = 0.05;
/**
 * See `lightStart` (ms): a task module with libraries to load is never light, whatever the job
 * (a worker loading a markdown renderer's five libraries beside this thread, while it compiled
 * its own renders, left it a tenth of its pace for 350 ms).
 */
const LIGHT_START_MS = 5;

/**
 * The margin over `minSpeedup` that workers need to start while items run here (see
 * `workersPay`): the pace here may still fall as the runtime compiles the task's code further
 * (markdown renders: a plateau of 0.25 ms over a process's first 100–1,000, 0.15 after), and a
 * worker's load is estimated until one was timed. Started for 6,000 renders on 2 cores at 1.35×
 * predicted, two workers loading the libraries beside this thread left it a tenth of its pace for
 * 350 ms, and the call took 1.3 s against 0.96 s for the plain loop.
 */
const START_MARGIN = 1.25;

/** The work (ms) of the latest slices whose pace the items left are predicted at (see `runWhileLoading`). */
const PACE_WINDOW_MS = 20;
/**
 * The fewest items of that window: a library's first XML parses took 3–12 ms each, and two
 * windows of 20 ms (a few parses each) agreed by chance at 3 ms, five times the warm pace.
 */
const PACE_ITEMS = 16;

/**
 * How far (a share, either way) the pace window may run from the work before it for the pace to
 * count as settled (see `runWhileLoading`, `RecentPace.holds`): markdown renders ran 0.45 ms each
 * over a process's first 50, 0.27 over the next 30, 0.15 once warm.
 */
const PACE_SPREAD = 0.2;
/**
 * The longest this thread waits for the pace to hold before judging at it (ms): a library's XML
 * parses settled at the 160th ms of a process's first call (from 3–7 ms each to 0.6). Waiting is
 * not lost: the items run here meanwhile; a job whose pace holds from the start (the runtime has
 * nothing to compile) is judged after twice `PACE_WINDOW_MS`.
 */
const PACE_WAIT_MS = 200;

/**
 * Workers loading the task past `LATE_LOAD` × its load as foreseen, plus `LATE_LOAD_MS`, from
 * their readiness, are judged again at each slice (see `runWhileLoading`): a light load takes a
 * few milliseconds, a module of npm libraries hundreds.
 */
const LATE_LOAD = 4;
/** See `LATE_LOAD` (ms). */
const LATE_LOAD_MS = 20;

/** Least time between two `onProgress` calls while items run here (ms; see `runWhileLoading`). */
const PROGRESS_MS = 50;

/**
 * Start the workers up to `most` (the cores) but `except`, each loading the task unless it holds it (an
 * empty chunk: the import of a module can take longer than the start). Returns those loading it,
 * each leaving the set once its load settled: until then their threads are this call's, not
 * other processes' load.
 */
export function loadInOthers(
  job: Job,
  except?: PoolWorker,
  most = job.cores,
): Set<PoolWorker> {
  const busy = new Set<PoolWorker>();
  let workers: PoolWorker[];
  try {
    workers = workerSet(job.pool).ensure(most);
  } catch {
    return busy; // the pool is closed or full: the run starts what it can
  }
  for (const w of workers) {
    if (w === except || w.specs.has(job.spec.key)) continue;
    busy.add(w);
    void loadOnce(w, job.spec, cacheEnabled(job.o.cache)).finally(() => busy.delete(w));
  }
  return busy;
}

/** Loads of a task in flight, by worker and spec key (see `loadOnce`). */
const loads = new WeakMap<PoolWorker, Map<string, ReturnType<typeof loadIn>>>();

/**
 * Let the replies of workers loading the job's task in (one turn of the event loop) where any is
 * in flight: a caller that awaits one automatic call after another never lets the event loop
 * turn, and a load started for the next calls (see {@linkcode forgone}) stayed unheard: every
 * later call was decided as if no worker held the task (nine calls of 0.5 s in a row, Node).
 */
export async function hearLoads(job: Job): Promise<void> {
  if (!poolWorkers(job).some((w) => loads.get(w)?.has(job.spec.key))) return;
  await new Promise((r) => setImmediate(r));
}

/**
 * Load the task in `worker` (see `loadIn`), once: a load in flight already is awaited, not sent
 * again (a second empty chunk would wait behind it). With `keep`, a load longer than this
 * process timed before is stored for later processes (see {@linkcode learnLoad}).
 */
function loadOnce(worker: PoolWorker, spec: TaskSpec, keep: boolean): ReturnType<typeof loadIn> {
  let byKey = loads.get(worker);
  if (!byKey) loads.set(worker, byKey = new Map());
  let load = byKey.get(spec.key);
  if (!load) {
    // Timed from the worker's start, not before it (the start is charged apart): a load that
    // fails is the sampling's to report (it sends the task again).
    const t0 = runtime().now();
    load = loadIn(worker, spec).then((error) => {
      const ms = runtime().now() - Math.max(t0, worker.readyAt ?? t0);
      if (error === undefined) noteLoad(spec.key, ms, keep);
      return error;
    }).finally(() => byKey.delete(spec.key));
    byKey.set(spec.key, load);
  }
  return load;
}

/**
 * Wait for the first of `loading`'s loads of the job's task to end (as one that holds it, or one
 * that failed: sampling says why), at most `ms`: whether one ended, or the pool closed.
 */
async function firstLoad(job: Job, loading: Set<PoolWorker>, ms: number): Promise<boolean> {
  const inFlight = [...loading].flatMap((w) => loads.get(w)?.get(job.spec.key) ?? []);
  if (inFlight.length < loading.size || job.pool.closed) {
    await new Promise((r) => setImmediate(r)); // a load ended: its worker leaves `loading`
    return true;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((r) => timer = setTimeout(() => r(false), Math.max(0, ms)));
  const ended = inFlight.map((p) => p.then(() => true as const, () => true as const));
  try {
    return await Promise.race([...ended, late]) || job.pool.closed;
  } finally {
    clearTimeout(timer);
  }
}

/** Time workers holding each task would have saved its calls so far (ms, by spec key). */
const forgoneMs = new Map<string, number>();

/**
 * Count `savedMs` that a call of the task `key` left on the table by staying on the calling
 * thread (workers holding the task would have saved it, but loading it cost more than the call):
 * true for a call once the calls before it add up to `costMs` (the load, and the workers' start),
 * and the count starts again. A task module that imports a heavy library graph (16 libraries:
 * 0.4–0.9 s to import) stayed on the plain loop for every call of a 130 ms job that ran in 70 ms
 * on two workers holding it. Never for a call on its own: the load runs beside it, and on few
 * cores it takes that call's pace (a process's first 2,000 markdown renders on Deno took 990 ms
 * with two workers loading the libraries beside them, 680 without), which a process calling
 * once never gets back; and a first call's saving is judged on a look at a few cold items.
 *
 * @example Usage
 * ```ts
 * import { forgone } from "./_task_in_workers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(forgone("example#render", 60, 200), false);
 * assert.equal(forgone("example#render", 60, 200), false);
 * assert.equal(forgone("example#render", 90, 200), false); // 210 ms saved so far
 * assert.equal(forgone("example#render", 60, 200), true); // another call: load it
 * assert.equal(forgone("example#render", 60, 200), false); // counted again
 * assert.equal(forgone("example#once", 2000, 200), false); // one call alone, however long
 * ```
 */
export function forgone(key: string, savedMs: number, costMs: number): boolean {
  const before = forgoneMs.get(key) ?? 0;
  if (before < costMs) {
    forgoneMs.set(key, before + savedMs);
    return false;
  }
  forgoneMs.set(key, savedMs);
  return true;
}

/**
 * Whether the calls of the task `key` so far, with one more that would save `savedMs`, add up
 * to `costMs` (see {@linkcode forgone}), counting nothing.
 *
 * @example Usage
 * ```ts
 * import { forgone, mayForgo } from "./_task_in_workers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(mayForgo("example#peek", 90, 100), false);
 * forgone("example#peek", 60, 200);
 * assert.equal(mayForgo("example#peek", 40, 100), true); // 60 + 40
 * assert.equal(mayForgo("example#peek", 30, 100), false); // nothing counted by asking
 * ```
 */
export function mayForgo(key: string, savedMs: number, costMs: number): boolean {
  return (forgoneMs.get(key) ?? 0) + savedMs >= costMs;
}

/**
 * A job clearly too small for workers never starts one (or no more): even a perfect split of the
 * items left (for `optimize` alone, of the whole job) cannot pay — but the calls of a job that
 * stays here for the load's sake add up (see {@linkcode forgone}). `early`: judged before the
 * store is read for the task's load in a worker (see {@linkcode learnLoad}): small only where it
 * is small with no load at all. `paceMs`: the time per item to judge the job at, where the items
 * run here since the look measured it (else the look's, its slow single items added). Before the
 * probe
 * (a process's first call), on every logical core; the probe is needed only where the calls of
 * this job so far, this one included, could have forgone the least that loading the task costs
 * (the workers then load it on the cores the probe finds): a process's first call of 200 items of
 * 50 µs read the store and probed for 5–15 ms of its 28–40 (the plain loop: 13–15 ms).
 */
export function tooSmallForWorkers(
  job: Job,
  look: Look,
  early = false,
  paceMs?: number,
): End | undefined {
  const n = job.src.total;
  // Before the probe, the logical cores bound the cores this process may use: a job too small
  // for workers on all of them is too small on any share of them.
  const cores = job.sys ? job.cores : Math.max(1, job.rt.hardwareConcurrency());
  const cpu = job.sys ? job.cpu : cores;
  if (n === undefined || cores < 2) return undefined;
  if (look.io) return undefined; // no worker needed
  const costs = startCosts(job);
  const { firstStartMs, marginalStartMs, startHoldMs } = costs;
  // The items left where the call keeps the results of those that ran while deciding; for
  // `optimize` alone, the whole job, which its caller runs with the answer (400 items of 1 ms, a
  // process's first call on Node: 230 of them ran here, and "the items left are small" sent
  // the whole job to the plain loop).
  const left = job.run ? n - job.known.handled : n;
  // (At `paceMs` where given: the pace of the items run here since the look, of whichever
  // items they were, stands for the look's, its slow single items included.)
  const serial = left * (paceMs ?? look.perItemMs + look.probe.slowPerItemMs);
  const warmth = taskWarmth(job);
  const loadMs = warmth.loadedWorkers < 2 ? warmth.loadMs : 0; // paid by a second worker
  const judged = early ? { ...warmth, loadMs: 0 } : warmth;
  // Any worker count: on many cores, starting all of them can cost more than fewer would.
  const best = perfectSplit(serial, cores, cpu, { ...judged, ...costs });
  if (best.speedup >= job.minSpeedup) return undefined;
  // An `execute` on a pool with no worker started finishes here beside the workers it starts
  // (see `runWhileLoading`): one fewer start holds this thread (two starts on Deno under two CPU
  // hogs held it 200 ms, and three items of 300 ms were refused as too small).
  if (job.run?.finish && warmth.warmWorkers === 0) {
    const here = splitWithHere(serial, cores, cpu, { ...costs, loadMs: judged.loadMs });
    if (here.workers > 0 && here.speedup >= job.minSpeedup) return undefined;
  }
  // What workers holding the task would have saved this call: once the calls of this job before
  // it that stayed here for the load's sake would have saved more than the load costs, the
  // workers load it now, beside this call (a run only: `optimize` alone starts nothing).
  let loading = "";
  if (loadMs >= 1 && job.run) {
    const warm = perfectSplit(serial, cores, cpu, {
      warmWorkers: cores,
      loadedWorkers: cores,
      loadMs: 0,
      firstStartMs: 0,
      marginalStartMs: 0,
    });
    const savedMs = warm.speedup >= job.minSpeedup ? serial - serial / warm.speedup : 0;
    const costMs = loadMs + firstStartMs + marginalStartMs * (cores - 2) +
      startHoldMs * (cores - 1);
    // The least it costs: on two cores, with no load where the store was not read yet.
    const leastMs = (early ? 0 : loadMs) + firstStartMs + startHoldMs;
    if (!job.sys && mayForgo(job.spec.key, savedMs, leastMs)) return undefined;
    if (savedMs > 0 && forgone(job.spec.key, savedMs, costMs)) {
      loadInOthers(job, undefined, job.cores);
      loading = "; the workers load it now, for the next calls: those of this job so far would " +
        "have saved more than that on workers holding it";
    }
  }
  const d = asLookRan(
    look.probe,
    n,
    `the ${left < n ? "items left are" : "whole job is"} small (≈${serial.toFixed(1)} ms ` +
      `serial): even a perfect split over ` +
      `${cores === 2 ? "2" : `2 to ${cores}`} workers${
        cpu < cores ? ` (≈${cpu.toFixed(1)} cores of CPU for them)` : ""
      } would reach ${speedupBelow(best.speedup)}× at most, under ` +
      `${job.minSpeedup}×, after starting them (≈${
        (firstStartMs + startHoldMs).toFixed(0)
      } ms the first)${
        loadMs >= 1 ? ` and loading the task (≈${loadMs.toFixed(0)} ms)${loading}` : ""
      }`,
  );
  return answeredHere(job, look, d, serial);
}

/**
 * What starting workers costs here (ms: the first started alone, each further one started with
 * it), measured where it was: the overheads measured in this process, else a start the pool
 * timed alone (the worker loading the task while items run here), else the runtime's fallbacks
 * (Deno's 12 ms against 25–40 ms measured for a worker started while this thread ran items);
 * and each start's hold of this thread (see `startHold`).
 */
function startCosts(
  job: Job,
): { firstStartMs: number; marginalStartMs: number; startHoldMs: number } {
  const startHoldMs = startHold(job.rt.name);
  const o = cachedOverheads();
  if (o?.sources.start === "measured") {
    return { firstStartMs: o.firstStartMs, marginalStartMs: o.marginalStartMs, startHoldMs };
  }
  const [first, marginal] = startFallback(job.rt.name);
  const alone = job.pool.startBatches.find((b) => b.count === 1)?.ms;
  const firstStartMs = alone !== undefined && alone > first && alone < 1000 ? alone : first;
  return { firstStartMs, marginalStartMs: marginal, startHoldMs };
}

/**
 * The longest import of each task module on this thread (ms, by spec key; a cached import reads
 * ~0): a worker that has not loaded the module pays more (see `WORKER_LOAD_RATIO`).
 */
export const importTimes = new Map<string, number>();

/**
 * The longest load of each task module in a worker, once started (ms, by spec key; see
 * `loadOnce`).
 */
const workerLoads = new Map<string, number>();

/**
 * The load of each task in a fresh worker that an earlier process timed and stored (ms, by spec
 * key; `undefined`: none stored), read once per process (see {@linkcode learnLoad}).
 */
const storedLoads = new Map<string, number | undefined>();

/**
 * Read the stored load of the job's task in a fresh worker (see `storeTaskMs`), once per
 * process, where the result cache is on, this process has timed no load of the task and no
 * worker of the pool holds it. The import on this thread cannot foresee a worker's load where
 * the caller imported the task module itself before the call, as a task module's own functions
 * are passed to `task` (the import here is then cached: ~0 ms): 400 XML parses with the module
 * of six npm libraries imported first, in fresh processes, 568 ms on Bun against the plain loop's
 * 348 (a worker started, loaded for ~300 ms beside this thread and was never fed); with the load
 * an earlier process stored, 361.
 */
export async function learnLoad(job: Job): Promise<void> {
  const key = job.spec.key;
  if (workerLoads.has(key) || storedLoads.has(key) || !cacheEnabled(job.o.cache)) return;
  if (poolWorkers(job).some((w) => w.specs.has(key))) return;
  storedLoads.set(key, await lookupTaskMs("load", key));
}

/**
 * Jobs of at most this many items per core start workers before their look, where an earlier
 * process found the task's items large (see {@linkcode largeBefore}): the look's first item, run
 * here alone, is then a sizeable share of the job (6 items of 150 ms on 2 cores: a sixth).
 */
const EARLY_PER_CORE = 16;

/**
 * The warm time per item here that an earlier process stored for each task (ms, by spec key; see
 * `noteItemTime`; `undefined`: none stored), read once per process.
 */
const storedItems = new Map<string, number | undefined>();
/** Tasks (spec keys) whose item time this process judged for storing (see `noteItemTime`). */
const itemsNoted = new Set<string>();

/**
 * Workers started before the look, one fewer than the cores, fed chunks from the array's end (see
 * `BackFeed`; they load the task with their first), where an earlier process found the task's
 * items large (see {@linkcode largeBefore}) and this call finishes the job (an `execute`): the
 * look's first item runs here meanwhile, and this thread then goes on from the front while they
 * go on from the end (see `runWhileLoading`). The indices they hold go to `claimed`. Helpers that
 * each took one item from the end, the look waiting for their replies, left this thread idle
 * until the later one replied and started the second worker only after the look: six items of
 * 150 ms as a script's second run took 552 ms on Node (median of 5; 511–595) where two workers
 * forced took 499 (453–505); fed so, 484 (442–498).
 */
export function feedEarly(job: Job, claimed: Set<number>): BackFeed | undefined {
  const n = job.src.total;
  if (!job.src.indexable || n === undefined || n < 2 || job.cores < 2) return undefined;
  const pace = storedItems.get(job.spec.key) ?? LARGE_ITEM_MS;
  const feed = new BackFeed(job, () => Math.max(1, job.known.keptUntil(0)), () => pace);
  // (Idle ones only: one running another call's chunks would hold these behind them.)
  for (const w of idleStarted(job, Math.min(job.cores - 1, n - 1))) feed.add(w);
  for (let i = feed.back; i < n; i++) claimed.add(i);
  return feed;
}

/**
 * Whether an earlier process found the items of the job's task large (`LARGE_ITEM_MS` or more,
 * warm, on the calling thread), for a job of 2 to `EARLY_PER_CORE` items per logical core: its
 * look's first item, run alone here before its time is known, would leave the other cores idle
 * (six items of 150 ms as a process's first call: 520–560 ms on Bun, where two workers forced
 * took 430–520). Read once per process, where the result cache is on: the first read costs a
 * process's first call 1–4 ms (cold code: the store's path, its key's hash).
 */
export async function largeBefore(job: Job, n: number): Promise<boolean> {
  if (n < 2 || n > EARLY_PER_CORE * job.rt.hardwareConcurrency()) return false;
  if (!cacheEnabled(job.o.cache)) return false;
  const key = job.spec.key;
  if (!storedItems.has(key)) storedItems.set(key, await lookupTaskMs("item", key));
  return (storedItems.get(key) ?? 0) >= LARGE_ITEM_MS;
}

/**
 * The look timed the task's items at `ms` each (warm, here): kept for later processes (see
 * {@linkcode largeBefore}) where they are large and none was stored as such, or where they are
 * not and one was — once per process and task, where the result cache is on.
 */
export function noteItemTime(job: Job, ms: number): void {
  const key = job.spec.key;
  if (!(ms > 0) || itemsNoted.has(key) || !cacheEnabled(job.o.cache)) return;
  itemsNoted.add(key);
  const before = storedItems.get(key) ?? 0;
  if ((ms >= LARGE_ITEM_MS) !== (before >= LARGE_ITEM_MS)) {
    storedItems.set(key, ms);
    void storeTaskMs("item", key, ms);
  }
}

/**
 * A worker's load of a task module, for the import on this thread (until a worker's was timed,
 * here or by an earlier process: see {@linkcode learnLoad}):
 * a fresh worker has none of this thread's compiled code (a module importing five npm libraries
 * took 110 ms here, 200–360 ms in a fresh Deno worker).
 */
const WORKER_LOAD_RATIO = 2;

/**
 * A worker's load of the task of `key` took `ms` (at least: one stopped before it ended counts
 * too); with `keep`, a load longer than this process timed before is stored for later processes.
 */
function noteLoad(key: string, ms: number, keep: boolean): void {
  if (ms <= (workerLoads.get(key) ?? 0)) return;
  workerLoads.set(key, ms);
  if (keep) void storeTaskMs("load", key, ms);
}

/** What a worker that does not hold the task pays to load it (ms; see `workerLoads`). */
function loadEstimate(job: Job): number {
  const key = job.spec.key;
  return workerLoads.get(key) ?? storedLoads.get(key) ??
    WORKER_LOAD_RATIO * (importTimes.get(key) ?? 0);
}

/**
 * The pool's workers started, those of them that hold the task, and what the others pay to load
 * it (ms, see `loadEstimate`; none for a task of its own source).
 */
export function taskWarmth(
  job: Job,
): { warmWorkers: number; loadedWorkers: number; loadMs: number } {
  const workers = poolWorkers(job);
  return {
    warmWorkers: job.pool.size,
    loadedWorkers: workers.filter((w) => w.specs.has(job.spec.key)).length,
    loadMs: loadEstimate(job),
  };
}

/** Task modules a worker of this process has loaded (their spec keys). */
export const loadedInWorkers = new Set<string>();

/**
 * Whether the task loads in a worker: an empty chunk makes one load it (once per task and
 * process). Returns the load error, or undefined (loaded, or the worker itself failed: the run
 * reports that).
 */
export async function loadsInWorker(
  job: Job,
  worker = workerSet(job.pool).ensure(1)[0],
): Promise<Error | undefined> {
  if (loadedInWorkers.has(job.spec.key)) return undefined;
  const loaded = await loadOnce(worker, job.spec, cacheEnabled(job.o.cache));
  if (loaded === undefined) loadedInWorkers.add(job.spec.key);
  return loaded ?? undefined;
}
