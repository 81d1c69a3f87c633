// Checks every instrumentation test makes of a stored run.

import type { Usage } from "@leantrace/testing/fake-provider";
import { expect } from "vitest";
import type { Finding, StoredSpan } from "./harness.ts";

/** The LLM or embedding spans' token columns, in order. */
export function tokensOf(spans: readonly StoredSpan[]) {
  return spans.map((s) => ({
    input: s.input_tokens,
    output: s.output_tokens,
    cached: s.cache_read_input_tokens,
    reasoning: s.reasoning_output_tokens,
  }));
}

/** Usage as the stored columns hold it; `cached` / `reasoning` only where the instrumentation sends them. */
export function usage(u: Usage, sent: { cached: boolean; reasoning: boolean }) {
  return {
    input: u.input,
    output: u.output,
    cached: sent.cached ? (u.cached ?? 0) : 0,
    reasoning: sent.reasoning ? (u.reasoning ?? 0) : 0,
  };
}

/**
 * The tool's result is among the fingerprints of the messages the next LLM call was sent: the
 * analyzers can see it was read (no `unused_result`).
 */
export function expectResultRead(tool: StoredSpan | undefined, nextLlm: StoredSpan | undefined) {
  expect(tool?.result_fp, "the tool's result fingerprint").toMatch(/^[0-9a-f]{16}$/);
  expect(nextLlm?.input_part_fps, "the next LLM call's input fingerprints").toContain(tool?.result_fp);
}

/** These runs waste nothing: any finding would be one a person reading the run rejects. */
export function expectNoFindings(findings: readonly Finding[]) {
  expect(findings.map((f) => `${f.kind}/${f.pattern}: ${f.explanation}`)).toEqual([]);
}
