import { openStore } from "@leantrace/storage";
const s = await openStore({ dataDir: "/tmp/bd" });
console.log(await s.select("SELECT kind, pattern, count() c, uniq(run_id) runs FROM {db:Identifier}.current_findings GROUP BY kind, pattern"));
await s.close();
