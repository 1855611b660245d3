"""The embedded search backend: a Whoosh index under instance/, shaped as SEARCH-NOTES advises.

Geography uses geohash-prefix KEYWORD cells plus exact distances from a packed column; numeric
filters read COLUMN values in Python; one long-lived searcher per process, refreshed on change.
The index directory is a symlink to a generation folder so that a rebuild swaps atomically.
Searching is in search/whoosh_query.py.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import struct
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import date, datetime
from multiprocessing.connection import wait
from pathlib import Path

from whoosh import columns, fields, index
from whoosh.analysis import ShingleFilter, StandardAnalyzer, StemmingAnalyzer
from whoosh.index import LockError
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from directory.freshness import DEMOTING_CODES

from . import geo
from .backend import FLAGS, IndexBusy, SearchBackend, SearchHits, SearchQuery
from .documents import ranked_sections
from .keywords import load_synonyms
from .whoosh_query import (
    DEMOTED_BIT,
    FLAG_BITS,
    PAIRS,
    SECTION_FIELDS,
    SECTIONS,
    View,
    _restrict_query,
    _text_query,
    micros,
    search,
    word_counts,
)

# The two query builders stay importable from here: bench/search_bench.py compares them with Whoosh's own search.
__all__ = ["WhooshBackend", "_restrict_query", "_text_query", "make_schema", "whoosh_fields"]
log = logging.getLogger(__name__)


def make_schema() -> fields.Schema:
    """The index schema: text fields stemmed; filters as keywords; numbers and points as columns."""
    analyzer = StemmingAnalyzer()
    pairs = {
        f"{name}{PAIRS}": fields.TEXT(analyzer=StemmingAnalyzer() | ShingleFilter(2, " "), phrase=False)
        for name in SECTION_FIELDS
    }
    return fields.Schema(
        **pairs,
        id=fields.ID(unique=True, stored=True),
        stamp=fields.STORED(),
        # The sections relevance weighs (documents.ranked_sections); `text` holds them all, and
        # `exact` the same words as written (unstemmed): for the words exactly as typed, and spelling.
        name=fields.TEXT(analyzer=analyzer),
        head=fields.TEXT(analyzer=analyzer),
        summary=fields.TEXT(analyzer=analyzer),
        text=fields.TEXT(analyzer=analyzer),
        exact=fields.TEXT(analyzer=StandardAnalyzer(), phrase=False),
        organisation_id=fields.ID(),
        status=fields.ID(),
        categories=fields.KEYWORD(),
        groups=fields.KEYWORD(),
        languages=fields.KEYWORD(),
        routes=fields.KEYWORD(),
        syn=fields.KEYWORD(),  # "<group>.<section letter>": each synonym group at its best section
        cells=fields.KEYWORD(),
        areas=fields.KEYWORD(),
        points=fields.COLUMN(columns.VarBytesColumn()),
        flags=fields.COLUMN(columns.NumericColumn("B", default=0)),
        min_age=fields.COLUMN(columns.NumericColumn("h", default=-1)),
        max_age=fields.COLUMN(columns.NumericColumn("h", default=-1)),
        verified=fields.COLUMN(columns.NumericColumn("i", default=-1)),
        updated=fields.COLUMN(columns.NumericColumn("q", default=0)),  # whoosh_query.micros of the last change
        timing=fields.COLUMN(columns.VarBytesColumn()),
        name_sort=fields.COLUMN(columns.VarBytesColumn()),
        facets=fields.COLUMN(columns.VarBytesColumn()),
    )


def whoosh_fields(doc: dict) -> dict:
    """A backend-neutral document as Whoosh field values."""
    cells = sorted({cell for lat, lng in doc["points"] for cell in geo.point_cells(lat, lng)})
    flags = [flag for flag in FLAGS if doc[flag]]
    top = [c for c in doc["categories"] if "/" not in c]
    facet_tokens = [f"cat:{c}" for c in top] + flags + [f"lang:{x}" for x in doc["languages"]]
    facet_tokens += [f"group:{g}" for g in doc["groups"]] + [f"route:{r}" for r in doc["routes"]]
    name, head, summary, _ = ranked_sections(doc)
    text = f"{doc['name']}\n{doc['text']}"
    sections = dict(zip(SECTION_FIELDS, (name, head, summary, text), strict=True))
    synonyms = load_synonyms().best_sections(ranked_sections(doc))
    timing = json.dumps([doc["schedules"], doc["seasons"]]) if doc["schedules"] or doc["seasons"] else ""
    verified = date.fromisoformat(doc["verified_at"][:10]).toordinal() if doc["verified_at"] else -1
    return {
        "id": doc["id"],
        "stamp": doc["stamp"],
        "name": name,
        "head": head,
        "summary": summary,
        "text": text,
        "exact": text,
        **{f"{field}{PAIRS}": value for field, value in sections.items()},
        "organisation_id": doc["organisation_id"],
        "status": doc["status"],
        "categories": " ".join(doc["categories"]),
        # Groups served, and (prefixed) who may go and how people take part: filters only, never shown.
        "groups": " ".join(doc["groups"] + [f"open:{g}" for g in doc["open_to"]] + [f"mode:{m}" for m in doc["modes"]]),
        "languages": " ".join(doc["languages"]),
        "routes": " ".join(doc["routes"]),
        "flags": sum(FLAG_BITS[f] for f in flags)
        | (DEMOTED_BIT if DEMOTING_CODES & set(doc.get("freshness", ())) else 0),
        "syn": " ".join(sorted(f"{group}.{SECTIONS[i]}" for group, i in synonyms.items())),
        "cells": " ".join(cells),
        "areas": " ".join(doc["areas"]),
        "points": struct.pack(f"<{2 * len(doc['points'])}d", *[v for p in doc["points"] for v in p]),
        "min_age": -1 if doc["min_age"] is None else doc["min_age"],
        "max_age": -1 if doc["max_age"] is None else doc["max_age"],
        "verified": verified,
        "updated": micros(datetime.fromisoformat(doc["updated_at"])),
        "timing": timing.encode(),
        "name_sort": doc["name_sort"].encode(),
        "facets": " ".join(facet_tokens).encode(),
    }


class WhooshBackend(SearchBackend):
    """Search over a Whoosh index at `path` (a symlink to the live generation folder)."""

    def __init__(self, path: str | Path, writer_timeout: float = 5.0):
        self.path = Path(path)
        self.writer_timeout = writer_timeout
        self._lock = threading.RLock()
        self._ix = None
        self._opened: Path | None = None
        self._searcher: Searcher | None = None
        self._view: View | None = None

    # -- storage -------------------------------------------------------------------------------

    def _live_dir(self) -> Path:
        """The generation folder the symlink points at, creating an empty index the first time."""
        if not self.path.is_symlink():
            if self.path.exists():
                raise RuntimeError(f"{self.path} should be a link to an index folder; remove it and rebuild.")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            generation = self._new_generation()
            index.create_in(generation, make_schema())
            self._point_at(generation)
        return self.path.parent / os.readlink(self.path)

    def _new_generation(self) -> Path:
        generation = (
            self.path.parent
            / f"{self.path.name}-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        )
        generation.mkdir(parents=True)
        return generation

    def _point_at(self, generation: Path) -> None:
        link = self.path.parent / f".{self.path.name}.link-{os.getpid()}"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(generation.name)
        os.replace(link, self.path)  # atomic: readers see the old or the new index, never neither

    def _open(self):
        with self._lock:
            live = self._live_dir()
            if self._ix is None or self._opened != live:
                self._ix = index.open_dir(str(live))
                self._opened = live
                self._searcher = None
            return self._ix

    def warm_up(self) -> None:
        """Open the index and its per-generation caches."""
        self.view()

    def searcher(self) -> Searcher:
        """The process's shared searcher, refreshed only when the index changed."""
        return self.view().searcher

    def view(self) -> View:
        """The shared searcher with its per-generation caches."""
        with self._lock:
            ix = self._open()
            if self._searcher is None or not self._searcher.up_to_date():
                # Not Searcher.refresh(): in Whoosh 2.7.5 it re-uses segment readers without
                # their new deletions (and re-adds merged-away segments), so an edited service
                # would be found twice and by its old words. A new searcher reads the TOC afresh.
                self._searcher = ix.searcher()
                self._view = View(self._searcher)
            return self._view

    def _writer(self, ix):
        try:
            return ix.writer(timeout=self.writer_timeout, delay=0.05)
        except LockError:
            raise IndexBusy("The search index is busy (another process is writing).") from None

    # -- writing -------------------------------------------------------------------------------

    def index(self, documents: Iterable[dict]) -> None:
        """Add or replace documents in one commit."""
        writer = self._writer(self._open())
        try:
            for doc in documents:
                writer.update_document(**whoosh_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def delete(self, ids: Iterable[str]) -> None:
        """Remove ids in one commit."""
        writer = self._writer(self._open())
        for doc_id in ids:
            writer.delete_by_term("id", doc_id)
        writer.commit()

    def rebuild(self, documents: Iterable[dict], progress=None) -> int:
        """Build a new generation beside the live one, then swap the link to it."""

        def build(fresh) -> int:
            writer = _RebuildWriter(fresh, limitmb=REBUILD_MB)
            count = 0
            for doc in documents:
                writer.add_document(**whoosh_fields(doc))
                count += 1
                if progress:
                    progress()
            writer.commit(optimize=True)
            return count

        return self._swap_in(build)

    def rebuild_parts(self, parts: Callable[[], list[Callable]], progress=None) -> int:
        """rebuild(), each part's documents written by a process of its own as one segment, in order.

        `parts()` gives picklable callables taking a progress callback and returning documents;
        the new index numbers documents exactly as one writer given the parts in turn would.
        """

        def build(fresh) -> int:
            writer = fresh.writer()  # holds the new generation while the parts write into it
            try:
                segments, count = _write_parts(fresh, parts(), progress)
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=lambda _writer, existing: existing + segments)
            return count

        return self._swap_in(build)

    def _swap_in(self, build: Callable) -> int:
        with self._lock:
            old = self._open()
            # Hold the live index's writer lock: edits meanwhile wait or queue, never land in
            # an index that is about to be replaced.
            guard = self._writer(old)
            try:
                generation = self._new_generation()
                count = build(index.create_in(generation, make_schema()))
                previous = self._opened
                self._point_at(generation)
            finally:
                guard.cancel()
            self._prune(keep={generation, previous})
            self._open()
            return count

    def _prune(self, keep: set) -> None:
        # Keep the previous generation: another process may still be reading it.
        for folder in self.path.parent.glob(f"{self.path.name}-*"):
            if folder.is_dir() and folder not in keep:
                shutil.rmtree(folder, ignore_errors=True)

    def generation(self) -> str:
        """The live generation folder's name."""
        return self._live_dir().name

    def stamps(self) -> dict[str, str]:
        """Every indexed id and its stamp; none when the index was built with another schema, so
        that a check finds every listing missing and `signpost setup` rebuilds it."""
        searcher = self.searcher()
        if set(searcher.schema.names()) != set(make_schema().names()):
            return {}
        return {f["id"]: f["stamp"] for f in searcher.all_stored_fields()}

    def document_order(self) -> list[str]:
        """Every indexed id by document number."""
        return [f["id"] for f in self.searcher().all_stored_fields()]

    def word_counts(self, words) -> dict[str, int]:
        """Listings containing each word's stem (deleted ones may count until segments merge)."""
        return word_counts(self.searcher(), words)

    def vocabulary(self) -> frozenset[str]:
        """The words of the live listings as written, once per searcher generation."""
        return self.view().vocabulary()

    def doc_count(self) -> int:
        """How many documents are live."""
        return self.searcher().doc_count()

    # -- searching -----------------------------------------------------------------------------

    def query(self, q: SearchQuery) -> SearchHits:
        """Run a search (search/whoosh_query.py)."""
        return search(self.view(), q)


