// The Bun runtime: web Workers (which Bun can unref) and node: built-ins.
import { startWebWorker } from "./_web_worker.ts";
import {
  hostProcessExists,
  listHostDir,
  processCpuTimeUs,
  readEnv,
  readHostName,
  readHostTextFile,
  readMemory,
} from "./_node_services.ts";
import type { Runtime } from "./types.ts";

const bun = (globalThis as unknown as { Bun?: { version: string } }).Bun;

/** The Bun implementation of {@linkcode Runtime}. */
export const bunRuntime: Runtime = {
  name: "bun",
  version: bun?.version ?? "unknown",
  workersCanUnref: true,
  workerHeapLimits: false,
  workerOutOfMemoryReported: false,
  exitWaitsForWorkers: false,
  startWorker: startWebWorker,
  hardwareConcurrency: () => navigator.hardwareConcurrency,
  readTextFile: readHostTextFile,
  listDir: listHostDir,
  env: readEnv,
  memory: readMemory,
  cpuTimeUs: processCpuTimeUs,
  now: () => performance.now(),
  hostName: readHostName,
  processExists: hostProcessExists,
};
