/**
 * A readable, multi-line report of an optimization.
 *
 * @module
 */
import type { ClusterProfile } from "../cluster/mod.ts";
import { configLabel } from "../engine/mod.ts";
import { cpuCapacity } from "../system/mod.ts";
import type { OptimizationResult } from "./optimization.ts";

const ms = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x)
    ? "n/a"
    : x >= 100
    ? `${x.toFixed(0)} ms`
    : x > 0 && x < 0.01
    ? `${(1000 * x).toFixed(2)} µs` // microsecond items read "0.00 ms" otherwise
    : `${x.toFixed(2)} ms`;

/**
 * Explain an optimization result: the decision, the measurements behind it, the overhead
 * breakdown and the best alternatives.
 *
 * @param r The result of `optimize`.
 * @returns A multi-line report.
 *
 * @example Usage
 * ```ts
 * import { optimize } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const r = await optimize((x: number) => x + 1, [1, 2, 3]);
 * assert.match(r.explain(), /Decision: inline/);
 * ```
 */
export function explainOptimization(r: Omit<OptimizationResult, "explain">): string {
  const p = r.profile;
  const c = r.cluster;
  const lines = [
    c
      ? `Decision: cluster — ${c.jobs} jobs of ${c.chunkSize} items (here: ${configLabel(r)})`
      : `Decision: ${configLabel(r)}`,
    `Reason: ${r.reason}`,
    c
      ? `Predicted: plain loop ${ms(r.predictedMs.serial)}, cluster ${ms(c.predictedMs)} ` +
        `(speedup ${c.predictedSpeedup.toFixed(2)}×), here ${ms(r.predictedMs.chosen)}`
      : `Predicted: plain loop ${ms(r.predictedMs.serial)}, chosen ${ms(r.predictedMs.chosen)} ` +
        `(speedup ${r.predictedSpeedup.toFixed(2)}×)${r.cacheHit ? " [from cache]" : ""}`,
  ];
  const s = p.sample;
  if (s) {
    lines.push(
      `Sample: ${p.sampledItems} items (${p.sampledIn}), per item median ${
        ms(s.perItemMs.median)
      }, ` +
        `mean ${ms(s.perItemMs.mean)}, CV ${s.perItemMs.cv.toFixed(2)}, ` +
        // Without a CPU ratio the type is a default, not a measurement: an async task whose calls
        // did not read as overlapped read "cpu-bound" here.
        (s.cpuRatio === null
          ? "CPU/wall not measured"
          : `${s.workloadType}-bound (CPU/wall ${s.cpuRatio.toFixed(2)})`) +
        (s.isAsync ? ", returns Promises" : ""),
      // (A decision taken without workers in view measures no clone: said so, not "0 B".)
      (s.inputBytes === 0 && s.outputBytes === 0 && s.inputCloneMs === 0 && s.outputCloneMs === 0
        ? "Clone per item: not measured"
        : `Clone per item: in ${ms(s.inputCloneMs)} (${s.inputBytes.toFixed(0)} B), out ` +
          `${ms(s.outputCloneMs)} (${s.outputBytes.toFixed(0)} B)`) +
        (s.itemCrossingMs === undefined ? "" : `; an item crossing ${ms(s.itemCrossingMs)}`) +
        (s.resultCrossingMs === undefined ? "" : `; a result crossing ${ms(s.resultCrossingMs)}`) +
        (s.resultSendMs === undefined ? "" : `; a result sent by a worker ${ms(s.resultSendMs)}`),
    );
    if (s.encoding) {
      lines.push(
        `Encoding: items ${s.encoding.items} (${ms(s.encoding.itemMs)} per item), results ` +
          `${s.encoding.results} (${ms(s.encoding.resultMs)} per item)`,
      );
    }
  }
  if (p.system) {
    const sys = p.system;
    // A quota that leaves a fraction of a core: the workers share that CPU time.
    const cpu = cpuCapacity(sys);
    lines.push(
      `System: ${sys.effectiveCores} effective cores (logical ${sys.logicalCores}, affinity ` +
        `${sys.affinityCores}, quota ${
          sys.cpuQuota ?? "none"
        }; from ${sys.sources.effectiveCores})` +
        (cpu !== sys.effectiveCores ? `; CPU time of ${+cpu.toFixed(2)} cores` : "") +
        // Other processes' load on those cores, as the model took it (it slows the workers).
        (s?.externalLoad ? `; ${+s.externalLoad.toFixed(2)} of them busy with other work` : ""),
    );
  }
  if (p.overheads) {
    const o = p.overheads;
    lines.push(
      `Overheads: worker start ${ms(o.firstStartMs)} + ${ms(o.marginalStartMs)} each more ` +
        `(${o.sources.start}), chunk ${ms(o.chunkMs)}, round trip ${ms(o.roundTripMs)}`,
    );
  }
  const caps = p.caps;
  lines.push(
    `Worker caps: cores ${caps.cores}, memory ${fmtCap(caps.memory)}, nested ${
      fmtCap(caps.nested)
    }` +
      (caps.nestedReason ? ` (${caps.nestedReason})` : "") + `, threads ${fmtCap(caps.threads)}`,
  );
  const b = p.breakdown;
  if (b) {
    lines.push(
      `Breakdown (${b.workers} workers × chunks of ${b.chunkSize}, ${b.chunks} chunks): start ` +
        `${ms(b.startMs)}, main-thread serial ${ms(b.serialMs)}, compute ${ms(b.computeMs)}, ` +
        `imbalance ${ms(b.imbalanceMs)}, dispatch ${ms(b.dispatchMs)}`,
    );
  }
  const alts = [...p.alternatives].filter((a) => !a.rejected).sort((a, b) =>
    a.predictedMs - b.predictedMs
  ).slice(0, 5);
  if (alts.length) {
    lines.push("Best alternatives:");
    for (const a of alts) {
      lines.push(
        `  ${a.executor}${a.executor === "workers" ? ` w=${a.workers} chunk=${a.chunkSize}` : ""}` +
          `${a.executor === "async" ? ` concurrency=${a.concurrency}` : ""}: ${ms(a.predictedMs)}`,
      );
    }
  }
  if (p.cluster) lines.push(...explainCluster(p.cluster));
  for (const w of r.warnings) lines.push(`Warning: ${w}`);
  lines.push(`Optimize took ${ms(p.optimizeMs)}`);
  return lines.join("\n");
}

