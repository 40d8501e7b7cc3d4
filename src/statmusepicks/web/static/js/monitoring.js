// The monitoring page's charts, drawn with the vendored plotly.min.js from the JSON the server
// embeds: Brier of the served predictions against the de-vigged market, ECE, ROI and CLV.
(function () {
  "use strict";
  var CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  var node = document.getElementById("monitoring-data");
  if (!node) return;
  var data = JSON.parse(node.textContent);

  function line(name, values, color, dash) {
    return { x: data.days, y: values, mode: "lines+markers", name: name, connectgaps: false,
             line: { color: color, dash: dash || "solid" } };
  }

  function hasValues(trace) {
    return trace.y.some(function (v) { return v !== null; });
  }

  function draw(id, traces, title, format) {
    var target = document.getElementById(id);
    if (!target) return;
    if (!traces.some(hasValues)) {
      target.classList.add("chart-empty");
      target.setAttribute("role", "note");
      target.textContent = title + ": nothing recorded yet.";
      return;
    }
    Plotly.newPlot(target, traces, {
      title: { text: title, font: { size: 14 } },
      margin: { l: 55, r: 10, t: 35, b: 40 },
      yaxis: { tickformat: format || "" },
      legend: { orientation: "h", y: -0.25 },
      showlegend: traces.length > 1,
    }, CONFIG);
  }

  draw("brier-chart", [
    line("served (props with a line)", data.model_brier_on_market, "#1f6feb"),
    line("market (de-vigged)", data.market_brier, "#8a8f98", "dash"),
    line("served (all graded)", data.brier, "#1f8a4c", "dot"),
  ], "Brier score (lower is better)", ".3f");
  draw("ece-chart", [line("ECE", data.ece, "#b35c00")], "Expected calibration error", ".2f");
  draw("roi-chart", [line("ROI", data.roi, "#1f8a4c")], "ROI at the taken prices", ".0%");
  draw("clv-chart", [line("CLV", data.clv, "#6f42c1")], "CLV of bets: fair close prob. × taken price − 1", ".1%");
})();
