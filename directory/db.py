"""Database engine, a session per request that commits once, unit_of_work() for the CLI and
importers, and after_commit(): the one channel for what must happen only once a change is kept."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, g
from flask import session as flask_session
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)
AFTER_COMMIT = "signpost.after_commit"


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
        event.listen(self.sessionmaker, "after_commit", _run_after_commit)
        event.listen(self.sessionmaker, "after_soft_rollback", _drop_after_commit)

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


def after_commit(session: Session, work: Callable[[], None]) -> None:
    """Run work (mail, say) once session's transaction commits; if it rolls back, never.

    Operations record what is due here instead of doing it, so a request or import that fails
    after an operation has run sends nothing. Failures are logged: the change is already kept.
    """
    session.info.setdefault(AFTER_COMMIT, []).append(work)


def _run_after_commit(session: Session) -> None:
    for work in session.info.pop(AFTER_COMMIT, []):
        try:
            work()
        except Exception:
            log.exception("Work due after a commit failed")


def _drop_after_commit(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(AFTER_COMMIT, None)


def in_request_transaction(view: Callable[[], object]) -> Response:
    """Answer a request as one unit of work: the view (and the operations it calls) only flush;
    an answer below 400 commits once here, and an error, a refusal or a form shown again with its
    messages rolls everything back. Views and the API never commit."""
    try:
        response = current_app.make_response(view())
    except BaseException:
        rollback_request()
        raise
    session = g.get("db_session")
    if session is not None:
        try:
            if response.status_code < 400:
                session.commit()  # a clash found only now (StaleDataError) goes to its error page
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            flask_session.pop("_flashes", None)  # "Saved" was said before the commit that failed
            raise
    return response


def rollback_request() -> None:
    """Discard what the request changed so far (before an error page or a form is shown again)."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


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
