// The CLI's faults: every error is one line on stderr with exit code 1 (the work failed) or 2
// (the command line is wrong), never a stack trace; a bad --html path is refused before the work.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cliCommand, denoBinary, oneLine, repoRoot } from "./_cli.ts";
import { fixtureModule } from "./_helpers.ts";
import { runtime } from "../src/runtime/detect.ts";

const tasks = fileURLToPath(fixtureModule("faults/tasks"));
const home = mkdtempSync(join(tmpdir(), "amorsize-fault-cli-"));

function cli(...args: string[]) {
  const { cmd, args: pre } = cliCommand();
  const r = spawnSync(cmd, [...pre, ...args], {
    cwd: repoRoot(),
    encoding: "utf8",
    env: { ...process.env, AMORSIZE_HOME: home, NO_COLOR: "1" },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "").trim() };
}

test("fault cli: a huge --range is a usage error (exit 2), not a crash", () => {
  const r = cli(
    "execute",
    `${tasks}#throwString`,
    "--range",
    "99999999999",
    "--executor",
    "inline",
  );
  assert.equal(r.code, 2, r.stderr);
  oneLine(r.stderr, /--range must be at most/);
});

test("fault cli: a negative number for a flag is the flag's own usage error", () => {
  // The parser took "-5" for an option: "argument is ambiguous".
  const r = cli("execute", `${tasks}#throwString`, "--range", "-5");
  assert.equal(r.code, 2, r.stderr);
  oneLine(r.stderr, /--range must be an integer >= 0, got "-5"/);
  const w = cli("execute", `${tasks}#throwString`, "--range", "3", "--workers", "-2");
  assert.equal(w.code, 2, w.stderr);
  oneLine(w.stderr, /--workers must be an integer >= 1, got "-2"/);
});

test("fault cli: a --configs number beyond 2^53 - 1 is a usage error, not another number", () => {
  // "workers:99999999999999999999" ran, shown as "workers 100000000000000000000".
  const big = "99999999999999999999";
  const runs: [string, RegExp][] = [
    [`workers:${big}`, /--configs: the worker count must be an integer >= 1 in "workers:9+"$/],
    [`workers:2:${big}`, /--configs: the chunk size must be an integer >= 1 in "workers:2:9+"$/],
    [`async:${big}`, /--configs: the concurrency must be an integer >= 1 in "async:9+"$/],
  ];
  for (const [configs, message] of runs) {
    const r = cli("compare", `${tasks}#nothing`, "--range", "4", "--configs", configs);
    assert.equal(r.code, 2, `${configs}: ${r.stderr}`);
    oneLine(r.stderr, message);
  }
});

test("fault cli: a --timeout no timer can wait, or an empty --dir, is a usage error (exit 2) before the work", () => {
  // 2^31 ms wrapped to 1 ms: compare and validate timed out at once, validate-system found no
  // worker answering (exit 1); tune and the library's 'dir' check threw a RangeError (exit 1).
  const big = "2147483648";
  const runs = [
    ["validate", `${tasks}#nothing`, "--range", "20", "--timeout", big],
    ["compare", `${tasks}#nothing`, "--range", "20", "--configs", "inline", "--timeout", big],
    ["validate-system", "--timeout", big],
    ["tune", `${tasks}#nothing`, "--range", "20", "--timeout", big],
  ];
  for (const args of runs) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    oneLine(r.stderr, /--timeout must be at most 2147483647 ms .*, got "2147483648"/);
  }
  for (
    const args of [["suite", "run", "--save", "--dir", ""], [
      "report",
      "--suite-history",
      "--dir",
      "",
      "--html",
      join(home, "r.html"),
    ]]
  ) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    oneLine(r.stderr, /--dir needs a directory, got an empty string/);
  }
});

test("fault cli: a bad AMORSIZE_CPUS or AMORSIZE_MEMORY is a usage error (exit 2) on every command", () => {
  // docs/probe.md says so; only `system` did (the others exited 1, as failed work).
  const { cmd, args: pre } = cliCommand();
  const run = (env: Record<string, string>, ...args: string[]) => {
    const r = spawnSync(cmd, [...pre, ...args], {
      cwd: repoRoot(),
      encoding: "utf8",
      env: { ...process.env, AMORSIZE_HOME: home, NO_COLOR: "1", ...env },
      timeout: 120_000,
    });
    return { code: r.status, stderr: (r.stderr ?? "").trim() };
  };
  for (const args of [["optimize", `${tasks}#throwString`, "--range", "5"], ["system"]]) {
    const r = run({ AMORSIZE_CPUS: "abc" }, ...args);
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    oneLine(r.stderr, /'AMORSIZE_CPUS' must be a positive integer, got "abc"/);
  }
  const m = run({ AMORSIZE_MEMORY: "12X" }, "execute", `${tasks}#throwString`, "--range", "3");
  assert.equal(m.code, 2, m.stderr);
  oneLine(m.stderr, /'AMORSIZE_MEMORY' must be/);
});

