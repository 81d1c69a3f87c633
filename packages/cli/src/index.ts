export { buildProgram, main } from "./main.ts";
export { type CollectorProcess, spawnCollector } from "./spawn-collector.ts";