function fmtCap(x: number): string {
  return Number.isFinite(x) ? String(x) : "none";
}

/** The cluster terms: workers and cores, measured costs, the best plan and its parts. */
function explainCluster(p: ClusterProfile): string[] {
  if (p.unavailable) return [`Cluster: unavailable (${p.unavailable})`];
  const b = p.breakdown;
  const hosts = p.workers.map((w) =>
    `${w.host} ${w.cores}` +
    (typeof w.loadPerCpu === "number" ? ` at load ${w.loadPerCpu.toFixed(1)}/CPU` : "")
  ).join(", ");
  const reported = p.workersPerItemMs === undefined
    ? ""
    : `; the workers report ${ms(p.workersPerItemMs)}`;
  return [
    `Cluster: queue "${p.queue}", ${p.workers.length} workers, ${p.cores} cores (${hosts})`,
    `Cluster costs: round trip ${ms(p.roundTripMs)}, per job in bulk ${ms(p.perJobMs)}, per ` +
    `item ${ms(p.perItemMs)} (sampled here${reported}), encoding here ${
      ms(p.encodeMsPerItem)
    } per item`,
    `Cluster plan: ${p.jobs} jobs of ${p.chunkSize} items for ${p.items} items: ` +
    `${ms(p.predictedMs)} (latency ${ms(b.latencyMs)}, serial here ${ms(b.serialMs)}, ` +
    `compute in waves ${ms(b.computeMs)}, in-flight bound ${ms(b.windowMs)}); here ` +
    `${ms(p.localMs)}`,
  ];
}