test("fault cli: execute and tune say that they write no HTML report for --html", () => {
  // They took --html, checked the path, and wrote nothing without a word.
  const basic = fileURLToPath(fixtureModule("tasks/basic"));
  const file = join(home, "none.html");
  const e = cli("execute", `${basic}#square`, "--range", "2", "--html", file);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stderr, /note: execute writes no HTML report \(--html .*none\.html ignored\)/);
  const t = cli("tune", `${basic}#square`, "--range", "20", "--max-configs", "1", "--html", file);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, /note: tune writes no HTML report/);
});

test("fault cli: tune whose every configuration failed exits 1, one line a row", () => {
  // It exited 0 with "best: inline, — ms", and a two-line error broke its table.
  const r = cli("tune", `${tasks}#throwTwoLines`, "--range", "4", "--max-configs", "2");
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^amorsize tune: every configuration failed: .*item 1.*first line$/m);
  assert.doesNotMatch(r.stdout, /^\s*second line/m); // no stray row
});

test("fault cli: a cache or history directory that is a file is failed work, not an empty store", () => {
  // cache stats read 0 entries with exit code 0; history list said "no history entries".
  const file = join(home, "not-a-dir");
  writeFileSync(file, "");
  const c = spawnSync(cliCommand().cmd, [...cliCommand().args, "cache", "stats"], {
    cwd: repoRoot(),
    encoding: "utf8",
    env: { ...process.env, AMORSIZE_HOME: file, NO_COLOR: "1" },
    timeout: 120_000,
  });
  assert.equal(c.status, 1, c.stderr);
  // A sentence naming the variable, not the OS error (ENOTDIR: not a directory, readdir '…').
  const said = (dir: string, home?: string) =>
    new RegExp(
      `The store directory ${escape(dir)} is not usable: a file lies at that path or above it` +
        (home ? ` \\(AMORSIZE_HOME is ${escape(home)}: it must name a directory\\)` : "") + "$",
    );
  oneLine(c.stderr.trim(), said(join(file, "cache"), file));
  const h = cli("history", "list", "--dir", file);
  assert.equal(h.code, 1, h.stderr);
  oneLine(h.stderr, said(file));
});

test("fault cli: help COMMAND is the command's help; a --data file may start with a byte-order mark", () => {
  const h = cli("help", "optimize");
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /^Usage: amorsize optimize /);
  const data = join(home, "bom.json");
  writeFileSync(data, "\uFEFF[1, 2]");
  const basic = fileURLToPath(fixtureModule("tasks/basic"));
  const r = cli("execute", `${basic}#square`, "--data", data, "--json");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [1, 4]);
});

test("fault cli: an unwritable --html path is refused before the work (exit 2)", () => {
  const file = join(home, "a-file");
  writeFileSync(file, "");
  for (const html of [join(file, "r.html"), home]) {
    // Refused before the work (spinLong never runs); checked after it, the exit code would be 0.
    const r = cli("optimize", `${tasks}#spinLong`, "--range", "50", "--html", html);
    assert.equal(r.code, 2, r.stderr);
    oneLine(r.stderr, /--html/);
  }
  const r = cli("report", "--suite-history", "--html", join(file, "sub", "r.html"));
  assert.equal(r.code, 2, r.stderr);
  oneLine(r.stderr, /is not a directory/);
});

