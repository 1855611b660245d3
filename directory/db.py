"""Database engine, a session per request, and unit_of_work() for the CLI and importers."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine


def make_engine(url: str) -> Engine:
    """An engine for SQLite (embedded default) or PostgreSQL, configured for several processes."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "connect", _postgres_utc)
    return engine


def _postgres_utc(dbapi_connection, _record) -> None:
    # Times come back in UTC whatever the server's zone, as they do from SQLite.
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite leaves foreign keys off by default; WAL lets readers work while one process writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """The engine and session factory one app uses."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine, class_=Session, expire_on_commit=False)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session that commits once at the end, or rolls back everything on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def init_app(app: Flask, url: str) -> Database:
    """Attach a Database to the app and close the request's session when it ends.

    Closed at the end of each request, not only of the app context: a request made while an app
    context is already open (a test, a CLI command) shares that context's `g`, and a session kept
    across requests would serve the next request the objects it loaded before.
    """
    database = Database(url)
    app.extensions["signpost.db"] = database
    app.teardown_request(_close_request_session)
    app.teardown_appcontext(_close_request_session)
    return database


def get_db(app: Flask | None = None) -> Database:
    """The app's Database."""
    return (app or current_app).extensions["signpost.db"]


def get_session() -> Session:
    """The current request's session (created on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = get_db().sessionmaker()
    return g.db_session


def _close_request_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        # Anything not committed explicitly by the request is discarded, never half-written.
        session.rollback()
        session.close()
