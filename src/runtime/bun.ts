// The Bun runtime: web Workers (which Bun can unref) and node: built-ins.
import { _startWebWorker } from "./_web_worker.ts";
import { _cpuTimeUs, _env, _memory, _readTextFile } from "./_node_services.ts";
import type { Runtime } from "./types.ts";

const bun = (globalThis as unknown as { Bun?: { version: string } }).Bun;

/** The Bun implementation of {@linkcode Runtime}. */
export const bunRuntime: Runtime = {
  name: "bun",
  version: bun?.version ?? "unknown",
  workersCanUnref: true,
  startWorker: _startWebWorker,
  hardwareConcurrency: () => navigator.hardwareConcurrency,
  readTextFile: _readTextFile,
  env: _env,
  memory: _memory,
  cpuTimeUs: _cpuTimeUs,
  now: () => performance.now(),
};
