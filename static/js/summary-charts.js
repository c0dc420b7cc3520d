// The summary page's charts: the distribution per level (one bar group per class group) and
// the "HTT or above" share over the years. The data comes from a json_script element; no
// inline script is needed, so the page keeps its strict Content-Security-Policy.
(function () {
  "use strict";

  const source = document.getElementById("summary-chart-data");
  if (!source || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const levelColours = {
    HTXS: "#1b7a3a",
    HTT: "#3d8bd4",
    HT: "#f0ad4e",
    KHT: "#b5121b",
  };
  const lineColours = ["#b5121b", "#3d8bd4", "#6f42c1", "#1b7a3a", "#fd7e14"];

  const levels = document.getElementById("chart-levels");
  if (levels && data.groups.length) {
    new window.Chart(levels, {
      type: "bar",
      data: {
        labels: data.groups.map(function (g) { return g.label; }),
        datasets: data.levels.map(function (level, index) {
          return {
            label: level,
            data: data.groups.map(function (g) { return g.counts[index]; }),
            backgroundColor: levelColours[level] || "#888888",
          };
        }),
      },
      options: {
        responsive: true,
        plugins: { legend: { position: "bottom" } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  const trend = document.getElementById("chart-trend");
  if (trend && data.trend.length) {
    new window.Chart(trend, {
      type: "line",
      data: {
        labels: data.years.map(String),
        datasets: data.trend.map(function (series, index) {
          return {
            label: series.label,
            data: series.values,
            borderColor: lineColours[index % lineColours.length],
            backgroundColor: lineColours[index % lineColours.length],
            spanGaps: true,
            tension: 0.2,
          };
        }),
      },
      options: {
        responsive: true,
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (context) {
                const value = context.parsed.y;
                return context.dataset.label + ": " + (value === null ? "–" : value.toFixed(2) + "%");
              },
            },
          },
        },
        scales: { y: { suggestedMin: 50, suggestedMax: 100, ticks: { callback: function (v) { return v + "%"; } } } },
      },
    });
  }
})();
