"""Nightly drift check: served feature rows, targets and residuals against the references.

Served rows are not stored when a prop is priced; they are rebuilt here from the (player, game
date) pairs of the window's served predictions through the serving-input builder
(`services/serving_inputs.py`), one call per game date exactly as serving made them, for the
games the box scores show were played. That costs a few seconds a night instead of a row of
~180 floats per served prediction, and the board/predict parity test is what makes a rebuilt
row equal to the served one (a box score corrected after the game can differ; nothing else).

Per champion global model: PSI and KS of every reference feature, of the target (graded
actuals) and of the residuals (actual - served mean of that exact model version); results go to
`drift_results`, an HTML report to `var/reports/drift-<day>/report.html`, and the model names
whose important features drifted beyond DRIFT_RETRAIN_SHARE are returned as `retrain`.

Features set by the date (`SEASON_CLOCK_FEATURES`: month, day of the season, games counted since
it opened) are stored with kind 'calendar': reported, but never among the important features,
because a whole-season reference and a 14-day window always differ on them.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import insert, select

from statmusepicks.core.logging import get_logger
from statmusepicks.core.settings import Settings
from statmusepicks.core.stats import CHAMPION, GLOBAL_SCOPE
from statmusepicks.data.db.models import PlayerGameStats, Prediction
from statmusepicks.data.db.models_drift import DriftResult
from statmusepicks.data.db.session import session_scope
from statmusepicks.evaluation.drift_report import (
    DriftPanel,
    render_drift_report,
    write_drift_report,
)
from statmusepicks.features.registry import SEASON_CLOCK_FEATURES
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.drift import Drift, QuantileSketch, bin_shares, compare, reference_shares
from statmusepicks.models.registry import ModelRegistry
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport
from statmusepicks.services.serving_inputs import ServingTarget, serving_inputs

log = get_logger(__name__)
JOB = "drift"
KEY = ["player_id", "game_date"]


def champion_models(settings: Settings) -> list[StatModel]:
    """Every global champion that carries a drift reference (from the on-disk registry)."""
    registry = ModelRegistry(settings)
    found = []
    for name in registry.names():
        version = registry.aliases(name).get(CHAMPION)
        if version is None:
            continue
        model = registry.load(name, version)
        if model.scope == GLOBAL_SCOPE and model.reference is not None:
            found.append(model)
    return found


def served_predictions(
    container: Container, first: dt.date, end: dt.date, as_of: dt.datetime
) -> pd.DataFrame:
    """Predictions served by `as_of` for games in [first, end)."""
    with container.sessions() as session:
        return pd.read_sql(
            select(
                Prediction.player_id,
                Prediction.stat,
                Prediction.game_date,
                Prediction.predicted_value,
                Prediction.actual,
                Prediction.model_version,
            )
            .where(
                Prediction.game_date >= first,
                Prediction.game_date < end,
                Prediction.created_at <= as_of,
            )
            .order_by(Prediction.id),
            session.connection(),
        ).assign(game_date=lambda f: pd.to_datetime(f["game_date"]).dt.date)


def served_feature_rows(container: Container, pairs: pd.DataFrame) -> pd.DataFrame:
    """Feature rows of played (player, game date) pairs, rebuilt as serving built them."""
    if pairs.empty:
        return pd.DataFrame(columns=KEY)
    frames = []
    with container.sessions() as session:
        played = pd.read_sql(
            select(
                PlayerGameStats.player_id,
                PlayerGameStats.game_date,
                PlayerGameStats.team,
                PlayerGameStats.opp,
                PlayerGameStats.is_home,
            ).where(
                PlayerGameStats.player_id.in_(set(pairs["player_id"].tolist())),
                PlayerGameStats.game_date.in_(set(pairs["game_date"].tolist())),
            ),
            session.connection(),
        ).assign(game_date=lambda f: pd.to_datetime(f["game_date"]).dt.date)
        played = played.merge(pairs[KEY].drop_duplicates(), on=KEY)
        teams = container.team_games.get(session)
        for day, group in played.groupby("game_date"):
            targets = [
                ServingTarget(int(r.player_id), day, str(r.team), str(r.opp), bool(r.is_home), True)
                for r in group.itertuples()
            ]
            frame = serving_inputs(session, targets).feature_frame(teams)
            frame["player_id"] = [t.player_id for t in targets]
            frame["game_date"] = day
            frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=KEY)


def _row(kind: str, name: str, drift: Drift, settings: Settings, important: bool) -> dict:
    return {
        "kind": kind,
        "name": name,
        "rows": drift.rows,
        "psi": drift.psi,
        "ks": drift.ks,
        "drifted": drift.drifted(settings.drift_psi_threshold, settings.drift_ks_threshold),
        "important": important,
    }


def model_drift(
    model: StatModel,
    served: pd.DataFrame,
    features: pd.DataFrame,
    settings: Settings,
    calendar: frozenset[str] = SEASON_CLOCK_FEATURES,
) -> DriftPanel:
    """One model's drift panel from its stat's served rows and their rebuilt feature rows;
    the `calendar` features are checked and reported but cannot request a retrain."""
    reference = model.reference
    assert reference is not None
    mine = served[served["stat"] == model.stat]
    rows = mine.drop_duplicates(KEY)[KEY].merge(features, on=KEY, how="inner")
    if len(rows) < settings.drift_min_rows:
        note = f"{len(rows)} served rows in the window, fewer than {settings.drift_min_rows}"
        return DriftPanel(model.label, pd.DataFrame(), note=note)
    important = set(reference.important(settings.drift_important_features, exclude=calendar))
    checked: list[tuple[str, str, QuantileSketch, pd.Series]] = [
        ("calendar" if name in calendar else "feature", name, sketch, rows[name])
        for name, sketch in reference.features.items()
        if name in rows
    ]
    graded = mine.dropna(subset=["actual"]).drop_duplicates(KEY)
    checked.append(("target", "target", reference.target, graded["actual"]))
    own = graded[graded["model_version"] == model.label]
    residuals = own["actual"] - own["predicted_value"]
    checked.append(("residual", "residual", reference.residuals, residuals))
    results = [
        _row(kind, name, compare(sketch, values), settings, name in important)
        for kind, name, sketch, values in checked
        if len(values) >= settings.drift_min_rows or kind in ("feature", "calendar")
    ]
    if not results:
        # A model trained on other feature names than serving rebuilds has nothing to compare.
        note = "none of the reference's features is among the served rows"
        return DriftPanel(model.label, pd.DataFrame(), note=note)
    # Calendar rows go last: they always drift early in a season and would crowd out the rows
    # (and the bin charts) that can request a retrain.
    table = (
        pd.DataFrame(results)
        .assign(clock=lambda t: t["kind"] == "calendar")
        .sort_values(
            ["clock", "drifted", "psi"], ascending=[True, False, False], na_position="last"
        )
        .drop(columns="clock")
    )
    flagged = table[table["important"] & table["drifted"]]
    share = len(flagged) / max(len(important), 1)
    bins = {
        name: (
            reference_shares(sketch).round(4).tolist(),
            bin_shares(sketch, values).round(4).tolist(),
        )
        for kind, name, sketch, values in checked
        if name in set(table.head(4)["name"])
    }
    return DriftPanel(
        model.label,
        table.reset_index(drop=True),
        bins,
        important_drifted=share,
        retrain=share >= settings.drift_retrain_share,
    )


def _store(container: Container, as_of: dt.datetime, panels: list[DriftPanel]) -> int:
    records = [
        {**row, "as_of": as_of, "model": panel.model}
        for panel in panels
        for row in panel.rows.to_dict("records")
    ]
    for record in records:
        record["psi"] = None if pd.isna(record["psi"]) else float(record["psi"])
        record["ks"] = None if pd.isna(record["ks"]) else float(record["ks"])
        record["drifted"], record["important"] = bool(record["drifted"]), bool(record["important"])
    if records:
        with session_scope(container.sessions) as session:
            session.execute(insert(DriftResult), records)
    return len(records)


def nightly_drift(container: Container, as_of: dt.datetime) -> JobReport:
    """Check every champion's drift over the window before `as_of`'s day; write the report."""
    settings = container.settings
    end = as_of.astimezone(ZoneInfo(settings.sync_timezone)).date()
    first = end - dt.timedelta(days=settings.drift_window_days)
    report = JobReport(JOB, as_of)
    models = champion_models(settings)
    served = served_predictions(container, first, end, as_of)
    stats = {model.stat for model in models}
    pairs = served[served["stat"].isin(stats)].drop_duplicates(KEY)
    features = served_feature_rows(container, pairs)
    panels = []
    for model in models:
        try:
            panels.append(model_drift(model, served, features, settings))
        except Exception as exc:  # one model's failure must not hide the others' drift
            log.error("drift check failed", model=model.label, error=repr(exc))
            report.errors.append(f"{model.label}: {exc!r}")
    report.rows = _store(container, as_of, panels)
    thresholds = {
        "psi": settings.drift_psi_threshold,
        "ks": settings.drift_ks_threshold,
        "retrain_share": settings.drift_retrain_share,
        "important": float(settings.drift_important_features),
    }
    html = render_drift_report(
        panels,
        as_of=as_of.isoformat(),
        window=f"{first} .. {end} (exclusive)",
        thresholds=thresholds,
    )
    path = write_drift_report(settings.var_dir / "reports" / f"drift-{end}" / "report.html", html)
    report.details = {
        "report": str(path),
        "window": [first.isoformat(), end.isoformat()],
        "retrain": [panel.model for panel in panels if panel.retrain],
        "models": {
            panel.model: {
                "rows": int(panel.rows["rows"].max()) if not panel.rows.empty else 0,
                "drifted": panel.rows.loc[panel.rows["drifted"], "name"].tolist()
                if not panel.rows.empty
                else [],
                "important_drifted": round(panel.important_drifted, 3),
                "note": panel.note,
            }
            for panel in panels
        },
    }
    if report.details["retrain"]:
        log.warning("drift: retrain requested", models=report.details["retrain"])
    return report
