/**
 * Reading the host's `/proc` and `/sys` files under a root directory, keeping track of what was
 * denied and which files held garbage, so that the probe never throws for a bad file.
 *
 * @module
 */
import type { FileRead } from "../runtime/mod.ts";

/** Reads one file by absolute path; the signature of `Runtime.readTextFile`. */
export type ReadTextFile = (path: string) => FileRead;

/**
 * The files of one host (or of a fixture tree standing in for one). Paths given to
 * {@linkcode HostFiles.read} are host paths such as `"/proc/meminfo"`; they are looked up under
 * `root`, and warnings name them as host paths, so that a fixture tree reads like a real host.
 *
 * @example Usage
 * ```ts
 * import { HostFiles } from "./host_files.ts";
 * import assert from "node:assert/strict";
 *
 * const files = HostFiles.fromRecord({ "/sys/fs/cgroup/cpu.max": "max 100000\n" });
 * assert.equal(files.read("/sys/fs/cgroup/cpu.max"), "max 100000\n");
 * assert.equal(files.read("/proc/meminfo"), undefined);
 * files.garbage("/sys/fs/cgroup/cpu.max", "expected numbers");
 * assert.deepEqual(files.warnings, [
 *   'ignored /sys/fs/cgroup/cpu.max: expected numbers, got "max 100000"',
 * ]);
 * ```
 */
export class HostFiles {
  /** Warnings about files that held garbage or could not be read for another reason. */
  readonly warnings: string[] = [];
  /** Host paths whose reads were denied (Deno without `-A`). */
  readonly denied: string[] = [];
  readonly #root: string;
  readonly #readFile: ReadTextFile;
  readonly #texts = new Map<string, string | undefined>();
  readonly #warned = new Set<string>();

  /**
   * @param root The directory that stands for `/` (`"/"` for the real host).
   * @param readFile How to read a file, usually `runtime().readTextFile`.
   */
  constructor(root: string, readFile: ReadTextFile) {
    this.#root = root.replace(/\/+$/, "");
    this.#readFile = readFile;
  }

  /**
   * Host files held in memory (for tests and examples): host path → text.
   *
   * @example Usage
   * ```ts
   * import { HostFiles } from "./host_files.ts";
   * import assert from "node:assert/strict";
   *
   * const files = HostFiles.fromRecord({ "/proc/self/status": "Cpus_allowed_list:\t0-3\n" });
   * assert.equal(files.read("/proc/self/status"), "Cpus_allowed_list:\t0-3\n");
   * ```
   */
  static fromRecord(files: Record<string, string>): HostFiles {
    return new HostFiles(
      "/",
      (path) =>
        Object.hasOwn(files, path)
          ? { ok: true, text: files[path] }
          : { ok: false, reason: "missing", message: `${path}: not found` },
    );
  }

  /**
   * The text of a host file, or `undefined` when it is missing, denied or unreadable. A denied
   * read is remembered in {@linkcode HostFiles.denied}; any other failure but "missing" becomes a
   * warning. Each file is read at most once.
   *
   * @example Usage
   * ```ts
   * import { HostFiles } from "./host_files.ts";
   * import assert from "node:assert/strict";
   *
   * const denied = new HostFiles("/", () => ({ ok: false, reason: "denied", message: "no" }));
   * assert.equal(denied.read("/proc/meminfo"), undefined);
   * assert.deepEqual(denied.denied, ["/proc/meminfo"]);
   * ```
   */
  read(path: string): string | undefined {
    if (this.#texts.has(path)) return this.#texts.get(path);
    const got = this.#readFile(this.#root + path);
    let text: string | undefined;
    if (got.ok) text = got.text;
    else if (got.reason === "denied") this.denied.push(path);
    else if (got.reason === "error") this.warn(path, `ignored ${path}: ${got.message}`);
    this.#texts.set(path, text);
    return text;
  }

  /**
   * Whether a file read (see `read`) was missing: not there, neither denied nor unreadable.
   *
   * @example Usage
   * ```ts
   * import { HostFiles } from "./host_files.ts";
   * import assert from "node:assert/strict";
   *
   * const files = HostFiles.fromRecord({ "/proc/meminfo": "MemTotal: 1 kB\n" });
   * files.read("/proc/meminfo");
   * files.read("/proc/stat");
   * assert.equal(files.missing("/proc/stat"), true);
   * assert.equal(files.missing("/proc/meminfo"), false);
   * ```
   */
  missing(path: string): boolean {
    return this.#texts.has(path) && this.#texts.get(path) === undefined &&
      !this.denied.includes(path) && !this.#warned.has(path);
  }

  /**
   * Record that a file held something unexpected (once per file); the caller then ignores it.
   * The warning quotes `got`, or else the file's first line.
   *
   * @example Usage
   * ```ts
   * import { HostFiles } from "./host_files.ts";
   * import assert from "node:assert/strict";
   *
   * const files = HostFiles.fromRecord({ "/proc/meminfo": "nonsense" });
   * files.read("/proc/meminfo");
   * files.garbage("/proc/meminfo", "no MemTotal line");
   * assert.match(files.warnings[0], /^ignored \/proc\/meminfo: no MemTotal line/);
   * ```
   */
  garbage(path: string, expected: string, got?: string): void {
    const text = got ?? this.#texts.get(path) ?? "";
    const shown = text.trim().split("\n")[0].slice(0, 60);
    this.warn(path, `ignored ${path}: ${expected}, got ${JSON.stringify(shown)}`);
  }

  /**
   * Record a warning about a file (once per file), for what its content means rather than how it
   * reads: the caller says why the figures it would give are not taken.
   *
   * @example Usage
   * ```ts
   * import { HostFiles } from "./host_files.ts";
   * import assert from "node:assert/strict";
   *
   * const files = HostFiles.fromRecord({});
   * files.warn("/proc/self/mountinfo", "first");
   * files.warn("/proc/self/mountinfo", "second");
   * assert.deepEqual(files.warnings, ["first"]);
   * ```
   */
  warn(path: string, message: string): void {
    if (this.#warned.has(path)) return;
    this.#warned.add(path);
    this.warnings.push(message);
  }
}
