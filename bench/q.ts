import { openStore } from "@leantrace/storage";
import { readFileSync } from "node:fs";
const s = await openStore({ dataDir: "/tmp/b10" });
const t = async (label: string, q: string, p = {}) => { const t0 = performance.now(); await s.command(q, p); console.log(label, Math.round(performance.now() - t0)); };
// a batch of all runs
await t("batch", "INSERT INTO {db:Identifier}.analysis_batch (pass_id, run_id) SELECT 7, run_id FROM {db:Identifier}.spans WHERE parent_span_id = ''");
const sql = readFileSync("packages/analyzers/sql/prepare-runs.sql", "utf8");
await s.command("CREATE TABLE IF NOT EXISTS leantrace.ar_null AS leantrace.analysis_runs ENGINE = Null()");
await t("prepare into Null", sql.replace("INSERT INTO {db:Identifier}.analysis_runs", "INSERT INTO {db:Identifier}.ar_null"), { pass: 7, chars_per_token: 4 });
await t("prepare into MergeTree", sql, { pass: 7, chars_per_token: 4 });
await s.command("ALTER TABLE {db:Identifier}.analysis_runs DROP PARTITION 7");
await s.command("ALTER TABLE {db:Identifier}.analysis_batch DROP PARTITION 7");
await s.close();
