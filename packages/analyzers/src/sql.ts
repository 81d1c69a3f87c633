import { readFileSync } from "node:fs";

const SQL_DIR = new URL("../sql/", import.meta.url);

/** One of this package's SQL files; read once, when the module loads. */
export function loadSql(name: string): string {
  return readFileSync(new URL(`${name}.sql`, SQL_DIR), "utf8");
}
