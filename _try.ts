import { optimize } from "./mod.ts";
const sleepy = async (ms: number) => { await new Promise((r) => setTimeout(r, ms)); return ms; };
const o = await optimize(sleepy, new Array(200).fill(16), { cache: false });
console.log(o.explain());
