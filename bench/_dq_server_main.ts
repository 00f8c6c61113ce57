// The decision-quality benchmark's server process (see `spawnServer` in `_dq_server.ts`): prints
// its URL, ends when its standard input closes.
import process from "node:process";
import { startServer } from "./_dq_server.ts";

const server = await startServer(true);
process.stdout.write(`${server.url}\n`);
process.stdin.on("data", () => {});
process.stdin.on("end", () => server.close().then(() => process.exit(0)));
process.stdin.resume();
