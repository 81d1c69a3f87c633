import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPriceTable, priceOf, stepCost } from "./price-table.ts";

describe("prices", () => {
  const table = loadPriceTable();

  it("finds the longest listed name a model starts with", () => {
    expect(priceOf(table, "gpt-4o-mini-2024-07-18")?.input).toBe(0.15);
    expect(priceOf(table, "gpt-4o-2024-08-06")?.input).toBe(2.5);
    expect(priceOf(table, "google/gemini-3-pro-preview")?.output).toBe(12);
    expect(priceOf(table, "claude-sonnet-4-5-20250929")?.cacheWrite).toBe(3.75);
    expect(priceOf(table, "my-own-model")).toBeUndefined();
  });

  it("prices cached input and cache writes apart from fresh input", () => {
    const price = { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 };
    const cost = stepCost(price, {
      inputTokens: 1_000_000,
      outputTokens: 100_000,
      cacheReadInputTokens: 500_000,
      cacheCreationInputTokens: 100_000,
    });
    expect(cost).toBeCloseTo(0.4 * 3 + 0.5 * 0.3 + 0.1 * 3.75 + 0.1 * 15, 10);
  });

  it("matches the real cost of a mini-swe-agent call on gemini-3-pro", () => {
    const price = priceOf(table, "google/gemini-3-pro-preview");
    expect(price).toBeDefined();
    const tokens = {
      inputTokens: 1627,
      outputTokens: 248,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
    };
    // The provider billed 0.00623 dollars for this call.
    expect(stepCost(price as NonNullable<typeof price>, tokens)).toBeCloseTo(0.00623, 5);
  });

  it("lets a user's file add and override prices, and explains a bad file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "leantrace-prices-"));
    const good = join(dir, "prices.json");
    await writeFile(
      good,
      JSON.stringify({ models: { "gpt-4o": { input: 1, output: 2 }, "house-llm": { input: 0, output: 0 } } }),
    );
    const custom = loadPriceTable(good);
    expect(priceOf(custom, "gpt-4o")?.input).toBe(1);
    expect(priceOf(custom, "house-llm-7b")?.output).toBe(0);
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ models: { x: { input: "cheap" } } }));
    expect(() => loadPriceTable(bad)).toThrow(/is not valid at models\.x\.input/);
  });
});
