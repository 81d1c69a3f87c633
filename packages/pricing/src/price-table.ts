// Prices per million tokens, and the cost of one step. Model names in the wild carry dates,
// providers and suffixes ("openai/gpt-4o-2024-08-06", "claude-sonnet-4-5-20250929"): a model
// takes the price of the longest listed name it starts with, after any "provider/" prefix.
import { readFileSync } from "node:fs";
import { firstIssue } from "@leantrace/conventions";
import { z } from "zod";

const priceSchema = z.object({
  input: z.number().nonnegative(),
  cachedInput: z.number().nonnegative().optional(),
  cacheWrite: z.number().nonnegative().optional(),
  output: z.number().nonnegative(),
});

export const priceFileSchema = z.object({ models: z.record(z.string().min(1), priceSchema) });

/** US dollars per million tokens. Cache reads cost `input` unless listed; so do cache writes. */
export type ModelPrice = z.infer<typeof priceSchema>;
export type PriceTable = ReadonlyMap<string, ModelPrice>;

export interface StepTokens {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
}

export class PriceFileError extends Error {
  override readonly name = "PriceFileError";
}

const DEFAULT_PRICES = new URL("./prices.json", import.meta.url);

function parsePriceFile(path: string | URL): Map<string, ModelPrice> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new PriceFileError(
      `price file ${String(path)} cannot be read as JSON: ${(cause as Error).message}`,
    );
  }
  const parsed = priceFileSchema.safeParse(json);
  if (!parsed.success) {
    const { where, message } = firstIssue(parsed.error, "its top");
    throw new PriceFileError(
      `price file ${String(path)} is not valid at ${where}: ${message}; ` +
        'expected { "models": { "<model>": { "input": 2.5, "cachedInput": 1.25, "output": 10 } } }',
    );
  }
  return new Map(Object.entries(parsed.data.models).map(([name, price]) => [name.toLowerCase(), price]));
}

/** The shipped list prices, with the user's file (if any) added over them. */
export function loadPriceTable(overridePath?: string): PriceTable {
  const table = parsePriceFile(DEFAULT_PRICES);
  if (overridePath !== undefined) {
    for (const [name, price] of parsePriceFile(overridePath)) table.set(name, price);
  }
  return table;
}

export function priceOf(table: PriceTable, model: string): ModelPrice | undefined {
  const name = model.toLowerCase().slice(model.lastIndexOf("/") + 1);
  let best: string | undefined;
  for (const key of table.keys()) {
    if (name.startsWith(key) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table.get(best);
}

/** Cost in US dollars; cached input and cache writes are part of input, priced apart. */
export function stepCost(price: ModelPrice, tokens: StepTokens): number {
  const cached = Math.min(tokens.cacheReadInputTokens, tokens.inputTokens);
  const written = Math.min(tokens.cacheCreationInputTokens, tokens.inputTokens - cached);
  const fresh = tokens.inputTokens - cached - written;
  return (
    (fresh * price.input +
      cached * (price.cachedInput ?? price.input) +
      written * (price.cacheWrite ?? price.input) +
      tokens.outputTokens * price.output) /
    1_000_000
  );
}
