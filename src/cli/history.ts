/**
 * `amorsize history`: list, show, compare, delete and clear the saved results (suite runs,
 * validations) of the history directory.
 *
 * @module
 */
import { type Command, UsageError } from "./_command.ts";
import {
  clearResults,
  deleteResult,
  type HistoryEntry,
  type HistoryEntrySummary,
  listResults,
  loadResult,
  resolveStoreDir,
} from "../store/mod.ts";
import {
  comparePerformanceResults,
  formatComparison,
  formatSuite,
  formatTable,
  parseComparable,
  type SuiteResult,
} from "../suite/mod.ts";
import { dirFlag, parseFlags } from "./_input.ts";
import { print } from "./_output.ts";

const HELP = `Usage: amorsize history list [--kind KIND] [--json]
       amorsize history show ID [--json]
       amorsize history compare ID1 ID2 [--threshold 0.1] [--json]
       amorsize history delete ID [--json]
       amorsize history clear [--kind KIND] --yes [--json]

list     The saved entries, newest first (suite runs saved by \`suite run --save\`, validations).
show     One entry: a suite run as a table, anything else as JSON.
compare  Compare two suite entries (ID1 the baseline); exit 1 when there is a regression.
delete   Delete one entry.
clear    Delete every entry (or every entry of --kind); needs --yes.

ID is an id from \`history list\`, or \`latest\` (the newest entry) or \`latest~N\` (the N-th before
it): \`history compare latest~1 latest\` compares the last two saved runs.

Options:
  --dir DIR       the history directory (default: $AMORSIZE_HOME/history, else the user cache)
  --kind KIND     only entries of this kind ("suite", "validation", ...)
  --threshold X   relative change that counts (default 0.1 = 10%)
  --yes, -y       confirm clear
  --json          print JSON
  -h, --help      show this help

Exit codes: 0 ok, 1 a regression was found (or a workload failed outright in ID2) or the history
directory cannot be read (a file stands in its place), 2 usage error, unknown entry or unreadable
entry file.`;

function _parse(args: string[]) {
  return parseFlags(args, {
    dir: { type: "string" },
    kind: { type: "string" },
    threshold: { type: "string" },
    yes: { type: "boolean", short: "y" },
    json: { type: "boolean" },
  });
}

type Values = ReturnType<typeof _parse>["values"];

const _ARITY: Record<string, [number, string[]]> = {
  list: [0, ["kind"]],
  show: [1, []],
  compare: [2, ["threshold"]],
  delete: [1, []],
  clear: [0, ["kind", "yes"]],
};

/**
 * Run `f`, turning the errors of the store (bad id, unknown or corrupt entry) into usage errors;
 * a failure of the file system (EACCES, EROFS: a history that cannot be written) is failed work,
 * exit code 1, as `cache clear` says it.
 */
async function _trouble<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (/^E[A-Z]+$/.test(String((e as { code?: unknown } | null)?.code))) throw e;
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/**
 * The ids as given, each `latest` / `latest~N` replaced by the id it stands for (newest first,
 * among the entries that can be read; the others are warned about, once).
 */
async function _resolveIds(ids: string[], dir: string | undefined): Promise<string[]> {
  let listed: Awaited<ReturnType<typeof listResults>> | undefined;
  const out: string[] = [];
  for (const id of ids) {
    if (/^latest(?:~\d+)?$/.test(id) && listed === undefined) {
      // Entries skipped (corrupt, another schema) are said, as `list` says them: `latest` is
      // the newest entry that could be read.
      listed = await _trouble(() => listResults({ dir }));
      for (const w of listed.warnings) console.error(`warning: ${w}`);
    }
    out.push(listed === undefined ? id : _resolveId(id, listed.entries, dir));
  }
  return out;
}

/** An id as given, or the id of `entries` (newest first) that `latest` / `latest~N` names. */
function _resolveId(id: string, entries: HistoryEntrySummary[], dir: string | undefined): string {
  const m = /^latest(?:~(\d+))?$/.exec(id);
  if (!m) return id;
  const entry = entries[Number(m[1] ?? 0)];
  if (!entry) {
    throw new UsageError(
      `no history entry "${id}": ${resolveStoreDir("history", { dir })} holds ` +
        `${entries.length} ${entries.length === 1 ? "entry" : "entries"}`,
    );
  }
  return entry.id;
}

async function _list(values: Values, dir: string | undefined): Promise<number> {
  const { entries, warnings } = await _trouble(() => listResults({ dir, kind: values.kind }));
  for (const w of warnings) console.error(`warning: ${w}`);
  if (values.json) print(JSON.stringify(entries, null, 2));
  else if (entries.length === 0) {
    print(`no history entries in ${resolveStoreDir("history", { dir })}`);
  } else {
    const rows = entries.map((e) => [e.id, e.kind, e.name ?? "-", e.savedAt]);
    print(formatTable([["id", "kind", "name", "saved at"], ...rows]));
  }
  return 0;
}

