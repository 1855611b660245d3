"""Rebuild the index from the database, and check how far the two have drifted."""

from __future__ import annotations

import uuid
from typing import Callable, Iterator

from sqlmodel import Session, func, select

from directory.models import Service

from .backend import CheckReport
from .documents import is_indexed, load_services, service_document, term_paths
from .sync import IndexSync

BATCH = 1000


def count_services(session: Session) -> int:
    """How many services the database holds (archived included)."""
    return session.exec(select(func.count()).select_from(Service)).one()


def all_documents(session: Session, progress: Callable[[], None] | None = None) -> Iterator[dict]:
    """Every indexable service's document, loaded in batches to bound memory."""
    paths = term_paths(session)
    ids = list(session.exec(select(Service.id).order_by(Service.id)))
    for start in range(0, len(ids), BATCH):
        for service in load_services(session, ids[start : start + BATCH]):
            if progress:
                progress()
            if is_indexed(service):
                yield service_document(service, paths)
        session.expunge_all()


def rebuild_index(sync: IndexSync, progress: Callable[[], None] | None = None) -> int:
    """Build a fresh index beside the live one, swap it in, then index edits queued meanwhile."""
    with sync.sessionmaker() as session:
        count = sync.backend.rebuild(all_documents(session, progress))
    sync.drain()
    return count


def check_index(sync: IndexSync) -> CheckReport:
    """Ids missing from the index, extra in it, or indexed from an older version of the listing."""
    with sync.sessionmaker() as session:
        expected = {doc["id"]: doc["stamp"] for doc in all_documents(session)}
    actual = sync.backend.stamps()
    return CheckReport(
        missing=sorted(set(expected) - set(actual)),
        extra=sorted(set(actual) - set(expected)),
        stale=sorted(i for i in set(expected) & set(actual) if expected[i] != actual[i]),
    )


def fix_index(sync: IndexSync, report: CheckReport) -> int:
    """Re-index (or remove) every id the check found."""
    ids = {uuid.UUID(i) for i in report.missing + report.extra + report.stale}
    if ids:
        with sync.sessionmaker() as session:
            sync.write(session, ids)
    return len(ids)
