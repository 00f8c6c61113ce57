// The Node.js runtime: node:worker_threads workers and node: built-ins.
import { Worker } from "node:worker_threads";
import process from "node:process";
import { _Dispatcher, _toError } from "./_handle.ts";
import {
  _availableParallelism,
  _cpuTimeUs,
  _env,
  _memory,
  _readTextFile,
} from "./_node_services.ts";
import type { Runtime, StartWorkerOptions, WorkerHandle } from "./types.ts";

function startWorker(url: URL, options: StartWorkerOptions = {}): WorkerHandle {
  const worker = new Worker(url, { name: options.name });
  const d = new _Dispatcher();
  worker.on("message", (data) => d.message(data));
  worker.on("messageerror", (e) => d.fail({ kind: "error", error: _toError(e) }));
  worker.on("error", (e) => d.fail({ kind: "error", error: _toError(e) })); // keeps main alive
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
  hardwareConcurrency: _availableParallelism,
  readTextFile: _readTextFile,
  env: _env,
  memory: _memory,
  cpuTimeUs: _cpuTimeUs,
  now: () => performance.now(),
};
