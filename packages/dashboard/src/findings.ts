import { FINDING_KINDS, type Findings, type FindingsQuery } from "@leantrace/reports";
import { count, dollars, shortId } from "./figures.ts";
import { type Html, h } from "./html.ts";
import { emptyState } from "./layout.ts";
import { href, runPath, workflowPath } from "./links.ts";

export interface FindingsData {
  findings: Findings;
  /** The filters as the URL gave them. */
  query: Record<string, string | undefined>;
  workflows: string[];
}

const select = (name: string, label: string, options: readonly string[], value: string | undefined) =>
  h`<label>${label} <select name="${name}"><option value="">any</option>${options.map((o) => h`<option value="${o}"${o === value ? h` selected` : ""}>${o}</option>`)}</select></label>`;

export function findingsBody(data: FindingsData): Html {
  const { findings, query } = data;
  const filters = { ...query, cursor: undefined };
  return h`<h1>Findings</h1>
<form class="filters" method="get" action="/findings">
  ${select("kind", "kind", FINDING_KINDS, query.kind)}
  <label>pattern <input name="pattern" value="${query.pattern ?? ""}" placeholder="repeat, refused, ..." size="14"></label>
  ${select("workflow", "workflow", data.workflows, query.workflow)}
  <label>version <input name="version" value="${query.version ?? ""}" size="8"></label>
  ${select("confidence", "confidence", ["certain", "suggestion"], query.confidence)}
  <label>since <input name="since" value="${query.since ?? ""}" placeholder="7d or 2026-11-01T00:00:00Z" size="18"></label>
  <label>until <input name="until" value="${query.until ?? ""}" size="18"></label>
  <button type="submit">Filter</button> <a href="/findings">clear</a>
</form>
${
  findings.findings.length === 0
    ? emptyState("No findings match.")
    : h`<table data-testid="findings"><thead><tr><th>pattern</th><th>workflow</th><th>version</th><th>run</th><th class="num">wasted tokens</th><th class="num">cost</th><th class="num">carried</th><th>why</th></tr></thead><tbody>
  ${findings.findings.map(
    (
      f,
    ) => h`<tr data-finding="${f.id}"><td><a href="${href(runPath(f.runId), { finding: f.id })}">${f.kind}/${f.pattern}</a>${f.confidence === "suggestion" ? h` <span class="confidence suggestion">suggestion</span>` : ""}</td>
      <td><a href="${workflowPath(f.workflow)}">${f.workflow}</a></td><td>${f.version}</td>
      <td><a href="${runPath(f.runId)}" title="${f.runId}">${shortId(f.runId)}</a></td>
      <td class="num">${count(f.wastedTokens)}</td><td class="num">${dollars(f.wastedCost)}</td><td class="num">${count(f.carriedTokens)}</td>
      <td class="explanation">${f.explanation}</td></tr>`,
  )}
  </tbody></table>`
}
${findings.nextCursor === null ? "" : h`<p><a rel="next" href="${href("/findings", { ...filters, cursor: findings.nextCursor })}">Next page</a></p>`}`;
}

/** The URL's filters as the findings API takes them. */
export function findingsQuery(query: Record<string, string | undefined>): FindingsQuery {
  const pick = (key: string) => (query[key] === undefined || query[key] === "" ? undefined : query[key]);
  return {
    kind: pick("kind") as FindingsQuery["kind"],
    pattern: pick("pattern"),
    workflow: pick("workflow"),
    version: pick("version"),
    confidence: pick("confidence") as FindingsQuery["confidence"],
    since: pick("since"),
    until: pick("until"),
    cursor: pick("cursor"),
    limit: 100,
  };
}
