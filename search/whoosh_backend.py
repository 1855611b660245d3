"""The embedded search backend: a Whoosh index under instance/, shaped as SEARCH-NOTES advises.

Geography uses geohash-prefix KEYWORD cells plus exact distances from a packed column; numeric
filters read COLUMN values in Python; one long-lived searcher per process, refreshed on change.
The index directory is a symlink to a generation folder so that a rebuild swaps atomically.
"""

from __future__ import annotations

import heapq
import json
import logging
import multiprocessing
import os
import re
import shutil
import struct
import threading
import time
import traceback
from datetime import date
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from whoosh import columns, fields, index
from whoosh import query as wq
from whoosh.analysis import ShingleFilter, StandardAnalyzer, StemmingAnalyzer
from whoosh.index import LockError
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from directory.freshness import DEMOTING_CODES
from directory.geography import distance_km
from directory.models.common import HIDDEN_STATUSES

from . import geo
from .backend import (COVERS_SHARE, FAR_FACTOR, FLAGS, RELATED, SECTION_WEIGHTS, STALE_FACTOR, SYNONYM, TOGETHER, TYPED, IndexBusy,
                      SearchBackend, SearchHits, SearchQuery)
from .documents import ranked_sections
from .keywords import Unit, clauses, load_synonyms, parse_keywords, typed_tokens
from .timing import matches_timing, wants_timing

log = logging.getLogger(__name__)
FLAG_BITS = {flag: 1 << i for i, flag in enumerate(FLAGS)}
DEMOTED_BIT = 1 << len(FLAGS)  # a stored freshness flag (stale, dead link, reported closed) ranks it lower
SECTIONS = "abcd"  # letters for documents.ranked_sections, as PostgreSQL's weights A to D
SECTION_FIELDS = ("name", "head", "summary", "text")  # `text` is everything: a match anywhere
PAIRS = "_pairs"  # each section's adjacent stems as one term ("food bank"): a two-word phrase is one lookup
WORD = re.compile(r"^[^\W\d_]{3,30}$")


