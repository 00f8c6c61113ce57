// The serialisable description of a task that crosses into a worker, and its cache key.
import { readableArg, wrongType } from "../args.ts";
import type { Task, TaskRef } from "./task_ref.ts";

/** What a worker needs to load a task. */
export type TaskSpec =
  | { kind: "module"; key: string; module: string; name: string }
  | { kind: "source"; key: string; source: string };

const sourceKeys = new WeakMap<object, TaskSpec>();

/** A function's name for a message: "anonymous" where it has none ("bound anonymous" bound). */
const nameOf = (f: { name: string }) =>
  f.name === "" || f.name.endsWith(" ") ? `${f.name}anonymous` : f.name;

/** The spec of a task (inline functions: their source, checked for obvious non-portability). */
export function taskSpec<I, O>(t: Task<I, O>): TaskSpec {
  readableArg("task", t);
  if (typeof t === "function") {
    let spec = sourceKeys.get(t);
    if (!spec) {
      const source = Function.prototype.toString.call(t);
      if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
        // A worker rebuilds an inline function from its source: a native one has none, a bound
        // one none of its own. A function that calls a global is rebuilt (the globals are there).
        throw new TypeError(
          `Inline task "${nameOf(t)}" is a native or bound function and cannot be ` +
            `rebuilt inside a worker: pass a function that calls it (for a global such as ` +
            `Math.sqrt or JSON.parse: (x) => Math.sqrt(x)), or export one from a module and ` +
            `pass task(import.meta.url, "name")`,
        );
      }
      spec = { kind: "source", key: `src:${hashText(source)}`, source };
      sourceKeys.set(t, spec);
    }
    return spec;
  }
  if (t && typeof t === "object" && (t as TaskRef).kind === "module") {
    const ref = t as TaskRef;
    return {
      kind: "module",
      key: `mod:${ref.module}#${ref.name}`,
      module: ref.module,
      name: ref.name,
    };
  }
  wrongType("task", "a function or a reference from task(module, name)", t);
}

/** A short, stable hash of a string (FNV-1a, 53 bits), as hex. */
function hashText(text: string): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619);
    h2 = Math.imul(h2 ^ c, 2246822519);
  }
  return ((h2 >>> 0) & 0x1fffff).toString(16).padStart(6, "0") +
    (h1 >>> 0).toString(16).padStart(8, "0");
}