test(
  "fault cli: an --html report that cannot be written on a full disk exits 1 after the result",
  { skip: process.getuid?.() === 0 ? false : "needs root to mount a small tmpfs" },
  (t) => {
    const disk = mkdtempSync(join(tmpdir(), "amorsize-full-disk-"));
    if (spawnSync("mount", ["-t", "tmpfs", "-o", "size=8k", "tmpfs", disk]).status !== 0) {
      return t.skip("mount -t tmpfs is not allowed here");
    }
    try {
      // The write check before the work passes (an empty file); the report itself does not fit.
      writeFileSync(join(disk, "filler"), "");
      spawnSync("dd", ["if=/dev/zero", `of=${join(disk, "filler")}`, "bs=1k", "count=100"]);
      for (const command of ["optimize", "validate", "compare"]) {
        const args = [command, `${tasks}#nothing`, "--range", "20", "--html", join(disk, "r.html")];
        if (command !== "optimize") args.push("--repeats", "1");
        const r = cli(...args);
        // It was exit 0: the README gives 1 for output that cannot be written.
        assert.equal(r.code, 1, `${command}: ${r.stderr}`);
        assert.notEqual(r.stdout, "", `${command} printed its result`);
        oneLine(r.stderr, /--html .*: the report was not written: .*(ENOSPC|No space left)/);
      }
    } finally {
      spawnSync("umount", [disk]);
      rmSync(disk, { recursive: true, force: true });
    }
  },
);

test(
  "fault cli: output that cannot be written fails the command (exit 1); a reader that stops early does not",
  {
    skip: existsSync("/dev/full") ? false : "no /dev/full here",
  },
  () => {
    // /dev/full refuses every write (ENOSPC): Node's and Bun's console dropped the error, exit 0.
    const { cmd, args: pre } = cliCommand();
    const full = openSync("/dev/full", "w");
    try {
      for (const args of [["system"], ["execute", `${tasks}#nothing`, "--range", "3", "--json"]]) {
        const r = spawnSync(cmd, [...pre, ...args], {
          cwd: repoRoot(),
          encoding: "utf8",
          env: { ...process.env, AMORSIZE_HOME: home, NO_COLOR: "1" },
          stdio: ["ignore", full, "pipe"],
          timeout: 120_000,
        });
        assert.equal(r.status, 1, `${args[0]}: ${r.stderr}`);
        oneLine(r.stderr, /^amorsize: the output cannot be written: .*(ENOSPC|No space left)/);
      }
    } finally {
      closeSync(full);
    }
  },
);

test("fault cli: a reader that closes the pipe early (| head) is no failure", async () => {
  // A megabyte of output (200,000 lines): the pipe fills, the reader closes it after its first
  // bytes, and the command's later writes meet EPIPE.
  const { cmd, args: pre } = cliCommand();
  const child = spawn(cmd, [...pre, "execute", `${tasks}#nothing`, "--range", "200000"], {
    cwd: repoRoot(),
    env: { ...process.env, AMORSIZE_HOME: home, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += String(d)));
  child.stdout.once("data", () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|broken pipe|^\s+at /im);
});

test("fault cli: a run on 12 workers writes its results without a listener warning", () => {
  // Node: each worker's stdout is piped into the process's, an error listener each; the output's
  // own listener came after them, one too many: "MaxListenersExceededWarning" on stderr.
  const r = cli("execute", `${tasks}#nothing`, "--range", "24", "--workers", "12");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split("\n").length, 24);
  assert.doesNotMatch(r.stderr, /MaxListeners|memory leak/);
});

test("fault cli: a task that fails is one line and exit 1", () => {
  const r = cli("execute", `${tasks}#throwBare`, "--range", "5", "--executor", "inline");
  assert.equal(r.code, 1, r.stderr);
  oneLine(r.stderr, /item 2/);
});

test("fault cli: results JSON cannot hold are one line and exit 1", () => {
  const r = cli("execute", `${tasks}#toBigInt`, "--range", "3", "--executor", "inline", "--json");
  assert.equal(r.code, 1, r.stderr);
  oneLine(r.stderr, /BigInt/);
});

