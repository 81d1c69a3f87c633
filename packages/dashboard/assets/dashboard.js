// The dashboard's only script (the Content-Security-Policy allows no other): draws the charts
// from the JSON blocks the page carries, submits the window picker, and runs the SQL page's
// queries through POST /api/v1/sql. Values are put into the page as text, never as markup.
(() => {
  const data = (id) => {
    const block = document.getElementById(id);
    return block === null ? undefined : JSON.parse(block.textContent);
  };
  const PALETTE = ["#4f7cf0", "#f0a23b", "#1aa37a", "#c46bd6", "#e0463c", "#8e6cf0", "#55b89a", "#8892a6"];
  const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const common = {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
  };

  const logarithmic = (points) => {
    const values = points.map((p) => p.tokensPerSuccess).filter((v) => typeof v === "number" && v > 0);
    return values.length > 1 && Math.max(...values) / Math.min(...values) > 100;
  };

  function seriesChart() {
    const points = data("series") || [];
    const days = [...new Set(points.map((p) => p.day))].sort();
    const workflows = [...new Set(points.map((p) => p.workflow))];
    // One period has no line to draw: bars compare the workflows instead.
    return {
      type: days.length < 2 ? "bar" : "line",
      data: {
        labels: days,
        datasets: workflows.map((workflow, i) => ({
          label: workflow,
          data: days.map((day) => {
            const point = points.find((p) => p.workflow === workflow && p.day === day);
            return point === undefined ? null : point.tokensPerSuccess;
          }),
          borderColor: PALETTE[i % PALETTE.length],
          backgroundColor: PALETTE[i % PALETTE.length],
          spanGaps: true,
          maxBarThickness: 80,
          pointRadius: days.length > 60 ? 0 : 3,
        })),
      },
      options: {
        ...common,
        scales: {
          y: {
            // Workflows differ by orders of magnitude (a chat bot and a coding agent): a
            // logarithmic axis keeps each line readable.
            type: logarithmic(points) ? "logarithmic" : "linear",
            beginAtZero: !logarithmic(points),
            title: { display: true, text: "tokens per success" },
            ticks: { callback: (v) => integer.format(v) },
          },
        },
      },
    };
  }

  function patternsChart() {
    const rows = data("patterns") || [];
    return {
      type: "bar",
      data: {
        labels: rows.map((r) => r.label),
        datasets: [
          {
            label: "wasted tokens",
            data: rows.map((r) => r.tokens),
            backgroundColor: "#e0463c",
            maxBarThickness: 28,
          },
        ],
      },
      options: {
        ...common,
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { ticks: { callback: (v) => integer.format(v) } } },
      },
    };
  }

  function versionsChart() {
    const rows = data("versions") || [];
    return {
      type: "bar",
      data: {
        labels: rows.map((r) => r.version),
        datasets: [
          {
            label: "tokens per success",
            data: rows.map((r) => r.tokensPerSuccess),
            backgroundColor: "#4f7cf0",
          },
        ],
      },
      options: {
        ...common,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => integer.format(v) } } },
      },
    };
  }

  const CHARTS = { series: seriesChart, patterns: patternsChart, versions: versionsChart };

  function drawCharts() {
    if (typeof window.Chart !== "function") return;
    for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
      const build = CHARTS[canvas.dataset.chart];
      if (build !== undefined) new window.Chart(canvas, build());
    }
    document.documentElement.dataset.chartsReady = "true";
  }

  function autosubmit() {
    for (const select of document.querySelectorAll("select[data-autosubmit]")) {
      select.addEventListener("change", () => select.form.submit());
    }
  }

  function resultTable(answer) {
    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    for (const column of answer.columns) {
      const th = document.createElement("th");
      th.textContent = column.name;
      th.title = column.type;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const row of answer.rows) {
      const tr = body.insertRow();
      for (const column of answer.columns) {
        const value = Array.isArray(row) ? row[answer.columns.indexOf(column)] : row[column.name];
        tr.insertCell().textContent =
          typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
      }
    }
    return table;
  }

  function sqlPage() {
    const form = document.getElementById("sql-form");
    if (form === null) return;
    const query = document.getElementById("sql-query");
    const status = document.getElementById("sql-status");
    const result = document.getElementById("sql-result");
    const examples = data("examples") || [];
    for (const button of document.querySelectorAll("button[data-example]")) {
      button.addEventListener("click", () => {
        const example = examples[Number(button.dataset.example)];
        if (example !== undefined) query.value = example.sql;
      });
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.textContent = "Running…";
      result.replaceChildren();
      try {
        const response = await fetch("/api/v1/sql", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: query.value, format: "json" }),
        });
        const answer = await response.json();
        if (!response.ok) {
          status.textContent = answer.error?.message || `HTTP ${response.status}`;
          return;
        }
        status.textContent = `${answer.rows.length} row${answer.rows.length === 1 ? "" : "s"}${answer.truncated ? " (truncated)" : ""} in ${answer.elapsedMs ?? "?"} ms`;
        result.appendChild(resultTable(answer));
      } catch (error) {
        status.textContent = `The query could not be sent: ${error.message}`;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    autosubmit();
    sqlPage();
    drawCharts();
  });
})();
