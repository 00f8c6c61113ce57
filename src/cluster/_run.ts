// One run on the cluster: pulls chunks from the data (only as the window has room: backpressure,
// so infinite streams work), adds them as jobs in bulk, takes each chunk's result once (by job
// id; a job BullMQ ran twice after a stall is taken once), and hands completed chunks on in
// input order (`ordered`, the look-ahead bounded by the window: chunks waiting for an earlier
// one count against it) or in completion order. On a task error, the chunks before the failing item
// are still handed on, then the TaskError (global index) is thrown. A source that throws on item k
// is pulled no further: the chunks before k still run and are handed on, then its error is thrown.
// Whatever ends the run removes the run's jobs that have not started.
import {
  abortError,
  ChunkTimeoutError,
  fromWire,
  type KnownResults,
  TaskError,
} from "../engine/mod.ts";
import { runtime } from "../runtime/mod.ts";
import { describe, redactUrl } from "./_connection.ts";
import { CHUNK_JOB, type ChunkJobData } from "./_protocol.ts";
import type { Finished, Session } from "./_session.ts";

/** How a run goes. */
export interface RunConfig {
  module: string;
  name: string;
  chunkSize: number;
  maxInFlight: number;
  maxPayloadBytes: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Hand chunks on in input order (default: completion order). */
  ordered?: boolean;
  /** Results already computed (the optimizer's sample), by global index: not sent again. */
  known?: KnownResults;
}

/** A completed chunk: results of items `start`, `start + 1`, … */
export interface Done {
  start: number;
  results: unknown[];
}

interface Pending {
  start: number;
  count: number;
  addedAt: number;
  /** Redis confirmed the add (only then can a lookup that finds no job mean it vanished). */
  added: boolean;
}

/** Run `data` through the cluster; yields completed chunks (see {@linkcode RunConfig.ordered}). */
export async function* runOnCluster(
  session: Session,
  data: Iterable<unknown> | AsyncIterable<unknown>,
  cfg: RunConfig,
): AsyncGenerator<Done> {
  const now = runtime().now;
  const source = puller(data);
  const { pull, close } = source;
  const pending = new Map<string, Pending>();
  const finished: Finished[] = [];
  let failure: Error | undefined;
  let taskError: TaskError | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    wake?.();
    wake = undefined;
  };
  const offFinished = session.onFinished((f) => {
    finished.push(f);
    poke();
  });
  // Whatever ends the run early also ends a wait on Redis (a command queued while it is away).
  let stop!: (e: Error) => void;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => {});
  const fail = (e: Error) => {
    failure ??= e;
    stop(failure);
    poke();
  };
  const offLost = session.onLost(fail);
  const onAbort = () => fail(abortReason(cfg.signal!));
  cfg.signal?.addEventListener("abort", onAbort);
  // Once a second: look up jobs whose completion event may have been missed; check timeouts.
  const sweep = setInterval(() => {
    const t = now();
    if (cfg.timeoutMs !== undefined) {
      for (const p of pending.values()) {
        if (t - p.addedAt > cfg.timeoutMs) {
          fail(new ChunkTimeoutError(p.start, p.start + p.count, cfg.timeoutMs));
        }
      }
    }
    const old = [...pending].filter(([, p]) => p.added && t - p.addedAt > 1000).map(([id]) => id);
    session.poll(old.slice(0, 64)).catch(() => {});
  }, cfg.timeoutMs === undefined ? 1000 : Math.max(20, Math.min(1000, cfg.timeoutMs / 4)));
  let next = 0;
  let exhausted = false;
  let adding: Promise<unknown> | undefined;
  // Ordered mode: chunks that completed before an earlier one, by start index.
  const held = new Map<number, Done>();
  let handedUpTo = 0;
  const out: Done[] = [];
  const emit = (d: Done) => {
    if (!cfg.ordered) return void out.push(d);
    held.set(d.start, d);
    let h: Done | undefined;
    while ((h = held.get(handedUpTo)) !== undefined) {
      held.delete(handedUpTo);
      handedUpTo += h.results.length;
      out.push(h);
    }
  };
  try {
    if (cfg.signal?.aborted) throw abortError(cfg.signal);
    for (;;) {
      if (failure) throw failure;
      // Fill the window (not after a task error: only chunks before it are still wanted).
      const ready: Done[] = [];
      const batch: { id: string; start: number; count: number; data: ChunkJobData }[] = [];
      while (
        !exhausted && !taskError && pending.size + held.size + batch.length < cfg.maxInFlight
      ) {
        const items = await pull(cfg.chunkSize);
        if (items.length === 0) {
          exhausted = true;
          break;
        }
        const start = next;
        next += items.length;
        for (const part of split(items, start, cfg, ready)) {
          part.data.run = session.run;
          batch.push({ id: session.nextId(), ...part });
        }
      }
      if (batch.length > 0) {
        const t = now();
        // Pending from now: whatever ends the run waits for this add, then removes them too.
        for (const b of batch) {
          pending.set(b.id, { start: b.start, count: b.count, addedAt: t, added: false });
        }
        try {
          adding = session.queue.addBulk(batch.map((b) => ({
            name: CHUNK_JOB,
            data: b.data,
            opts: {
              jobId: b.id,
              attempts: 1,
              removeOnComplete: { age: 600 },
              removeOnFail: { age: 3600 },
            },
          })));
          await Promise.race([stopped, adding]);
          for (const b of batch) {
            const p = pending.get(b.id);
            if (p) p.added = true;
          }
        } catch (e) {
          throw failure ?? new Error(
            `Cannot add jobs to the queue "${session.config.queue}": ${describe(e)}`,
            { cause: e },
          );
        }
      }
      for (const d of ready) emit(d);
      yield* out.splice(0);
      if (failure) throw failure;
      if (pending.size === 0 && (exhausted || taskError)) {
        if (!taskError && source.error) throw source.error.value;
        break;
      }
      if (finished.length === 0) await new Promise<void>((r) => (wake = r));
      for (const f of finished.splice(0)) {
        const p = pending.get(f.id);
        if (!p) continue; // taken already (a job run twice after a stall), or not this run's
        pending.delete(f.id);
        if (!f.ok) {
          const job = `Chunk job ${f.id} (items ${p.start}..${p.start + p.count - 1})`;
          failure ??= new Error(
            f.missing
              ? `${job} is no longer in Redis at ${redactUrl(session.config.redis)}, so its ` +
                `result can never come: Redis was restarted or flushed, or the job was removed ` +
                `from the queue "${session.config.queue}"`
              : `${job} failed on the cluster: ${f.reason}`,
          );
          continue;
        }
        const results = JSON.parse(f.reply.results) as unknown[];
        if (f.reply.error) {
          const index = p.start + f.reply.error.index;
          if (!taskError || index < taskError.index) {
            taskError = new TaskError(index, fromWire(f.reply.error));
          }
        }
        if (taskError && p.start >= taskError.index) continue;
        emit({ start: p.start, results });
      }
      yield* out.splice(0);
      if (taskError && ![...pending.values()].some((p) => p.start < taskError!.index)) {
        throw taskError;
      }
    }
  } finally {
    clearInterval(sweep);
    offFinished();
    offLost();
    cfg.signal?.removeEventListener("abort", onAbort);
    if (adding) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        adding.catch(() => {}),
        new Promise((r) => (timer = setTimeout(r, session.config.redisTimeoutMs))),
      ]);
      clearTimeout(timer);
    }
    await session.removePending([...pending.keys()]).catch(() => {});
    await close();
  }
}

