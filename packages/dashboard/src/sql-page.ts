import { type Html, h, jsonBlock } from "./html.ts";

export interface ExampleQuery {
  name: string;
  description: string;
  sql: string;
}

/** The SQL page: a query box run through `POST /api/v1/sql` by the page's script. */
export function sqlBody(examples: readonly ExampleQuery[]): Html {
  return h`<h1>SQL</h1>
<p class="muted">Read-only queries over this project's tables (spans, runs, findings, ...), run by the collector with time, memory and result limits. Nothing stops.</p>
<div class="columns">
<section class="panel">
  <form id="sql-form">
    <textarea id="sql-query" name="query" rows="10" spellcheck="false">${examples[0]?.sql ?? "SELECT kind, sum(total_tokens) AS tokens FROM spans FINAL GROUP BY kind ORDER BY tokens DESC"}</textarea>
    <p><button type="submit">Run</button> <span id="sql-status" class="muted" role="status"></span></p>
  </form>
</section>
<aside class="panel">
  <h2>Examples</h2>
  <ul class="examples">
  ${examples.map((e, i) => h`<li><button type="button" class="link" data-example="${i}">${e.name}</button><br><span class="muted">${e.description}</span></li>`)}
  </ul>
  ${jsonBlock("examples", examples)}
</aside>
</div>
<section class="panel"><div id="sql-result"></div></section>`;
}
