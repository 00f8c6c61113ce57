// What a worker's send of one result costs, by task: measured in the workers on every reply (see
// `SendTiming`), kept per process. The model charges it on the workers' side: a clone on the
// calling thread and an echo's mean of two directions both miss it (a Bun worker's post of short
// strings to the main thread cost 4–6× their clone).
import type { SendTiming } from "./_protocol.ts";
import { setLatest } from "../_latest.ts";

/** Sends kept per task (the latest). */
const KEPT = 32;
/** Sends of this many results or more: a post's fixed cost is a small share of each result. */
const MANY = 1024;
/** Least spread of the sends' sizes (most / fewest results) for a slope through them. */
const SPREAD = 4;
/** Tasks remembered at most (the least recently recorded go first). */
const MAX_TASKS = 256;

/**
 * A task's recorded sends, with what was read from them since the latest send: a decision reads
 * a cost at every chunk size its simulations meet (hundreds of reads on many cores), each a fit
 * through the sends and a sort of those near the size.
 */
interface Kept {
  sends: SendTiming[];
  /** The line through the sends (null: none fits), once read. */
  line?: Line | null;
  /** The answer by reply size (`ALL` for none given), once read. */
  read: Map<number, number | undefined>;
}
/** The key of `Kept.read` for a read without a size. */
const ALL = -1;

const sends = new Map<string, Kept>();

/** Record a worker's send of `sent.values` results of the task `key` in `sent.ms`. */
export function recordSend(key: string, sent: SendTiming): void {
  if (!(sent.values >= 1) || !(sent.ms >= 0)) return;
  const kept: Kept = sends.get(key) ?? { sends: [], read: new Map() };
  kept.sends.push(sent);
  if (kept.sends.length > KEPT) kept.sends.shift();
  kept.line = undefined;
  kept.read.clear();
  setLatest(sends, key, kept, MAX_TASKS);
}

/**
 * A worker's time to send one result of the task `key` back (ms), from its recorded sends in this
 * process: the least-squares slope of their times over their sizes where the sizes spread
 * `SPREAD`× or more (a post has a fixed cost: 8 µs for 64 numbers on Deno, 0.04–0.2 ms for a
 * sampling round's reply), else the median time per result of sends of `MANY` results or more.
 * Undefined where neither can be had.
 *
 * With `values`, in replies of about that many results: the sends of `NEAR`× that size or closer,
 * each less the post's fixed cost where the slope gives it, their median per result; else as
 * without. A result's share of a post grows with the post's size, which one slope through them
 * all misses (results of 100 KB, after warm runs: 0.02–0.03 ms a result in posts of 16 on Deno,
 * 0.07–0.29 in posts of 64; on Bun 0.12 and 0.41–0.56): after large posts, a slope charged the
 * large posts' cost to chunks of 3 or 4, and two workers that ran 1.7× faster than the plain loop
 * were refused.
 *
 * @example Usage
 * ```ts
 * import { recordSend, resultSendMs } from "./_send_costs.ts";
 * import assert from "node:assert/strict";
 *
 * // Posts of 4 results at 0.02 ms each plus 0.01 ms, of 64 at 0.3 ms each plus 0.01 ms.
 * for (let k = 0; k < 3; k++) {
 *   recordSend("big", { values: 4, ms: 0.09 });
 *   recordSend("big", { values: 64, ms: 19.21 });
 * }
 * assert.ok(resultSendMs("big")! > 0.3); // one slope through both sizes
 * assert.ok(resultSendMs("big", 4)! < 0.05); // posts of about 4
 * assert.ok(resultSendMs("big", 48)! > 0.25); // of about 64
 * assert.equal(resultSendMs("big", 16), resultSendMs("big")); // none near: the slope
 * ```
 */
export function resultSendMs(key: string, values?: number): number | undefined {
  const kept = sends.get(key);
  if (!kept) return undefined;
  const at = values ?? ALL;
  if (kept.read.has(at)) return kept.read.get(at);
  if (kept.line === undefined) kept.line = fit(kept.sends) ?? null;
  const ms = read(kept.sends, kept.line ?? undefined, values);
  kept.read.set(at, ms);
  return ms;
}

/** See `resultSendMs`. */
function read(kept: SendTiming[], line: Line | undefined, values?: number): number | undefined {
  if (values !== undefined) {
    const near = kept.filter((s) => s.values * NEAR >= values && s.values <= NEAR * values)
      .map((s) => Math.max(0, s.ms - (line?.fixedMs ?? 0)) / s.values).sort((a, b) => a - b);
    if (near.length > 0) return near[near.length >> 1];
  }
  if (line) return line.eachMs;
  const each = kept.filter((s) => s.values >= MANY).map((s) => s.ms / s.values)
    .sort((a, b) => a - b);
  return each.length > 0 ? each[each.length >> 1] : undefined;
}

/** Sends within this factor of a reply's size count as of its size (see `resultSendMs`). */
const NEAR = 1.5;

/** A line through sends: ms a result, and a post's fixed cost. */
interface Line {
  eachMs: number;
  fixedMs: number;
}

/**
 * The least-squares line of the sends' times over their sizes (ms a result, and a post's fixed
 * cost, at least 0 each), where there are 3 or more whose sizes spread `SPREAD`× or more.
 */
function fit(kept: SendTiming[]): Line | undefined {
  const values = kept.map((s) => s.values);
  if (kept.length < 3 || Math.max(...values) < SPREAD * Math.min(...values)) return undefined;
  const mv = values.reduce((a, b) => a + b, 0) / kept.length;
  const mm = kept.reduce((a, s) => a + s.ms, 0) / kept.length;
  let num = 0, den = 0;
  for (const s of kept) {
    num += (s.values - mv) * (s.ms - mm);
    den += (s.values - mv) ** 2;
  }
  const eachMs = Math.max(0, num / den);
  return { eachMs, fixedMs: Math.max(0, mm - eachMs * mv) };
}

/**
 * Whether a worker of this process sent results of the task `key` back: it ran there (a worker
 * replies with results only for items the task ran on without throwing).
 */
export function sentResults(key: string): boolean {
  return sends.has(key);
}
