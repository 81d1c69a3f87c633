import { readFileSync } from "node:fs";

const SQL_DIR = new URL("../sql/", import.meta.url);

/** Reads one of this package's SQL files; they are small and read once at import. */
export function loadSql(name: string): string {
  return readFileSync(new URL(`${name}.sql`, SQL_DIR), "utf8");
}
