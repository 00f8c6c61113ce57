// Connections to Redis: the URL checked and shown without its password, a reachability check that
// fails fast with a clear message, and clients that never print unhandled "error" events.
import { abortError } from "../engine/mod.ts";
import type { Driver, RedisClient } from "./_driver.ts";

/** The URL as shown in messages: the password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.href;
  } catch {
    return url;
  }
}

/** Check a Redis URL (`redis://` or `rediss://`); TypeError naming `name` and the value. */
export function checkRedisUrl(name: string, url: unknown): string {
  let ok = false;
  if (typeof url === "string") {
    try {
      ok = /^rediss?:$/.test(new URL(url).protocol);
    } catch { /* not a URL */ }
  }
  if (!ok) {
    throw new TypeError(
      `'${name}' must be a redis:// or rediss:// URL, got ${
        typeof url === "string" ? JSON.stringify(redactUrl(url)) : typeof url
      }`,
    );
  }
  return url as string;
}

/** Why a Redis command or connection failed, in one line. */
export function describe(e: unknown): string {
  const err = e as { message?: string; code?: string } | undefined;
  return err?.message || err?.code || String(e);
}

/**
 * Connect to Redis or throw an Error naming the URL and the cause within `timeoutMs`. The client
 * keeps reconnecting after a loss when `reconnect` is set (workers ride out a Redis restart);
 * otherwise it gives up, and the caller's health check reports the loss. `signal` stops the
 * attempt at once with the abort reason.
 */
export async function connectRedis(
  driver: Driver,
  url: string,
  options: { timeoutMs: number; reconnect: boolean; name: string; signal?: AbortSignal },
): Promise<RedisClient> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  const client = new driver.Redis(url, {
    lazyConnect: true,
    connectTimeout: options.timeoutMs,
    maxRetriesPerRequest: null, // BullMQ's blocking connections require it
    enableReadyCheck: true,
    connectionName: options.name,
    // How long `disconnect` waits for the socket to close before destroying it (ioredis: 2 s). A
    // socket that already closed (a refused connection, between retries) never clears that
    // timer: the process stayed alive 2 s after a failed connection's error.
    disconnectTimeout: DISCONNECT_MS,
    retryStrategy: (times: number) =>
      options.reconnect ? Math.min(100 * times, 2000) : times <= 3 ? 100 * times : null,
  });
  let lastError: unknown;
  client.on("error", (e: unknown) => {
    lastError = e;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer in ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
        onAbort = () => reject(abortError(signal!));
        signal?.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
    await client.ping();
  } catch (e) {
    client.disconnect();
    if (signal?.aborted) throw abortError(signal);
    throw new Error(`Cannot reach Redis at ${redactUrl(url)}: ${describe(lastError ?? e)}`, {
      cause: lastError ?? e,
    });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
  return client;
}

/** See `connectRedis` (ms). */
const DISCONNECT_MS = 100;

/** Close a client: QUIT when it answers within 1 s, otherwise drop the socket. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === "end") return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("quit timed out")), 1000);
      }),
    ]);
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
