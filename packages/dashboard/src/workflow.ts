import type {
  BreakdownReport,
  FindingsSummary,
  RunList,
  TimeSeries,
  WorkflowReportRow,
} from "@leantrace/reports";
import { count, dollars, percent, ratio, shortId } from "./figures.ts";
import { type Html, h, jsonBlock } from "./html.ts";
import { emptyState, tile } from "./layout.ts";
import { href, runPath, type Window, windowParams } from "./links.ts";
import { compareVersions, type VersionStep } from "./version-compare.ts";

export interface WorkflowData {
  name: string;
  row: WorkflowReportRow | undefined;
  series: TimeSeries;
  runs: RunList;
  patterns: FindingsSummary;
  byModel: BreakdownReport;
  byKind: BreakdownReport;
  steps: VersionStep[];
  window: Window;
}

const interval = (step: VersionStep) =>
  step.check.interval === null
    ? "-"
    : `${step.check.interval[0].toFixed(2)}–${step.check.interval[1].toFixed(2)}`;

function breakdownTable(report: BreakdownReport, testId: string): Html {
  const total = report.rows.reduce((sum, r) => sum + r.totalTokens, 0);
  return h`<table data-testid="${testId}"><thead><tr><th>${report.by}</th><th class="num">tokens</th><th class="num">share</th><th class="num">wasted</th><th class="num">cost</th></tr></thead><tbody>
  ${report.rows.map((r) => h`<tr><td>${r.key || "(none)"}</td><td class="num">${count(r.totalTokens)}</td><td class="num">${percent(ratio(r.totalTokens, total))}</td><td class="num">${count(r.wastedTokens)}</td><td class="num">${dollars(r.totalCost)}</td></tr>`)}
  </tbody></table>`;
}

export function workflowBody(data: WorkflowData): Html {
  const { name, row, window } = data;
  if (row === undefined) {
    return h`<h1>${name}</h1>${emptyState("No runs of this workflow in this window.")}`;
  }
  const keep = windowParams(window);
  const versions = [...row.versions].sort((a, b) => compareVersions(a.version, b.version));
  const latest = data.steps.at(-1);
  return h`<p class="crumbs"><a href="${href("/", keep)}">Overview</a> › workflow</p>
<h1>${name}</h1>
<section class="tiles">
  ${tile("Runs", count(row.runs), `${count(row.successes)} succeeded, ${count(row.failures)} failed`, "runs")}
  ${tile("Success rate", percent(ratio(row.successes, row.runs)), "", "success-rate")}
  ${tile("Tokens per success", count(row.tokensPerSuccess), "", "tokens-per-success")}
  ${tile("Cost per success", dollars(row.costPerSuccess), `${dollars(row.totalCost)} in all`, "cost-per-success")}
  ${tile("Wasted", percent(row.wastedShare), `${count(row.wastedTokens)} tokens`, "wasted-share")}
  ${
    latest === undefined
      ? ""
      : tile(
          `${latest.version} vs ${latest.previous}`,
          latest.check.ratio === null ? "-" : `${latest.check.ratio.toFixed(2)}×`,
          `tokens per success, 95% interval ${interval(latest)}: ${latest.check.verdict}`,
          "latest-version",
        )
  }
</section>
<section class="panel">
  <h2>Tokens per success by version</h2>
  ${
    versions.length === 0
      ? emptyState("No versions recorded.")
      : h`<div class="chart small"><canvas data-chart="versions" aria-label="tokens per success by version"></canvas></div>
  ${jsonBlock(
    "versions",
    versions.map((v) => ({ version: v.version || "(none)", tokensPerSuccess: v.tokensPerSuccess })),
  )}
  <table data-testid="versions"><thead><tr><th>version</th><th class="num">runs</th><th class="num">success rate</th><th class="num">tokens/success</th><th class="num">wasted</th><th class="num">vs previous</th><th class="num">95% interval</th><th>gate</th></tr></thead><tbody>
  ${versions.map((v) => {
    const step = data.steps.find((s) => s.version === v.version);
    return h`<tr><td>${v.version || "(none)"}</td><td class="num">${count(v.runs)}</td><td class="num">${percent(ratio(v.successes, v.runs))}</td><td class="num">${count(v.tokensPerSuccess)}</td><td class="num">${count(v.wastedTokens)}</td>
      <td class="num">${step?.check.ratio == null ? "-" : `${step.check.ratio.toFixed(2)}×`}</td><td class="num">${step === undefined ? "-" : interval(step)}</td>
      <td>${step === undefined ? "" : h`<span class="verdict ${step.check.verdict}" title="${step.check.reasons.join(" ")}">${step.check.verdict}</span>`}</td></tr>`;
  })}
  </tbody></table>`
  }
</section>
<section class="panel">
  <h2>Tokens per success over time</h2>
  <div class="chart"><canvas data-chart="series" aria-label="tokens per success over time"></canvas></div>
  ${jsonBlock("series", data.series.points)}
</section>
<div class="columns">
<section class="panel"><h2>Tokens by model</h2>${breakdownTable(data.byModel, "by-model")}</section>
<section class="panel"><h2>Tokens by step kind</h2>${breakdownTable(data.byKind, "by-kind")}</section>
</div>
<section class="panel">
  <h2>Most common findings</h2>
  ${
    data.patterns.patterns.length === 0
      ? emptyState("No findings.")
      : h`<table><thead><tr><th>pattern</th><th>confidence</th><th class="num">findings</th><th class="num">runs</th><th class="num">wasted tokens</th></tr></thead><tbody>
  ${[...data.patterns.patterns]
    .sort((a, b) => b.findings - a.findings)
    .map(
      (p) =>
        h`<tr><td><a href="${href("/findings", { ...keep, workflow: name, kind: p.kind, pattern: p.pattern })}">${p.kind}/${p.pattern}</a></td><td>${p.confidence}</td><td class="num">${count(p.findings)}</td><td class="num">${count(p.runs)}</td><td class="num">${count(p.wastedTokens)}</td></tr>`,
    )}
  </tbody></table>`
  }
</section>
<section class="panel">
  <h2>Runs</h2>
  <table data-testid="runs"><thead><tr><th>run</th><th>started</th><th>outcome</th><th>version</th><th>case</th><th class="num">tokens</th><th class="num">cost</th><th class="num">wasted</th><th class="num">findings</th></tr></thead><tbody>
  ${data.runs.runs.map(
    (
      r,
    ) => h`<tr><td><a href="${runPath(r.runId)}" title="${r.runId}">${shortId(r.runId)}</a></td><td>${r.startedAt.slice(0, 19)}</td><td><span class="outcome ${r.outcome}">${r.outcome}</span></td>
      <td>${r.version}</td><td>${r.caseId}</td><td class="num">${count(r.tokens)}</td><td class="num">${dollars(r.cost)}</td>
      <td class="num">${r.wastedTokens === null ? h`<span class="muted" title="not analyzed yet">…</span>` : count(r.wastedTokens)}</td><td class="num">${count(r.findings)}</td></tr>`,
  )}
  </tbody></table>
  ${data.runs.runs.length >= 200 ? h`<p class="muted">The latest 200 runs.</p>` : ""}
</section>`;
}
