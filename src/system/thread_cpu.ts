/**
 * CPU time of each thread of this process, from Linux's `/proc/self/task/<tid>/schedstat`
 * (nanoseconds on the CPU; exact) or, where that file is absent or holds zeros (a kernel without
 * scheduler statistics), `/proc/self/task/<tid>/stat` (utime + stime in clock ticks of 10 ms,
 * `CLK_TCK` = 100 on Linux). Used to tell nested
 * parallelism (threads of the task's own busy during its calls) from the runtime's helper
 * threads (JIT, GC), which a process-wide CPU/wall ratio cannot; and which of them are runnable
 * now (their load is this process's own, not other processes').
 *
 * @module
 */
import { runtime } from "../runtime/mod.ts";

/**
 * CPU time of every thread of this process in ms, by thread id; `undefined` where the runtime or
 * the OS does not tell (not Linux, no read access to /proc).
 *
 * @param root The proc directory of this process (a fixture in tests).
 * @returns Thread id → CPU time (ms), or undefined.
 *
 * @example Usage
 * ```ts
 * import { threadCpuMs } from "./thread_cpu.ts";
 * import assert from "node:assert/strict";
 *
 * const threads = threadCpuMs();
 * if (threads) for (const ms of threads.values()) assert.ok(ms >= 0);
 * ```
 */
export function threadCpuMs(root = "/proc/self"): Map<string, number> | undefined {
  const rt = runtime();
  const tids = rt.listDir(`${root}/task`);
  if (!tids || tids.length === 0) return undefined;
  const out = new Map<string, number>();
  for (const tid of tids) {
    const ms = oneThreadCpuMs(`${root}/task/${tid}`);
    if (ms !== undefined) out.set(tid, ms);
  }
  return out.size > 0 ? out : undefined;
}

/** The CPU time of the thread whose proc directory is `dir` (ms); undefined once it ended. */
function oneThreadCpuMs(dir: string): number | undefined {
  const rt = runtime();
  const sched = rt.readTextFile(`${dir}/schedstat`);
  const ns = sched.ok ? Number(sched.text.split(" ")[0]) : NaN;
  // Zero where the kernel keeps no scheduler statistics ("0 0 0"): then the stat file tells.
  if (Number.isFinite(ns) && ns > 0) return ns / 1e6;
  const stat = rt.readTextFile(`${dir}/stat`);
  if (!stat.ok) return undefined; // the thread ended meanwhile
  const rest = afterName(stat.text); // utime is field 14, stime 15
  const ticks = Number(rest[11]) + Number(rest[12]);
  return Number.isFinite(ticks) ? ticks * 10 : undefined;
}

/** One thread now: its CPU time, and whether it sleeps in an event loop's wait. */
export interface ThreadNow {
  /** CPU time since the thread started (ms). */
  cpuMs: number;
  /**
   * Whether it sleeps in an event loop's wait for events (state `S`, kernel wait channel
   * `do_epoll_wait` or another of epoll's): a thread whose loop would run a message at once.
   * False where it sleeps elsewhere (a lock, `Atomics.wait`, a synchronous read or child process)
   * or runs; undefined where the kernel does not name the wait channel.
   */
  inEventLoop: boolean | undefined;
}

/**
 * The CPU time of one thread of this process and whether it sleeps in its event loop's wait,
 * from `/proc/self/task/<tid>/` (`schedstat` or `stat`, and `wchan`); `undefined` where the
 * thread ended or the OS does not tell. A worker whose thread neither runs nor answers a message
 * while its loop waits idle has stopped (a Deno worker out of memory at its heap limit): a live
 * one answers from that wait at once, and one blocked in a synchronous call waits elsewhere.
 *
 * @param tid The thread id.
 * @param root The proc directory of this process (a fixture in tests).
 * @returns The thread's CPU time and wait, or undefined.
 *
 * @example Usage
 * ```ts
 * import { threadNow } from "./thread_cpu.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(threadNow("no-such-thread"), undefined);
 * ```
 */
export function threadNow(tid: string, root = "/proc/self"): ThreadNow | undefined {
  const rt = runtime();
  const dir = `${root}/task/${tid}`;
  const stat = rt.readTextFile(`${dir}/stat`);
  const cpuMs = oneThreadCpuMs(dir);
  if (!stat.ok || cpuMs === undefined) return undefined;
  const wchan = rt.readTextFile(`${dir}/wchan`);
  const channel = wchan.ok ? wchan.text.trim() : "";
  // "0" where the kernel keeps the channel from this reader, or the thread runs.
  const named = channel !== "" && channel !== "0";
  const sleeping = afterName(stat.text)[0] === "S";
  return {
    cpuMs,
    inEventLoop: !sleeping ? false : named ? channel.includes("epoll") : undefined,
  };
}

/**
 * The fields of a /proc stat line after the command name (which may hold spaces and parentheses):
 * the state (field 3) first.
 */
