// Worker of bench/transport_bench.ts: the same echo exposed through comlink.
import * as Comlink from "comlink";
import { workerPort } from "../src/runtime/worker_port.ts";

Comlink.expose({ echo: <T>(x: T): T => x }, workerPort().endpoint);
