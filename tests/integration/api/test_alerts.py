"""Prop alerts on planted lines: edges, line moves and injury news as of a moment, deduplicated,
sent to a signed webhook through the key's filters, listed over HTTP, and in the key's feed."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import httpx
import pytest
from sqlalchemy import insert, select

from statmusepicks.data.db.models import Injury
from statmusepicks.data.db.models_alerts import PropAlert
from statmusepicks.models.market import StackWeights
from statmusepicks.services.alert_delivery import SIGNATURE_HEADER, TIMESTAMP_HEADER, prop_alerts
from statmusepicks.services.alerts import moved_past
from statmusepicks.services.container import Container
from statmusepicks.services.keys import create_key, revoke_key
from statmusepicks.services.predictions import prediction_service
from statmusepicks.web.access import AGE_COOKIE
from tests.fakes.http_server import base_url, reply, serve_handler
from tests.integration.season.planting import plant_lines, snapshot
from tests.servers import serving

JOKIC = 203999
DAY = dt.date(2025, 11, 16)
# 10:00 and 13:00 in New York (SYNC_TIMEZONE) on DAY.
FIRST = dt.datetime(2025, 11, 16, 15, 0, tzinfo=dt.UTC)
SECOND = dt.datetime(2025, 11, 16, 18, 0, tzinfo=dt.UTC)


def _line(
    market: str, book: str, line: float, over: int, under: int, at: dt.datetime
) -> dict[str, Any]:
    """Jokic's main line at `book`, captured `at`, for DEN at SAC on DAY."""
    row = snapshot(
        player_id=JOKIC,
        captured_at=at,
        over_price=over,
        under_price=under,
        bookmaker=book,
        market=market,
        line=line,
        game_date=DAY,
        commence_time=dt.datetime(2025, 11, 17, 1, tzinfo=dt.UTC),
    )
    return row | {"away_team": "DEN", "home_team": "SAC", "player_name": "Nikola Jokic"}


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver that keeps each POST's headers and raw body."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            self.received.append((dict(self.headers.items()), body))
        reply(self, 204, {}, b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received = []
    with serve_handler(Receiver) as httpd:
        yield base_url(httpd)


def test_the_market_moved_past_fair_when_its_line_crossed_the_models() -> None:
    assert moved_past(25.5, 27.5, 26.4) is True
    assert moved_past(25.5, 26.0, 26.4) is False
    assert moved_past(27.5, 26.5, 26.5) is True  # onto the fair line
    assert moved_past(25.5, 25.5, 25.0) is False
    assert moved_past(25.5, 27.5, None) is None


async def test_alerts_from_planted_lines_reach_the_filtered_signed_webhook(
    api_container: Container, receiver: str
) -> None:
    engine = api_container.engine
    # Without fitted stacking weights the served price is the market's (no edge, ever): give
    # the model half the say, as a market refit would.
    stacker = prediction_service(api_container).champions.get().stacker
    stacker.weights["assists"] = StackWeights(intercept=0.0, model=0.5, market=0.5, rows=500)
    key = create_key(api_container, "alerts")
    other = create_key(api_container, "quiet")
    with serving(api_container) as url:
        async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key.key}) as http:
            subscription = (
                await http.put(
                    "/api/alerts/subscription",
                    json={"kinds": ["line_move"], "books": ["FanDuel"], "webhook_url": receiver},
                )
            ).json()
            bad = await http.put("/api/alerts/subscription", json={"min_edge": 3})
            quiet = await http.put(
                "/api/alerts/subscription",
                json={"kinds": ["injury"], "webhook_url": receiver},
                headers={"X-API-Key": other.key},
            )
            assert quiet.status_code == 200
            assert bad.status_code == 422

            plant_lines(
                engine,
                [
                    _line("points", "fanduel", 25.5, -110, -110, FIRST),
                    _line("points", "draftkings", 25.5, -110, -110, FIRST),
                    # A price no model agrees with: OVER 0.5 assists at +500.
                    _line("assists", "fanduel", 0.5, +500, -800, FIRST),
                ],
            )
            first = prop_alerts(api_container, FIRST + dt.timedelta(minutes=5))
            assert first.ok, first.errors
            plant_lines(
                engine,
                [
                    _line("points", "fanduel", 27.5, -110, -110, SECOND),
                    _line("points", "draftkings", 26.0, -110, -110, SECOND),
                ],
            )
            with engine.begin() as connection:
                connection.execute(
                    insert(Injury),
                    {
                        "player_id": JOKIC,
                        "report_date": DAY,
                        "status": "Questionable",
                        "note": "Left ankle soreness",
                        "source": "test",
                        "reported_at": SECOND - dt.timedelta(minutes=30),
                    },
                )
            prop_alerts(api_container, SECOND + dt.timedelta(minutes=5))
            again = prop_alerts(api_container, SECOND + dt.timedelta(minutes=10))
            listed = (await http.get("/api/alerts")).json()
            feed = await http.get(subscription["feed_url"])
            page = await http.get("/alerts", cookies={AGE_COOKIE: "21"})

    assert first.details["new"] == 1  # the assists edge (no line has moved yet)
    with api_container.sessions() as session:
        edge = session.scalars(select(PropAlert).where(PropAlert.kind == "edge")).one()
    assert (edge.stat, edge.side, edge.line, edge.book) == ("assists", "OVER", 0.5, "fanduel")
    assert edge.edge is not None
    assert edge.edge >= api_container.settings.edge_threshold
    assert edge.details["price"] == 500
    assert edge.details["market_past_fair"] is False
    assert again.details["new"] == 0  # the same states do not alert twice
    # The key hears only fanduel's line moves: draftkings moved half a point only.
    assert [a["kind"] for a in listed["alerts"]] == ["line_move"]
    move = listed["alerts"][0]
    assert (move["book"], move["line"], move["details"]["move"]) == ("fanduel", 27.5, 2.0)
    fair = move["details"]["fair_line"]
    assert fair is not None
    assert move["details"]["market_past_fair"] == moved_past(25.5, 27.5, fair)

    # One POST to the filtered key, one (the injury news) to the other, each signed.
    by_kind = {json.loads(body)["kind"]: (headers, body) for headers, body in Receiver.received}
    assert sorted(by_kind) == ["injury", "line_move"]
    headers, body = by_kind["line_move"]
    signed = headers[TIMESTAMP_HEADER].encode() + b"." + body
    expected = hmac.new(subscription["webhook_secret"].encode(), signed, hashlib.sha256)
    assert headers[SIGNATURE_HEADER] == f"sha256={expected.hexdigest()}"
    assert headers[TIMESTAMP_HEADER] == str(int((SECOND + dt.timedelta(minutes=5)).timestamp()))
    injury = json.loads(by_kind["injury"][1])
    assert injury["details"]["status"] == "questionable"
    assert injury["details"]["lines_before"]["points"] == 25.5
    assert injury["details"]["current_lines"]["points"] == pytest.approx(26.75)

    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    entries = ET.fromstring(feed.text).findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.findtext("{http://www.w3.org/2005/Atom}title") for e in entries] == [move["title"]]
    assert page.status_code == 200
    assert 'data-testid="alerts"' in page.text
    assert "moved 25.5 to 27.5" in page.text


async def test_alerts_need_a_key_and_a_revoked_keys_feed_is_gone(
    api_container: Container,
) -> None:
    key = create_key(api_container, "leaving")
    with serving(api_container) as url, httpx.Client(base_url=url) as http:
        assert http.get("/api/alerts").status_code == 401
        assert http.get("/alerts/feed/not-a-real-token.atom").status_code == 404
        feed = http.get("/api/alerts/subscription", headers={"X-API-Key": key.key}).json()
        assert http.get(feed["feed_url"]).status_code == 200
        revoke_key(api_container, key.key_id)
        assert http.get(feed["feed_url"]).status_code == 404
