// The player page's written analysis: POST /player/analysis streams Server-Sent Events
// ({"text": chunk} while a language model writes, one {"analysis": {...}}, then [DONE]).
// Each chunk is shown as it arrives; the final analysis replaces the live text.
(function () {
  "use strict";

  function field(root, name) {
    return root.querySelector("[data-field='" + name + "']");
  }

  function number(value, digits) {
    return typeof value === "number" ? value.toFixed(digits) : "—";
  }

  function showAnalysis(section, analysis) {
    var final = section.querySelector("[data-testid=analysis]");
    var opponent = (analysis.numericEvidence || {}).opponent || {};
    var pick = analysis.recommendation || (analysis.needsReview ? "HELD FOR REVIEW" : "NO LEAN");
    var verdict = field(final, "recommendation");
    verdict.textContent = pick;
    verdict.className = "rec-" + (analysis.recommendation || "pass").toLowerCase();
    field(final, "confidence").textContent = analysis.confidence + " confidence";
    field(final, "reasoning").textContent = analysis.reasoning;
    field(final, "score").textContent = analysis.modelConfidenceScore + " / 100 on the " +
      String(analysis.modelSide || "").toLowerCase();
    field(final, "opponent").textContent = opponent.name
      ? opponent.name + ": " + number(opponent.defensiveRating, 1) + " / " + number(opponent.pace, 1)
      : "no opponent on the stored schedule";
    field(final, "source").textContent = analysis.source === "llm"
      ? "language model (" + (analysis.model || "configured") + ")"
      : "the numbers alone" + (analysis.llmError ? " (language model unavailable)" : "");
    field(final, "sources").textContent = ((analysis.dataUsed || {}).sources || []).join(", ");
    field(final, "review").hidden = !analysis.needsReview;
    final.hidden = false;
    section.querySelector("[data-testid=analysis-live]").hidden = true;
  }

  function handle(section, status, live, payload) {
    if (payload === "[DONE]") return;
    var event = JSON.parse(payload);
    if (typeof event.text === "string") {
      live.hidden = false;
      live.textContent += event.text;
    } else if (event.analysis) {
      showAnalysis(section, event.analysis);
      status.textContent = "";
    } else if (event.error) {
      status.textContent = "The analysis could not be written: " + event.error;
    }
  }

  async function stream(section) {
    var status = section.querySelector("[data-testid=analysis-status]");
    var live = section.querySelector("[data-testid=analysis-live]");
    var data = section.dataset;
    var response = await fetch("/player/analysis", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      credentials: "same-origin",
      body: JSON.stringify({
        player: Number(data.player), stat: data.stat, line: Number(data.line),
        odds_over: Number(data.oddsOver), odds_under: Number(data.oddsUnder), date: data.date
      })
    });
    if (!response.ok || !response.body) {
      status.textContent = "The analysis is not available (" + response.status + ").";
      return;
    }
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    for (;;) {
      var step = await reader.read();
      if (step.done) break;
      buffer += decoder.decode(step.value, { stream: true });
      var frames = buffer.split("\n\n");
      buffer = frames.pop();
      frames.forEach(function (frame) {
        if (frame.indexOf("data: ") === 0) handle(section, status, live, frame.slice(6));
      });
    }
  }

  document.querySelectorAll("[data-analysis]").forEach(function (section) {
    stream(section).catch(function () {
      section.querySelector("[data-testid=analysis-status]").textContent =
        "The analysis could not be loaded.";
    });
  });
})();