REBUILD_MB = 256  # each rebuild writer's posting buffer before it sorts to disk
PROGRESS_EVERY = 200


class _Lengths:
    """Field lengths for writing postings, asking the segment only about fields that keep them.

    Whoosh otherwise checks the disk for a length file at every posting of an ID or KEYWORD
    field (a tenth of a rebuild's time); fields that are not scorable have length 0 either way.
    """

    def __init__(self, reader, scorable: set[str]):
        self.reader, self.scorable = reader, scorable

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        return self.reader.doc_field_length(docnum, fieldname, default) if fieldname in self.scorable else default

    def close(self) -> None:
        self.reader.close()


class _RebuildWriter(SegmentWriter):
    """A segment writer that writes postings with _Lengths."""

    def per_document_reader(self):
        scorable = {name for name, field in self.schema.items() if field.scorable}
        return _Lengths(super().per_document_reader(), scorable)


def _write_parts(ix, parts: list[Callable], progress) -> tuple[list, int]:
    """Run one process per part; returns their segments in the parts' order and the document count."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connections or locks
    channels, workers, results = [], [], {}
    try:
        for part in parts:
            receiver, sender = context.Pipe(duplex=False)
            worker = context.Process(
                target=_write_part, args=(ix.storage.folder, ix.indexname, part, sender), daemon=True
            )
            worker.start()
            sender.close()
            channels.append(receiver)
            workers.append(worker)
        waiting = set(channels)
        while waiting:
            for channel in wait(list(waiting)):
                try:
                    kind, value = channel.recv()
                except EOFError:
                    raise RuntimeError("A process building the search index stopped unexpectedly.") from None
                if kind == "progress":
                    for _ in range(value if progress else 0):
                        progress()
                elif kind == "error":
                    raise RuntimeError(f"Building the search index failed:\n{value}")
                else:
                    results[channel] = value
                    waiting.discard(channel)
    finally:
        for worker in workers:
            if worker.is_alive() and len(results) < len(workers):
                worker.terminate()
            worker.join()
    segments = [results[c][0] for c in channels if results[c][0] is not None]
    return segments, sum(results[c][1] for c in channels)


def _write_part(folder: str, indexname: str, part: Callable, channel) -> None:
    """In its own process: write one part's documents as a segment of the index being built."""
    try:
        writer = _RebuildWriter(index.open_dir(folder, indexname), _lk=False, limitmb=REBUILD_MB)
        count = loaded = 0

        def advance() -> None:
            nonlocal loaded
            loaded += 1
            if loaded == PROGRESS_EVERY:
                channel.send(("progress", loaded))
                loaded = 0

        for doc in part(advance):
            writer.add_document(**whoosh_fields(doc))
            count += 1
        if count:
            segment = writer._finalize_segment()
        else:
            segment = None
            writer._close_segment()
        # Not writer._finish(): the parts share the index's temporary folder, and the parent's
        # writer removes it when it commits.
        channel.send(("progress", loaded))
        channel.send(("done", (segment, count)))
    except BaseException:
        channel.send(("error", traceback.format_exc()))
    finally:
        channel.close()
