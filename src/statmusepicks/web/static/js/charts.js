// Charts drawn with the vendored plotly.min.js from JSON the server embeds in the page.
(function () {
  "use strict";
  var COLORS = { over: "#1f8a4c", under: "#c0392b", push: "#8a8f98" };
  var CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function gamesChart() {
    var chart = data("games-data");
    var target = document.getElementById("games-chart");
    if (!chart || !target) return;
    var labels = chart.games.map(function (g) { return g.date.slice(5) + (g.home ? " vs " : " @ ") + g.opponent; });
    var bars = {
      type: "bar",
      x: labels,
      y: chart.games.map(function (g) { return g.value; }),
      marker: { color: chart.games.map(function (g) { return COLORS[g.outcome]; }) },
      hovertemplate: "%{x}<br>" + chart.label + ": %{y}<extra></extra>",
      name: chart.label,
    };
    var layout = {
      margin: { l: 40, r: 10, t: 10, b: 80 },
      xaxis: { tickangle: -45, automargin: true },
      yaxis: { title: { text: chart.label }, rangemode: "tozero" },
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: chart.line, y1: chart.line,
                 line: { color: "#1a1d23", width: 2, dash: "dash" } }],
      annotations: [{ xref: "paper", x: 1, y: chart.line, xanchor: "right", yanchor: "bottom",
                      text: "line " + chart.line, showarrow: false }],
      showlegend: false,
    };
    Plotly.newPlot(target, [bars], layout, CONFIG);
  }

  function reliabilityChart() {
    var curves = data("reliability-data");
    var target = document.getElementById("reliability-chart");
    if (!curves || !target) return;
    var traces = [{ x: [0, 1], y: [0, 1], mode: "lines", name: "perfect", line: { dash: "dash", color: "#8a8f98" },
                    hoverinfo: "skip" }];
    Object.keys(curves).forEach(function (name) {
      var c = curves[name];
      traces.push({
        x: c.forecast, y: c.observed, mode: "lines+markers", name: name,
        text: c.count.map(function (n) { return n + " settled"; }),
        hovertemplate: "forecast %{x:.1%}<br>observed %{y:.1%}<br>%{text}<extra>" + name + "</extra>",
      });
    });
    var layout = {
      margin: { l: 50, r: 10, t: 10, b: 50 },
      xaxis: { title: { text: "forecast P(over)" }, range: [0, 1], tickformat: ".0%" },
      yaxis: { title: { text: "observed over frequency" }, range: [0, 1], tickformat: ".0%" },
      legend: { orientation: "h", y: -0.2 },
    };
    Plotly.newPlot(target, traces, layout, CONFIG);
  }

  gamesChart();
  reliabilityChart();
})();
