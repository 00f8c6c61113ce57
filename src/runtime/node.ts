// The Node.js runtime: node:worker_threads workers and node: built-ins.
import { Worker } from "node:worker_threads";
import process from "node:process";
import { Dispatcher, toError } from "./_handle.ts";
import {
  listHostDir,
  nodeAvailableParallelism,
  processCpuTimeUs,
  readEnv,
  readHostTextFile,
  readMemory,
} from "./_node_services.ts";
import type { Runtime, StartWorkerOptions, WorkerHandle } from "./types.ts";

function startWorker(url: URL, options: StartWorkerOptions = {}): WorkerHandle {
  const worker = new Worker(url, { name: options.name });
  const d = new Dispatcher();
  worker.on("message", (data) => d.message(data));
  worker.on("messageerror", (e) => d.fail({ kind: "error", error: toError(e) }));
  worker.on("error", (e) => d.fail({ kind: "error", error: toError(e) })); // keeps main alive
  worker.on("exit", (code) => d.fail({ kind: "exit", code }));
  const post = (message: unknown, transfer?: Transferable[]) => {
    if (d.terminated) return;
    // deno-lint-ignore no-explicit-any
    worker.postMessage(message, transfer as any);
  };
  return {
    endpoint: d.endpoint(post),
    postMessage: post,
    onMessage: (l) => d.setOnMessage(l),
    onFailure: (l) => d.setOnFailure(l),
    terminate: async () => {
      d.terminated = true;
      await worker.terminate();
    },
    canUnref: true,
    unref: () => worker.unref(),
    ref: () => worker.ref(),
  };
}

/** The Node.js implementation of {@linkcode Runtime}. */
export const nodeRuntime: Runtime = {
  name: "node",
  version: process.versions.node,
  workersCanUnref: true,
  startWorker,
  hardwareConcurrency: nodeAvailableParallelism,
  readTextFile: readHostTextFile,
  listDir: listHostDir,
  env: readEnv,
  memory: readMemory,
  cpuTimeUs: processCpuTimeUs,
  now: () => performance.now(),
};
