"""Engines and sessions. Built by the entry point from settings, never at import time.

On PostgreSQL every engine is bounded in time, so a database outage answers fast instead of
hanging a request past its 30 s budget: a connection attempt gives up after
`CONNECT_TIMEOUT_SECONDS`, the server cancels a statement after `STATEMENT_TIMEOUT_SECONDS`,
waiting for a pooled connection stops after `POOL_TIMEOUT_SECONDS`, and `pool_pre_ping` replaces
connections that died while idle (after a restart of the server), so the service recovers on
its own once the database is back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker

# Each limit alone stays under the request budget (REQUEST_TIMEOUT_SECONDS, 30 s): an
# unreachable server, a full pool and a runaway query each fail with an answer the API can map
# to a 503 before the request would be cut with a 504.
CONNECT_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 10.0
STATEMENT_TIMEOUT_SECONDS = 25.0
# What clients are told to wait before retrying while the database is unreachable.
DATABASE_RETRY_AFTER_SECONDS = 5


def make_engine(
    url: str,
    *,
    schema: str | None = None,
    statement_timeout: float | None = STATEMENT_TIMEOUT_SECONDS,
) -> Engine:
    """An engine for `url`; `schema` pins PostgreSQL's search_path (tests isolate this way).

    `statement_timeout` (seconds, PostgreSQL only, None for no limit) lets long batch jobs opt
    out of the serving limit.
    """
    connect_args: dict[str, object] = {}
    kwargs: dict[str, object] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connect_args["check_same_thread"] = False
        connect_args["timeout"] = 30
    elif url.startswith("postgresql"):
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        options = _postgres_options(schema, statement_timeout)
        if options:
            connect_args["options"] = options
        kwargs["pool_timeout"] = POOL_TIMEOUT_SECONDS
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _postgres_options(schema: str | None, statement_timeout: float | None) -> str:
    """libpq `options`: server settings applied to every new connection."""
    options = []
    if schema:
        options.append(f"-csearch_path={schema}")
    if statement_timeout is not None:
        options.append(f"-cstatement_timeout={round(statement_timeout * 1000)}")
    return " ".join(options)


def is_database_outage(exc: BaseException) -> bool:
    """Whether `exc`, or an error it was raised from, means the database cannot be reached.

    OperationalError covers refused or dropped connections and cancelled statements; a DBAPI
    error flagged `connection_invalidated` is a connection that died mid-request; a pool timeout
    means every connection is stuck. Programming and integrity errors are not outages. The
    `raise ... from` chain is followed: pandas' `read_sql` wraps the driver's error in its own.
    """
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, OperationalError | PoolTimeoutError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__
    return False


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the API read while a load or sync writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