def make_schema() -> fields.Schema:
    """The index schema: text fields stemmed; filters as keywords; numbers and points as columns."""
    analyzer = StemmingAnalyzer()
    pairs = {f"{name}{PAIRS}": fields.TEXT(analyzer=StemmingAnalyzer() | ShingleFilter(2, " "), phrase=False)
             for name in SECTION_FIELDS}
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
    sections = dict(zip(SECTION_FIELDS, (name, head, summary, text)))
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
        "flags": sum(FLAG_BITS[f] for f in flags) | (DEMOTED_BIT if DEMOTING_CODES & set(doc.get("freshness", ())) else 0),
        "syn": " ".join(sorted(f"{group}.{SECTIONS[i]}" for group, i in synonyms.items())),
        "cells": " ".join(cells),
        "areas": " ".join(doc["areas"]),
        "points": struct.pack(f"<{2 * len(doc['points'])}d", *[v for p in doc["points"] for v in p]),
        "min_age": -1 if doc["min_age"] is None else doc["min_age"],
        "max_age": -1 if doc["max_age"] is None else doc["max_age"],
        "verified": verified,
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
        self._view: _View | None = None

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
        generation = self.path.parent / f"{self.path.name}-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
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

    def view(self) -> "_View":
        """The shared searcher with its per-generation caches."""
        with self._lock:
            ix = self._open()
            if self._searcher is None or not self._searcher.up_to_date():
                # Not Searcher.refresh(): in Whoosh 2.7.5 it re-uses segment readers without
                # their new deletions (and re-adds merged-away segments), so an edited service
                # would be found twice and by its old words. A new searcher reads the TOC afresh.
                self._searcher = ix.searcher()
                self._view = _View(self._searcher)
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

    def word_counts(self, words) -> dict[str, int]:
        """Listings containing each word's stem (deleted ones may count until segments merge)."""
        searcher = self.searcher()
        counts = {}
        for word in words:
            tokens = _analysed(searcher, "text", (word,))
            counts[word] = searcher.doc_frequency("text", tokens[0]) if len(tokens) == 1 else 0
        return counts

    def vocabulary(self) -> frozenset[str]:
        """The words of the live listings as written, once per searcher generation."""
        return self.view().vocabulary()

    def doc_count(self) -> int:
        """How many documents are live."""
        return self.searcher().doc_count()

    # -- searching -----------------------------------------------------------------------------

    def query(self, q: SearchQuery) -> SearchHits:
        """Run a search: term filters intersected inside Whoosh, column filters in Python, one ranking."""
        view = self.view()
        searcher = view.searcher
        units = parse_keywords(q.keywords)
        relevance = _relevance(searcher, units)
        restrict = _restrict_query(q)
        scores: dict[int, float] = {}
        if relevance is not None:
            matched = set(relevance)
            if restrict is not None and matched:
                matched &= set(searcher.docs_for_query(restrict))
            if q.order == "best":
                scores = relevance
        elif restrict is not None:
            matched = set(searcher.docs_for_query(restrict))
        else:
            matched = view.all_docs()
        matched -= view.hidden(q.include_closed)

        wanted_flags = sum(FLAG_BITS[f] for f in FLAGS if getattr(q, f))
        if wanted_flags and matched:
            flags = view.column("flags")
            matched = {d for d in matched if flags[d] & wanted_flags == wanted_flags}
        distances: dict[int, float] = {}
        covered: set[int] = set()
        if q.near is not None and matched:
            matched = self._within(view, q, matched, distances, covered)
        if q.age is not None and matched:
            lows, highs = view.column("min_age"), view.column("max_age")
            matched = {d for d in matched if lows[d] <= q.age and (highs[d] < 0 or q.age <= highs[d])}
        if wants_timing(q) and matched:
            matched = _timing_filter(view.column("timing"), matched, q)

        hits = SearchHits(ids=[], total=len(matched))
        if not matched:  # an empty filter set would mean "no filter" to Whoosh
            return hits
        hits.facets = view.facet_counts(matched)
        page = self._rank(view, q, scores, matched, distances)
        ids = {d: searcher.stored_fields(d)["id"] for d in page}
        hits.ids = [ids[d] for d in page]
        hits.distances = {ids[d]: distances[d] for d in page if d in distances}
        hits.covers_area = {ids[d] for d in page if d in covered}
        return hits

    def _within(self, view: "_View", q: SearchQuery, matched: set, distances: dict, covered: set) -> set:
        near = q.near
        points = view.column("points")
        in_area = view.docs_with_any("areas", near.area_codes)
        keep = set()
        for d in matched:
            packed = points[d]
            best = None
            for i in range(0, len(packed), 16):
                lat, lng = struct.unpack_from("<dd", packed, i)
                dist = distance_km(near.latitude, near.longitude, lat, lng)
                if best is None or dist < best:
                    best = dist
            if best is not None and best <= near.radius_km:
                distances[d] = best
                keep.add(d)
            elif d in in_area:
                covered.add(d)
                keep.add(d)
        return keep

    def _rank(self, view: "_View", q: SearchQuery, scores: dict, matched: set, distances: dict) -> list[int]:
        """The page's documents in order; `scores` holds text relevance when ranking by best match."""
        wanted = q.offset + q.limit
        verified = view.column("verified")
        fresh_until = view.fresh_until(matched)
        stale_before = q.today.toordinal() - q.stale_days

        def demoted(d: int) -> bool:
            return fresh_until[d] < stale_before

        def factor(d: int) -> float:
            weight = 1.0
            if q.near is not None:
                share = distances[d] / q.near.radius_km if d in distances else COVERS_SHARE
                weight = 1.0 - (1.0 - FAR_FACTOR) * min(share, 1.0)
            if demoted(d):
                weight *= STALE_FACTOR
            return weight

        if scores:
            return _top_blended(scores, matched, factor, wanted)[q.offset :]

        names = view.column("name_sort")
        if q.order == "nearest" and q.near is not None:
            key = lambda d: (distances.get(d, q.near.radius_km + 1), names[d])  # noqa: E731
        elif q.order == "verified":
            key = lambda d: (-verified[d], names[d])  # noqa: E731
        elif q.order == "best" and q.near is not None:
            key = lambda d: (-factor(d), names[d])  # noqa: E731
        elif q.order == "best":
            key = lambda d: (demoted(d), names[d])  # noqa: E731
        else:
            key = lambda d: names[d]  # noqa: E731
        return heapq.nsmallest(wanted, matched, key=key)[q.offset :]


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
            worker = context.Process(target=_write_part, args=(ix.storage.folder, ix.indexname, part, sender),
                                     daemon=True)
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