test("fault cli: a result JSON would change fails the run, naming its item, on every executor", () => {
  // Printed as null or {} with exit code 0 where the run was inline; a RegExp, an Error or an
  // ArrayBuffer printed {} and a typed array {"0":1,"1":2} on every executor. Item 1 of [0, k]
  // returns it.
  const what = [
    "a symbol",
    "a function",
    "NaN",
    "a Map",
    "Infinity",
    "a RegExp",
    'a TypeError \\("no way"\\)',
    "a Uint8Array",
    "an ArrayBuffer",
    // JSON's own refusals, which named no item (a cycle: three lines of its path).
    "a cycle \\(a value that contains itself\\)",
    "a value JSON refused \\(",
    "a generator \\(its values are not a result\\)",
  ];
  for (const [k, re] of what.entries()) {
    const data = join(home, `data-${k}.json`);
    writeFileSync(data, JSON.stringify([0, k + 1]));
    for (const executor of ["inline", "workers"]) {
      const r = cli("execute", `${tasks}#unwritable`, "--data", data, "--executor", executor);
      assert.equal(r.code, 1, `${executor} ${re}: ${r.stderr}`);
      // A symbol or a function cannot come back from a worker at all: the run's own error.
      const cloned = executor === "workers" && (k < 2 || k >= 10);
      oneLine(
        r.stderr,
        cloned
          ? /item 1/
          : new RegExp(`Result of item 1 cannot be written as JSON: it holds ${re}`),
      );
    }
  }
  // A task that returns nothing prints null, one per item.
  const r = cli("execute", `${tasks}#nothing`, "--range", "2", "--executor", "inline");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "null\nnull\n");
});

test("fault cli: a bad flag of a task command is named before stdin is read", () => {
  // The command's own flags were checked after the data: stdin was read to its end first (a
  // writer that kept it open made the command wait), and its garbage was the error reported.
  const { cmd, args: pre } = cliCommand();
  const basic = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;
  const runs: [string[], RegExp][] = [
    [["optimize", basic, "--max-workers", "abc"], /--max-workers must be an integer >= 1/],
    [["execute", basic, "--workers", "abc"], /--workers must be an integer >= 1, got "abc"/],
    [["execute", basic, "--executor", "gpu"], /--executor must be one of inline, async/],
    [["validate", basic, "--repeats", "0"], /--repeats must be an integer >= 1, got "0"/],
    [["compare", basic, "--configs", "gpu:2"], /--configs/],
    [["tune", basic, "--strategy", "best"], /--strategy must be grid, bayesian or auto/],
    [["tune", basic, "--timeout", "1e99"], /--timeout must be an integer >= 1, got "1e99"/],
  ];
  for (const [args, message] of runs) {
    const r = spawnSync(cmd, [...pre, ...args], {
      cwd: repoRoot(),
      encoding: "utf8",
      env: { ...process.env, AMORSIZE_HOME: home, NO_COLOR: "1" },
      input: "not JSON\n",
      timeout: 120_000,
    });
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    oneLine(r.stderr.trim(), message);
  }
});

test("fault cli: stdin that is a directory is a usage error on every runtime", () => {
  // `amorsize execute M#f < DIR`: Deno and Node read no lines and ran on no data (exit code 0),
  // Bun failed with "Error: EISDIR: illegal operation on a directory, fstat" (exit code 1). The
  // shell opens the directory as stdin (Deno's spawnSync takes no file descriptor there).
  const { cmd, args: pre } = cliCommand();
  const basic = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;
  const r = spawnSync("sh", ["-c", '"$0" "$@" < "$STDIN_DIR"', cmd, ...pre, "execute", basic], {
    cwd: repoRoot(),
    encoding: "utf8",
    env: { ...process.env, AMORSIZE_HOME: home, NO_COLOR: "1", STDIN_DIR: home },
    timeout: 120_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, "");
  oneLine(r.stderr.trim(), /^amorsize execute: stdin is a directory: give --range N or --data/);
});

test("fault cli: a task whose promise never settles on the calling thread ends the command: one line, exit 1", () => {
  // Nothing else left to run: Bun waited forever, Node exited with code 13 and a warning, Deno
  // printed "Top-level await promise never resolved" with a stack frame.
  for (const executor of ["inline", "async"]) {
    const r = cli("execute", `${tasks}#never`, "--range", "3", "--executor", executor);
    assert.equal(r.code, 1, `${executor}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    oneLine(r.stderr, /^amorsize execute: stopped with nothing left to run: .* never settles/);
  }
});

test("fault cli: a task that calls process.exit(0) on the calling thread fails the command: one line, exit 1", () => {
  // The process ended with exit code 0 and printed nothing: the results were lost without a word.
  // A call in a task's synchronous part is refused (its item fails); one after an await ends
  // the process, and the command says so.
  for (const executor of ["inline", "async"]) {
    const r = cli("execute", `${tasks}#exitNow`, "--range", "3", "--executor", executor);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, "");
    oneLine(
      r.stderr,
      /^amorsize execute: TaskError: Task failed on item 0: The task called exit\(0\)/,
    );
  }
  const r = cli("execute", `${tasks}#exitAfterAwait`, "--range", "3", "--executor", "async");
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, "");
  oneLine(r.stderr, /^amorsize execute: the process was ended \(exit code 0\) before the command/);
  // An uncaught error in a task's timer is not an exit call.
  const t = cli("execute", `${tasks}#throwInTimer`, "--range", "3", "--executor", "async");
  assert.notEqual(t.code, 0, t.stderr);
  assert.match(t.stderr, /timer boom/);
  assert.doesNotMatch(t.stderr, /process\.exit/);
});

test("fault cli: an error no call catches (a task's timer) is one line and exit 1, no stack trace", () => {
  // The runtime's own report: the task's source line, a caret and a stack trace (Deno, Bun, Node).
  const t = cli("execute", `${tasks}#throwInTimer`, "--range", "3", "--executor", "async");
  assert.equal(t.code, 1, t.stderr);
  oneLine(
    t.stderr,
    /^amorsize execute: an error no call caught ended the command .*: Error: timer boom$/,
  );
});

test("fault cli: a flag that takes a value given twice is a usage error on every command", () => {
  // The parser kept the last value without a word: `--range 2 --range 3` ran three items.
  const basic = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;
  const runs: [string[], RegExp][] = [
    [["execute", basic, "--range", "2", "--range=3"], /--range is given twice \("2" and "3"\)/],
    [
      ["optimize", basic, "--range", "2", "--max-workers", "1", "--max-workers", "2"],
      /--max-workers/,
    ],
    [["history", "list", "--kind", "suite", "--kind", "validation"], /--kind is given twice/],
    [["cache", "stats", "--dir", home, "--dir", home], /--dir is given twice/],
    [["system", "--root", "/", "--root", "/"], /--root is given twice/],
    [["suite", "list", "--workloads", "mixed", "--workloads", "mixed"], /--workloads is given/],
  ];
  for (const [args, message] of runs) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    oneLine(r.stderr, message);
  }
  // A switch given twice means what it means once.
  const r = cli("execute", basic, "--range", "2", "--json", "--json", "--executor", "inline");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [0, 1]);
});

