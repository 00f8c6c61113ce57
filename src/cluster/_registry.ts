// Worker capacity in Redis: each worker keeps one key alive with a heartbeat (a key per worker
// that expires after three missed beats, so a killed worker drops out on its own).
import type { RedisClient } from "./_driver.ts";
import { registryPrefix } from "./_protocol.ts";
import type { WorkerCapacity } from "./types.ts";

/** Write (or refresh) a worker's registration; it expires after `ttlMs` without a refresh. */
export async function register(
  client: RedisClient,
  queue: string,
  cap: WorkerCapacity,
  ttlMs: number,
): Promise<void> {
  await client.set(registryPrefix(queue) + cap.id, JSON.stringify(cap), "PX", Math.ceil(ttlMs));
}

/** Remove a worker's registration. */
export async function unregister(client: RedisClient, queue: string, id: string): Promise<void> {
  await client.del(registryPrefix(queue) + id);
}

/** The workers registered on `queue` now. */
export async function listWorkers(client: RedisClient, queue: string): Promise<WorkerCapacity[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await client.scan(
      cursor,
      "MATCH",
      `${registryPrefix(queue)}*`,
      "COUNT",
      200,
    );
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  if (keys.length === 0) return [];
  const values = await client.mget(...keys);
  const out: WorkerCapacity[] = [];
  for (const v of values) {
    if (v === null) continue;
    try {
      out.push(JSON.parse(v) as WorkerCapacity);
    } catch { /* a foreign or partial value: skip it */ }
  }
  return out.sort((a, b) => a.id < b.id ? -1 : 1);
}
