// What CI has instead of a collector: OTLP/JSON files loaded into a throw-away embedded store in
// this process, every run analyzed, and the runs' totals and largest findings read back for
// the CI gate.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAnalyzerConfig, runAnalysisPass } from "@leantrace/analyzers";
import type { ExplainingFinding, RunTotal } from "@leantrace/gate";
import type { PriceTable } from "@leantrace/pricing";
import { type Findings, listFindings, type RunTotalsFilter, runTotals } from "@leantrace/reports";
import { DEFAULT_PROJECT, openStore } from "@leantrace/storage";
import { ingestOtlpFiles } from "./otlp-files.ts";

export interface SelectedRuns {
  runs: RunTotal[];
  /** Each workflow's largest certain findings among these runs, largest first. */
  findings: Map<string, ExplainingFinding[]>;
}

/** How many findings explain a workflow's verdict. */
const TOP_FINDINGS = 3;

/** Each workflow's largest certain findings among `runIds`, from findings sorted largest first. */
export function topFindings(
  findings: Findings,
  runIds: ReadonlySet<string>,
): Map<string, ExplainingFinding[]> {
  const top = new Map<string, ExplainingFinding[]>();
  for (const f of findings.findings) {
    if (!runIds.has(f.runId) || f.confidence !== "certain") continue;
    const list = top.get(f.workflow) ?? [];
    if (list.length < TOP_FINDINGS) list.push({ explanation: f.explanation, wastedTokens: f.wastedTokens });
    top.set(f.workflow, list);
  }
  return top;
}

/** Loads OTLP/JSON files (a file or a folder), analyzes every run, returns the selected ones. */
export async function analyzeOtlpFiles(
  path: string,
  filter: RunTotalsFilter,
  prices: PriceTable,
): Promise<SelectedRuns> {
  const dir = await mkdtemp(join(tmpdir(), "leantrace-files-"));
  const store = await openStore({ dataDir: dir });
  try {
    await ingestOtlpFiles(store, path, prices);
    // Everything read is complete: the files are all there will be.
    await runAnalysisPass(store, resolveAnalyzerConfig({ idleMillis: 0 }), { full: true });
    // Files carry no API key: their runs are the default project's, in a store of their own.
    const { runs } = await runTotals(store, DEFAULT_PROJECT, filter);
    const findings = await listFindings(store, DEFAULT_PROJECT, {
      limit: 100_000,
      ...(filter.workflow ? { workflow: filter.workflow } : {}),
    });
    return { runs, findings: topFindings(findings, new Set(runs.map((r) => r.runId))) };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
