import type { Finding, RunDetail, RunStep } from "@leantrace/reports";
import { count, dollars, KIND_CLASSES, kindClass } from "./figures.ts";
import { type Html, h } from "./html.ts";
import { emptyState, tile } from "./layout.ts";
import { href, runPath, workflowPath } from "./links.ts";

export interface RunData {
  detail: RunDetail;
  /** The finding whose steps are highlighted (from the URL), else every finding's. */
  selected: string | undefined;
}

/** What a step did, in a few words: the tool and its name, the query, the model. */
function stepLabel(step: RunStep): string {
  if (step.kind === "tool" && step.toolName !== "") return `${step.toolName}`;
  if (step.kind === "retrieval") return step.query || step.dataSource || step.name;
  if ((step.kind === "llm" || step.kind === "embedding") && step.model !== "") return step.model;
  return step.name;
}

/** Text cut to fit a column, marked where it was cut (the row's tooltip has it whole). */
const clip = (text: string, chars: number) => (text.length > chars ? `${text.slice(0, chars - 1)}…` : text);

const ROW = 22;
const LABEL = 330;
const WIDTH = 1000;

/** The run as a waterfall: one row per step, a bar from its start for its duration. */
function waterfall(steps: RunStep[], wasted: Map<string, number>, highlighted: Set<string>): Html {
  const end = Math.max(1, ...steps.map((s) => s.offsetMs + s.durationMs));
  const scale = (WIDTH - LABEL - 140) / end;
  const depth = new Map<string, number>();
  for (const step of steps) depth.set(step.spanId, (depth.get(step.parentSpanId) ?? -1) + 1);
  const rows = steps.map((step, i) => {
    const y = i * ROW;
    const x = LABEL + step.offsetMs * scale;
    const width = Math.max(2, step.durationMs * scale);
    const indent = Math.min(8, depth.get(step.spanId) ?? 0) * 10;
    const classes = [
      "step",
      kindClass(step.kind),
      wasted.has(step.spanId) ? "wasted" : "",
      highlighted.has(step.spanId) ? "highlighted" : "",
      step.duplicateOf === "" ? "" : "duplicate",
    ].filter((c) => c !== "");
    const tokens = step.totalTokens > 0 ? `${count(step.totalTokens)} tok` : "";
    return h`<g class="${classes.join(" ")}" data-span="${step.spanId}" transform="translate(0 ${y})">
      <title>${step.kind} ${step.name}${step.toolName === "" ? "" : ` (${step.toolName})`}: ${step.durationMs.toFixed(1)} ms, ${count(step.inputTokens)} in / ${count(step.outputTokens)} out${step.cost === null ? "" : `, ${dollars(step.cost)}`}${step.duplicateOf === "" ? "" : ", a copy of another instrumentation's span (not counted)"}${wasted.has(step.spanId) ? `, ${count(wasted.get(step.spanId) ?? 0)} tokens wasted` : ""}</title>
      <rect class="row" x="0" y="0" width="${WIDTH}" height="${ROW}"></rect>
      <text class="kind" x="${4 + indent}" y="15">${step.kind}</text>
      <text class="name" x="${78 + indent}" y="15">${clip(stepLabel(step), 34)}</text>
      <rect class="bar" x="${x.toFixed(1)}" y="5" width="${width.toFixed(1)}" height="${ROW - 10}" rx="2"></rect>
      <text class="tokens" x="${WIDTH - 4}" y="15" text-anchor="end">${tokens}${step.cost === null || step.cost === 0 ? "" : ` · ${dollars(step.cost)}`}</text>
    </g>`;
  });
  return h`<svg class="waterfall" viewBox="0 0 ${WIDTH} ${steps.length * ROW}" width="100%" role="img" aria-label="the run's steps by start and duration">${rows}</svg>`;
}

function findingCard(finding: Finding, runId: string, selected: boolean): Html {
  return h`<article class="finding${selected ? " selected" : ""}" id="f-${finding.id}" data-finding="${finding.id}">
    <h3><a href="${href(runPath(runId), { finding: finding.id })}">${finding.kind}/${finding.pattern}</a>
      <span class="confidence ${finding.confidence}">${finding.confidence === "certain" ? "counted" : "suggestion, not counted"}</span></h3>
    <p class="explanation">${finding.explanation}</p>
    <p class="figures">${count(finding.wastedTokens)} tokens wasted${finding.wastedCost === null ? "" : ` (${dollars(finding.wastedCost)})`}${
      finding.carriedTokens > 0
        ? `; ${count(finding.carriedTokens)} more carried forward in later prompts${finding.carriedEstimated ? " (estimated)" : ""}`
        : ""
    }; ${finding.wastedSpanIds.length} wasted step${finding.wastedSpanIds.length === 1 ? "" : "s"}</p>
  </article>`;
}

