// amorsize imported from an http(s) URL (as from JSR or a CDN) still starts its workers: the source
// tree is served on 127.0.0.1 and a Deno process that may import from that host only (no read, no
// net) runs an inline task and a module task, both on 2 workers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, normalize, sep } from "node:path";
import process from "node:process";
import { runtime } from "../src/runtime/detect.ts";
import { denoBinary, repoRoot } from "./_cli.ts";

const deno = denoBinary();
const skip = runtime().name !== "deno"
  ? `runs on Deno only: ${runtime().name} cannot import modules from http(s) URLs`
  : deno === undefined
  ? "node_modules/.bin/deno is not installed"
  : false;
if (skip) console.log(`remote_worker_test: skipped, ${skip}`);

const TYPES: Record<string, string> = {
  ".ts": "application/typescript",
  ".js": "application/javascript",
};

/** Serve the repository read-only (GET of .ts/.js files under it) on 127.0.0.1; log the paths. */
function serveRepo(log: string[]): Promise<{ server: Server; port: number }> {
  const root = repoRoot();
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = normalize(join(root, path));
    const type = TYPES[file.slice(file.lastIndexOf("."))];
    log.push(path);
    if (req.method !== "GET" || !file.startsWith(root + sep) || !type) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({ server, port: (server.address() as { port: number }).port });
    });
  });
}

/** Run `deno` with `args` (asynchronously: the server answers from this process). */
function runDeno(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(deno!, args, {
      env: { ...process.env, ...env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => stdout += d);
    child.stderr.on("data", (d) => stderr += d);
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const script = (base: string) => `
const { execute, task } = await import("${base}/mod.ts");
const { workerEntryUrl } = await import("${base}/src/engine/_worker_set.ts");
const items = [1, 2, 3, 4, 5, 6, 7, 8];
const opts = { executor: "workers", workers: 2, chunkSize: 2 };
const inline = await execute((x) => x * 10, items, opts);
const module = await execute(task("${base}/tests/fixtures/tasks/basic.ts", "square"), items, opts);
console.log(JSON.stringify({ entry: workerEntryUrl().protocol, inline, module }));
`;

test(
  "remote worker: amorsize imported from http:// runs tasks on 2 workers",
  { skip },
  async () => {
    const log: string[] = [];
    const { server, port } = await serveRepo(log);
    const dir = mkdtempSync(join(tmpdir(), "amorsize-remote-"));
    try {
      const base = `http://127.0.0.1:${port}`;
      const file = join(dir, "use_remote.ts");
      writeFileSync(file, script(base));
      // A fresh DENO_DIR: nothing comes from an earlier run's cache of these URLs.
      const env = { DENO_DIR: join(dir, "deno_dir") };
      const res = await runDeno(
        ["run", "--no-prompt", `--allow-import=127.0.0.1:${port}`, file],
        env,
      );
      assert.equal(res.code, 0, res.stderr);
      const out = JSON.parse(res.stdout.trim().split("\n").at(-1)!);
      assert.equal(out.entry, "data:", "the worker starts from a data: module");
      assert.deepEqual(out.inline, [10, 20, 30, 40, 50, 60, 70, 80]);
      assert.deepEqual(out.module, [1, 4, 9, 16, 25, 36, 49, 64]);
      assert.ok(log.includes("/src/engine/_worker_entry.ts"), "the workers fetched the entry");
      assert.ok(log.includes("/tests/fixtures/tasks/basic.ts"), "the workers fetched the task");

      // Without --allow-import the import is refused with Deno's message, and nothing hangs.
      const denied = await runDeno(["run", "--no-prompt", file], env);
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /--allow-import/);
    } finally {
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
