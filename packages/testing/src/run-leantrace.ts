// Runs the real `leantrace` command in child processes: the collector, waited for until it
// answers, and one-off commands. The demo and the end-to-end tests use these, so they exercise
// the command a user runs, over real HTTP.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";

/** The command as the workspace runs it (its TypeScript sources, through tsx). */
const BIN = createRequire(import.meta.url).resolve("leantrace/bin");
const STARTUP_TIMEOUT_MILLIS = 60_000;

export interface CollectorProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `--data` and `--wal` inside one folder: a collector whose files all go where the caller cleans up. */
export function storeFlags(dir: string): string[] {
  return ["--data", join(dir, "data"), "--wal", join(dir, "wal")];
}

/**
 * `leantrace collector` with `args`, on a free port. `bin` is the command's script: the
 * workspace's by default; an installed one (a project's `node_modules/.bin/leantrace`) runs the
 * published build instead.
 */
export async function spawnCollector(args: string[], bin = BIN): Promise<CollectorProcess> {
  // Node's own flags for the collector (a CPU profile, say: `--cpu-prof` is refused in NODE_OPTIONS).
  const nodeFlags = process.env.LEANTRACE_COLLECTOR_NODE_FLAGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeFlags, bin, "collector", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code, signal) => {
      if (signal !== null) output += `\n[exited on ${signal}]`;
      resolve(code);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the collector did not start within ${STARTUP_TIMEOUT_MILLIS} ms:\n${output}`));
    }, STARTUP_TIMEOUT_MILLIS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the collector exited with code ${code} before it listened:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `leantrace ARGS` in a child process, as a user would, and collects what it said. */
export async function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCommand(process.execPath, [BIN, ...args], env);
}

/** Runs a command and collects its exit code and output, whatever the code. */
export function runCommand(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, ...(cwd === undefined ? {} : { cwd }) },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
