// Where each corpus lives under a corpora folder, and how to load it.
import { access } from "node:fs/promises";
import { join } from "node:path";
import type { ReplayRun } from "../replay.ts";
import { HOTPOTQA, loadHotpotqa } from "./hotpotqa.ts";
import { loadMiniSweAgent, MINI_SWE_AGENT } from "./mini-swe-agent.ts";
import { loadTauRetail, TAU_RETAIL } from "./tau-retail.ts";
import { loadTau2, TAU2 } from "./tau2.ts";

export interface Corpus {
  /** The workflow name its runs get. */
  name: string;
  /** Its folder under the corpora folder. */
  folder: string;
  load: (dir: string) => Promise<ReplayRun[]>;
  /** Token counts are estimated from the text (the corpus records none). */
  estimatedTokens: boolean;
}

export const CORPORA: readonly Corpus[] = [
  { name: MINI_SWE_AGENT, folder: "mini-swe-agent-gemini3", load: loadMiniSweAgent, estimatedTokens: false },
  { name: TAU2, folder: "tau2-grok", load: loadTau2, estimatedTokens: false },
  { name: TAU_RETAIL, folder: "agentrx-tau-retail", load: loadTauRetail, estimatedTokens: true },
  { name: HOTPOTQA, folder: "agentprocessbench-hotpotqa-dev", load: loadHotpotqa, estimatedTokens: true },
];

/** The corpora present under `root`, with their runs. */
export async function loadCorpora(root: string, only?: readonly string[]): Promise<Map<Corpus, ReplayRun[]>> {
  const loaded = new Map<Corpus, ReplayRun[]>();
  for (const corpus of CORPORA) {
    if (only && only.length > 0 && !only.includes(corpus.name)) continue;
    const dir = join(root, corpus.folder);
    try {
      await access(dir);
    } catch {
      continue;
    }
    loaded.set(corpus, await corpus.load(dir));
  }
  return loaded;
}
