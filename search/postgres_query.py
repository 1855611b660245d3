"""Searching the PostgreSQL backend's tables: keywords to tsquery, filters, ranking, facets.

One statement returns the total, the ranked page and what the facet counts are made from (every
match's docno, for the process's table of facet tokens) from one materialised set of matches. Filters are GIN lookups (the words' `tsv`, and `keys` for everything with a yes/no answer,
the geohash cells around a place included), so only the documents that pass them are read. Around a
place without keywords it starts from the points in a small circle (GiST). Distances are the
haversine of directory.geography, so the list, the map and the radius agree at the boundary.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

from geopy.distance import EARTH_RADIUS
from sqlalchemy import text
from sqlalchemy.engine import Connection

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
    SearchQuery,
)
from .keywords import Unit, typed_tokens
from .timing import matches_timing, needs_session, wants_timing

SCHEMA = "signpost_search"
MIN_WORD = 2  # as the Whoosh analyser: one-letter words are not searched
SECTIONS = "ABCD"  # tsvector weights for documents.ranked_sections
_LEXEME = re.compile(r"('(?:[^']|'')*')")
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
    keys += [key("open", g) for g in doc["open_to"]] + [key("mode", m) for m in doc["modes"]]
    return keys + [key("flag", flag) for flag in FLAGS if doc[flag]]


def lexeme(value: str) -> str:
    """A tsvector/tsquery literal for one lexeme, quoted."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def restricted(tsquery: str, weights: str) -> str:
    """tsquery text matching only in these sections: every lexeme gets ':<weights>'."""
    return _LEXEME.sub(lambda m: f"{m.group(1)}:{weights}", tsquery)


@dataclass
class UnitSQL:
    """One unit as tsquery texts: its words (by stem), its synonym group, what serves the need, the words as typed."""

    words: str = ""
    group: str = ""
    related: str = ""
    categories: tuple[str, ...] = ()
    typed: str = ""
    clause: int = 0  # units of one clause are alternatives ("food OR debt"): any of them will do

    @property
    def match(self) -> str:
        """Every way a listing's words can match the unit (categories apart)."""
        parts = [self.words, self.group and lexeme(self.group), self.related and restricted(self.related, "AB")]
        return " | ".join(f"({p})" for p in parts if p)


def analyse(conn: Connection, units: list[Unit]) -> tuple[list[UnitSQL], str]:
    """Each unit that can match anything as tsquery texts, and the unquoted words together as one phrase ('' for none)."""
    if not units:
        return [], ""
    params, parts = {}, []

    def phrase(words) -> str:
        name = f"p{len(params)}"
        params[name] = " ".join(w for w in words if len(w) >= MIN_WORD)
        parts.append(f"phraseto_tsquery('english', :{name})::text")
        return name

    asked = []
    for unit in units:
        asked.append((phrase(unit.words), [phrase(t) for t in (unit.related.terms if unit.related else ())]))
    loose = [w for u in units if not u.is_phrase for w in u.words]
    either = any(u.either for u in units)
    together = phrase(loose) if len(units) > 1 and len(loose) > 1 and not either else None
    found = dict(zip(params, conn.execute(text(f"SELECT {', '.join(parts)}"), params).one(), strict=False))
    result = []
    clause = -1
    for unit, (words, related) in zip(units, asked, strict=False):
        clause += 0 if unit.either and clause >= 0 else 1
        sql = UnitSQL(
            words=found[words],
            group=unit.group or "",
            related=" | ".join(f"({found[r]})" for r in related if found[r]),
            categories=unit.related.categories if unit.related else (),
            typed=" & ".join(lexeme(t) for t in typed_tokens(unit)),
            clause=clause,
        )
        if sql.match or sql.categories:
            result.append(sql)
    return result, (found[together] if together and "<" in found[together] else "")


def word_counts(conn: Connection, words: list[str]) -> dict[str, int]:
    """Listings containing each word's stem."""
    if not words:
        return {}
    rows = conn.execute(
        text(
            f"SELECT w, (SELECT count(*) FROM {SCHEMA}.document d WHERE d.tsv @@ phraseto_tsquery('english', w)) "
            "FROM unnest(CAST(:words AS text[])) AS w"
        ),
        {"words": list(words)},
    )
    return dict(rows.all())


def timing_ids(conn: Connection, statement: Statement, q: SearchQuery) -> list[uuid.UUID]:
    """Ids of matching services whose timetable passes the date filters (checked in Python)."""
    sql = f"WITH {statement.matched(timing=False, columns='d.timing')} SELECT id, timing FROM matched WHERE timing IS NOT NULL"
    rows = conn.execute(text(sql), statement.params)
    return [doc_id for doc_id, (schedules, seasons) in rows if matches_timing(schedules, seasons, q)]


