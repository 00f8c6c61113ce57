// Worker side: turn a TaskSpec into a callable function, with errors that say what is wrong.
import type { TaskSpec } from "./_spec.ts";
import { describeThrown } from "./thrown.ts";

type Fn = (item: unknown) => unknown;

/**
 * The functions of module tasks loaded so far, by spec key: a module is evaluated once per
 * thread anyway, and a dynamic import of one already loaded still cost ~12 µs on Node, twice in
 * an automatic run (the look and the run). (An export the module later assigns anew — `export
 * let` — keeps the function it had when first loaded. A load that failed is not kept here:
 * whether importing the module again retries is the runtime's own module cache's to say.)
 */
const loaded = new Map<string, Fn>();

/** Load (import or rebuild) the function a spec names. Throws an Error with a clear message. */
export async function loadTask(spec: TaskSpec): Promise<Fn> {
  if (spec.kind === "source") return compile(spec.source);
  const known = loaded.get(spec.key);
  if (known) return known;
  let mod: Record<string, unknown>;
  try {
    mod = await import(spec.module);
  } catch (e) {
    const why = describeThrown(e);
    // Node 20 cannot import TypeScript (the amorsize bin runs on Node under npx, and under a
    // plain `bunx`): say what works.
    const hint = /Unknown file extension "\.[cm]?tsx?"/.test(why)
      ? ". This runtime cannot load TypeScript: run on Bun (`bunx --bun amorsize`, `bun`) or " +
        "Deno, or point at the compiled JavaScript module"
      : "";
    throw new Error(
      `Cannot load task module "${spec.module}" (for its export "${spec.name}"): ${why}${hint}`,
      { cause: e },
    );
  }
  if (!(spec.name in mod)) {
    throw new Error(`Task module "${spec.module}" has no export "${spec.name}"`);
  }
  const fn = mod[spec.name];
  if (typeof fn !== "function") {
    throw new Error(
      `Export "${spec.name}" of task module "${spec.module}" is not a function (got ${typeof fn})`,
    );
  }
  loaded.set(spec.key, fn as Fn);
  return fn as Fn;
}

/**
 * Globals of a worker's scope that the calling thread's has not, or not as such (Deno's `name`,
 * `close`, `location`; Bun's `self`): an inline task's closure variable of the same name resolved
 * to them there, silently (`(x) => \`${name}-${x}\`` with a closure's `name = "bob"` returned
 * "amorsize-1" on Deno's workers, `self.k` NaN on Bun's). The rebuilt task sees them as unbound:
 * a use is the "not self-contained" error (see `explainInlineError`).
 */
const WORKER_GLOBALS = [
  "close",
  "importScripts",
  "location",
  "name",
  "onerror",
  "onmessage",
  "onmessageerror",
  "postMessage",
  "self",
];
/** The declaration that leaves `WORKER_GLOBALS` uninitialized (see `compile`). */
const UNBOUND = `let ${WORKER_GLOBALS.join(", ")};`;

/**
 * An inline task rebuilt from its source: a function or arrow expression as it is; else a method
 * definition (`f(x) {…}`, `async f(x) {…}`, `*f(x) {…}`, `"a-b"(x) {…}`, `new(x) {…}`: the
 * source of a method taken from an object), rebuilt inside an object literal. Either way inside
 * a block that declares `WORKER_GLOBALS` after it returns: those names stay uninitialized, and a
 * use throws a ReferenceError.
 */
function compile(source: string): Fn {
  const forms = [
    () => new Function(`"use strict"; { return (${source}); ${UNBOUND} }`)(),
    () => {
      const o = new Function(`"use strict"; { return ({ ${source} }); ${UNBOUND} }`)();
      return Object.values(Object.getOwnPropertyDescriptors(o))[0]?.value;
    },
  ];
  for (const form of forms) {
    try {
      const fn = form();
      if (typeof fn === "function") return fn as Fn;
    } catch { /* try the next form */ }
  }
  throw new Error(
    `Inline task cannot be rebuilt inside a worker from its source (${source.slice(0, 80)}): ` +
      `export it from a module and pass task(import.meta.url, "name") instead`,
  );
}

/** Explain an error thrown by an inline task that is probably not self-contained. */
export function explainInlineError(spec: TaskSpec, error: unknown): Error | undefined {
  if (spec.kind !== "source") return undefined;
  const isRef = error instanceof ReferenceError;
  const isThis = error instanceof TypeError && /\bthis\b/.test(spec.source) &&
    /undefined|null/.test(error.message);
  if (!isRef && !isThis) return undefined;
  // "x is not defined" (V8), "Can't find variable: x" (JavaScriptCore), "Cannot access 'x'
  // before initialization" (V8, a worker global: see `WORKER_GLOBALS`), "Cannot access
  // uninitialized variable." (JavaScriptCore, the same: no name).
  const message = String((error as Error).message);
  const used = /^(\S+) is not defined/.exec(message)?.[1] ??
    /variable: (\S+)/.exec(message)?.[1] ?? /'([^']+)'/.exec(message)?.[1];
  const what = !isRef
    ? "uses `this`"
    : used
    ? `uses "${used}" from outside itself`
    : "uses a name from outside itself";
  const e = new Error(
    `Inline task is not self-contained: it ${what} (${(error as Error).message}). An inline ` +
      `function runs in a worker from its source alone, without its closure, \`this\` or ` +
      `imports: export it from a module and pass task(import.meta.url, "name") instead`,
    { cause: error },
  );
  e.name = NOT_SELF_CONTAINED;
  return e;
}

/**
 * The name of the error of an inline task that is not self-contained (see
 * {@linkcode explainInlineError}): it kept that name across a worker's reply, so that automatic
 * mode can tell a task that cannot run on workers from one that failed.
 */
export const NOT_SELF_CONTAINED = "NotSelfContainedError";
