"""Searching the PostgreSQL backend's tables: keywords to tsquery, filters, ranking, facets, did-you-mean.

One statement returns the total, the ranked page and what the facet counts are made from (every
match's docno, for the process's table of facet tokens) from one materialised set of matches. Filters are GIN lookups (the words' `tsv`, and `keys` for everything with a yes/no answer,
the geohash cells around a place included), so only the documents that pass them are read. Around a
place without keywords it starts from the points in a small circle (GiST). Distances are the
haversine of directory.geography, so the list, the map and the radius agree at the boundary.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from geopy.distance import EARTH_RADIUS
from rapidfuzz.distance import Levenshtein
from sqlalchemy import text
from sqlalchemy.engine import Connection

from directory.models.common import HIDDEN_STATUSES

from . import geo
from .backend import FAR_FACTOR, FLAGS, STALE_FACTOR, SearchQuery
from .keywords import Unit
from .timing import matches_timing, wants_timing

SCHEMA = "signpost_search"
MIN_WORD = 2  # as the Whoosh analyser: one-letter words are not searched
# ts_rank_cd weights for D, C, B, A: eligibility, description/organisation, summary/categories, name
WEIGHTS = "{0.2, 0.4, 0.6, 1.0}"
BOX_SLACK = 1.01  # earth() is 6378.168 km, geography's radius 6371.009: the box must not cut the circle

def _haversine(lat: str, lng: str) -> str:
    """SQL for directory.geography.distance_km from (:lat, :lng) to (lat, lng), in km."""
    return (
        f"2 * {EARTH_RADIUS!r} * asin(sqrt(least(1.0, power(sin(radians({lat} - :lat) / 2), 2)"
        f" + cos(radians(:lat)) * cos(radians({lat})) * power(sin(radians({lng} - :lng) / 2), 2))))"
    )


def key(kind: str, value: str) -> str:
    """One entry of a document's `keys`: every filter that is a yes/no question is one GIN lookup."""
    return f"{kind}:{value}"


def document_keys(doc: dict) -> list[str]:
    """What a document can be filtered by: geohash cells of its points (as Whoosh's `cells`), the
    areas it covers, its categories with their ancestors, groups, languages, organisation and flags."""
    cells = {cell for lat, lng in doc["points"] for cell in geo.point_cells(lat, lng)}
    keys = [key("cell", c) for c in sorted(cells)] + [key("area", a) for a in doc["areas"]]
    keys += [key("cat", c) for c in doc["categories"]] + [key("group", g) for g in doc["groups"]]
    keys += [key("lang", x) for x in doc["languages"]] + [key("org", doc["organisation_id"])]
    return keys + [key("flag", flag) for flag in FLAGS if doc[flag]]