test("fault cli: a task module that is a directory or a missing file: URL is the same usage error on every runtime", () => {
  // Each runtime's loader answered in its own words: Bun "Cannot find module" for a directory
  // that exists, Deno and Node "Directory import … is not supported"; a file: URL was not
  // checked as a path is.
  const dir = fileURLToPath(new URL(".", fixtureModule("tasks/basic")));
  const runs: [string, RegExp][] = [
    [
      `${dir}#square`,
      /^amorsize execute: the task module .*tasks\/? is a directory: name a module/,
    ],
    [`${pathToFileURL(dir).href}#square`, /the task module .*tasks\/? is a directory/],
    [
      "file:///no/such/dir/m.js#square",
      /^amorsize execute: task module not found: \/no\/such\/dir\/m\.js$/,
    ],
  ];
  for (const [spec, message] of runs) {
    const r = cli("execute", spec, "--range", "2");
    assert.equal(r.code, 2, `${spec}: ${r.stderr}`);
    oneLine(r.stderr, message);
  }
  // A file: URL of a module that is there runs.
  const ok = cli("execute", `${fixtureModule("tasks/basic")}#square`, "--range", "2", "--json");
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout), [0, 1]);
});

test("fault cli: each command's help names the exit code 1 it gives", () => {
  // compare and optimize said "0 ok, 2 usage error", validate only "1 below", history nothing of
  // a directory it cannot read: each gives 1 for the failures below.
  const c = cli("compare", `${tasks}#throwBare`, "--range", "5", "--configs", "inline");
  assert.equal(c.code, 1, c.stderr);
  const v = cli("validate", `${tasks}#throwBare`, "--range", "5", "--repeats", "1");
  assert.equal(v.code, 1, v.stderr);
  const file = join(home, "history-file");
  writeFileSync(file, "");
  const h = cli("history", "list", "--dir", file);
  assert.equal(h.code, 1, h.stderr);
  const helps: [string, RegExp][] = [
    ["compare", /1 the task failed on an item/],
    ["validate", /the task failed on an item/],
    ["optimize", /1 the\s+--html report cannot be written/],
    ["history", /the history\s+directory cannot be read/],
  ];
  for (const [command, re] of helps) {
    const r = cli(command, "--help");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.slice(r.stdout.indexOf("Exit codes:")), re, command);
  }
});

