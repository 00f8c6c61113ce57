// A quick look at the first items on the calling thread: enough to tell a job that is clearly
// too small for workers, without starting any. The results are kept (never recomputed).
import type { Source } from "../engine/mod.ts";
import { runtime } from "../runtime/mod.ts";
import { spreadIndices } from "./_spread.ts";

export interface MainProbe {
  /** Wall time of each probed item, ms (the first includes JIT warm-up). */
  times: number[];
  /** Index → result of the probed items. */
  results: Map<number, unknown>;
  /** Items pulled from a one-shot source (to give back), in order. */
  pulled: unknown[];
  /** The items probed (whatever the source). */
  items: unknown[];
  /** Whether the task returned a Promise. */
  isAsync: boolean;
  /** Process CPU time over the probed items (ms; undefined where the runtime has no CPU clock). */
  cpuMs?: number;
  failure?: { index: number; error: Error };
}

/** Run the first items here until `maxMs` elapsed or `maxItems` ran. */
export async function mainProbe(
  fn: (x: unknown) => unknown,
  src: Source<unknown>,
  maxMs: number,
  maxItems: number,
): Promise<MainProbe> {
  const rt = runtime();
  const out: MainProbe = {
    times: [],
    results: new Map(),
    pulled: [],
    items: [],
    isAsync: false,
  };
  const t0 = rt.now();
  const cpu0 = rt.cpuTimeUs();
  // Arrays: items spread over the data (0, n/2, n/4, …), so a job whose cost grows along the
  // data is not judged by its first, cheapest items. One-shot sources: the first items.
  const spread = src.indexable ? spreadIndices(src.total ?? 0, new Map()) : undefined;
  for (let k = 0; k < maxItems && rt.now() - t0 < maxMs; k++) {
    let item: unknown, i = k;
    if (spread) {
      const next = spread.next();
      if (next.done) break;
      i = next.value;
      item = src.at(i);
    } else {
      const got = src.isAsync ? await src.take(1) : src.takeSync(1);
      if (got.length === 0) break;
      item = got[0];
      out.pulled.push(item);
    }
    out.items.push(item);
    const t = rt.now();
    try {
      let r = fn(item);
      if (r instanceof Promise || (r && typeof (r as PromiseLike<unknown>).then === "function")) {
        out.isAsync = true;
        r = await r;
      }
      out.times.push(rt.now() - t);
      out.results.set(i, r);
    } catch (e) {
      out.failure = { index: i, error: e instanceof Error ? e : new Error(String(e)) };
      break;
    }
  }
  const cpu1 = rt.cpuTimeUs();
  if (cpu0 !== undefined && cpu1 !== undefined) out.cpuMs = (cpu1 - cpu0) / 1000;
  return out;
}
