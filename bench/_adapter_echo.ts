// Worker of bench/worker_kind_bench.ts started through the runtime adapter: says "ready", then
// echoes every message through the adapter's worker port (which packs typed arrays on Deno).
import { workerPort } from "../src/runtime/mod.ts";

const port = workerPort();
port.onMessage((data) => port.postMessage(data));
port.postMessage("ready");
