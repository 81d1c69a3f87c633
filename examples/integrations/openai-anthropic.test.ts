// The integrations example as a user runs it: the real OpenAI and Anthropic clients, wrapped in
// one line each, against the fake provider, into a real collector. What the report adds up is
// the usage the provider reported (Anthropic's cache reads counted as input), and a clean tool
// loop on either client has no waste: each tool result is found in the next prompt.
import { fileURLToPath } from "node:url";
import { runCommand } from "@leantrace/testing";
import { describe, expect, it } from "vitest";

const EXAMPLE = fileURLToPath(new URL("./openai-anthropic.ts", import.meta.url));
const EXAMPLES = fileURLToPath(new URL("..", import.meta.url));

describe("the OpenAI and Anthropic integrations example", () => {
  it("records both tool loops with the provider's token counts and no waste", async () => {
    const run = await runCommand(process.execPath, ["--import", "tsx", EXAMPLE], {}, EXAMPLES);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("answer: Your order 42 has shipped with DHL.");
    expect(run.stdout).toContain("answer: Order 42 has shipped with DHL.");
    // OpenAI: 220 + 18, then 260 + 24 streamed. Anthropic: 30 + 1800 cached + 40, then 70 + 1800 + 35.
    expect(run.stdout).toContain("recorded order-status-openai: 1 run, 1 success, 522 tokens");
    expect(run.stdout).toContain("recorded order-status-anthropic: 1 run, 1 success, 3775 tokens");
    expect(run.stdout).toMatch(/order-status-openai .* 0 loop, 0 retrieval, 0 extraneous/);
    expect(run.stdout).toMatch(/order-status-anthropic .* 0 loop, 0 retrieval, 0 extraneous/);
  });
});
