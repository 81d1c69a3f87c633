// The integrations example runs as a user runs it (its own process, no test environment: the
// OpenAI Agents SDK traces nothing under NODE_ENV=test) and prints what the collector stored.
import { fileURLToPath } from "node:url";
import { runCommand } from "@leantrace/testing";
import { describe, expect, it } from "vitest";

const EXAMPLE = fileURLToPath(new URL("./run.ts", import.meta.url));

describe("examples/integrations", () => {
  it("records each library's agent as one successful run with the provider's tokens, and no findings", async () => {
    const run = await runCommand(process.execPath, ["--import", "tsx", EXAMPLE], { NODE_ENV: "production" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual([
      "langchain-order-status       success  335 tokens",
      "openai-agents-order-status   success  335 tokens",
      "vercel-ai-order-status       success  335 tokens",
      "0 findings",
    ]);
  }, 60_000);
});
