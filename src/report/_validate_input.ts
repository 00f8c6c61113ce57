// Checks of renderReport's input: TypeError/RangeError at once, naming the field and the value
// (`'measured[2].workers' must be a positive integer, got 0`).
import {
  arrayArg,
  bool,
  describeValue,
  keysOf,
  knownKeys,
  objectArg as checkObject,
  oneOf,
  positiveInt,
  positiveNumber,
  stringArg,
} from "../args.ts";
import type { ReportInput } from "./report_input.ts";

type Obj = Record<string, unknown>;

const objectArg = (name: string, value: unknown): Obj => checkObject(name, value) as Obj;
const _array = arrayArg;
function _string(name: string, value: unknown, optional = true): void {
  if (value === undefined && optional) return;
  stringArg(name, value);
}

/** A time or speedup: a finite number ≥ 0, or `null` (JSON's form of NaN: no figure). */
function _figure(name: string, value: unknown): void {
  if (value === null) return;
  if (typeof value !== "number") {
    throw new TypeError(`'${name}' must be a number or null, got ${describeValue(value)}`);
  }
  if (value < 0 || value === Infinity || value === -Infinity) {
    throw new RangeError(`'${name}' must be a finite number ≥ 0, got ${value}`);
  }
}

function _optimization(o: Obj): void {
  oneOf("optimization.executor", o.executor, ["inline", "async", "workers"] as const);
  if (o.executor !== "async") positiveInt("optimization.workers", o.workers); // async: 0
  positiveInt("optimization.chunkSize", o.chunkSize);
  _figure("optimization.predictedSpeedup", o.predictedSpeedup);
  const ms = objectArg("optimization.predictedMs", o.predictedMs);
  _figure("optimization.predictedMs.serial", ms.serial);
  _figure("optimization.predictedMs.chosen", ms.chosen);
  const profile = objectArg("optimization.profile", o.profile);
  _array("optimization.profile.alternatives", profile.alternatives).forEach((a, i) => {
    const name = `optimization.profile.alternatives[${i}]`;
    const alt = objectArg(name, a);
    oneOf(`${name}.executor`, alt.executor, ["inline", "async", "workers"] as const);
    if (alt.executor !== "workers") return;
    positiveInt(`${name}.workers`, alt.workers);
    positiveInt(`${name}.chunkSize`, alt.chunkSize);
    _figure(`${name}.predictedMs`, alt.predictedMs);
  });
  if (profile.breakdown !== undefined) {
    objectArg("optimization.profile.breakdown", profile.breakdown);
  }
  if (profile.system !== undefined) {
    const sys = objectArg("optimization.profile.system", profile.system);
    objectArg("optimization.profile.system.sources", sys.sources);
    objectArg("optimization.profile.system.memory", sys.memory);
  }
}

function _measured(list: unknown[]): void {
  list.forEach((p, i) => {
    const point = objectArg(`measured[${i}]`, p);
    positiveInt(`measured[${i}].workers`, point.workers);
    positiveInt(`measured[${i}].chunkSize`, point.chunkSize);
    if (point.measuredMs === undefined && point.speedup === undefined) {
      throw new TypeError(`'measured[${i}]' must have 'measuredMs' or 'speedup', got neither`);
    }
    if (point.measuredMs !== undefined) {
      positiveNumber(`measured[${i}].measuredMs`, point.measuredMs);
    }
    if (point.speedup !== undefined) positiveNumber(`measured[${i}].speedup`, point.speedup);
    _string(`measured[${i}].label`, point.label);
  });
}

function _history(runs: unknown[]): void {
  runs.forEach((r, i) => {
    const run = objectArg(`suiteHistory[${i}]`, r);
    _string(`suiteHistory[${i}].date`, run.date, false);
    _array(`suiteHistory[${i}].results`, run.results).forEach((x, j) => {
      const name = `suiteHistory[${i}].results[${j}]`;
      const res = objectArg(name, x);
      _string(`${name}.workload`, res.workload, false);
      _figure(`${name}.actualSpeedup`, res.actualSpeedup);
      bool(`${name}.passed`, res.passed);
      if (res.regression !== undefined) bool(`${name}.regression`, res.regression);
      if (res.verdict !== undefined) {
        oneOf(`${name}.verdict`, res.verdict, ["pass", "fail", "busy"] as const);
      }
    });
  });
}

const REPORT_INPUT_KEYS = keysOf<ReportInput>({
  title: 1,
  generatedAt: 1,
  subject: 1,
  optimization: 1,
  measured: 1,
  measuredSerialMs: 1,
  suiteHistory: 1,
  regressionTolerance: 1,
});

/** Check `input` field by field; returns it typed. */
export function checkReportInput(input: unknown): ReportInput {
  const o = objectArg("input", input);
  knownKeys("input", o, REPORT_INPUT_KEYS);
  if (o.optimization === undefined && o.suiteHistory === undefined) {
    throw new TypeError(`'input' must have 'optimization' or 'suiteHistory', got neither`);
  }
  _string("title", o.title);
  _string("generatedAt", o.generatedAt);
  _string("subject", o.subject);
  if (o.optimization !== undefined) _optimization(objectArg("optimization", o.optimization));
  if (o.measured !== undefined) _measured(_array("measured", o.measured));
  if (o.measuredSerialMs !== undefined) positiveNumber("measuredSerialMs", o.measuredSerialMs);
  if (o.suiteHistory !== undefined) _history(_array("suiteHistory", o.suiteHistory));
  if (o.regressionTolerance !== undefined) {
    const t = o.regressionTolerance;
    if (typeof t !== "number") {
      throw new TypeError(`'regressionTolerance' must be a number, got ${describeValue(t)}`);
    }
    if (!(t >= 0 && t < 1)) {
      throw new RangeError(`'regressionTolerance' must be in [0, 1), got ${t}`);
    }
  }
  return o as ReportInput;
}
