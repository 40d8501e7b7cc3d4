"""`lines import` and `injuries import`: the same validation and quarantine as the bundled load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from statmusepicks.cli.main import app
from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import normalize_name
from statmusepicks.data.db.models import Injury, Player, PropLine
from statmusepicks.data.db.session import make_engine
from statmusepicks.data.ingest.injuries import CsvInjuryProvider, import_injuries
from statmusepicks.data.ingest.lines_file import import_lines_file
from statmusepicks.data.ingest.upsert import upsert_frame
from tests import factories
from tests.environments import cli_environment
from tests.table_counts import row_count


def real_lines(rows: int = 200) -> pd.DataFrame:
    """Real bundled prop lines of one day."""
    lines = factories.prop_lines()
    return lines[lines["game_date"].astype(str) == "2025-11-12"].head(rows).reset_index(drop=True)


SGA = (1628983, "Shai Gilgeous-Alexander", 1610612760, "OKC")
JOKIC = (203999, "Nikola Jokić", 1610612743, "DEN")


def seed_players(engine: Engine, players: list[tuple[int, str, int, str]]) -> None:
    """Players as the bundled load would have stored them."""
    frame = pd.DataFrame(
        [
            {
                "player_id": player_id,
                "name": name,
                "name_key": normalize_name(name),
                "team_id": team_id,
                "team": team,
                "last_game_date": dt.date(2025, 11, 14),
            }
            for player_id, name, team_id, team in players
        ]
    )
    upsert_frame(engine, Player.__table__, frame, ("player_id",))  # type: ignore[arg-type]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_lines_file_loads_its_good_rows_and_quarantines_the_bad(
    engine: Engine, tmp_path: Path, suffix: str
) -> None:
    lines = real_lines()
    lines.loc[0, "over_price"] = 50
    lines.loc[1, "market"] = "dunks"
    path = tmp_path / f"lines{suffix}"
    if suffix == ".csv":
        lines.to_csv(path, index=False)
    else:
        lines.to_parquet(path, index=False)
    report = import_lines_file(engine, path)
    assert (report.table.inserted, report.table.quarantined) == (198, 2)
    assert report.table.reasons == {
        "price is not valid American odds (|odds| < 100)": 1,
        "unknown market": 1,
    }
    again = import_lines_file(engine, path)
    assert (again.table.inserted, again.table.updated) == (0, 0)
    assert row_count(engine, PropLine) == 198


def test_a_hand_made_lines_file_gets_season_ids_and_estimated_capture(
    engine: Engine, tmp_path: Path
) -> None:
    seed_players(engine, [SGA])
    path = tmp_path / "mine.csv"
    path.write_text(
        "game_date,home_team,away_team,player_name,market,bookmaker,line,over_price,under_price\n"
        "2025-11-20,OKC,UTA,Shai Gilgeous-Alexander,points,fanduel,31.5,-110,-110\n"
    )
    report = import_lines_file(engine, path)
    assert report.table.inserted == 1
    with engine.connect() as connection:
        row = connection.execute(select(PropLine)).one()
    assert (row.player_id, row.season, row.captured_at_estimated) == (1628983, "2025-26", True)


def test_a_file_that_is_not_lines_is_refused_with_the_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValidationError, match="lacks the prop-lines columns"):
        import_lines_file(make_engine("sqlite://"), path)


def test_injuries_resolve_names_and_quarantine_unknown_players_and_statuses(
    engine: Engine, tmp_path: Path
) -> None:
    seed_players(engine, [SGA, JOKIC])
    path = tmp_path / "injuries.csv"
    path.write_text(
        "player_name,date,status,note\n"
        "Shai Gilgeous-Alexander,2025-11-20,Questionable,Left ankle\n"
        "Nikola Jokic,2025-11-20,GTD,Rest\n"
        "Nobody Atall,2025-11-20,Out,\n"
        "Shai Gilgeous-Alexander,2025-11-21,Benched,\n"
    )
    report = import_injuries(engine, CsvInjuryProvider(path))
    assert (report.table.inserted, report.table.quarantined) == (2, 2)
    assert set(report.table.reasons) == {"'player_id' is missing", "unknown injury status"}
    with engine.connect() as connection:
        statuses = dict(connection.execute(select(Injury.player_id, Injury.status)).all())
    assert statuses == {1628983: "questionable", 203999: "day-to-day"}
    again = import_injuries(engine, CsvInjuryProvider(path))
    assert again.table.inserted == 0
    assert row_count(engine, Injury) == 2


def test_the_cli_imports_lines_and_explains_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lines.parquet"
    real_lines(50).to_parquet(path, index=False)
    runner = CliRunner()
    with cli_environment(tmp_path, monkeypatch) as url:
        imported = runner.invoke(app, ["lines", "import", str(path)])
        missing = runner.invoke(app, ["lines", "import", str(tmp_path / "nope.csv")])
    engine = make_engine(url)
    assert imported.exit_code == 0, imported.output
    assert "50 inserted" in imported.output
    assert missing.exit_code == 1
    assert "No such file" in missing.output
    assert row_count(engine, PropLine) == 50
    engine.dispose()


def test_ingest_odds_without_a_key_points_to_the_file_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cli_environment(tmp_path, monkeypatch, ODDS_API_KEY=""):
        result = CliRunner().invoke(app, ["ingest", "odds"])
    assert result.exit_code == 1
    assert "ODDS_API_KEY is not set" in result.output
    assert "lines import" in result.output
