// The local HTTP servers of the decision-quality benchmark: one in the benchmark's own process
// (`startServer`), one in a process of its own (`spawnServer`, running `_dq_server_main`).
// `/item/N` answers at once with a small JSON body, `/slow/N?ms=M` after M milliseconds.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { runtime } from "../src/runtime/detect.ts";

/** A started server: its base URL and a way to stop it. */
export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Start the server on a free port of 127.0.0.1. `keepAlive`: the server holds its process open
 * (a server process of its own); else it does not keep the benchmark running.
 */
export function startServer(keepAlive = false): Promise<BenchServer> {
  const body = JSON.stringify({
    items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item ${i}`, price: i * 1.5 })),
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const delay = url.pathname.startsWith("/slow/") ? Number(url.searchParams.get("ms")) || 0 : 0;
    const answer = () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    };
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      if (!keepAlive) server.unref();
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

/**
 * Start the server in a process of its own, on this runtime: it prints its URL, and ends when its
 * standard input closes (this process ended) or on `close`.
 */
export function spawnServer(): Promise<BenchServer> {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const script = fileURLToPath(new URL(`./_dq_server_main${ext}`, import.meta.url));
  const exe = (globalThis as { process?: { execPath: string } }).process!.execPath;
  const args = runtime().name === "deno" ? ["run", "-A", script] : [script];
  const child = spawn(exe, args, { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`The server process exited with ${code}`)));
    child.stdout!.on("data", (d: Uint8Array) => {
      out += new TextDecoder().decode(d);
      const line = out.split("\n");
      if (line.length < 2) return;
      child.stdout!.removeAllListeners("data");
      child.removeAllListeners("exit");
      resolve({
        url: line[0].trim(),
        close: () =>
          new Promise((r) => {
            child.once("exit", () => r());
            child.stdin!.end();
          }),
      });
    });
  });
}
