// What a worker's send of one result costs, by task: measured in the workers on every reply (see
// `SendTiming`), kept per process. The model charges it on the workers' side: a clone on the
// calling thread and an echo's mean of two directions both miss it (a Bun worker's post of short
// strings to the main thread cost 4–6× their clone).
import type { SendTiming } from "./_protocol.ts";

/** Sends kept per task (the latest). */
const KEPT = 32;
/** Sends of this many results or more: a post's fixed cost is a small share of each result. */
const MANY = 1024;
/** Least spread of the sends' sizes (most / fewest results) for a slope through them. */
const SPREAD = 4;
/** Tasks remembered at most (the least recently recorded go first). */
const MAX_TASKS = 256;

const sends = new Map<string, SendTiming[]>();

/** Record a worker's send of `sent.values` results of the task `key` in `sent.ms`. */
export function recordSend(key: string, sent: SendTiming): void {
  if (!(sent.values >= 1) || !(sent.ms >= 0)) return;
  const kept = sends.get(key) ?? [];
  sends.delete(key);
  kept.push(sent);
  if (kept.length > KEPT) kept.shift();
  sends.set(key, kept);
  if (sends.size > MAX_TASKS) sends.delete(sends.keys().next().value!);
}

/**
 * A worker's time to send one result of the task `key` back (ms), from its recorded sends in this
 * process: the least-squares slope of their times over their sizes where the sizes spread
 * `SPREAD`× or more (a post has a fixed cost: 8 µs for 64 numbers on Deno, 0.04–0.2 ms for a
 * sampling round's reply), else the median time per result of sends of `MANY` results or more.
 * Undefined where neither can be had.
 */
export function resultSendMs(key: string): number | undefined {
  const kept = sends.get(key) ?? [];
  if (kept.length === 0) return undefined;
  const values = kept.map((s) => s.values);
  if (kept.length >= 3 && Math.max(...values) >= SPREAD * Math.min(...values)) {
    const mv = values.reduce((a, b) => a + b, 0) / kept.length;
    const mm = kept.reduce((a, s) => a + s.ms, 0) / kept.length;
    let num = 0, den = 0;
    for (const s of kept) {
      num += (s.values - mv) * (s.ms - mm);
      den += (s.values - mv) ** 2;
    }
    return Math.max(0, num / den);
  }
  const each = kept.filter((s) => s.values >= MANY).map((s) => s.ms / s.values)
    .sort((a, b) => a - b);
  return each.length > 0 ? each[each.length >> 1] : undefined;
}

/**
 * Whether a worker of this process sent results of the task `key` back: it ran there (a worker
 * replies with results only for items the task ran on without throwing).
 */
export function sentResults(key: string): boolean {
  return sends.has(key);
}
