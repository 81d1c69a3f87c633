import { readFileSync } from "node:fs";

/**
 * Reads the SQL files of a folder by name (`load("loop")` reads `loop.sql`). Packages keep their
 * queries as files so that each can be read on its own; they are read once, at import.
 */
export function sqlFiles(folder: URL): (name: string) => string {
  return (name) => readFileSync(new URL(`${name}.sql`, folder), "utf8");
}
