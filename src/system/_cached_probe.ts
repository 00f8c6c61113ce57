// The host probe, run once per process (the optimizer asks on every call).
import { probeSystem } from "./probe_system.ts";
import type { SystemInfo } from "./system_info.ts";

let cached: Promise<SystemInfo> | undefined;

/** `probeSystem()` of the real host, cached for the life of the process. */
export function cachedProbe(): Promise<SystemInfo> {
  if (!cached) {
    cached = probeSystem();
    cached.catch(() => (cached = undefined));
  }
  return cached;
}
