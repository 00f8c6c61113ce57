// Loads BullMQ and ioredis on first use: they are optional peer dependencies, needed only by runs
// and workers that use a cluster, so the core package stays one small install.
import type * as BullMQ from "bullmq";
import type { Redis as RedisClient, RedisOptions } from "ioredis";

/** The two libraries a cluster needs, loaded. */
export interface Driver {
  bullmq: typeof BullMQ;
  Redis: new (url: string, options: RedisOptions) => RedisClient;
}

let loading: Promise<Driver> | undefined;

/** Import bullmq and ioredis once; an Error that says how to install them when they are missing. */
export function loadDriver(): Promise<Driver> {
  loading ??= load();
  return loading;
}

async function load(): Promise<Driver> {
  try {
    const [bullmq, ioredis] = await Promise.all([import("bullmq"), import("ioredis")]);
    const Redis = (ioredis.Redis ?? ioredis.default) as Driver["Redis"];
    return { bullmq, Redis };
  } catch (e) {
    loading = undefined;
    throw new Error(
      "The cluster executor needs the optional packages bullmq and ioredis: install them next " +
        "to amorsize (npm install bullmq ioredis; under Deno, map them in deno.json: " +
        '"imports": { "bullmq": "npm:bullmq@^6.7.0", "ioredis": "npm:ioredis@^6.0.0" }) ' +
        `(${e instanceof Error ? e.message : e})`,
      { cause: e },
    );
  }
}

export type { RedisClient };
