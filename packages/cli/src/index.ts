export { buildProgram, main } from "./main.ts";
export {
  type CliResult,
  type CollectorProcess,
  runCli,
  runCommand,
  spawnCollector,
} from "./run-leantrace.ts";
