// What a shell tool's call does, read from its command: the SDK records it when the agent calls
// the tool, the collector when another instrumentation recorded the command.
import { commandEffect, SHELL_TOOL_PATTERN, shellCommandOf } from "./shell-effect.ts";
import type { StepEffect } from "./step-kind.ts";

/** `read` or `write` for a shell tool whose command is known; undefined for anything else. */
export function shellToolEffect(toolName: string, args: unknown): StepEffect | undefined {
  if (!SHELL_TOOL_PATTERN.test(toolName)) return undefined;
  const command = shellCommandOf(args);
  return command === undefined ? undefined : commandEffect(command);
}
