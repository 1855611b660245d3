"""Keep the index behind the database: collect changed ids at flush, index them after commit.

A failed index write never touches the committed data: the ids go to a pending file shared by
every process, and the next successful write (or `signpost search rebuild`) drains it.
"""

from __future__ import annotations

import fcntl
import logging
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session, select

from directory.models import (
    Funding,
    Location,
    Organisation,
    ReferralRoute,
    Schedule,
    Season,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomy,
    TaxonomyTerm,
)
from directory.models.freshness import ServiceFlag

from .backend import SearchBackend
from .documents import is_indexed, load_services, service_document, term_paths

log = logging.getLogger(__name__)
KEY = "signpost.search.changed"
# Set in a session's info to queue its changes for a later drain() instead of indexing at each
# commit: a bulk import indexes once at the end rather than writing a segment per batch.
DEFER = "signpost.search.defer"
CHILDREN = (Funding, ReferralRoute, Schedule, Season, ServiceArea, ServiceAtLocation, ServiceTaxonomy, ServiceFlag)


def mark_changed(session: Session, service_ids: Iterable[uuid.UUID]) -> None:
    """Note services written without the ORM (bulk inserts): they are indexed after commit like any change."""
    changed = session.info.setdefault(KEY, {"service": set(), "location": set(), "organisation": set(), "term": set()})
    changed["service"].update(service_ids)


class IndexSync:
    """Session hooks that feed one backend from one sessionmaker."""

    def __init__(self, sessionmaker, backend: SearchBackend, pending_path: Path):
        self.sessionmaker = sessionmaker
        self.backend = backend
        self.pending_path = Path(pending_path)

    def install(self) -> None:
        """Listen to flushes and commits of every session the sessionmaker makes."""
        event.listen(self.sessionmaker, "after_flush", self._collect)
        event.listen(self.sessionmaker, "before_commit", self._before_commit)
        event.listen(self.sessionmaker, "after_commit", self._after_commit)
        event.listen(self.sessionmaker, "after_rollback", self._forget)

    def _collect(self, session: Session, _context) -> None:
        changed = session.info.setdefault(
            KEY, {"service": set(), "location": set(), "organisation": set(), "term": set()}
        )
        dirty = [obj for obj in session.dirty if session.is_modified(obj)]
        for obj in (*session.new, *dirty, *session.deleted):
            if isinstance(obj, Service):
                changed["service"].add(obj.id)
            elif isinstance(obj, CHILDREN):
                changed["service"].add(obj.service_id)
            elif isinstance(obj, Location):
                changed["location"].add(obj.id)
            elif isinstance(obj, Organisation):
                changed["organisation"].add(obj.id)
            elif isinstance(obj, TaxonomyTerm):
                changed["term"].add(obj.id)

    def _forget(self, session: Session) -> None:
        session.info.pop(KEY, None)

    def _before_commit(self, session: Session) -> None:
        # Deferred changes are queued before the commit: a process killed just after committing
        # cannot lose them. If the commit fails instead, indexing ids that were never written
        # deletes nothing that exists, so a spare id is harmless.
        if session.info.get(DEFER):
            session.flush()
            changed = session.info.pop(KEY, None)
            if changed and any(changed.values()):
                self._queue(affected_services(session, changed))

    def _after_commit(self, session: Session) -> None:
        changed = session.info.pop(KEY, None)
        if changed and any(changed.values()):
            self.sync(changed)

    def sync(self, changed: dict) -> None:
        """Index the services affected by these changes (and anything left pending)."""
        try:
            with self.sessionmaker() as session:
                ids = affected_services(session, changed)
                ids |= self._take_pending()
                if ids:
                    self.write(session, ids)  # on failure, write() queues every id itself
        except Exception:
            # The database change stands; the ids wait in the pending file for the next write.
            log.exception("Search index update failed; queued for retry")
            self._queue(changed.get("service", ()))

    def write(self, session: Session, ids: Iterable[uuid.UUID]) -> None:
        """Index or delete exactly these services from the database's current state."""
        ids = set(ids)
        paths = term_paths(session)
        services = load_services(session, ids)
        keep = [s for s in services if is_indexed(s)]
        gone = {str(i) for i in ids} - {str(s.id) for s in keep}
        try:
            if keep:
                self.backend.index(service_document(s, paths) for s in keep)
            if gone:
                self.backend.delete(gone)
        except Exception:
            self._queue(ids)
            raise

    def drain(self) -> int:
        """Index whatever is pending; returns how many ids were written."""
        ids = self._take_pending()
        if ids:
            with self.sessionmaker() as session:
                self.write(session, ids)
        return len(ids)

    @contextmanager
    def covering_pending(self):
        """Around a rebuild, which reads every service afresh: take the waiting ids, and put them
        back if the rebuild fails."""
        ids = self._take_pending()
        try:
            yield
        except BaseException:
            self._queue(ids)
            raise

    @contextmanager
    def _locked(self):
        self.pending_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.pending_path, "a+", encoding="ascii") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield handle
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _queue(self, ids: Iterable) -> None:
        ids = [str(i) for i in ids]
        if ids:
            with self._locked() as handle:
                handle.write("".join(f"{i}\n" for i in ids))

    def _take_pending(self) -> set[uuid.UUID]:
        if not self.pending_path.exists() or self.pending_path.stat().st_size == 0:
            return set()
        with self._locked() as handle:
            handle.seek(0)
            ids = {uuid.UUID(line.strip()) for line in handle if line.strip()}
            handle.truncate(0)
        return ids

    def pending(self) -> set[uuid.UUID]:
        """Ids waiting to be indexed (without taking them)."""
        if not self.pending_path.exists():
            return set()
        return {uuid.UUID(line.strip()) for line in self.pending_path.read_text().splitlines() if line.strip()}


def affected_services(session: Session, changed: dict) -> set[uuid.UUID]:
    """Every service whose document may have changed."""
    ids = set(changed.get("service", ()))
    if changed.get("location"):
        ids |= set(
            session.exec(
                select(ServiceAtLocation.service_id).where(ServiceAtLocation.location_id.in_(changed["location"]))
            )
        )
    if changed.get("organisation"):
        ids |= set(session.exec(select(Service.id).where(Service.organisation_id.in_(changed["organisation"]))))
    if changed.get("term"):
        ids |= set(session.exec(select(ServiceTaxonomy.service_id).where(ServiceTaxonomy.term_id.in_(changed["term"]))))
    return ids