def lexeme(value: str) -> str:
    """A tsvector/tsquery literal for one lexeme, quoted."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def analyse(conn: Connection, units: list[Unit]) -> tuple[list[Unit], list[str]]:
    """Each unit as tsquery text ('' for a stop word): a synonym group is its one lexeme."""
    if not units:
        return [], []
    params, parts = {}, []
    for i, unit in enumerate(units):
        if unit.group:
            parts.append(f"CAST(:u{i} AS text)")
            params[f"u{i}"] = lexeme(unit.group)
        else:
            params[f"u{i}"] = " ".join(w for w in unit.words if len(w) >= MIN_WORD)
            parts.append(f"phraseto_tsquery('english', :u{i})::text")
    tsqueries = list(conn.execute(text(f"SELECT {', '.join(parts)}"), params).one())
    if not any(tsqueries):  # only stop words or punctuation: as if nothing was typed
        return [], []
    return units, tsqueries


def suggest(conn: Connection, units: list[Unit], tsqueries: list[str]) -> str | None:
    """'Did you mean' text when a typed word is in no document but a close word is."""
    changed, out = False, []
    for unit, tsquery in zip(units, tsqueries):
        word = unit.typed
        if len(unit.words) == 1 and not unit.group:
            if not tsquery:  # a stop word such as "and": leave it out of the suggestion
                continue
            found = conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {SCHEMA}.document WHERE tsv @@ CAST(:q AS tsquery))"), {"q": tsquery}).scalar()
            if not found:
                close = conn.execute(
                    text(f"SELECT word FROM {SCHEMA}.word WHERE word % :w ORDER BY similarity(word, :w) DESC, word LIMIT 10"),
                    {"w": word},
                ).scalars()
                best = min(close, key=lambda c: Levenshtein.distance(c, word), default=None)
                if best is not None and best != word and Levenshtein.distance(best, word) <= 2:
                    word, changed = best, True
        out.append(word)
    return " ".join(out) if changed else None


def timing_ids(conn: Connection, statement: "Statement", q: SearchQuery) -> list[uuid.UUID]:
    """Ids of matching services whose timetable passes the date filters (checked in Python)."""
    sql = f"WITH {statement.matched(timing=False, columns='d.timing')} SELECT id, timing FROM matched WHERE timing IS NOT NULL"
    rows = conn.execute(text(sql), statement.params)
    return [doc_id for doc_id, (schedules, seasons) in rows if matches_timing(schedules, seasons, q)]


class Statement:
    """Builds the one query that returns the total, the ranked page, and what the facets are counted from:
    every match's docno, and the tokens of those the process's FacetTable does not have (docno > :facets_known)."""

    def __init__(self, q: SearchQuery, tsqueries: list[str], facets_known: int = -1):
        self.q = q
        self.tsquery = " & ".join(f"({t})" for t in tsqueries if t)
        self.params: dict = {
            "hidden": list(HIDDEN_STATUSES) + ([] if q.include_closed else ["temporarily_closed"]),
            "stale_before": q.today - timedelta(days=q.stale_days),
            "limit": q.limit,
            "offset": q.offset,
            "facets_known": facets_known,
        }
        if self.tsquery:
            self.params["tsq"] = self.tsquery
        if q.near is not None:
            near = q.near
            area_keys = [key("area", c) for c in sorted(near.area_codes)]
            cells = [key("cell", c) for c in geo.covering_cells(near.latitude, near.longitude, near.radius_km)]
            self.params.update(
                lat=near.latitude, lng=near.longitude, radius=near.radius_km,
                box=near.radius_km * 1000 * BOX_SLACK, area_keys=area_keys, near_keys=cells + area_keys,
            )
        # Without keywords, a small circle starts from its points (GiST). Otherwise the documents
        # come from the GIN indexes (words, and the geohash cells covering the circle ANDed with
        # the other filters), and only the points of those left are measured.
        self.points_first = q.near is not None and not self.tsquery and q.near.radius_km <= 10
        if q.near is None:
            self.distance = "NULL::float8"
        elif self.points_first:
            self.distance = "n.distance"
        else:
            self.distance = "CASE WHEN n.distance <= :radius THEN n.distance END"

    def _where(self, timing: bool) -> str:
        q, params = self.q, self.params
        where = ["d.status <> ALL(:hidden)"]
        if self.tsquery:
            where.append("d.tsv @@ CAST(:tsq AS tsquery)")
        must = ([key("lang", q.language)] if q.language else []) + ([key("org", q.organisation_id)] if q.organisation_id else [])
        must += [key("flag", flag) for flag in FLAGS if getattr(q, flag)]
        if must:
            where.append("d.keys @> CAST(:must AS text[])")
            params["must"] = must
        for name, keys in (("categories", [key("cat", c) for c in q.categories]), ("groups", [key("group", g) for g in q.groups])):
            if keys:  # one of these
                where.append(f"d.keys && CAST(:{name} AS text[])")
                params[name] = keys
        if q.near is not None and not self.points_first:
            where.append("d.keys && CAST(:near_keys AS text[])")
        if q.age is not None:
            where.append("coalesce(d.min_age <= :age, true) AND coalesce(:age <= d.max_age, true)")
            params["age"] = q.age
        if timing:
            # Without a timetable a service is in season, but runs on no particular day.
            where.append("(d.id = ANY(CAST(:timing_ids AS uuid[])) OR (d.timing IS NULL AND :untimed))")
            params["untimed"] = not (q.runs_on or q.this_week)
        return " AND ".join(where)

    def _source(self) -> tuple[str, str]:
        """FROM and the extra condition for a place: within the radius, or covering one of its areas."""
        if self.q.near is None:
            return f"{SCHEMA}.document d", "true"
        distance = _haversine("p.latitude", "p.longitude")
        in_box = "earth_box(ll_to_earth(:lat, :lng), :box) @> p.earth"  # the GiST index, then the exact distance
        if self.points_first:
            return f"""(
                SELECT p.doc_id AS id, min({distance}) AS distance FROM {SCHEMA}.point p
                WHERE {in_box} GROUP BY p.doc_id HAVING min({distance}) <= :radius
                UNION ALL
                SELECT a.id, NULL FROM {SCHEMA}.document a WHERE a.keys && CAST(:area_keys AS text[]) AND NOT EXISTS (
                    SELECT 1 FROM {SCHEMA}.point p WHERE p.doc_id = a.id AND {in_box} AND {distance} <= :radius)
            ) n JOIN {SCHEMA}.document d ON d.id = n.id""", "true"
        return f"""{SCHEMA}.document d LEFT JOIN LATERAL (
                SELECT min({distance}) AS distance FROM {SCHEMA}.point p WHERE p.doc_id = d.id
            ) n ON true""", "(n.distance <= :radius OR d.keys && CAST(:area_keys AS text[]))"

    def _score(self) -> tuple[str, str]:
        """The ranking expression and the ORDER BY that uses it (ties broken by name)."""
        q, distance = self.q, self.distance
        factor = f"CASE WHEN coalesce(d.verified < :stale_before, true) OR d.demoted THEN {STALE_FACTOR} ELSE 1.0 END"
        if q.near is not None:
            factor += f" * (1.0 - {1 - FAR_FACTOR} * least(coalesce({distance} / :radius, 1.0), 1.0))"
        if q.order == "best" and self.tsquery:
            return f"ts_rank_cd('{WEIGHTS}', d.tsv, CAST(:tsq AS tsquery), 1) * {factor}", "score DESC, name_sort"
        if q.order == "nearest" and q.near is not None:
            return f"coalesce({distance}, :radius + 1)", "score, name_sort"
        if q.order == "verified":
            return "d.verified", "score DESC NULLS LAST, name_sort"
        if q.order == "best":
            return factor, "score DESC, name_sort"
        return "NULL::float8", "name_sort"

    def matched(self, timing: bool, columns: str = "d.name_sort, d.docno, CASE WHEN d.docno > :facets_known THEN d.facets END AS facets") -> str:
        """The CTE of every matching service with what ranking, paging and facets need."""
        score, _ = self._score()
        source, near = self._source()
        return f"""matched AS MATERIALIZED (
            SELECT d.id, {columns}, {self.distance} AS distance, {score} AS score
            FROM {source} WHERE {self._where(timing)} AND {near})"""

    def build(self) -> str:
        _, order = self._score()
        return f"""WITH {self.matched(wants_timing(self.q))},
        page AS (SELECT id, distance, score, name_sort FROM matched ORDER BY {order} LIMIT :limit OFFSET :offset)
        SELECT (SELECT count(*) FROM matched),
            (SELECT json_agg(json_build_array(id::text, distance) ORDER BY {order}) FROM page),
            (SELECT string_agg(int8send(docno), '') FROM matched),
            (SELECT json_agg(json_build_array(docno, facets)) FROM matched WHERE docno > :facets_known)"""
