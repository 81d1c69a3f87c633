import { openStore } from "@leantrace/storage";

const store = await openStore({ dataDir: process.argv[2] as string });
try {
  const rows = await store.select(process.argv[3] as string);
  console.log(rows.map((r) => JSON.stringify(r)).join("\n"));
} catch (e) {
  console.log(String(e).slice(0, 800));
}
await store.close();
