// A pass's findings as OpenTelemetry, for the backend the collector forwards to: each finding a
// span in its run's trace, under the step it is about, carrying a `gen_ai.evaluation.result`
// event (the GenAI conventions' way to attach an evaluation to an operation): the name says
// which analyzer, the score the tokens wasted, the label the pattern, the explanation why.
import { encodeTraceRequestJson, type SpanInput } from "@leantrace/otlp";
import type { Store } from "@leantrace/storage";

export const EVENT_GEN_AI_EVALUATION_RESULT = "gen_ai.evaluation.result";

interface FindingRow {
  run_id: string;
  kind: string;
  pattern: string;
  confidence: string;
  wasted_tokens: number;
  explanation: string;
  trace_id: string;
  span_id: string;
}

/** A pass's findings, each with the trace and span of the step it is first about. */
const PASS_FINDINGS = `
WITH f AS
(
    SELECT project, run_id, kind, pattern, confidence, wasted_tokens, explanation,
        if(empty(wasted_span_ids), span_ids[1], wasted_span_ids[1]) AS anchor
    FROM {db:Identifier}.findings
    WHERE pass_id = {pass:UInt64}
)
SELECT f.run_id AS run_id, f.kind AS kind, f.pattern AS pattern, f.confidence AS confidence,
    f.wasted_tokens AS wasted_tokens, f.explanation AS explanation, s.trace_id AS trace_id, s.span_id AS span_id
FROM f
INNER JOIN
(
    SELECT DISTINCT project, run_id, trace_id, span_id FROM {db:Identifier}.spans
    WHERE run_id IN (SELECT run_id FROM f) AND (project, span_id) IN (SELECT project, anchor FROM f)
) AS s ON s.project = f.project AND s.span_id = f.anchor AND s.run_id = f.run_id`;

/** A new span id: 8 random bytes as hex. */
function spanId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex");
}

/** The pass's findings as one OTLP/JSON request; undefined when it found nothing. */
export async function findingsRequest(
  store: Store,
  passId: string,
  now = new Date(),
): Promise<string | undefined> {
  const rows = await store.select<FindingRow>(PASS_FINDINGS, { pass: passId });
  if (rows.length === 0) return undefined;
  const at = BigInt(now.getTime()) * 1_000_000n;
  const spans = rows.map(
    (f): SpanInput => ({
      traceId: f.trace_id,
      spanId: spanId(),
      parentSpanId: f.span_id,
      name: `leantrace.${f.kind}`,
      startTimeUnixNano: at,
      endTimeUnixNano: at,
      attributes: {
        "leantrace.run.id": f.run_id,
        "leantrace.finding.pattern": f.pattern,
        "leantrace.finding.confidence": f.confidence,
        "leantrace.finding.wasted_tokens": f.wasted_tokens,
      },
      events: [
        {
          name: EVENT_GEN_AI_EVALUATION_RESULT,
          timeUnixNano: at,
          attributes: {
            "gen_ai.evaluation.name": `leantrace.${f.kind}`,
            "gen_ai.evaluation.score.value": f.wasted_tokens,
            "gen_ai.evaluation.score.label": f.pattern,
            "gen_ai.evaluation.explanation": f.explanation,
          },
        },
      ],
    }),
  );
  return encodeTraceRequestJson(spans, { "service.name": "leantrace" }, { name: "leantrace.analyzers" });
}