export function runBody(data: RunData): Html {
  const { detail, selected } = data;
  const { run, steps, findings } = detail;
  const wasted = new Map<string, number>();
  for (const f of findings.filter((f) => f.confidence === "certain")) {
    f.wastedSpanIds.forEach((id, i) => {
      wasted.set(id, Math.max(wasted.get(id) ?? 0, f.wastedSpanTokens[i] ?? 0));
    });
  }
  const chosen = findings.find((f) => f.id === selected);
  const highlighted = new Set(chosen === undefined ? [] : chosen.spanIds);
  const wastedTokens = [...wasted.values()].reduce((a, b) => a + b, 0);
  const kinds = KIND_CLASSES.filter((k) =>
    steps.some((s) => (KIND_CLASSES.includes(s.kind) ? s.kind : "other") === k),
  );
  return h`<p class="crumbs"><a href="/">Overview</a> › <a href="${workflowPath(run.workflow)}">${run.workflow}</a> › run</p>
<h1>Run <code>${run.runId}</code></h1>
<section class="tiles">
  ${tile("Outcome", run.outcome, run.caseId === "" ? "" : `case ${run.caseId}`, "outcome")}
  ${tile("Tokens", count(run.tokens), `${count(run.spans)} spans`, "tokens")}
  ${tile("Cost", dollars(run.cost), "", "cost")}
  ${tile("Wasted", count(wastedTokens), `${findings.length} finding${findings.length === 1 ? "" : "s"}`, "wasted")}
  ${tile("Version", run.version || "(none)", run.startedAt.slice(0, 19), "version")}
</section>
<div class="run-layout">
<section class="panel timeline">
  <h2>Steps</h2>
  <p class="legend">${kinds.map((k) => h`<span class="swatch kind-${k}"></span>${k} `)}<span class="swatch wasted-swatch"></span>wasted${chosen === undefined ? "" : h` <span class="swatch highlighted-swatch"></span>in the selected finding`}</p>
  ${steps.length === 0 ? emptyState("No steps.") : waterfall(steps, wasted, highlighted)}
  ${detail.truncated ? h`<p class="muted">The first 10,000 steps.</p>` : ""}
</section>
<aside class="panel findings-list">
  <h2>Findings</h2>
  ${findings.length === 0 ? emptyState("The analyzers found no waste in this run.") : findings.map((f) => findingCard(f, run.runId, f.id === selected))}
  ${chosen === undefined ? "" : h`<p><a href="${runPath(run.runId)}">Show all findings' steps</a></p>`}
</aside>
</div>
<section class="panel">
  <h2>Step details</h2>
  <table class="steps" data-testid="steps"><thead><tr><th>#</th><th>kind</th><th>name</th><th>tool / query / model</th><th class="num">start ms</th><th class="num">ms</th><th class="num">in</th><th class="num">out</th><th class="num">cached</th><th class="num">tokens</th><th class="num">cost</th><th class="num">wasted</th></tr></thead><tbody>
  ${steps.map(
    (
      s,
      i,
    ) => h`<tr data-span="${s.spanId}" class="${[highlighted.has(s.spanId) ? "highlighted" : "", wasted.has(s.spanId) ? "wasted" : ""].join(" ").trim()}">
      <td>${i + 1}</td><td><span class="swatch ${kindClass(s.kind)}"></span>${s.kind}</td><td class="span-name">${s.name}</td><td>${stepLabel(s)}</td>
      <td class="num">${s.offsetMs.toFixed(0)}</td><td class="num">${s.durationMs.toFixed(1)}</td><td class="num">${count(s.inputTokens)}</td><td class="num">${count(s.outputTokens)}</td><td class="num">${count(s.cachedInputTokens)}</td>
      <td class="num">${count(s.totalTokens)}${s.duplicateOf === "" ? "" : h` <span class="muted" title="another instrumentation's copy of span ${s.duplicateOf}">copy</span>`}</td><td class="num">${dollars(s.cost)}</td><td class="num">${wasted.has(s.spanId) ? count(wasted.get(s.spanId) ?? 0) : ""}</td></tr>`,
  )}
  </tbody></table>
</section>`;
}
