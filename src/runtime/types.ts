/**
 * The `Runtime` interface: everything amorsize needs from Deno, Bun or Node, so that the rest of
 * the library never asks which runtime it runs on.
 *
 * @module
 */

/**
 * What reading a small text file gave: its text, or why there is none. `denied`: the runtime's
 * permissions refused it (Deno without `--allow-read`); a refusal by the OS (EACCES, EPERM: file
 * modes, AppArmor, SELinux) is an `error`, which flags do not mend; `too-large`: it holds more
 * than the `maxBytes` the read was given.
 */
export type FileRead =
  | { ok: true; text: string }
  | { ok: false; reason: "missing" | "denied" | "error" | "too-large"; message: string };

/** What looking up an environment variable gave. `denied` is true when permission was refused. */
export interface EnvRead {
  /** The variable's value; `undefined` when unset or denied. */
  value: string | undefined;
  /** Whether permission to read it was refused. */
  denied: boolean;
}

/** Memory figures in bytes; `undefined` where the runtime cannot tell (or permission is denied). */
export interface MemoryInfo {
  /** Memory of the machine. */
  totalBytes: number | undefined;
  /** Memory not in use at all. */
  freeBytes: number | undefined;
  /** Memory available to new work without swapping (page cache included). */
  availableBytes: number | undefined;
  /** Resident set size of this process. */
  rssBytes: number | undefined;
  /** JavaScript heap in use by this thread. */
  heapUsedBytes: number | undefined;
}

/**
 * A message endpoint as comlink expects one (`Comlink.wrap(endpoint)` works on it): postMessage
 * and message listeners.
 */
export interface MessageEndpoint {
  /** Post a message, optionally transferring buffers. */
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Listen for `message` events. */
  addEventListener(type: string, listener: EventListenerOrEventListenerObject): void;
  /** Stop listening. */
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject): void;
  /** Start delivering messages (ports that queue until started). */
  start?(): void;
}

/** Why a worker stopped: an uncaught error (with its message) or an exit (with its code). */
export type WorkerFailure =
  | { kind: "error"; error: Error }
  | { kind: "exit"; code: number | null };

/**
 * A started worker. Messages posted by the worker before a listener is attached are buffered, never
 * dropped. An uncaught error or exit inside the worker is reported through `onFailure` and never
 * takes the calling process down.
 */
export interface WorkerHandle {
  /** Endpoint for `postMessage` and message listeners (usable with `Comlink.wrap`). */
  readonly endpoint: MessageEndpoint;
  /** Post a message (optionally transferring buffers). Does nothing after termination. */
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Receive every message (including the ones buffered before this call). */
  onMessage(listener: (data: unknown) => void): void;
  /** Called once, when the worker errors out or exits on its own (not after `terminate`). */
  onFailure(listener: (failure: WorkerFailure) => void): void;
  /**
   * Called for each message of the worker that this thread could not read (its structured clone
   * could not be deserialised here: a value nested too deep for this runtime). The message is
   * lost; the worker lives on, so it is no failure of the worker.
   */
  onMessageError(listener: (error: Error) => void): void;
  /** Stop the worker; resolves when it is gone. Idempotent. */
  terminate(): Promise<void>;
  /** Whether this runtime can let an idle worker not keep the process alive (`unref`). */
  readonly canUnref: boolean;
  /** Let the process exit while this worker is idle (no-op where `canUnref` is false). */
  unref(): void;
  /** Keep the process alive while this worker works (no-op where `canUnref` is false). */
  ref(): void;
}

/** Options for starting a worker. */
export interface StartWorkerOptions {
  /** A name shown in debuggers. */
  name?: string;
  /**
   * Heap limit of the worker in MiB (where the runtime has one: see
   * `Runtime.workerHeapLimits`); a worker over it fails with an out-of-memory error instead of
   * taking the process down. Default: the calling thread's own heap limit, at most
   * `heapShareMb`.
   */
  heapLimitMb?: number;
  /**
   * The most the default heap limit may be (MiB; at least 16): the worker's share of the room left
   * under a cgroup memory limit (given where `Runtime.workerHeapLimits`). Each worker's heap
   * limit defaults to the calling thread's, which a runtime sizes from that limit for one thread:
   * two workers that used theirs got the whole process killed by the kernel (exit 137), without a
   * word.
   */
  heapShareMb?: number;
}

/** The services of one JavaScript runtime that amorsize uses. */
export interface Runtime {
  /** `"deno"`, `"bun"` or `"node"`. */
  readonly name: "deno" | "bun" | "node";
  /** The runtime's version, e.g. `"2.9.6"`. */
  readonly version: string;
  /** Whether an idle worker can be told not to keep the process alive (`WorkerHandle.unref`). */
  readonly workersCanUnref: boolean;
  /**
   * Whether a worker's heap can be limited (`StartWorkerOptions.heapLimitMb`): true on Deno and
   * Node; Bun's workers take no limit (one that runs out of memory grows until the system stops
   * the process).
   */
  readonly workerHeapLimits: boolean;
  /**
   * Whether a worker over its heap limit fails with an error this thread hears: true on Node;
   * a Deno worker's call is cut off without a word (the pool's pings tell it: see
   * `PoolWorker.watchStops`).
   */
  readonly workerOutOfMemoryReported: boolean;
  /**
   * Whether the process's own exit (nothing left to run) ends the workers still alive, idle or
   * terminated, one after another: on Deno, 256 idle workers kept the process 12 s past its last
   * line on 2 cores (128: 3 s; 64: 1 s). Node ends them in about a second, Bun at once. A program
   * that is done may end such a process with `process.exit` (Deno writes standard output at once:
   * nothing written is lost; Bun lost output still buffered for a pipe).
   */
  readonly exitWaitsForWorkers: boolean;
  /**
   * Start a module worker from a URL (`file:`, `data:` or `blob:`). Throws an Error
   * `Could not start a worker (…)` quoting the runtime's own, which says so where the system
   * refused a new thread (a cgroup's `pids.max`, `ulimit -u`).
   */
  startWorker(url: URL, options?: StartWorkerOptions): WorkerHandle;
  /** Logical cores as the runtime reports them (respects CPU affinity where the runtime does). */
  hardwareConcurrency(): number;
  /**
   * Read a small text file; never throws for a missing file or a denied permission. With
   * `maxBytes`, reads no more than one byte past it (a device such as `/dev/zero`, or a pipe fed
   * without end, would be read until memory runs out) and says `too-large` past it.
   */
  readTextFile(path: string, maxBytes?: number): FileRead;
  /** Names in a directory; `undefined` when it is missing, unreadable or access is denied. */
  listDir(path: string): string[] | undefined;
  /** Look up an environment variable; never throws or prompts for a denied permission. */
  env(name: string): EnvRead;
  /** Memory of the machine and of this process. */
  memory(): MemoryInfo;
  /** CPU time (user + system) of this process in microseconds, where the runtime has it. */
  cpuTimeUs(): number | undefined;
  /** A monotonic clock in milliseconds with sub-millisecond resolution. */
  now(): number;
  /** This machine's host name; `undefined` where it cannot be read (or permission is denied). */
  hostName(): string | undefined;
  /**
   * Whether the process `pid` of this machine exists (a signal 0 sent to it); `undefined` where
   * it cannot tell (Deno without `--allow-run`). Never prompts.
   */
  processExists(pid: number): boolean | undefined;
}