function afterName(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/**
 * Ids of this process's threads that are runnable now (state `R` in
 * `/proc/self/task/<tid>/stat`: on a CPU or waiting for one); `undefined` where the OS does not
 * tell.
 *
 * @param root The proc directory of this process (a fixture in tests).
 * @returns The thread ids, or undefined.
 *
 * @example Usage
 * ```ts
 * import { runnableThreadIds } from "./thread_cpu.ts";
 * import assert from "node:assert/strict";
 *
 * const ids = runnableThreadIds();
 * assert.ok(ids === undefined || ids.length >= 1); // this thread runs while it reads
 * ```
 */
export function runnableThreadIds(root = "/proc/self"): string[] | undefined {
  const rt = runtime();
  const tids = rt.listDir(`${root}/task`);
  if (!tids || tids.length === 0) return undefined;
  const out: string[] = [];
  let read = 0;
  for (const tid of tids) {
    const stat = rt.readTextFile(`${root}/task/${tid}/stat`);
    if (!stat.ok) continue; // the thread ended meanwhile
    read++;
    if (afterName(stat.text)[0] === "R") out.push(tid);
  }
  return read > 0 ? out : undefined;
}

/**
 * Thread names of the runtimes' own JIT-compiler and GC helpers (V8's platform workers on Deno,
 * JavaScriptCore's and mimalloc's on Bun). Node 20 names every thread "node": there the share
 * threshold and the smallest count over several rounds have to tell them apart.
 */
export const RUNTIME_HELPER_THREADS: RegExp =
  /^(V8 DefaultWorke|V8 Worker|JITWorker|HeapHelper|JSCWarmUp|mi-scavenger)/;

/**
 * Threads that were busy for at least `share` of `wallMs` between two readings of
 * {@linkcode threadCpuMs} (threads that started meanwhile count from zero), leaving out the
 * runtime's own JIT and GC helpers ({@linkcode RUNTIME_HELPER_THREADS}) when `nameOf` names them.
 *
 * @param before The reading before.
 * @param after The reading after.
 * @param wallMs The wall time between them (ms).
 * @param share The least share of the wall time on the CPU to count as busy (default 0.5).
 * @param nameOf A thread's name by id (default: none known).
 * @returns The number of busy threads.
 *
 * @example Usage
 * ```ts
 * import { busyThreads } from "./thread_cpu.ts";
 * import assert from "node:assert/strict";
 *
 * const before = new Map([["1", 0], ["2", 0], ["3", 0]]);
 * const after = new Map([["1", 95], ["2", 12], ["3", 80], ["4", 70]]);
 * assert.equal(busyThreads(before, after, 100), 3); // 1, 3 and the new thread 4
 * ```
 */
export function busyThreads(
  before: Map<string, number>,
  after: Map<string, number>,
  wallMs: number,
  share = 0.5,
  nameOf: (tid: string) => string | undefined = () => undefined,
): number {
  let busy = 0;
  for (const [tid, ms] of after) {
    if (ms - (before.get(tid) ?? 0) < share * wallMs) continue;
    if (RUNTIME_HELPER_THREADS.test(nameOf(tid) ?? "")) continue;
    busy++;
  }
  return busy;
}

/**
 * The calling thread's scheduler times, in ms since the thread started, from Linux's
 * `/proc/thread-self/schedstat`: `runMs`, on a CPU (field 1: this thread alone, not the runtime's
 * JIT and GC helper threads that a process CPU clock counts), and `waitMs`, runnable but waiting
 * for a CPU (field 2: wall time minus this is the time the thread was not held back by other
 * processes, so a CPU-bound loop on a loaded machine still shows CPU time ≈ wall time − waiting
 * time, where a plain CPU/wall ratio would call it I/O-bound). `undefined` where the OS does not
 * tell (not Linux, no read access, or schedstats off: the file then holds zeros).
 *
 * @param path The schedstat file of the calling thread (a fixture in tests).
 * @returns Milliseconds on a CPU and waiting for one, or undefined.
 *
 * @example Usage
 * ```ts
 * import { threadSched } from "./thread_cpu.ts";
 * import assert from "node:assert/strict";
 *
 * const t = threadSched();
 * if (t !== undefined) assert.ok(t.runMs > 0 && t.waitMs >= 0);
 * ```
 */
export function threadSched(
  path = "/proc/thread-self/schedstat",
): { runMs: number; waitMs: number } | undefined {
  const r = runtime().readTextFile(path);
  if (!r.ok) return undefined;
  const [run, wait] = r.text.split(" ").map(Number);
  // A kernel without scheduler statistics writes zeros: a running thread has run for some time.
  return Number.isFinite(run) && Number.isFinite(wait) && run > 0
    ? { runMs: run / 1e6, waitMs: wait / 1e6 }
    : undefined;
}

/**
 * A thread's name (`/proc/self/task/<tid>/comm`), where readable.
 *
 * @param tid The thread id.
 * @param root The proc directory of this process.
 * @returns The name, or undefined.
 *
 * @example Usage
 * ```ts
 * import { threadName } from "./thread_cpu.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(threadName("no-such-thread"), undefined);
 * ```
 */
export function threadName(tid: string, root = "/proc/self"): string | undefined {
  const r = runtime().readTextFile(`${root}/task/${tid}/comm`);
  return r.ok ? r.text.trim() : undefined;
}

/**
 * The calling thread's id (Linux: the first field of `/proc/thread-self/stat`), as
 * {@linkcode threadCpuMs} keys threads; undefined where the OS does not tell. A pool worker
 * reports it, so that measurements in one worker can leave the others' threads out.
 *
 * @param path The stat file of the calling thread (a fixture in tests).
 * @returns The thread id, or undefined.
 *
 * @example Usage
 * ```ts
 * import { threadCpuMs, threadId } from "./thread_cpu.ts";
 * import assert from "node:assert/strict";
 *
 * const tid = threadId();
 * if (tid !== undefined) assert.ok(threadCpuMs()?.has(tid));
 * ```
 */
export function threadId(path = "/proc/thread-self/stat"): string | undefined {
  const r = runtime().readTextFile(path);
  const id = r.ok ? r.text.split(" ", 1)[0] : "";
  return /^\d+$/.test(id) ? id : undefined;
}
