// Measures the queue here and now: the round trip of one empty job (enqueue → result seen by the
// caller) and the amortised cost of one more job when jobs are added in bulk.
import { runtime } from "../runtime/mod.ts";
import { PING_JOB } from "./_protocol.ts";
import type { Session } from "./_session.ts";

/** What the queue costs, measured. */
export interface QueueCost {
  roundTripMs: number;
  perJobMs: number;
}

/** Run `count` empty jobs added in one bulk; ms until the last result was seen. */
async function pings(session: Session, count: number, timeoutMs: number): Promise<number> {
  const now = runtime().now;
  const ids = Array.from({ length: count }, () => session.nextId());
  const left = new Set(ids);
  let off = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t0 = now();
  try {
    const all = new Promise<void>((resolve, reject) => {
      off = session.onFinished((f) => {
        if (!left.delete(f.id)) return;
        if (!f.ok) reject(new Error(`an empty job failed on the cluster: ${f.reason}`));
        else if (left.size === 0) resolve();
      });
      timer = setTimeout(
        () =>
          reject(new Error(`the workers did not answer ${count} empty jobs in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    await session.queue.addBulk(ids.map((jobId) => ({
      name: PING_JOB,
      data: {},
      opts: { jobId, removeOnComplete: true, removeOnFail: true },
    })));
    await all;
    return now() - t0;
  } finally {
    off();
    clearTimeout(timer);
    if (left.size > 0) await session.removePending([...left]);
  }
}

/**
 * Median round trip of single empty jobs (after one warm-up) and the amortised per-job cost of
 * a bulk of `bulk` empty jobs. Throws when the workers do not answer within `timeoutMs`.
 */
export async function measureQueue(
  session: Session,
  timeoutMs: number,
  bulk = 32,
): Promise<QueueCost> {
  await pings(session, 1, timeoutMs);
  const singles: number[] = [];
  for (let i = 0; i < 5; i++) singles.push(await pings(session, 1, timeoutMs));
  singles.sort((a, b) => a - b);
  const roundTripMs = singles[2];
  const many = await pings(session, bulk, timeoutMs);
  return { roundTripMs, perJobMs: Math.max(0, (many - roundTripMs) / (bulk - 1)) };
}
