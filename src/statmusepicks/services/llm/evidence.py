"""The numbers an analysis may speak of, the prompt built from them, and the written fallback.

Only numbers the service computed or stored go in: the priced prediction (distribution,
probabilities, market, factors), the player's recent box scores, the opponent's ratings and the
text signals already turned into numbers (each with its source and time). Raw news text is never
passed, so a model has nothing to invent from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from statmusepicks.core.stats import StatSpec
from statmusepicks.services.llm.providers import ChatMessage

RECENT_GAMES = 10
SYSTEM_PROMPT = (
    "You are a cautious NBA player-prop analyst. Use ONLY the numbers in the user's JSON; "
    "never invent statistics, injuries or news. Answer with ONE JSON object and nothing else: "
    '{"recommendation": "OVER" | "UNDER" | null, "confidence": "High" | "Medium" | "Low", '
    '"reasoning": "<1-3 sentences citing the numbers>"}. Use null when the numbers do not '
    "favour a side."
)
CONFIDENCE_WORDS = {"high": "High", "medium": "Medium", "low": "Low"}


def stat_values(logs: pd.DataFrame, spec: StatSpec) -> pd.Series:
    """The stat per game of box-score rows (weighted sums for combos and fantasy score)."""
    total = pd.Series(0.0, index=logs.index)
    for column, weight in spec.weights:
        total = total + logs[column].astype(float) * weight
    return total


def recent_form(logs: pd.DataFrame, spec: StatSpec) -> dict[str, Any]:
    """The last games (oldest first, `{date, statValue}` as the frontend's context types name
    them) and the average of the latest season in `logs`."""
    played = logs[logs["min"] > 0]
    if played.empty:
        return {"recentGames": None, "seasonAvg": None, "recentMinutes": None}
    season = played[played["season"] == played["season"].iloc[-1]]
    recent = played.tail(RECENT_GAMES)
    values = stat_values(recent, spec)
    dates = pd.to_datetime(recent["game_date"]).dt.date
    return {
        "recentGames": [
            {"date": day.isoformat(), "statValue": round(float(value), 1)}
            for day, value in zip(dates, values, strict=True)
        ],
        "seasonAvg": round(float(stat_values(season, spec).mean()), 2),
        "recentMinutes": round(float(recent["min"].mean()), 1),
    }


def numeric_evidence(
    prediction: Mapping[str, Any],
    form: Mapping[str, Any],
    opponent: Mapping[str, Any],
    signals: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Every number an analysis may cite (camelCase, the frontend's `numericEvidence`).

    `opponent` is `{name, defensiveRating, pace}` as of the game; `signals` are the player's
    text signals observed before it.
    """
    factors: Sequence[Mapping[str, Any]] = prediction.get("factors") or []
    return {
        "player": prediction["player"],
        "stat": prediction["stat"],
        "line": prediction["line"],
        "gameDate": prediction.get("game_date"),
        "opponent": dict(opponent),
        "isHome": prediction.get("is_home"),
        "predictedValue": prediction["predicted_value"],
        "std": prediction.get("std"),
        "overProbability": prediction["over_probability"],
        "underProbability": prediction["under_probability"],
        "pushProbability": prediction.get("push_probability", 0.0),
        "modelRecommendation": prediction["recommendation"],
        "modelConfidence": prediction["confidence"],
        "modelConfidenceScore": round(float(prediction["confidence"])),
        "expectedValue": prediction.get("expected_value"),
        "edge": prediction.get("edge"),
        "edgeSide": prediction.get("edge_side"),
        "marketOverProbability": prediction.get("market_over_probability"),
        "marketSource": prediction.get("market_source"),
        "marketBooks": prediction.get("market_books"),
        "oddsOver": prediction.get("odds_over"),
        "oddsUnder": prediction.get("odds_under"),
        "modelScope": prediction.get("model_scope"),
        "modelVersion": prediction.get("model_version"),
        "factors": [
            {"description": f.get("description"), "effect": f.get("effect")} for f in factors
        ],
        "recentGames": form.get("recentGames"),
        "seasonAvg": form.get("seasonAvg"),
        "recentMinutes": form.get("recentMinutes"),
        "projectedMinutes": None,  # minutes are a feature of the model, not a projection of it
        "textSignals": [dict(signal) for signal in signals],
    }


def data_used(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """The frontend's `dataUsed`: whether stored data fed the numbers, and which kinds."""
    sources = ["model"]
    if evidence.get("recentGames"):
        sources.append("nba")
    if evidence.get("marketSource") == "stored_lines":
        sources.append("sportsbook_lines")
    sources.extend(sorted({str(s["source"]) for s in evidence.get("textSignals") or []}))
    return {"external": len(sources) > 1, "sources": sources}


def analysis_messages(evidence: Mapping[str, Any]) -> list[ChatMessage]:
    """The chat sent to the model: the rules, then the evidence as JSON."""
    body = json.dumps(evidence, sort_keys=True, default=str)
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Evidence for one prop:\n{body}"},
    ]


def favoured_side(evidence: Mapping[str, Any]) -> tuple[str, float]:
    """The side the model favours and its probability."""
    over, under = float(evidence["overProbability"]), float(evidence["underProbability"])
    return ("OVER", over) if over >= under else ("UNDER", under)


def confidence_word(probability: float) -> str:
    """High from 65 %, Medium from 55 %, Low below (the model's P of its favoured side)."""
    if probability >= 0.65:
        return "High"
    return "Medium" if probability >= 0.55 else "Low"


def _percent(value: Any) -> str:
    return f"{float(value) * 100:.0f}%"


def written_analysis(evidence: Mapping[str, Any]) -> str:
    """A plain-English reading of the numbers, the same every time (no model needed)."""
    side, probability = favoured_side(evidence)
    sentences = [
        f"The model projects {evidence['predictedValue']:.1f} {evidence['stat']} "
        f"(spread {float(evidence.get('std') or 0):.1f}) against a line of {evidence['line']:g}: "
        f"P(over) {_percent(evidence['overProbability'])}, "
        f"P(under) {_percent(evidence['underProbability'])}."
    ]
    market = evidence.get("marketOverProbability")
    if market is not None:
        books = evidence.get("marketBooks") or 0
        source = f"{books} books" if books else "the offered prices"
        sentences.append(
            f"The market ({source}) prices the over at {_percent(market)}; "
            f"the {side.lower()} has an edge of {float(evidence.get('edge') or 0) * 100:.1f} "
            f"points and an expected value of {float(evidence.get('expectedValue') or 0):+.3f} "
            "per unit staked."
        )
    if evidence.get("seasonAvg") is not None:
        recent = [game["statValue"] for game in evidence.get("recentGames") or []]
        average = sum(recent) / len(recent) if recent else float("nan")
        sentences.append(
            f"Season average {evidence['seasonAvg']:.1f}; last {len(recent)} games "
            f"average {average:.1f}."
        )
    factors = [f for f in evidence.get("factors") or [] if f.get("description")]
    if factors:
        sentences.append(
            "Biggest factors: " + "; ".join(str(f["description"]) for f in factors) + "."
        )
    verdict = evidence.get("modelRecommendation")
    sentences.append(
        f"Recommendation: {verdict} ({_percent(probability)} on the {side.lower()})."
        if verdict in {"OVER", "UNDER"}
        else "No side clears the edge threshold: pass."
    )
    return " ".join(sentences)
