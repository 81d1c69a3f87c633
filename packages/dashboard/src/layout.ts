import { type Html, type HtmlValue, h } from "./html.ts";
import { href, type Params } from "./links.ts";

export type Section = "overview" | "findings" | "sql" | "none";

const WINDOWS = [
  { value: "24h", label: "last 24 hours" },
  { value: "7d", label: "last 7 days" },
  { value: "30d", label: "last 30 days" },
  { value: "90d", label: "last 90 days" },
  { value: "all", label: "all time" },
];

/** The default window of every page: what a platform team looks at first. */
export const DEFAULT_SINCE = "30d";

export interface PageOptions {
  title: string;
  section: Section;
  /** The window picker: the page's own filters, kept when the window changes. */
  window?: { since: string; params: Params; path: string };
}

function windowPicker(options: NonNullable<PageOptions["window"]>): Html {
  const known = WINDOWS.some((w) => w.value === options.since);
  const hidden = Object.entries(options.params)
    .filter(([key, value]) => key !== "since" && key !== "until" && value !== undefined && value !== "")
    .map(([key, value]) => h`<input type="hidden" name="${key}" value="${value}">`);
  return h`<form class="window" method="get" action="${options.path}">
    <label>Runs started in <select name="since" data-autosubmit>
      ${known ? "" : h`<option value="${options.since}" selected>since ${options.since}</option>`}
      ${WINDOWS.map((w) => h`<option value="${w.value}"${w.value === options.since ? h` selected` : ""}>${w.label}</option>`)}
    </select></label>${hidden}<button type="submit">Show</button></form>`;
}

function nav(section: Section): Html {
  const item = (target: Section, path: string, label: string) =>
    h`<a href="${path}"${section === target ? h` aria-current="page"` : ""}>${label}</a>`;
  return h`<nav>${item("overview", "/", "Overview")}${item("findings", "/findings", "Findings")}${item("sql", "/sql", "SQL")}</nav>`;
}

export function page(options: PageOptions, ...body: HtmlValue[]): Html {
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · leantrace</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/chart.umd.min.js" defer></script>
<script src="/assets/dashboard.js" defer></script>
</head>
<body>
<header>
  <a class="brand" href="/">leantrace</a>
  ${nav(options.section)}
  ${options.window === undefined ? "" : windowPicker(options.window)}
</header>
<main>
${body}
</main>
<footer>Figures from the collector's API: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></footer>
</body>
</html>`;
}

/** A figure in a row of tiles: a label, the value, and a line saying what it means. */
export function tile(label: string, value: string, note = "", testId = ""): Html {
  return h`<div class="tile"${testId === "" ? "" : h` data-testid="${testId}"`}><div class="label">${label}</div><div class="value">${value}</div>${note === "" ? "" : h`<div class="note">${note}</div>`}</div>`;
}

export function emptyState(text: string): Html {
  return h`<p class="empty">${text}</p>`;
}

export { href };
