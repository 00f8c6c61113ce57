// Run one chunk on one pool worker and wait for its reply (used by sampling and the overhead
// measurements, outside the scheduler).
import type { PoolWorker, Reply as WorkerReply } from "../engine/mod.ts";
import type { TaskSpec } from "../task/mod.ts";

export type Reply = WorkerReply;
let nextId = 1_000_000_000;

/** Send `items` as one chunk (measure mode optional); resolves with the worker's reply. */
export function measureChunk(
  worker: PoolWorker,
  spec: TaskSpec,
  items: unknown[],
  measure: boolean,
  timeoutMs?: number,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    worker.send({
      id,
      message: {
        t: "run",
        id,
        key: spec.key,
        spec,
        items,
        start: 0,
        transfer: false,
        measure,
        enc: "clone",
      },
      transfer: [],
      timeoutMs,
      onReply: resolve,
      onLost: (f) =>
        reject(
          new Error(
            f.kind === "exit"
              ? `The sampling worker exited (code ${f.code})`
              : `The sampling worker failed: ${f.error.message}`,
          ),
        ),
      onTimeout: () => {
        reject(new Error(`Sampling exceeded ${timeoutMs} ms`));
        void worker.kill();
      },
    });
  });
}