function _asSuite(e: HistoryEntry): SuiteResult | undefined {
  const p = e.payload as { format?: unknown } | null;
  return e.kind === "suite" && p !== null && typeof p === "object" && p.format === "amorsize-suite"
    ? p as SuiteResult
    : undefined;
}

const _isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Whether a suite result holds what its table shows: the runtime, the machine and each workload's
 * verdict (a result written by hand in the shortest form is shown as JSON instead).
 */
function _isRun(s: SuiteResult): boolean {
  const u = s as unknown as Record<string, unknown>;
  return _isObject(u.runtime) && typeof u.runtime.name === "string" && _isObject(u.system) &&
    typeof u.system.effectiveCores === "number" &&
    s.results.every((r) => typeof r.passed === "boolean" && Array.isArray(r.failures));
}

async function describeValue(values: Values, id: string, dir: string | undefined): Promise<number> {
  const e = await _trouble(() => loadResult(id, { dir }));
  if (values.json) {
    print(JSON.stringify(e, null, 2));
    return 0;
  }
  const suite = _asSuite(e);
  // What `history compare` refuses (another schema, results without names) is refused here too.
  if (suite) {
    await _trouble(() =>
      Promise.resolve().then(() => parseComparable(suite, `history entry ${e.id}`))
    );
  }
  print(`${e.id}  kind ${e.kind}  name ${e.name ?? "-"}  saved ${e.savedAt}\n`);
  print(suite && _isRun(suite) ? formatSuite(suite) : JSON.stringify(e.payload, null, 2));
  return 0;
}

async function _compare(values: Values, ids: string[], dir: string | undefined): Promise<number> {
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold > 0 && Number.isFinite(threshold))) {
    throw new UsageError(
      `--threshold must be a positive number, got ${JSON.stringify(values.threshold)}`,
    );
  }
  const [a, b] = await _trouble(() => Promise.all(ids.map((id) => loadResult(id, { dir }))));
  const [sa, sb] = [_asSuite(a), _asSuite(b)];
  for (const [e, s] of [[a, sa], [b, sb]] as const) {
    if (e.kind !== "suite") {
      throw new UsageError(`history entry ${e.id} is of kind "${e.kind}", not a suite run`);
    }
    // Of kind "suite" but saved by other code (the report reads `{ date, results }` too).
    if (!s) {
      throw new UsageError(
        `history entry ${e.id} is of kind "suite" but its payload is not a suite result ` +
          `(no format: "amorsize-suite"; \`suite run --save\` saves one)`,
      );
    }
  }
  const cmp = await _trouble(() =>
    Promise.resolve().then(() => comparePerformanceResults(sa!, sb!, { threshold }))
  );
  print(values.json ? JSON.stringify(cmp, null, 2) : formatComparison(cmp));
  return cmp.regressions.length > 0 || cmp.failed.length > 0 ? 1 : 0;
}

async function _delete(values: Values, id: string, dir: string | undefined): Promise<number> {
  const deleted = await _trouble(() => deleteResult(id, { dir }));
  if (!deleted) {
    throw new UsageError(`no history entry "${id}" in ${resolveStoreDir("history", { dir })}`);
  }
  print(values.json ? JSON.stringify({ deleted: id }) : `deleted ${id}`);
  return 0;
}

async function _clear(values: Values, dir: string | undefined): Promise<number> {
  if (!values.yes) throw new UsageError("history clear deletes entries: confirm with --yes");
  const n = await _trouble(() => clearResults({ dir, kind: values.kind }));
  print(
    values.json ? JSON.stringify({ deleted: n }) : `deleted ${n} ${n === 1 ? "entry" : "entries"}`,
  );
  return 0;
}

/**
 * The `history` subcommand.
 *
 * @example Usage
 * ```ts
 * import { command } from "./history.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(command.help, /history compare ID1 ID2/);
 * await assert.rejects(command.run(["show"]), { name: "UsageError" });
 * ```
 */
export const command: Command = {
  summary: "list, show, compare, delete or clear saved results",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = _parse(args);
    const [sub, ...rest] = positionals;
    const spec = sub === undefined ? undefined : _ARITY[sub];
    if (!spec) {
      throw new UsageError(
        sub === undefined
          ? "a subcommand is needed: list, show, compare, delete or clear"
          : `unknown subcommand "${sub}" (list, show, compare, delete or clear)`,
      );
    }
    const [arity, allowed] = spec;
    if (rest.length !== arity) {
      throw new UsageError(`history ${sub} takes ${arity} argument(s), got ${rest.length}`);
    }
    for (const key of Object.keys(values)) {
      if (!["dir", "json", ...allowed].includes(key)) {
        throw new UsageError(`history ${sub} does not take --${key}`);
      }
    }
    const dir = dirFlag(values.dir);
    rest.splice(0, rest.length, ...await _resolveIds(rest, dir));
    if (sub === "list") return await _list(values, dir);
    if (sub === "show") return await describeValue(values, rest[0], dir);
    if (sub === "compare") return await _compare(values, rest, dir);
    if (sub === "delete") return await _delete(values, rest[0], dir);
    return await _clear(values, dir);
  },
};