test("fault cli: an empty --data or --html, a --data directory or missing file, is named the same on every runtime", () => {
  // An empty value meant the working directory: "--data : error (Is a directory (os error 21)
  // …)" on Deno, "(EISDIR: illegal operation on a directory, read)" on Bun and Node; "--html  is
  // a directory".
  const basic = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;
  const missing = join(home, "no-such-data.json");
  const runs: [string[], RegExp][] = [
    [["--data", ""], /^amorsize execute: --data needs a JSON file, got an empty string$/],
    [["--data", home], /^amorsize execute: --data .* is a directory, not a JSON file$/],
    [["--data", missing], /^amorsize execute: --data .*no-such-data\.json: no such file \(/],
    [["--range", "2", "--html="], /^amorsize execute: --html needs a file, got an empty string$/],
  ];
  for (const [args, message] of runs) {
    const r = cli("execute", basic, ...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    oneLine(r.stderr, message);
    assert.doesNotMatch(r.stderr, /os error|EISDIR|ENOENT/);
  }
});

test("fault cli: suite compare names an empty path, a directory or a missing file the same on every runtime", () => {
  // "Cannot read /tmp: Is a directory (os error 21): readfile '/tmp'" on Deno, "EISDIR: illegal
  // operation on a directory, read" on Bun and Node; "No such file or directory (os error 2)" and
  // "ENOENT: no such file or directory, open" for a missing one.
  const missing = join(home, "no-such-result.json");
  const runs: [string, RegExp][] = [
    ["", /^amorsize suite: Cannot read a result file: its path is an empty string$/],
    [home, /^amorsize suite: Cannot read .+: it is a directory, not a JSON file$/],
    [missing, /^amorsize suite: Cannot read .*no-such-result\.json: no such file$/],
  ];
  for (const [file, message] of runs) {
    const r = cli("suite", "compare", file, file);
    assert.equal(r.code, 2, `${file}: ${r.stderr}`);
    oneLine(r.stderr, message);
  }
});

test("fault cli: Deno without --allow-read says the task module cannot be read, not that it is missing", () => {
  // "task module not found: …/basic.ts" for a module that is there: the check of the path took
  // Deno's permission error for a missing file. (Run on the pinned deno binary from any runtime.)
  const deno = denoBinary();
  if (deno === undefined) return;
  const root = repoRoot();
  const module = join(root, "tests", "fixtures", "tasks", "basic.ts");
  const r = spawnSync(
    deno,
    [
      "run",
      "--no-prompt",
      join(root, "src/cli/main.ts"),
      "execute",
      `${module}#square`,
      "--range",
      "2",
    ],
    { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 },
  );
  assert.equal(r.status, 2, r.stderr);
  oneLine(
    r.stderr.trim(),
    /^amorsize execute: the task module .*basic\.ts cannot be read: .*--allow-read/,
  );
});

test("fault cli: Deno without read or write access says why an --html path is refused", () => {
  // Without read access the check walked up to the root: "--html r.html: / is not a directory";
  // without write access: "the directory … is not writable", of a directory that is writable.
  const deno = denoBinary();
  if (deno === undefined) return;
  const root = repoRoot();
  const module = join(root, "tests", "fixtures", "tasks", "basic.ts");
  const html = join(home, "denied.html");
  const runs: [string, RegExp][] = [
    [`--allow-read=${module}`, /--html .*denied\.html: .* cannot be looked at \(.*--allow-read/],
    ["--allow-read", /--html .*denied\.html: the directory .* is not writable \(.*--allow-write/],
  ];
  for (const [allow, message] of runs) {
    const args = ["run", "--no-prompt", allow, join(root, "src/cli/main.ts"), "optimize"];
    args.push(`${module}#square`, "--range", "2", "--html", html);
    const r: SpawnSyncReturns<string> = spawnSync(deno, args, {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
      timeout: 120_000,
    });
    assert.equal(r.status, 2, r.stderr);
    oneLine(r.stderr.trim(), message);
  }
});

test("fault cli: a flag of another executor is a usage error naming both flags", () => {
  // `--executor inline --workers 4` ran inline and dropped the 4 without a word (Deno, Bun, Node).
  const basic = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;
  const runs: [string[], RegExp][] = [
    [
      ["--executor", "inline", "--workers", "4"],
      /^amorsize execute: --workers 4 contradicts --executor inline: workers apply to the workers executor only$/,
    ],
    [
      ["--executor", "async", "--chunk-size", "8"],
      /^amorsize execute: --chunk-size 8 contradicts --executor async: a chunk size applies to the workers executor only$/,
    ],
    [
      ["--executor", "inline", "--concurrency", "4"],
      /--concurrency 4 contradicts --executor inline: concurrency applies to the async executor only$/,
    ],
    [
      ["--executor", "workers", "--concurrency", "4"],
      /--concurrency 4 contradicts --executor workers: concurrency applies to the async executor/,
    ],
    [
      ["--workers", "2", "--concurrency", "4"],
      /--concurrency 4 contradicts --workers 2 \(the workers executor\): concurrency applies/,
    ],
  ];
  for (const [flags, message] of runs) {
    const r = cli("execute", basic, "--range", "3", ...flags);
    assert.equal(r.code, 2, `${flags.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    oneLine(r.stderr, message);
  }
  // What each executor uses still runs.
  for (const flags of [["--executor", "async", "--concurrency", "2"], ["--concurrency", "2"]]) {
    const r = cli("execute", basic, "--range", "3", "--json", ...flags);
    assert.equal(r.code, 0, `${flags.join(" ")}: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout), [0, 1, 4]);
  }
});

test("fault cli: a misspelt flag is named with the flags it may have meant", () => {
  // "Unknown option '--worker'" and nothing more, where a misspelt command gets a suggestion.
  const basic = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;
  const runs: [string[], RegExp][] = [
    [
      ["execute", basic, "--range", "3", "--worker", "4"],
      /^amorsize execute: Unknown option '--worker'; did you mean '--workers'\?$/,
    ],
    [
      ["execute", basic, "--range", "3", "--chunksize=4"],
      /^amorsize execute: Unknown option '--chunksize'; did you mean '--chunk-size'\?$/,
    ],
    [
      ["validate", basic, "--range", "3", "--repeat", "1"],
      /'--repeat'; did you mean '--repeats'\?$/,
    ],
    [["history", "list", "--knd", "suite"], /^amorsize history: .*did you mean '--kind'\?$/],
    // Nothing close: the unknown flag alone.
    [["execute", basic, "--range", "3", "--bogus"], /^amorsize execute: Unknown option '--bogus'$/],
  ];
  for (const [args, message] of runs) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    oneLine(r.stderr, message);
  }
});

test("fault cli: every integer flag reads decimal digits only, as --workers does", () => {
  // Number() took "0x10" and "1e1" for 16 and 10 where --workers refused them: optimize
  // --max-workers (also "2.5" was said as 2.5), suite run --repeats (also "5.0" and "+5").
  const basic = `${fileURLToPath(fixtureModule("tasks/basic"))}#square`;
  const runs: [string[], RegExp][] = [];
  for (const loose of ["0x10", "1e1", "5.0", "+5", ""]) {
    const got = JSON.stringify(loose).replace("+", "\\+").replace(".", "\\.");
    runs.push(
      [
        ["optimize", basic, "--range", "3", `--max-workers=${loose}`],
        new RegExp(`^amorsize optimize: --max-workers must be an integer >= 1, got ${got}$`),
      ],
      [
        ["suite", "run", "--workloads", "mixed", `--repeats=${loose}`],
        new RegExp(`^amorsize suite: --repeats must be an integer >= 1, got ${got}$`),
      ],
      [
        ["validate", basic, "--range", "3", `--repeats=${loose}`],
        new RegExp(`^amorsize validate: --repeats must be an integer >= 1, got ${got}$`),
      ],
    );
  }
  runs.push([
    ["compare", basic, "--range", "3", "--configs", "workers:0x2"],
    /--configs: the worker count must be an integer >= 1 in "workers:0x2"$/,
  ]);
  for (const [args, message] of runs) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    oneLine(r.stderr, message);
  }
});

test("fault cli: an --html report over one of the command's own inputs is refused before the work", () => {
  // `optimize M#f --data d.json --html d.json` replaced the data with the report once the work was
  // done (exit 0, on Deno, Bun and Node); so did --html naming the task module, or a link to either.
  const dir = mkdtempSync(join(home, "inputs-"));
  const data = join(dir, "items.json");
  writeFileSync(data, "[1, 2, 3]");
  const module = join(dir, "tasks.js");
  writeFileSync(module, "export const square = (x) => x * x;\n");
  const link = join(dir, "link.json");
  symlinkSync(data, link);
  const runs: [string[], RegExp][] = [
    [
      ["optimize", `${module}#square`, "--data", data, "--html", data],
      /^amorsize optimize: --html .*items\.json is the same file as --data .*items\.json: the report would overwrite it/,
    ],
    [
      ["compare", `${module}#square`, "--data", data, "--html", link, "--configs", "inline"],
      /^amorsize compare: --html .*link\.json is the same file as --data .*items\.json:/,
    ],
    [
      ["validate", `${module}#square`, "--range", "3", "--html", module],
      /^amorsize validate: --html .*tasks\.js is the same file as the task module .*tasks\.js:/,
    ],
    [
      ["report", "--optimize", `${module}#square`, "--data", data, "--html", data],
      /^amorsize report: --html .*items\.json is the same file as --data /,
    ],
    [
      ["report", "--suite-history", "--dir", dir, "--html", join(dir, "r.json")],
      /^amorsize report: --html .*r\.json is a file of the history directory .*: the report would be read back/,
    ],
  ];
  for (const [args, message] of runs) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    oneLine(r.stderr, message);
  }
  assert.equal(readFileSync(data, "utf8"), "[1, 2, 3]");
  assert.equal(readFileSync(module, "utf8"), "export const square = (x) => x * x;\n");
  assert.equal(existsSync(join(dir, "r.json")), false);
});

