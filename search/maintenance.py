"""Rebuild the index from the database, and check how far the two have drifted."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from functools import partial

from sqlmodel import Session, func, select

from directory.db import make_engine
from directory.models import Service

from .backend import CheckReport
from .documents import is_indexed, load_services, service_document, term_paths
from .sync import IndexSync

BATCH = 1000
PARALLEL_AT = 5000  # services from which a rebuild is split among processes (one per core, at most 4)
MAX_PROCESSES = 4


def count_services(session: Session) -> int:
    """How many services the database holds (archived included)."""
    return session.exec(select(func.count()).select_from(Service)).one()


def all_documents(
    session: Session, progress: Callable[[], None] | None = None, ids: list[uuid.UUID] | None = None
) -> Iterator[dict]:
    """Every indexable service's document (or those of ids, in order), loaded in batches to bound memory."""
    paths = term_paths(session)
    if ids is None:
        ids = list(session.exec(select(Service.id).order_by(Service.id)))
    for start in range(0, len(ids), BATCH):
        # In id order, whatever order the database returns them in: a rebuild's documents are
        # numbered the same however it is split.
        for service in sorted(load_services(session, ids[start : start + BATCH]), key=lambda s: s.id):
            if progress:
                progress()
            if is_indexed(service):
                yield service_document(service, paths)
        session.expunge_all()


def rebuild_index(sync: IndexSync, progress: Callable[[], None] | None = None, processes: int | None = None) -> int:
    """Build a fresh index beside the live one, swap it in, then index edits queued meanwhile.

    Ids already waiting to be indexed are covered by the rebuild, which reads every service. A
    large directory is split into consecutive runs of ids built by `processes` processes (by
    default one per core, from PARALLEL_AT services), started fresh with multiprocessing's
    "spawn": a script that calls this needs the usual `if __name__ == "__main__":` guard.
    progress is called per service read.
    """
    with sync.sessionmaker() as session:
        total = count_services(session)
        url = session.get_bind().url
    if processes is None:
        processes = min(os.cpu_count() or 1, MAX_PROCESSES) if total >= PARALLEL_AT else 1
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        processes = 1  # another process cannot see an in-memory database
    address = url.render_as_string(hide_password=False)

    def parts() -> list[Callable]:  # once the live index is held: a service added later is queued, not lost
        with sync.sessionmaker() as session:
            ids = list(session.exec(select(Service.id).order_by(Service.id)))
        size = max(1, -(-len(ids) // processes))
        return [partial(part_documents, address, ids[start : start + size]) for start in range(0, len(ids), size)]

    with sync.covering_pending():
        if processes > 1:
            count = sync.backend.rebuild_parts(parts, progress)
        else:
            with sync.sessionmaker() as session:
                count = sync.backend.rebuild(all_documents(session, progress))
    sync.drain()
    return count


def part_documents(address: str, ids: list[uuid.UUID], progress: Callable[[], None] | None = None) -> Iterator[dict]:
    """The documents of these services, read over a connection of their own (for a rebuild's parts)."""
    engine = make_engine(address)
    try:
        with Session(engine) as session:
            yield from all_documents(session, progress, ids)
    finally:
        engine.dispose()


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
