"""The hash-chained prediction record: appends under concurrent writers, the stored check, the
proof and export over HTTP, and the offline check of an export with the chain module alone."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, delete, insert, select, text, update

import statmusepicks.core.hash_chain as hash_chain
from statmusepicks.core.settings import Settings
from statmusepicks.data.db.migrate import downgrade, upgrade
from statmusepicks.data.db.models import Prediction, PredictionGrade
from statmusepicks.data.db.models_record import RecordChainHead
from statmusepicks.data.db.session import make_engine
from statmusepicks.data.repositories.record_chain import append_grades, append_predictions
from statmusepicks.services.container import Container
from statmusepicks.services.keys import create_key
from statmusepicks.services.track_record_chain import export, verify
from tests.environments import memory_container
from tests.prediction_rows import plant_predictions, prediction_row
from tests.servers import serving

DAY = dt.date(2025, 11, 12)
GRADED = dt.datetime(2025, 11, 13, 7, tzinfo=dt.UTC)


def served_rows(n: int, first: int = 1, graded: int = 0) -> list[dict[str, object]]:
    """`n` served props, the first `graded` of them graded over (OVER at -110 won)."""
    return [
        prediction_row(
            player_id=first + i,
            player_name=f"P{first + i}",
            game_date=DAY,
            model_version="smp-points-global:1",
            line=20.5 + i,
            over_probability=0.55 + i / 1000,
            under_probability=0.45 - i / 1000,
            recommendation="OVER",
            created_at=dt.datetime(2025, 11, 12, 15, i % 60, tzinfo=dt.UTC),
        )
        | (
            {"graded_at": GRADED, "actual": 30.0, "result": "over", "profit": 100 / 110}
            if i < graded
            else {}
        )
        for i in range(n)
    ]


@pytest.fixture
def container(settings: Settings, engine: Engine) -> Container:
    return memory_container(settings, engine)


def test_a_planted_record_verifies_and_reads_its_grades(container: Container) -> None:
    ids = plant_predictions(container.engine, served_rows(5, graded=3))
    checked = verify(container)
    assert checked.ok, checked.first_break
    assert checked.head.seq == 8  # five predictions, then three grades
    with container.sessions() as session:
        graded = session.execute(
            select(Prediction.id, Prediction.result, Prediction.profit).order_by(Prediction.id)
        ).all()
    assert [(r.id, r.result) for r in graded] == [
        (i, "over" if k < 3 else None) for k, i in enumerate(ids)
    ]


@pytest.mark.parametrize(
    ("tamper", "seq", "reason"),
    [
        (update(Prediction).where(Prediction.chain_seq == 3).values(line=99.5), 3, "edited"),
        (
            update(PredictionGrade).where(PredictionGrade.chain_seq == 7).values(result="under"),
            7,
            "edited",
        ),
        (delete(Prediction).where(Prediction.chain_seq == 5), 6, "missing"),
        (delete(PredictionGrade).where(PredictionGrade.chain_seq == 8), 7, "head"),
    ],
    ids=["prediction edited", "grade edited", "prediction removed", "last grade removed"],
)
def test_an_edited_or_removed_row_is_named(
    settings: Settings, sqlite_engine: Engine, tamper: object, seq: int, reason: str
) -> None:
    container = memory_container(settings, sqlite_engine)
    plant_predictions(container.engine, served_rows(5, graded=3))
    with container.engine.begin() as connection:
        connection.execute(tamper)  # type: ignore[call-overload]
    broken = verify(container).first_break
    assert broken is not None
    assert broken.seq == seq
    assert reason in broken.describe()


def test_a_head_published_earlier_catches_a_rewritten_history(container: Container) -> None:
    plant_predictions(container.engine, served_rows(3))
    published = verify(container).head
    # Whoever holds the database rewrites a row and recomputes the whole chain from there.
    with container.engine.begin() as connection:
        rows = [dict(r) for r in connection.execute(select(Prediction.__table__)).mappings()]
        connection.execute(delete(Prediction))
        connection.execute(delete(RecordChainHead))
    rows[1]["line"] = 30.5
    plant_predictions(container.engine, [{k: r[k] for k in served_rows(1)[0]} for r in rows])
    assert verify(container).ok
    broken = verify(container, published).first_break
    assert broken is not None
    assert broken.kind == "head"
    assert published.hash in broken.reason


def _writer(url: str, schema_engine: Engine, first: int, batches: int, out: list[int]) -> None:
    engine = schema_engine if url.startswith("postgresql") else make_engine(url)
    for b in range(batches):
        with engine.begin() as connection:
            out.extend(append_predictions(connection, served_rows(2, first + 2 * b), at=GRADED))


def test_concurrent_writers_keep_one_linear_chain(container: Container) -> None:
    """Four writers (own connections) append at once; then two graders race on the same
    predictions: the chain stays gapless and each prediction gets one grade."""
    url = container.engine.url.render_as_string(hide_password=False)
    written: list[list[int]] = [[] for _ in range(4)]
    threads = [
        threading.Thread(target=_writer, args=(url, container.engine, 1000 * k, 10, written[k]))
        for k in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [i for ids in written for i in ids]
    assert len(ids) == 80
    grades = [
        {"prediction_id": i, "graded_at": GRADED, "actual": 1.0, "result": "under", "profit": -1.0}
        for i in ids
    ]
    counts: list[int] = []

    def grade_all() -> None:
        with container.engine.begin() as connection:
            counts.append(append_grades(connection, grades, at=GRADED))

    graders = [threading.Thread(target=grade_all) for _ in range(2)]
    for thread in graders:
        thread.start()
    for thread in graders:
        thread.join()
    assert sorted(counts) == [0, 80]
    checked = verify(container)
    assert checked.ok, checked.first_break
    assert checked.head.seq == 160


def test_a_row_written_around_the_chain_is_named(container: Container) -> None:
    plant_predictions(container.engine, served_rows(2))
    with container.engine.begin() as connection:
        sneaked = connection.execute(
            insert(Prediction).returning(Prediction.id),
            served_rows(1, first=50)[0] | {"created_at": GRADED},
        ).scalar_one()
    broken = verify(container).first_break
    assert broken is not None
    assert broken.row_id == sneaked
    assert "outside the chain" in broken.reason


def test_the_export_checks_offline_with_the_chain_module_alone(
    settings: Settings, sqlite_engine: Engine, tmp_path: Path
) -> None:
    container = memory_container(settings, sqlite_engine)
    plant_predictions(container.engine, served_rows(4, graded=2))
    records, head = export(container, tmp_path / "out", GRADED)
    assert head == verify(container).head
    alone = tmp_path / "third-party"
    alone.mkdir()
    shutil.copy(hash_chain.__file__, alone / "hash_chain.py")
    shutil.copy(records, alone / "record.csv")
    shutil.copy(records.with_suffix(".head.json"), alone / "head.json")

    def check() -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-I", "hash_chain.py", "record.csv", "head.json"]
        return subprocess.run(command, cwd=alone, capture_output=True, text=True, check=False)

    good = check()
    assert good.returncode == 0, good.stdout + good.stderr
    assert head.hash in good.stdout
    lines = (alone / "record.csv").read_text().splitlines()
    lines[3] = lines[3].replace('""line"":22.5', '""line"":23.5')
    (alone / "record.csv").write_text("\n".join(lines) + "\n")
    bad = check()
    assert bad.returncode == 1
    assert "entry 3, prediction" in bad.stdout
    assert "edited" in bad.stdout


def test_the_migration_chains_the_rows_stored_before_it(
    settings: Settings, sqlite_engine: Engine
) -> None:
    downgrade(sqlite_engine, "0008")
    row = served_rows(1)[0]
    with sqlite_engine.begin() as connection:
        for k in range(3):
            values = row | {"line": 20.5 + k, "request": "{}"}
            if k < 2:
                values |= {"graded_at": GRADED, "actual": 25.0, "result": "over", "profit": 0.9}
            columns = ", ".join(values)
            marks = ", ".join(f":{c}" for c in values)
            connection.execute(
                text(f"INSERT INTO predictions ({columns}) VALUES ({marks})"), values
            )
    upgrade(sqlite_engine)
    container = memory_container(settings, sqlite_engine)
    checked = verify(container)
    assert checked.ok, checked.first_break
    assert checked.head.seq == 5
    with container.sessions() as session:
        results = session.execute(select(Prediction.id, Prediction.result).order_by(Prediction.id))
        assert [r.result for r in results] == ["over", "over", None]
    downgrade(sqlite_engine, "0008")
    with sqlite_engine.connect() as connection:
        restored = connection.execute(text("SELECT result FROM predictions ORDER BY id")).all()
    assert [r[0] for r in restored] == ["over", "over", None]


def test_the_proof_and_the_export_over_http(settings: Settings, sqlite_engine: Engine) -> None:
    container = memory_container(settings, sqlite_engine)
    plant_predictions(container.engine, served_rows(3, graded=1))
    key = create_key(container, "proof").key
    # With keys in force, the proof and the export still answer anyone: that is their point.
    with serving(container) as url, httpx.Client(base_url=url) as http:
        proof = http.get("/api/track_record/proof")
        exported = http.get(proof.json()["export_url"])
        refused = http.get("/api/track_record")
        granted = http.get("/api/track_record", headers={"X-API-Key": key})
    assert proof.status_code == 200, proof.text
    body = proof.json()
    assert (body["head_seq"], body["predictions"], body["grades"]) == (4, 3, 1)
    assert exported.headers["content-type"].startswith("text/csv")
    outcome = hash_chain.verify_entries(
        csv.DictReader(exported.text.splitlines()),
        hash_chain.ChainHead(body["head_seq"], body["head_hash"]),
    )
    assert outcome == hash_chain.ChainHead(4, body["head_hash"])
    assert (refused.status_code, granted.status_code) == (401, 200)
