import { probeSystem } from "@amorsize/amorsize";

const info = await probeSystem();
console.log(info.effectiveCores, info.sources.effectiveCores, info.warnings);
