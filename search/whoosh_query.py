"""Searching the Whoosh index: term filters intersected inside Whoosh, column filters in Python, one ranking.

The index, its schema and writing are in search/whoosh_backend.py. The field names and column
encodings both sides rely on are here, as PostgreSQL's are in search/postgres_query.py.
"""

from __future__ import annotations

import heapq
import json
import re
import struct
import threading
from datetime import UTC, datetime

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from directory.geography import distance_km
from directory.models.common import HIDDEN_STATUSES

from . import geo
from .backend import (
    COVERS_SHARE,
    FAR_FACTOR,
    FLAGS,
    RELATED,
    SECTION_WEIGHTS,
    STALE_FACTOR,
    SYNONYM,
    TOGETHER,
    TYPED,
    SearchHits,
    SearchQuery,
)
from .keywords import Unit, clauses, parse_keywords, typed_tokens
from .timing import matches_timing, wants_timing

FLAG_BITS = {flag: 1 << i for i, flag in enumerate(FLAGS)}
DEMOTED_BIT = 1 << len(FLAGS)  # a stored freshness flag (stale, dead link, reported closed) ranks it lower
SECTIONS = "abcd"  # letters for documents.ranked_sections, as PostgreSQL's weights A to D
SECTION_FIELDS = ("name", "head", "summary", "text")  # `text` is everything: a match anywhere
PAIRS = "_pairs"  # each section's adjacent stems as one term ("food bank"): a two-word phrase is one lookup
WORD = re.compile(r"^[^\W\d_]{3,30}$")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """A timezone-aware moment as whole microseconds since 1970 (UTC): the `updated` column's values."""
    return (moment - EPOCH) // EPOCH.resolution


def search(view: View, q: SearchQuery) -> SearchHits:
    """Run a search on one searcher generation: term filters intersected inside Whoosh, column filters in Python, one ranking."""
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
    if q.modified_since is not None and matched:
        since, updated = micros(q.modified_since), view.column("updated")
        matched = {d for d in matched if updated[d] >= since}
    distances: dict[int, float] = {}
    covered: set[int] = set()
    if q.near is not None and matched:
        matched = _within(view, q, matched, distances, covered)
    if q.age is not None and matched:
        lows, highs = view.column("min_age"), view.column("max_age")
        matched = {d for d in matched if lows[d] <= q.age and (highs[d] < 0 or q.age <= highs[d])}
    if wants_timing(q) and matched:
        matched = _timing_filter(view.column("timing"), matched, q)

    hits = SearchHits(ids=[], total=len(matched))
    if not matched:  # an empty filter set would mean "no filter" to Whoosh
        return hits
    hits.facets = view.facet_counts(matched)
    page = _rank(view, q, scores, matched, distances)
    ids = {d: searcher.stored_fields(d)["id"] for d in page}
    hits.ids = [ids[d] for d in page]
    hits.distances = {ids[d]: distances[d] for d in page if d in distances}
    hits.covers_area = {ids[d] for d in page if d in covered}
    return hits


def _within(view: View, q: SearchQuery, matched: set, distances: dict, covered: set) -> set:
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


def _rank(view: View, q: SearchQuery, scores: dict, matched: set, distances: dict) -> list[int]:
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

    names = view.column("name_sort")
    if scores:
        return _top_blended(scores, matched, factor, wanted, names)[q.offset :]

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


class View:
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
        return {name: n for name, n in zip(names, sums, strict=False) if n}  # the table may be wider than its names


def _top_blended(scores: dict[int, float], matched: set, factor, wanted: int, names) -> list[int]:
    """The `wanted` best of `matched` by relevance x factor, highest first (ties: by name, as on PostgreSQL).

    Factors never exceed 1, so once relevance alone falls below the page's worst blended score no
    later document can reach the page: most factors are never computed. Listings that tie are
    ordered by name, so the order does not depend on when each was indexed.
    """
    page: list[tuple[float, _LaterFirst, int]] = []  # min-heap of (blended, name, -docnum): the worst on top
    for d in sorted(scores, key=scores.__getitem__, reverse=True):
        score = scores[d]
        if len(page) == wanted and score < page[0][0]:
            break
        if d not in matched:
            continue
        item = (score * factor(d), _LaterFirst(names[d]), -d)
        if len(page) < wanted:
            heapq.heappush(page, item)
        elif item > page[0]:
            heapq.heapreplace(page, item)
    return [-d for _, _, d in sorted(page, reverse=True)]


class _LaterFirst:
    """A name that sorts backwards, so that among equal scores the heap gives up the later name first
    and every page agrees with the next on where a tie is cut."""

    __slots__ = ("name",)

    def __init__(self, name) -> None:
        self.name = name

    def __eq__(self, other) -> bool:
        return self.name == other.name

    def __lt__(self, other) -> bool:
        return self.name > other.name


def word_counts(searcher, words) -> dict[str, int]:
    """Listings containing each word's stem (deleted ones may count until segments merge)."""
    counts = {}
    for word in words:
        tokens = _analysed(searcher, "text", (word,))
        counts[word] = searcher.doc_frequency("text", tokens[0]) if len(tokens) == 1 else 0
    return counts


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
    for fieldname, weight in zip(SECTION_FIELDS, SECTION_WEIGHTS, strict=True):
        found = _words(searcher, fieldname, unit.words)
        if found is not None:
            options.append((found, weight))
    if unit.group:
        options += [
            (wq.Term("syn", f"{unit.group}.{letter}"), SYNONYM * weight)
            for letter, weight in zip(SECTIONS, SECTION_WEIGHTS, strict=True)
        ]
    if unit.related:
        for term in unit.related.terms:
            for fieldname, weight in zip(SECTION_FIELDS[:2], SECTION_WEIGHTS[:2], strict=True):
                found = _words(searcher, fieldname, term)
                if found is not None:
                    options.append((found, RELATED * weight))
        options += [(wq.Term("categories", code), RELATED * SECTION_WEIGHTS[1]) for code in unit.related.categories]
    return options


def _text_query(searcher, units: list[Unit]):
    """The units as one plain Whoosh query (AND of each unit's ways to match), for comparing with
    Whoosh's own search (bench/search_bench.py); searching uses _relevance."""
    required = [
        wq.Or([query for query, _ in options]) for options in (_unit_options(searcher, u) for u in units) if options
    ]
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
                best = (
                    found
                    if best is None
                    else {d: max(best.get(d, 0.0), found.get(d, 0.0)) for d in best.keys() | found.keys()}
                )
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