/**
 * Turn pulled items into jobs: known results (sampled already) become ready chunks; the rest is
 * encoded once per item and split where a job would pass the payload cap.
 */
function split(
  items: unknown[],
  start: number,
  cfg: RunConfig,
  ready: Done[],
): { start: number; count: number; data: ChunkJobData }[] {
  const out: { start: number; count: number; data: ChunkJobData }[] = [];
  let parts: string[] = [];
  let bytes = 0;
  let first = start;
  const flush = () => {
    if (parts.length === 0) return;
    out.push({
      start: first,
      count: parts.length,
      data: {
        v: 1,
        run: "",
        start: first,
        module: cfg.module,
        name: cfg.name,
        items: `[${parts.join(",")}]`,
      },
    });
    parts = [];
    bytes = 0;
  };
  for (let k = 0; k < items.length; k++) {
    const index = start + k;
    if (cfg.known?.has(index)) {
      flush();
      const last = ready[ready.length - 1];
      if (last && last.start + last.results.length === index) {
        last.results.push(cfg.known.get(index));
      } else ready.push({ start: index, results: [cfg.known.get(index)] });
      first = index + 1;
      continue;
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(items[k]);
    } catch (e) {
      throw new TypeError(
        `Item ${index} cannot be sent to the cluster: it cannot be written as JSON (${
          describe(e)
        })`,
        { cause: e },
      );
    }
    if (json === undefined) {
      throw new TypeError(
        `Item ${index} cannot be sent to the cluster: it is ${typeof items[k]}, not a JSON value`,
      );
    }
    const size = utf8Bytes(json);
    if (size > cfg.maxPayloadBytes) {
      throw new RangeError(
        `Item ${index} is ${size} bytes as JSON, over the cluster payload cap ` +
          `'maxPayloadBytes' (${cfg.maxPayloadBytes}): send a reference (a path, a key) instead`,
      );
    }
    if (bytes + size + 1 > cfg.maxPayloadBytes) {
      flush();
      first = index;
    }
    if (parts.length === 0) first = index;
    parts.push(json);
    bytes += size + 1;
  }
  flush();
  return out;
}

/** The UTF-8 size of a string from JSON.stringify (whose surrogates come in pairs), in bytes. */
function utf8Bytes(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // 2 bytes below 0x800, a surrogate pair 4 (2 each), the rest of the plane 3.
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return n;
}

/**
 * Pull up to `n` items at a time from an iterable or async iterable. When the source throws, the
 * items pulled before it are returned, the source counts as exhausted, and `error` holds what it
 * threw (to be thrown once the items before it are done).
 */
function puller(data: Iterable<unknown> | AsyncIterable<unknown>): {
  pull: (n: number) => Promise<unknown[]>;
  close: () => Promise<void>;
  error: { value: unknown } | undefined;
} {
  const sync = Symbol.iterator in Object(data)
    ? (data as Iterable<unknown>)[Symbol.iterator]()
    : undefined;
  const asyncIt = sync ? undefined : (data as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  let done = false;
  const self = {
    error: undefined as { value: unknown } | undefined,
    pull: async (n: number) => {
      const out: unknown[] = [];
      while (!done && out.length < n) {
        let r: IteratorResult<unknown>;
        try {
          r = sync ? sync.next() : await asyncIt!.next();
        } catch (e) {
          done = true;
          self.error = { value: e };
          break;
        }
        if (r.done) done = true;
        else out.push(r.value);
      }
      return out;
    },
    close: async () => {
      if (done) return;
      done = true;
      try {
        sync?.return?.();
        await asyncIt?.return?.();
      } catch { /* closing is best effort */ }
    },
  };
  return self;
}

function abortReason(signal: AbortSignal): Error {
  const r = signal.reason;
  return r instanceof Error ? r : new DOMException(String(r ?? "aborted"), "AbortError");
}
