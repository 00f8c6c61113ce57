// Argument checks of the suite: a WorkloadSpec and the benchmark options, failing at once with
// TypeError/RangeError naming the argument and the value.
import { bool, describeValue, objectArg, positiveInt, positiveNumber } from "../args.ts";
import type { WorkloadSpec } from "./workloads.ts";

/** Check a workload spec; returns it. */
export function checkSpec<I, O>(spec: WorkloadSpec<I, O>, name = "spec"): WorkloadSpec<I, O> {
  objectArg(name, spec);
  if (typeof spec.name !== "string" || spec.name.trim() === "") {
    throw new TypeError(
      `'${name}.name' must be a non-empty string, got ${describeValue(spec.name)}`,
    );
  }
  if (typeof spec.description !== "string") {
    throw new TypeError(
      `'${name}.description' must be a string, got ${describeValue(spec.description)}`,
    );
  }
  const t = spec.task as unknown;
  const isRef = t !== null && typeof t === "object" && (t as { kind?: unknown }).kind === "module";
  if (typeof t !== "function" && !isRef) {
    throw new TypeError(
      `'${name}.task' must be a function or task(module, name), got ${describeValue(t)}`,
    );
  }
  if (typeof spec.data !== "function") {
    throw new TypeError(
      `'${name}.data' must be a function returning the items, got ${describeValue(spec.data)}`,
    );
  }
  positiveInt(`${name}.size`, spec.size);
  positiveNumber(`${name}.minSpeedup`, spec.minSpeedup);
  positiveNumber(`${name}.maxTimeMs`, spec.maxTimeMs);
  return spec;
}

/** Check `{ validate, repeats }`; returns them with their defaults. */
export function checkBenchmarkOptions(
  options: { validate?: boolean; repeats?: number } | undefined,
): { validate: boolean; repeats: number } {
  const o = options === undefined ? {} : objectArg("options", options);
  const validate = o.validate === undefined ? true : bool("validate", o.validate);
  const repeats = o.repeats === undefined ? 3 : positiveInt("repeats", o.repeats);
  return { validate, repeats };
}