class Statement:
    """Builds the one query that returns the total, the ranked page, and what the facets are counted from:
    every match's docno, and the tokens of those the process's FacetTable does not have (docno > :facets_known)."""

    def __init__(self, q: SearchQuery, units: list[UnitSQL], together: str = "", facets_known: int = -1):
        self.q = q
        self.units = units
        self.together = together
        self.params: dict = {
            "hidden": list(HIDDEN_STATUSES) + ([] if q.include_closed else ["temporarily_closed"]),
            "stale_before": q.today - timedelta(days=q.stale_days),
            "limit": q.limit,
            "offset": q.offset,
            "facets_known": facets_known,
        }
        for i, unit in enumerate(units):
            self.params[f"m{i}"] = unit.match or "''"
            self.params[f"c{i}"] = [key("cat", c) for c in unit.categories]
            for letter in SECTIONS:
                if unit.words:
                    self.params[f"w{i}{letter}"] = restricted(unit.words, letter)
                if unit.group:
                    self.params[f"g{i}{letter}"] = restricted(lexeme(unit.group), letter)
            for letter in "AB":
                if unit.related:
                    self.params[f"r{i}{letter}"] = restricted(unit.related, letter)
            if unit.words:
                self.params[f"w{i}"] = unit.words
            if unit.typed:
                self.params[f"t{i}"] = unit.typed
        if together:
            self.params["together"] = together
        if q.near is not None:
            near = q.near
            area_keys = [key("area", c) for c in sorted(near.area_codes)]
            cells = [key("cell", c) for c in geo.covering_cells(near.latitude, near.longitude, near.radius_km)]
            self.params.update(
                lat=near.latitude,
                lng=near.longitude,
                radius=near.radius_km,
                box=near.radius_km * 1000 * BOX_SLACK,
                area_keys=area_keys,
                near_keys=cells + area_keys,
            )
        # Without keywords, a small circle starts from its points (GiST). Otherwise the documents
        # come from the GIN indexes (words, and the geohash cells covering the circle ANDed with
        # the other filters), and only the points of those left are measured.
        self.points_first = q.near is not None and not units and q.near.radius_km <= 10
        if q.near is None:
            self.distance = "NULL::float8"
        elif self.points_first:
            self.distance = "n.distance"
        else:
            self.distance = "CASE WHEN n.distance <= :radius THEN n.distance END"

    def _where(self, timing: bool) -> str:
        q, params = self.q, self.params
        where = ["d.status <> ALL(:hidden)"]
        alternatives: dict[int, list[str]] = {}
        for i, unit in enumerate(self.units):
            words = f"d.tsv @@ CAST(:m{i} AS tsquery)" if unit.match else "false"
            alternatives.setdefault(unit.clause, []).append(
                f"({words} OR d.keys && CAST(:c{i} AS text[]))" if unit.categories else words
            )
        where += [ways[0] if len(ways) == 1 else f"({' OR '.join(ways)})" for ways in alternatives.values()]
        must = ([key("lang", q.language)] if q.language else []) + (
            [key("org", q.organisation_id)] if q.organisation_id else []
        )
        must += [key("flag", flag) for flag in FLAGS if getattr(q, flag)]
        if must:
            where.append("d.keys @> CAST(:must AS text[])")
            params["must"] = must
        person = [key("open", g) for g in ("all", *q.for_person)] if q.for_person else []
        for name, keys in (
            ("categories", [key("cat", c) for c in q.categories]),
            ("groups", [key("group", g) for g in q.groups]),
            ("person", person),
            ("modes", [key("mode", m) for m in q.modes]),
        ):
            if keys:  # one of these
                where.append(f"d.keys && CAST(:{name} AS text[])")
                params[name] = keys
        if q.near is not None and not self.points_first:
            where.append("d.keys && CAST(:near_keys AS text[])")
        if q.age is not None:
            where.append("coalesce(d.min_age <= :age, true) AND coalesce(:age <= d.max_age, true)")
            params["age"] = q.age
        if q.modified_since is not None:
            where.append("d.updated >= :modified_since")
            params["modified_since"] = q.modified_since
        if timing:
            # Without a timetable a service is in season, but runs on no particular day.
            where.append("(d.id = ANY(CAST(:timing_ids AS uuid[])) OR (d.timing IS NULL AND :untimed))")
            params["untimed"] = not needs_session(q)
        return " AND ".join(where)

    def _source(self) -> tuple[str, str]:
        """FROM and the extra condition for a place: within the radius, or covering one of its areas."""
        if self.q.near is None:
            return f"{SCHEMA}.document d", "true"
        distance = _haversine("p.latitude", "p.longitude")
        in_box = "earth_box(ll_to_earth(:lat, :lng), :box) @> p.earth"  # the GiST index, then the exact distance
        if self.points_first:
            return (
                f"""(
                SELECT p.doc_id AS id, min({distance}) AS distance FROM {SCHEMA}.point p
                WHERE {in_box} GROUP BY p.doc_id HAVING min({distance}) <= :radius
                UNION ALL
                SELECT a.id, NULL FROM {SCHEMA}.document a WHERE a.keys && CAST(:area_keys AS text[]) AND NOT EXISTS (
                    SELECT 1 FROM {SCHEMA}.point p WHERE p.doc_id = a.id AND {in_box} AND {distance} <= :radius)
            ) n JOIN {SCHEMA}.document d ON d.id = n.id""",
                "true",
            )
        return (
            f"""{SCHEMA}.document d LEFT JOIN LATERAL (
                SELECT min({distance}) AS distance FROM {SCHEMA}.point p WHERE p.doc_id = d.id
            ) n ON true""",
            "(n.distance <= :radius OR d.keys && CAST(:area_keys AS text[]))",
        )

    def _score(self) -> tuple[str, str]:
        """The ranking expression and the ORDER BY that uses it (ties broken by name)."""
        q, distance = self.q, self.distance
        factor = f"CASE WHEN coalesce(d.verified < :stale_before, true) OR d.demoted THEN {STALE_FACTOR} ELSE 1.0 END"
        if q.near is not None:
            factor += f" * (1.0 - {1 - FAR_FACTOR} * least(coalesce({distance} / :radius, {COVERS_SHARE}), 1.0))"
        if q.order == "best" and self.units:
            return f"({self._relevance()}) * {factor}", "score DESC, name_sort"
        if q.order == "nearest" and q.near is not None:
            return f"coalesce({distance}, :radius + 1)", "score, name_sort"
        if q.order == "verified":
            return "d.verified", "score DESC NULLS LAST, name_sort"
        if q.order == "best":
            return factor, "score DESC, name_sort"
        return "NULL::float8", "name_sort"

    def _relevance(self) -> str:
        """The same relevance as Whoosh's: each unit its best match, the units added up (backend.py)."""

        def has(param: str) -> str:
            return f"d.tsv @@ CAST(:{param} AS tsquery)"

        total: dict[int, list[str]] = {}
        for i, unit in enumerate(self.units):
            ways = []
            if unit.words:
                cases = [
                    f"WHEN {has(f'w{i}{x}')} THEN {w}" for x, w in zip(SECTIONS[:3], SECTION_WEIGHTS, strict=False)
                ]
                ways.append(f"CASE {' '.join(cases)} WHEN {has(f'w{i}')} THEN {SECTION_WEIGHTS[3]} ELSE 0 END")
            if unit.group:
                cases = [
                    f"WHEN {has(f'g{i}{x}')} THEN {SYNONYM * w}"
                    for x, w in zip(SECTIONS, SECTION_WEIGHTS, strict=False)
                ]
                ways.append(f"CASE {' '.join(cases)} ELSE 0 END")
            if unit.related or unit.categories:
                first = f"WHEN {has(f'r{i}A')} THEN {RELATED * SECTION_WEIGHTS[0]} " if unit.related else ""
                second = [has(f"r{i}B")] if unit.related else []
                second += [f"d.keys && CAST(:c{i} AS text[])"] if unit.categories else []
                ways.append(f"CASE {first}WHEN {' OR '.join(second)} THEN {RELATED * SECTION_WEIGHTS[1]} ELSE 0 END")
            best = ways[0] if len(ways) == 1 else f"GREATEST({', '.join(ways)})"
            if unit.typed:
                best += f" + CASE WHEN d.plain @@ CAST(:t{i} AS tsquery) THEN {TYPED} ELSE 0 END"
            total.setdefault(unit.clause, []).append(best)
        # A unit a listing does not match scores 0 (its CASEs), so a clause's best unit is the GREATEST.
        summed = [
            ways[0] if len(ways) == 1 else f"GREATEST({', '.join(f'({w})' for w in ways)})" for ways in total.values()
        ]
        if self.together:
            summed.append(f"CASE WHEN {has('together')} THEN {TOGETHER} ELSE 0 END")
        return " + ".join(summed)

    def matched(
        self,
        timing: bool,
        columns: str = "d.name_sort, d.docno, CASE WHEN d.docno > :facets_known THEN d.facets END AS facets",
    ) -> str:
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
