// The dashboard's static files: its stylesheet and script, and Chart.js from its package (the
// collector often runs without internet: nothing comes from a CDN). Read once, served from
// memory with a content hash as ETag.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const OWN = fileURLToPath(new URL("../assets/", import.meta.url));
const CHART_DIST = dirname(createRequire(import.meta.url).resolve("chart.js"));

const FILES: Record<string, { path: string; contentType: string }> = {
  "dashboard.css": { path: join(OWN, "dashboard.css"), contentType: "text/css; charset=utf-8" },
  "dashboard.js": { path: join(OWN, "dashboard.js"), contentType: "text/javascript; charset=utf-8" },
  "chart.umd.min.js": {
    path: join(CHART_DIST, "chart.umd.min.js"),
    contentType: "text/javascript; charset=utf-8",
  },
};

let loaded: Map<string, Asset> | undefined;

export function asset(name: string): Asset | undefined {
  loaded ??= new Map(
    Object.entries(FILES).map(([file, { path, contentType }]) => {
      const body = readFileSync(path);
      return [
        file,
        { body, contentType, etag: `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"` },
      ];
    }),
  );
  return loaded.get(name);
}
