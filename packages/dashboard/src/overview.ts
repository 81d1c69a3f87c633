import type { Budgets } from "@leantrace/budgets";
import type { FindingsSummary, RunList, TimeSeries, WorkflowReport } from "@leantrace/reports";
import { count, dollars, percent, ratio, shortId, totalsOf } from "./figures.ts";
import { type Html, h, jsonBlock } from "./html.ts";
import { emptyState, tile } from "./layout.ts";
import { href, runPath, type Window, windowParams, workflowPath } from "./links.ts";

export interface OverviewData {
  report: WorkflowReport;
  series: TimeSeries;
  patterns: FindingsSummary;
  wasteful: RunList;
  budgets: Budgets;
  window: Window;
}

const STATE_LABEL = {
  ok: "ok",
  soft_exceeded: "soft limit passed",
  hard_exceeded: "hard limit passed",
} as const;

function budgetsPanel(budgets: Budgets): Html {
  if (budgets.budgets.length === 0) return h``;
  const share = (used: number, limit: number | null) => (limit === null ? "" : percent(used / limit));
  return h`<section class="panel" data-testid="budgets">
  <h2>Budgets, this period</h2>
  <table><thead><tr><th>team</th><th>period (UTC)</th><th class="num">tokens used</th><th class="num">of</th><th class="num">cost used</th><th class="num">of</th><th>state</th></tr></thead><tbody>
  ${budgets.budgets.map(
    (
      b,
    ) => h`<tr data-team="${b.team}" class="budget ${b.state}"><td>${b.team}</td><td>${b.period} from ${b.periodStart}</td>
      <td class="num">${count(b.usedTokens)} <span class="muted">${share(b.usedTokens, b.limitTokens)}</span></td><td class="num">${count(b.limitTokens)}</td>
      <td class="num">${dollars(b.usedCost)} <span class="muted">${share(b.usedCost, b.limitCost)}</span></td><td class="num">${dollars(b.limitCost)}</td>
      <td><span class="state ${b.state}">${STATE_LABEL[b.state]}</span></td></tr>`,
  )}
  </tbody></table>
</section>`;
}

export function overviewBody(data: OverviewData): Html {
  const { report, series, patterns, wasteful, window } = data;
  if (report.workflows.length === 0) {
    return h`<h1>Overview</h1>${budgetsPanel(data.budgets)}${emptyState("No runs in this window. Send spans to /v1/traces, or choose a longer window.")}`;
  }
  const totals = totalsOf(report.workflows);
  const keep = windowParams(window);
  const certain = patterns.patterns.filter((p) => p.confidence === "certain");
  const byPattern = certain.map((p) => ({
    label: `${p.kind}/${p.pattern}`,
    tokens: p.wastedTokens,
    share: ratio(p.wastedTokens, totals.totalTokens),
  }));
  const mostWasteful = [...report.workflows].sort((a, b) => b.wastedTokens - a.wastedTokens).slice(0, 5);
  return h`<h1>Overview</h1>
<section class="tiles">
  ${tile("Runs", count(totals.runs), `${count(totals.successes)} succeeded, ${count(totals.failures)} failed`, "runs")}
  ${tile("Success rate", percent(totals.successRate), "", "success-rate")}
  ${tile("Tokens per success", count(totals.tokensPerSuccess), "all tokens of all runs / successful runs", "tokens-per-success")}
  ${tile("Cost per success", dollars(totals.costPerSuccess), `${dollars(totals.totalCost)} in all`, "cost-per-success")}
  ${tile("Wasted", percent(totals.wastedShare), `${count(totals.wastedTokens)} of ${count(totals.totalTokens)} tokens`, "wasted-share")}
</section>
${budgetsPanel(data.budgets)}
<section class="panel">
  <h2>Tokens per successful outcome, per workflow</h2>
  <div class="chart"><canvas data-chart="series" aria-label="tokens per successful outcome over time"></canvas></div>
  ${jsonBlock("series", series.points)}
</section>
<div class="columns">
<section class="panel">
  <h2>Wasted share by pattern</h2>
  ${
    byPattern.length === 0
      ? emptyState("No certain findings in this window.")
      : h`<div class="chart small"><canvas data-chart="patterns" aria-label="wasted tokens by pattern"></canvas></div>
  ${jsonBlock("patterns", byPattern)}
  <table><thead><tr><th>pattern</th><th class="num">wasted tokens</th><th class="num">share of all tokens</th></tr></thead><tbody>
  ${byPattern.map((p) => h`<tr><td><a href="${href("/findings", { ...keep, pattern: p.label.split("/")[1], kind: p.label.split("/")[0] })}">${p.label}</a></td><td class="num">${count(p.tokens)}</td><td class="num">${percent(p.share)}</td></tr>`)}
  </tbody></table>`
  }
</section>
<section class="panel">
  <h2>Most wasteful workflows</h2>
  <table><thead><tr><th>workflow</th><th class="num">wasted</th><th class="num">share</th></tr></thead><tbody>
  ${mostWasteful.map((w) => h`<tr><td><a href="${href(workflowPath(w.workflow), keep)}">${w.workflow}</a></td><td class="num">${count(w.wastedTokens)}</td><td class="num">${percent(w.wastedShare)}</td></tr>`)}
  </tbody></table>
  <h2>Most wasteful runs</h2>
  <table><thead><tr><th>run</th><th>workflow</th><th>outcome</th><th class="num">wasted</th><th class="num">tokens</th></tr></thead><tbody>
  ${wasteful.runs
    .filter((r) => (r.wastedTokens ?? 0) > 0)
    .map(
      (r) =>
        h`<tr><td><a href="${runPath(r.runId)}" title="${r.runId}">${shortId(r.runId)}</a></td><td>${r.workflow}</td><td><span class="outcome ${r.outcome}">${r.outcome}</span></td><td class="num">${count(r.wastedTokens)}</td><td class="num">${count(r.tokens)}</td></tr>`,
    )}
  </tbody></table>
</section>
</div>
<section class="panel">
  <h2>Workflows</h2>
  <table data-testid="workflows"><thead><tr><th>workflow</th><th class="num">runs</th><th class="num">success rate</th><th class="num">tokens/success</th><th class="num">cost/success</th><th class="num">wasted</th><th class="num">findings</th></tr></thead><tbody>
  ${report.workflows.map(
    (
      w,
    ) => h`<tr data-workflow="${w.workflow}"><td><a href="${href(workflowPath(w.workflow), keep)}">${w.workflow}</a></td>
      <td class="num">${count(w.runs)}</td><td class="num">${percent(ratio(w.successes, w.runs))}</td>
      <td class="num" data-field="tokensPerSuccess">${count(w.tokensPerSuccess)}</td><td class="num">${dollars(w.costPerSuccess)}</td>
      <td class="num" data-field="wastedTokens">${count(w.wastedTokens)} <span class="muted">(${percent(w.wastedShare)})</span></td>
      <td class="num">${count(w.findings.loop + w.findings.repeated_retrieval + w.findings.extraneous)}</td></tr>`,
  )}
  </tbody></table>
  ${
    report.workflows.some((w) => w.analyzedRuns < w.runs)
      ? h`<p class="muted">Some runs wait for analysis: their waste is not counted yet.</p>`
      : ""
  }
</section>`;
}
