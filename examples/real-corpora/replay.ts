// Replays a recorded agent run through @leantrace/sdk, as the agent would have been traced live:
// each LLM call a step with its real (or estimated) token counts and the messages it was sent,
// each tool call or search a step with its arguments and result, the run's outcome at the end.
// The corpus loaders (one file per corpus) turn their files into ReplayRuns.
import { llm, retrieval, type TokenUsage, tool, workflow } from "@leantrace/sdk";

export interface Message {
  role: string;
  content: unknown;
}

export interface LlmStep {
  type: "llm";
  /** The conversation the call was sent (fingerprinted per message by the SDK). */
  input: readonly Message[];
  /** What it answered: the message content as later calls' input holds it. */
  output: unknown;
  /** The provider's response, when recorded: token counts, cache and reasoning are read from it. */
  response?: Record<string, unknown>;
  /** Token counts by hand (estimated for corpora that record none). */
  usage?: TokenUsage;
  /** Why the harness refused this turn: no action came of it. */
  rejected?: string;
}

export interface ToolStep {
  type: "tool";
  name: string;
  args: unknown;
  result: string;
  /** Set when the call failed: its error, in a few words. */
  failed?: string;
}

export interface RetrievalStep {
  type: "retrieval";
  queries: string[];
  dataSource: string;
  documents: string[];
  result: string;
}

export type ReplayStep = (LlmStep | ToolStep | RetrievalStep) & {
  /** Where the step comes from in the recording (a message index), to map findings back. */
  source: number;
};

export interface ReplayRun {
  corpus: string;
  runId: string;
  caseId: string;
  outcome: "success" | "failure";
  model?: string;
  provider?: string;
  steps: ReplayStep[];
}

/** Span id -> the recording's message index, per run: how findings are read against labels. */
export type SpanSources = Record<string, Record<string, number>>;

/** Replays one run as one workflow run named after its corpus. */
export async function replay(run: ReplayRun, sources?: SpanSources): Promise<void> {
  const mine: Record<string, number> = {};
  if (sources) sources[run.runId] = mine;
  const note = (spanId: string, source: number) => {
    mine[spanId] = source;
  };
  await workflow(
    run.corpus,
    async (handle) => {
      for (const step of run.steps) {
        if (step.type === "llm") {
          await llm(
            {
              input: step.input,
              ...(run.model === undefined ? {} : { model: run.model }),
              ...(run.provider === undefined ? {} : { provider: run.provider }),
              ...(step.usage === undefined ? {} : { usage: step.usage }),
            },
            (s) => {
              note(s.span.spanContext().spanId, step.source);
              if (step.rejected !== undefined) s.reject(step.rejected);
              return {
                ...step.response,
                choices: [{ message: { role: "assistant", content: step.output } }],
              };
            },
          );
        } else if (step.type === "tool") {
          await tool(step.name, step.args, (s) => {
            note(s.span.spanContext().spanId, step.source);
            if (step.failed !== undefined) s.span.setStatus({ code: 2, message: step.failed });
            return step.result;
          });
        } else {
          await retrieval({ query: step.queries, dataSource: step.dataSource }, (s) => {
            note(s.span.spanContext().spanId, step.source);
            s.setDocuments(step.documents);
            return step.result;
          });
        }
      }
      handle.setOutcome(run.outcome);
    },
    { runId: run.runId, caseId: run.caseId },
  );
}

/** Characters / 4, for corpora that record no token counts: the usual rule of thumb. */
export function estimatedTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Estimated usage of a call from the text it was sent and the text it answered. */
export function estimatedUsage(input: readonly Message[], output: unknown): TokenUsage {
  const sent = input.reduce(
    (n, m) =>
      n + estimatedTokens(typeof m.content === "string" ? m.content : (JSON.stringify(m.content) ?? "")),
    0,
  );
  const answered = typeof output === "string" ? output : (JSON.stringify(output) ?? "");
  return { inputTokens: sent, outputTokens: estimatedTokens(answered) };
}
