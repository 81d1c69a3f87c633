// The API described from the zod schemas that validate it (OpenAPI 3.1, whose schemas are JSON
// Schema 2020-12): the document cannot drift from what the collector checks and answers.
import {
  breakdownFilterSchema,
  breakdownSchema,
  findingsFilterSchema,
  findingsSchema,
  findingsSummarySchema,
  reportFilterSchema,
  runDetailSchema,
  runTotalsFilterSchema,
  runTotalsSchema,
  timeSeriesFilterSchema,
  timeSeriesSchema,
  workflowReportSchema,
} from "@leantrace/reports";
import { z } from "zod";
import manifest from "../../package.json" with { type: "json" };

type JsonSchema = Record<string, unknown>;

const output = (schema: z.ZodType): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" });
  return rest;
};

/** A query schema's fields as OpenAPI query parameters. */
function queryParameters(schema: z.ZodObject): JsonSchema[] {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    schema: property,
  }));
}

const ERROR = {
  description: "the request was not valid, or the key is missing or not valid",
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: { error: { type: "object", properties: { message: { type: "string" } } } },
      },
    },
  },
};

function get(summary: string, query: z.ZodObject | undefined, answer: z.ZodType, extra: JsonSchema[] = []) {
  return {
    get: {
      summary,
      parameters: [...extra, ...(query === undefined ? [] : queryParameters(query))],
      responses: {
        "200": { description: "OK", content: { "application/json": { schema: output(answer) } } },
        "400": ERROR,
        "401": ERROR,
      },
    },
  };
}

/** The OpenAPI document of the read API. */
export function openApiDocument(): JsonSchema {
  return {
    openapi: "3.1.0",
    info: {
      title: "leantrace collector API",
      version: manifest.version,
      description:
        "Reports on where agents' tokens go. Every answer covers the project of the API key sent as `Authorization: Bearer <key>` (no key needed when the collector has none and listens on loopback). Times are ISO 8601 or a duration before now (`30m`, `24h`, `7d`, `2w`); a window selects the runs that started in [since, until).",
    },
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer" } },
    },
    security: [{ apiKey: [] }],
    paths: {
      "/api/v1/report": {
        get: {
          ...get("Tokens per successful outcome per workflow", reportFilterSchema, workflowReportSchema).get,
          description:
            "With `by` (model, kind, version, team or case) the answer is a breakdown instead: `" +
            JSON.stringify(output(breakdownSchema)) +
            "`.",
          parameters: queryParameters(breakdownFilterSchema.partial()),
        },
      },
      "/api/v1/report/series": get(
        "Per workflow and UTC day: runs, successes, tokens per success, cost",
        timeSeriesFilterSchema,
        timeSeriesSchema,
      ),
      "/api/v1/runs": get("Per-run totals of the selected runs", runTotalsFilterSchema, runTotalsSchema),
      "/api/v1/runs/{id}": get(
        "One run: its totals, its steps in order, its findings",
        undefined,
        runDetailSchema,
        [{ name: "id", in: "path", required: true, schema: { type: "string", maxLength: 256 } }],
      ),
      "/api/v1/findings": get(
        "The current findings, largest waste first, a page at a time",
        findingsFilterSchema,
        findingsSchema,
      ),
      "/api/v1/findings/summary": get("Findings per pattern", findingsFilterSchema, findingsSummarySchema),
    },
  };
}
