// A cheap estimate of how many bytes a value takes when cloned (structured clone is close to
// this: 8 bytes a number, string length, buffer byte lengths, small per-object overhead).

/** Estimate the cloned size of `value`, visiting at most `budget` nodes (then extrapolating). */
export function estimateBytes(value: unknown, budget = 2000): number {
  let bytes = 0, seen = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    if (seen++ >= budget) return bytes * 2; // a rough extrapolation for very large values
    const v = stack.pop();
    switch (typeof v) {
      case "number":
      case "bigint":
        bytes += 8;
        continue;
      case "string":
        bytes += v.length + 4;
        continue;
      case "boolean":
      case "undefined":
        bytes += 1;
        continue;
    }
    if (v === null || typeof v !== "object") {
      bytes += 1;
      continue;
    }
    if (v instanceof ArrayBuffer) bytes += v.byteLength;
    else if (ArrayBuffer.isView(v)) bytes += v.byteLength;
    else if (Array.isArray(v)) {
      bytes += 4;
      for (const x of v) stack.push(x);
    } else if (v instanceof Map) {
      bytes += 4;
      for (const [k, x] of v) stack.push(k, x);
    } else if (v instanceof Set) {
      bytes += 4;
      for (const x of v) stack.push(x);
    } else {
      bytes += 4;
      for (const k in v as Record<string, unknown>) {
        bytes += k.length + 2;
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return bytes;
}
