// The measurements behind validateSystem: each returns one check with its figure, the range it
// must fall in, and a readable detail.
import type { Pool } from "../engine/mod.ts";
import { execute } from "../execute.ts";
import { estimateBytes, measureMessaging, median } from "../measure/mod.ts";
import { runtime } from "../runtime/mod.ts";
import type { SystemInfo } from "../system/mod.ts";
import { taskSpec } from "../task/mod.ts";
import type { CheckLevel } from "./health.ts";

/** One check of validateSystem. */
export interface SystemCheck {
  /** What was checked. */
  name: string;
  /** Whether the figure is within `expected`. */
  passed: boolean;
  /** The figure measured (null when it could not be measured). */
  value: number | null;
  /** Unit of `value` (e.g. `ms`). */
  unit: string;
  /** What the figure must be to pass, e.g. `0.005–5`. */
  expected: string;
  /** What was seen, in words. */
  detail: string;
  /** `core`: nothing parallel works without it; `measure`: model input; `soft`: advisory. */
  level: CheckLevel;
}

const fix = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));

function within(name: string, unit: string, value: number, lo: number, hi: number, detail: string) {
  const passed = Number.isFinite(value) && value >= lo && value <= hi;
  return {
    name,
    passed,
    value: Number.isFinite(value) ? value : null,
    unit,
    expected: `${lo}–${hi}`,
    detail: passed ? detail : `${detail}; outside the plausible range ${lo}–${hi} ${unit}`,
    level: "measure" as const,
  };
}

/** Start two workers and have them double ten numbers; `value` is the start time. */
export async function checkWorkers(pool: Pool, timeoutMs: number): Promise<SystemCheck> {
  const base = { name: "workers start and answer", unit: "ms", expected: "answers", level: "core" };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const ms = await Promise.race([pool.warm(2), timeout]);
    const data = Array.from({ length: 10 }, (_, i) => i);
    const out = await Promise.race([
      execute((x: number) => x * 2, data, { executor: "workers", workers: 2, chunkSize: 3, pool }),
      timeout,
    ]);
    const ok = out.length === 10 && out.every((y, i) => y === 2 * i);
    // The workers running: fewer than two where the system refused a thread (a pids limit).
    const n = pool.size;
    return {
      ...base,
      level: "core",
      passed: ok,
      value: ms,
      detail: ok
        ? `${n} worker(s) ready in ${fix(ms)} ms; 10 items doubled correctly on them`
        : `workers answered wrongly: ${JSON.stringify(out)}`,
    };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { ...base, level: "core", passed: false, value: null, detail: `failed: ${why}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Round trip of an empty chunk, and the per-chunk cost when 64 chunks are pipelined. */
export async function checkMessages(pool: Pool): Promise<SystemCheck[]> {
  const m = await measureMessaging(pool, taskSpec((x: unknown) => x), 20);
  const trip = m.roundTripMs, chunk = m.pipelinedMs, K = 64;
  return [
    within("round trip", "ms", trip, 0.005, 5, `empty chunk to a worker and back, median of 20`),
    within("per-chunk cost", "ms", chunk, 0.005, 5, `${K} chunks in flight, time per chunk`),
  ];
}

/** Structured-clone throughput of a 1 MB Float64Array and of 10 000 small objects (MB/s). */
export function checkClone(): SystemCheck[] {
  const rt = runtime();
  const rate = (value: unknown, reps: number) => {
    const bytes = estimateBytes(value, Infinity);
    structuredClone(value); // warm-up
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = rt.now();
      structuredClone(value);
      times.push(rt.now() - t);
    }
    return { mbps: bytes / 1e6 / (Math.max(median(times), 1e-6) / 1000), bytes };
  };
  const arr = rate(new Float64Array(2 ** 17), 9);
  const objs = Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `item ${i}`, ok: true }));
  const small = rate(objs, 5);
  return [
    within("clone 1 MB Float64Array", "MB/s", arr.mbps, 50, 1e6, `structuredClone, median of 9`),
    within(
      "clone 10 000 small objects",
      "MB/s",
      small.mbps,
      5,
      1e6,
      `≈${fix(small.bytes / 1e6)} MB of {id, name, ok}, structuredClone, median of 5`,
    ),
  ];
}

/** The smallest positive step of the monotonic clock (ms). */
export function checkTimer(): SystemCheck {
  const rt = runtime();
  let best = Infinity, steps = 0;
  const end = rt.now() + 20;
  let last = rt.now();
  while (steps < 2000) {
    const t = rt.now();
    if (t > last) {
      best = Math.min(best, t - last);
      steps++;
      last = t;
    }
    if (t > end) break;
  }
  return within("timer resolution", "ms", best, 0, 0.1, `smallest positive step of the clock`);
}

/** Where the probe's figures came from, and its warnings (soft). */
export function checkProbe(info: SystemInfo): SystemCheck[] {
  const s = info.sources;
  const where = `cores from ${s.effectiveCores}, quota from ${s.cpuQuota}, memory limit from ${
    s["memory.limitBytes"]
  }`;
  const m = info.memory;
  const budget = Math.min(m.totalBytes ?? Infinity, m.limitBytes ?? Infinity);
  const avail = Math.min(m.availableBytes ?? Infinity, budget);
  const known = Number.isFinite(avail);
  const roomy = known && avail >= 256 * 2 ** 20 && avail >= 0.1 * budget;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  return [
    {
      name: "probe",
      passed: info.warnings.length === 0,
      value: info.effectiveCores,
      unit: "cores",
      expected: "no warnings",
      detail: info.warnings.length === 0 ? where : `${where}; ${info.warnings.join("; ")}`,
      level: "soft",
    },
    {
      name: "cores for workers",
      passed: info.effectiveCores >= 2,
      value: info.effectiveCores,
      unit: "cores",
      expected: ">= 2",
      detail: info.effectiveCores >= 2
        ? `${info.effectiveCores} effective cores`
        : "one effective core: workers cannot speed up CPU-bound work",
      level: "soft",
    },
    {
      name: "memory headroom",
      passed: roomy,
      value: known ? avail / 2 ** 20 : null,
      unit: "MiB",
      expected: ">= 256 and >= 10 % of the budget",
      detail: known
        ? `${mib(avail)} available of ${mib(budget)} (${
          m.limitBytes === null ? "machine total" : "memory limit"
        })`
        : "memory figures unavailable (permissions?)",
      level: "soft",
    },
  ];
}
