// The Node.js runtime: node:worker_threads workers and node: built-ins.
import process from "node:process";
import { startNodeWorker } from "./_node_worker.ts";
import {
  hostProcessExists,
  listHostDir,
  nodeAvailableParallelism,
  processCpuTimeUs,
  readEnv,
  readHostName,
  readHostTextFile,
  readMemory,
} from "./_node_services.ts";
import type { Runtime } from "./types.ts";

/** The Node.js implementation of {@linkcode Runtime}. */
export const nodeRuntime: Runtime = {
  name: "node",
  version: process.versions.node,
  workersCanUnref: true,
  workerHeapLimits: true,
  workerOutOfMemoryReported: true,
  exitWaitsForWorkers: false,
  startWorker: startNodeWorker,
  hardwareConcurrency: nodeAvailableParallelism,
  readTextFile: readHostTextFile,
  listDir: listHostDir,
  env: readEnv,
  memory: readMemory,
  cpuTimeUs: processCpuTimeUs,
  now: () => performance.now(),
  hostName: readHostName,
  processExists: hostProcessExists,
};
