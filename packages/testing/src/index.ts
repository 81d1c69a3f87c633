export {
  type CliResult,
  type CollectorProcess,
  runCli,
  runCommand,
  spawnCollector,
  storeFlags,
} from "./run-leantrace.ts";
