// Worker of bench/worker_kind_bench.ts: says "ready", then echoes every message (transferring
// ArrayBuffers back), over whichever channel it was started with.
import { parentPort } from "node:worker_threads";

type Port = { postMessage(m: unknown, t?: Transferable[]): void };
const scope = globalThis as unknown as Port & {
  addEventListener(t: "message", l: (e: { data: unknown }) => void): void;
};
const port: Port = (parentPort as unknown as Port | null) ?? scope;
const back = (d: unknown) =>
  port.postMessage(d, d instanceof ArrayBuffer ? [d] : [] as Transferable[]);
if (parentPort) parentPort.on("message", back);
else scope.addEventListener("message", (e) => back(e.data));
port.postMessage("ready");
