// The local HTTP server of the decision-quality benchmark, in the benchmark's own process:
// `/item/N` answers at once with a small JSON body, `/slow/N?ms=M` after M milliseconds.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A started server: its base URL and a way to stop it. */
export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

/** Start the server on a free port of 127.0.0.1. */
export function startServer(): Promise<BenchServer> {
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
      server.unref();
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
