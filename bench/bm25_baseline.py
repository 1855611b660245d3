"""A plain BM25 baseline for bench/relevance.py: SQLite FTS5 over the same listings Signpost indexes.

What it does, so that its figures can be read beside Signpost's:
- Text: one FTS5 table (Porter stemming over unicode61) with three columns, the service's name, its
  organisation's name and its description (the summary followed by the description), ranked by
  FTS5's bm25() with equal column weights. The typed words are ORed: any word matches, more
  matched words and rarer words score higher. No synonyms, no spelling correction, no stop words.
- Place: the same radius as the search page (its default unless the query's filters give one);
  a listing is in when one of its venues is within the radius, or when it has no venue in range
  but covers an area the searched place lies in (phone and online services), as Signpost does.
  Ties (and searches with no words) go nearest first, then by name.
- Filters: the listings' fields come from Signpost's own search documents (search.documents), and
  each filter is a plain SQL condition on them: category (a theme includes its sub-categories),
  group, person (leave out services only for other groups), how, days (a session on that weekday),
  age, free, self-referral, wheelchair, accepting referrals, language. Defunct and inactive
  services are left out, and temporarily closed ones unless include_closed is asked for. Other
  filters (times of day, dates, seasons) are refused rather than ignored.
"""

from __future__ import annotations

import re
import sqlite3

from directory.geography import distance_km
from search import SearchQuery

UNSUPPORTED = ("runs_on", "parts_of_day", "this_week", "in_season_on", "organisation_id")
WORD = re.compile(r"[^\W_]+")


class Bm25Baseline:
    """An in-memory FTS5 index of search documents, queried with SearchQuery's filters."""

    def __init__(self, documents, names: dict[str, tuple[str, str]]):
        self.db = sqlite3.connect(":memory:")
        self.db.create_function("km", 4, distance_km, deterministic=True)
        self.db.executescript(
            """
            CREATE TABLE listing (n INTEGER PRIMARY KEY, id TEXT, name TEXT, status TEXT, free INT, self_referral INT,
                                  wheelchair INT, accepting INT, min_age INT, max_age INT);
            CREATE TABLE tag (n INT, tag TEXT);
            CREATE INDEX tag_by_tag ON tag (tag, n);
            CREATE TABLE point (n INT, lat REAL, lng REAL);
            CREATE VIRTUAL TABLE listing_text USING fts5(name, organisation, description, tokenize='porter unicode61');
            """
        )
        self.keys: dict[str, tuple[str, str]] = names
        for n, doc in enumerate(documents, 1):
            self._add(n, doc)

    def _add(self, n: int, doc: dict) -> None:
        sections = doc["sections"]
        self.db.execute(
            "INSERT INTO listing VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                n,
                doc["id"],
                doc["name"].casefold(),
                doc["status"],
                doc["free"],
                doc["self_referral"],
                doc["wheelchair"],
                doc["accepting"],
                doc["min_age"],
                doc["max_age"],
            ),
        )
        self.db.execute(
            "INSERT INTO listing_text (rowid, name, organisation, description) VALUES (?,?,?,?)",
            (n, doc["name"], sections["organisation"], f"{sections['summary']}\n{sections['description']}"),
        )
        tags = (
            [f"category:{c}" for c in doc["categories"]]
            + [f"group:{g}" for g in doc["groups"]]
            + [f"open:{g}" for g in doc["open_to"]]
            + [f"mode:{m}" for m in doc["modes"]]
            + [f"language:{lang}" for lang in doc["languages"]]
            + [f"area:{a}" for a in doc["areas"]]
            + [f"day:{row[1]}" for row in doc["schedules"] if row[1]]
        )
        self.db.executemany("INSERT INTO tag VALUES (?,?)", [(n, t) for t in sorted(set(tags))])
        self.db.executemany("INSERT INTO point VALUES (?,?,?)", [(n, lat, lng) for lat, lng in doc["points"]])

    def query(self, q: SearchQuery, limit: int) -> list[tuple[str, str]]:
        """The first `limit` listings for a search, as (organisation, service) keys."""
        for name in UNSUPPORTED:
            if getattr(q, name):
                raise ValueError(f"The BM25 baseline has no {name} filter; leave it out of the judged query.")
        where, params = (
            ["l.status = 'active'" if not q.include_closed else "l.status IN ('active', 'temporarily_closed')"],
            [],
        )

        def any_tag(prefix: str, values) -> None:
            marks = ",".join("?" * len(values))
            where.append(f"EXISTS (SELECT 1 FROM tag t WHERE t.n = l.n AND t.tag IN ({marks}))")
            params.extend(f"{prefix}:{v}" for v in values)

        if q.categories:
            any_tag("category", q.categories)
        if q.groups:
            any_tag("group", q.groups)
        if q.for_person:
            any_tag("open", ("all", *q.for_person))
        if q.modes:
            any_tag("mode", q.modes)
        if q.weekdays:
            any_tag("day", q.weekdays)
        if q.language:
            any_tag("language", (q.language,))
        for flag in ("free", "self_referral", "wheelchair", "accepting"):
            if getattr(q, flag):
                where.append(f"l.{flag} = 1")
        if q.age is not None:
            where.append("(l.min_age IS NULL OR l.min_age <= ?) AND (l.max_age IS NULL OR l.max_age >= ?)")
            params += [q.age, q.age]
        distance = "NULL"
        if q.near is not None:
            distance = "(SELECT min(km(?, ?, p.lat, p.lng)) FROM point p WHERE p.n = l.n)"
            params = [q.near.latitude, q.near.longitude] + params
            areas = sorted(q.near.area_codes) or ["-"]
            where.append(
                f"(d <= ? OR EXISTS (SELECT 1 FROM tag t WHERE t.n = l.n AND t.tag IN ({','.join('?' * len(areas))})))"
            )
            params += [q.near.radius_km, *(f"area:{a}" for a in areas)]
        words = WORD.findall(q.keywords.casefold())
        if words:
            match = " OR ".join(f'"{w}"' for w in words)
            sql = (
                f"SELECT l.id, {distance} AS d FROM listing_text JOIN listing l ON l.n = listing_text.rowid "
                f"WHERE listing_text MATCH ? AND {' AND '.join(where)} "
                "ORDER BY bm25(listing_text), d IS NULL, d, l.name LIMIT ?"
            )
            if q.near is not None:
                params.insert(2, match)
            else:
                params.insert(0, match)
        else:
            sql = (
                f"SELECT l.id, {distance} AS d FROM listing l WHERE {' AND '.join(where)} "
                "ORDER BY d IS NULL, d, l.name LIMIT ?"
            )
        rows = self.db.execute(sql, [*params, limit]).fetchall()
        return [self.keys[row[0]] for row in rows]