test(
  "fault cli: Deno without --allow-env says once that AMORSIZE_HOME cannot be read, and which directory is used (Deno only: Bun and Node have no permissions)",
  { skip: runtime().name !== "deno" ? "only Deno refuses reading an environment variable" : false },
  () => {
    // A set AMORSIZE_HOME was ignored without a word: `cache stats` used the user cache directory
    // (with --allow-sys), or failed saying "pass { dir } or set AMORSIZE_HOME" (without it).
    const root = repoRoot();
    const user = mkdtempSync(join(home, "user-"));
    const run = (allow: string[], ...args: string[]) => {
      const argv = ["run", "--no-prompt", ...allow, join(root, "src/cli/main.ts"), ...args];
      const r = spawnSync(denoBinary() ?? process.execPath, argv, {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, AMORSIZE_HOME: home, HOME: user, NO_COLOR: "1" },
        timeout: 120_000,
      });
      const warnings = (r.stderr ?? "").split("\n").filter((l) => /AMORSIZE_HOME/.test(l));
      return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", warnings };
    };
    const rw = ["--allow-read", "--allow-write"];
    // The home directory readable: the directory used instead is named, once.
    const used = join(user, ".cache", "amorsize");
    for (
      const args of [["cache", "stats"], [
        "report",
        "--suite-history",
        "--html",
        join(user, "r.html"),
      ]]
    ) {
      const r = run([...rw, "--allow-sys"], ...args);
      assert.deepEqual(r.warnings, [
        `warning: AMORSIZE_HOME cannot be read without --allow-env: amorsize keeps its files in ${used} instead`,
      ], `${args.join(" ")}: ${r.stderr}`);
    }
    const stats = run([...rw, "--allow-sys"], "cache", "stats");
    assert.equal(stats.code, 0, stats.stderr);
    assert.match(stats.stdout, new RegExp(`^directory +${used}/cache$`, "m"));
    // Not readable either: no directory, and the error says to allow reading AMORSIZE_HOME.
    const none = run(rw, "cache", "stats");
    assert.equal(none.code, 1, none.stderr);
    assert.equal(none.warnings.length, 2, none.stderr);
    assert.match(
      none.warnings[0],
      /^warning: AMORSIZE_HOME cannot be read without --allow-env: amorsize has no directory for its files/,
    );
    assert.match(
      none.warnings[1],
      /^amorsize cache: Cannot locate .* and AMORSIZE_HOME cannot be read without --allow-env; pass \{ dir \} or set AMORSIZE_HOME, and allow reading it \(deno run --allow-env\)$/,
    );
    // With --allow-env, AMORSIZE_HOME is the directory and nothing is said.
    const env = run([...rw, "--allow-env"], "cache", "stats");
    assert.equal(env.code, 0, env.stderr);
    assert.deepEqual(env.warnings, []);
    assert.match(env.stdout, new RegExp(`^directory +${join(home, "cache")}$`, "m"));
  },
);

test("fault cli: cleanup", () => rmSync(home, { recursive: true, force: true }));

/** `s` with the characters of a regular expression escaped. */
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