class _View:
    """One searcher generation and what is worth computing once per generation, not per query."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self.reader = searcher.reader()
        self._columns: dict = {}
        self._hidden: dict = {}
        self._read: set[int] = set()  # documents whose values below are filled in
        self._fresh_until: dict[int, int] = {}
        self._facet_names: dict[str, int] = {}  # facet token -> column of _facet_rows
        self._facet_rows = np.zeros((searcher.doc_count_all(), 32), dtype=np.uint8)
        self._all: frozenset | None = None
        self._vocabulary: frozenset | None = None
        self._lock = threading.Lock()

    def vocabulary(self) -> frozenset[str]:
        if self._vocabulary is None:
            self._vocabulary = frozenset(w for w in self.reader.field_terms("exact") if WORD.match(w))
        return self._vocabulary

    def column(self, name: str):
        if name not in self._columns:
            self._columns[name] = self.reader.column_reader(name)
        return self._columns[name]

    def all_docs(self) -> set[int]:
        if self._all is None:
            self._all = frozenset(self.reader.all_doc_ids())
        return set(self._all)

    def hidden(self, include_closed: bool) -> frozenset:
        """Defunct and inactive services, and temporarily closed ones unless asked for."""
        if include_closed not in self._hidden:
            statuses = HIDDEN_STATUSES + (() if include_closed else ("temporarily_closed",))
            query = wq.Or([wq.Term("status", s) for s in statuses])
            self._hidden[include_closed] = frozenset(self.searcher.docs_for_query(query))
        return self._hidden[include_closed]

    def docs_with_any(self, fieldname: str, values) -> set[int]:
        if not values:
            return set()
        return set(self.searcher.docs_for_query(wq.Or([wq.Term(fieldname, v) for v in sorted(values)])))

    def read(self, docs: set) -> None:
        """Read these documents' values from the columns, once per generation: the verified day
        (-1 when a stored flag demotes it whatever the day) and a row of facet tokens."""
        if docs <= self._read:
            return
        facets, verified, flags = self.column("facets"), self.column("verified"), self.column("flags")
        with self._lock:
            for d in docs - self._read:
                self._fresh_until[d] = -1 if flags[d] & DEMOTED_BIT else verified[d]
                for token in facets[d].decode().split():
                    column = self._facet_column(token)  # may widen the table
                    self._facet_rows[d, column] = 1
                self._read.add(d)

    def _facet_column(self, token: str) -> int:
        if token not in self._facet_names:
            if len(self._facet_names) == self._facet_rows.shape[1]:
                self._facet_rows = np.hstack([self._facet_rows, np.zeros_like(self._facet_rows)])
            self._facet_names[token] = len(self._facet_names)
        return self._facet_names[token]

    def fresh_until(self, docs: set) -> dict[int, int]:
        self.read(docs)
        return self._fresh_until

    def facet_counts(self, matched: set) -> dict[str, int]:
        """How many matched services carry each facet token (category, flag, language, group, route)."""
        self.read(matched)
        with self._lock:
            rows, names = self._facet_rows, list(self._facet_names)
        sums = rows[np.fromiter(matched, dtype=np.intp, count=len(matched))].sum(axis=0).tolist()
        return {name: n for name, n in zip(names, sums) if n}


def _top_blended(scores: dict[int, float], matched: set, factor, wanted: int) -> list[int]:
    """The `wanted` best of `matched` by relevance x factor, highest first (ties: lower docnum).

    Factors never exceed 1, so once relevance alone falls below the page's worst blended score no
    later document can reach the page: most factors are never computed. `scores` is in docnum
    order and the sort is stable, so equal relevance keeps the lower docnum first.
    """
    page: list[tuple[float, int]] = []  # min-heap of (blended, -docnum)
    for d in sorted(scores, key=scores.__getitem__, reverse=True):
        score = scores[d]
        if len(page) == wanted and score < page[0][0]:
            break
        if d not in matched:
            continue
        item = (score * factor(d), -d)
        if len(page) < wanted:
            heapq.heappush(page, item)
        elif item > page[0]:
            heapq.heapreplace(page, item)
    return [-d for _, d in sorted(page, reverse=True)]


def _analysed(searcher, fieldname: str, words: tuple[str, ...]) -> list[str]:
    field = searcher.schema[fieldname]
    return [token for token in field.process_text(" ".join(words), mode="query")]


def _words(searcher, fieldname: str, words: tuple[str, ...]):
    """A word or (several words) a phrase in one field, as analysed; None for only stop words."""
    tokens = _analysed(searcher, fieldname, words)
    if not tokens:
        return None
    if len(tokens) == 1:
        return wq.Term(fieldname, tokens[0])
    if len(tokens) == 2 and fieldname in SECTION_FIELDS:  # the same listings as the phrase, several times faster
        return wq.Term(f"{fieldname}{PAIRS}", " ".join(tokens))
    return wq.Phrase(fieldname, tokens)


def _unit_options(searcher, unit: Unit) -> list[tuple]:
    """Every way a listing can match one unit, as (query, weight) (backend.py)."""
    options = []
    for fieldname, weight in zip(SECTION_FIELDS, SECTION_WEIGHTS):
        found = _words(searcher, fieldname, unit.words)
        if found is not None:
            options.append((found, weight))
    if unit.group:
        options += [(wq.Term("syn", f"{unit.group}.{letter}"), SYNONYM * weight) for letter, weight in zip(SECTIONS, SECTION_WEIGHTS)]
    if unit.related:
        for term in unit.related.terms:
            for fieldname, weight in zip(SECTION_FIELDS[:2], SECTION_WEIGHTS[:2]):
                found = _words(searcher, fieldname, term)
                if found is not None:
                    options.append((found, RELATED * weight))
        options += [(wq.Term("categories", code), RELATED * SECTION_WEIGHTS[1]) for code in unit.related.categories]
    return options


def _text_query(searcher, units: list[Unit]):
    """The units as one plain Whoosh query (AND of each unit's ways to match), for comparing with
    Whoosh's own search (bench/search_bench.py); searching uses _relevance."""
    required = [wq.Or([query for query, _ in options]) for options in (_unit_options(searcher, u) for u in units) if options]
    if not required:
        return None
    return required[0] if len(required) == 1 else wq.And(required)


def _relevance(searcher, units: list[Unit]) -> dict[int, float] | None:
    """Every listing matching all the clauses (units joined by OR are one clause), with its relevance:
    each unit scores the best way the listing matches it, plus TYPED for its words exactly as typed;
    a clause scores its best unit; the clauses add up, plus TOGETHER when the unquoted words are
    found together. None when no unit can match anything (only stop words)."""
    total: dict[int, float] | None = None
    for clause in clauses(units):
        best: dict[int, float] | None = None
        for unit in clause:  # any of them will do: each listing scores the best
            found = _unit_relevance(searcher, unit)
            if found is not None:
                best = found if best is None else {d: max(best.get(d, 0.0), found.get(d, 0.0)) for d in best.keys() | found.keys()}
        if best is None:
            continue
        total = best if total is None else {d: total[d] + score for d, score in best.items() if d in total}
        if not total:
            return total
    loose = [w for u in units if not u.is_phrase for w in u.words]
    if total and len(units) > 1 and len(loose) > 1 and not any(u.either for u in units):
        together = _words(searcher, "text", tuple(loose))
        if isinstance(together, wq.Phrase) or (together is not None and together.fieldname == f"text{PAIRS}"):
            for d in searcher.docs_for_query(together):
                if d in total:
                    total[d] += TOGETHER
    return total


def _unit_relevance(searcher, unit: Unit) -> dict[int, float] | None:
    """Listings matching one unit, each with the best way it matches plus TYPED; None when it cannot match anything."""
    options = _unit_options(searcher, unit)
    if not options:
        return None
    best: dict[int, float] = {}
    for query, weight in sorted(options, key=lambda o: o[1]):  # the higher weight is written last
        best.update(dict.fromkeys(searcher.docs_for_query(query), weight))
    typed = typed_tokens(unit)
    if typed:
        exact = wq.And([wq.Term("exact", t) for t in typed]) if len(typed) > 1 else wq.Term("exact", typed[0])
        for d in searcher.docs_for_query(exact):
            if d in best:
                best[d] += TYPED
    return best


def _restrict_query(q: SearchQuery):
    """Filters that are terms in the index, ANDed; None when there are none."""
    parts = []
    if q.near is not None:
        cells = geo.covering_cells(q.near.latitude, q.near.longitude, q.near.radius_km)
        terms = [wq.Term("cells", c) for c in cells] + [wq.Term("areas", c) for c in sorted(q.near.area_codes)]
        parts.append(wq.Or(terms))
    if q.categories:
        parts.append(wq.Or([wq.Term("categories", c) for c in q.categories]))
    if q.groups:
        parts.append(wq.Or([wq.Term("groups", g) for g in q.groups]))
    if q.modes:
        parts.append(wq.Or([wq.Term("groups", f"mode:{m}") for m in q.modes]))
    if q.for_person:
        parts.append(wq.Or([wq.Term("groups", f"open:{g}") for g in ("all", *q.for_person)]))
    if q.language:
        parts.append(wq.Term("languages", q.language))
    if q.organisation_id:
        parts.append(wq.Term("organisation_id", q.organisation_id))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _timing_filter(column, matched: set, q: SearchQuery) -> set:
    keep = set()
    for d in matched:
        raw = column[d]
        schedules, seasons = json.loads(raw) if raw else ([], [])
        if matches_timing(schedules, seasons, q):
            keep.add(d)
    return keep
