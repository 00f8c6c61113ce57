// Worker of bench/transport_bench.ts: echoes every message with raw postMessage.
import { workerPort } from "../src/runtime/worker_port.ts";

const port = workerPort();
port.onMessage((data) => port.postMessage(data));
port.postMessage("ready");
