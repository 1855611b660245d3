"""The scale-out search backend: documents in PostgreSQL, searched where they are stored.

Full text is a weighted `tsvector` (English stemming) with a GIN index; places are `earth` points
(cube/earthdistance) in a GiST index. Searching is in search/postgres_query.py.
Synonyms from data/synonyms.txt are resolved by search/keywords.py at index and query time, as for
Whoosh. The tables live in their own schema and are derived data: `rebuild` fills new tables and
swaps them in within one transaction.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from directory.config import ConfigError
from directory.freshness import DEMOTING_CODES

from .backend import FLAGS, IndexBusy, SearchBackend, SearchHits, SearchQuery
from .documents import ranked_sections
from .keywords import load_synonyms, parse_keywords
from .postgres_query import SCHEMA, SECTIONS, Statement, analyse, document_keys, lexeme, timing_ids, word_counts
from .timing import wants_timing

EXTENSIONS = ("cube", "earthdistance", "pg_trgm")
WRITE_LOCK = 7_246_131  # advisory lock: edits share it, a rebuild holds it alone
BATCH = 500
RELOAD_AFTER = 2_000  # matches a search may count from PostgreSQL's rows before the facet table is reloaded
LAYOUT = "signpost search layout 4"  # the tables' shape; older tables need `signpost search rebuild`


def _tables(suffix: str) -> list[str]:
    """DDL for one generation of the search tables (suffix '' is the live one)."""
    s = SCHEMA
    return [
        f"""CREATE TABLE {s}.document{suffix} (
            id uuid PRIMARY KEY, stamp text NOT NULL, name_sort text COLLATE "C" NOT NULL,
            tsv tsvector NOT NULL, plain tsvector NOT NULL, status text NOT NULL, keys text[] NOT NULL, min_age integer, max_age integer,
            verified date, updated timestamptz NOT NULL, timing jsonb, facets text[] NOT NULL, demoted boolean NOT NULL,
            docno bigint NOT NULL DEFAULT nextval('{s}.docno'))""",
        f"CREATE TABLE {s}.point{suffix} (doc_id uuid NOT NULL, latitude float8 NOT NULL, longitude float8 NOT NULL, earth earth NOT NULL)",
        f"CREATE TABLE {s}.word{suffix} (word text PRIMARY KEY)",
    ]


INDEXES = {  # name -> (table, definition)
    "document_tsv": ("document", "USING gin (tsv)"),
    "document_keys": ("document", "USING gin (keys)"),
    "point_earth": ("point", "USING gist (earth)"),
    "point_doc": ("point", "(doc_id)"),
    "word_trgm": ("word", "USING gin (word gin_trgm_ops)"),
}

# One statement writes a batch of documents given as a JSON array (no per-row round trips).
_ROWS = """jsonb_to_recordset(CAST(:docs AS jsonb)) AS r(
    id uuid, stamp text, name text, name_sort text, summary text, description text, organisation text, category_names text,
    eligibility text, head text, rest text, synonyms text, status text, keys jsonb, min_age integer, max_age integer, verified date,
    updated timestamptz, timing jsonb, facets jsonb, points jsonb, demoted boolean)"""
_TEXT_ARRAY = "ARRAY(SELECT jsonb_array_elements_text(r.{0}))"
_UPSERT = f"""
INSERT INTO {SCHEMA}.document{{suffix}} AS d
SELECT r.id, r.stamp, r.name_sort,
    setweight(to_tsvector('english', r.name), 'A')
    || setweight(to_tsvector('english', r.head), 'B')
    || setweight(to_tsvector('english', r.summary), 'C')
    || setweight(to_tsvector('english', r.rest), 'D') || CAST(r.synonyms AS tsvector),
    to_tsvector('simple', r.name || ' ' || r.head || ' ' || r.summary || ' ' || r.rest),
    r.status, {_TEXT_ARRAY.format("keys")}, r.min_age, r.max_age, r.verified, r.updated, r.timing,
    {_TEXT_ARRAY.format("facets")}, r.demoted
FROM {_ROWS}
ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp, name_sort = EXCLUDED.name_sort, tsv = EXCLUDED.tsv, plain = EXCLUDED.plain,
    status = EXCLUDED.status, keys = EXCLUDED.keys, min_age = EXCLUDED.min_age, max_age = EXCLUDED.max_age,
    verified = EXCLUDED.verified, updated = EXCLUDED.updated, timing = EXCLUDED.timing, facets = EXCLUDED.facets, demoted = EXCLUDED.demoted,
    docno = nextval('{SCHEMA}.docno')"""
_POINTS = f"""
INSERT INTO {SCHEMA}.point{{suffix}} (doc_id, latitude, longitude, earth)
SELECT r.id, (p->>0)::float8, (p->>1)::float8, ll_to_earth((p->>0)::float8, (p->>1)::float8)
FROM {_ROWS}, jsonb_array_elements(r.points) AS p"""
# The vocabulary for "did you mean": every word as typed (unstemmed), letters only.
_WORDS = f"""
INSERT INTO {SCHEMA}.word{{suffix}} (word)
SELECT DISTINCT w.word FROM {_ROWS},
    unnest(tsvector_to_array(to_tsvector('simple', r.name || ' ' || r.summary || ' ' || r.description || ' '
        || r.organisation || ' ' || r.category_names || ' ' || r.eligibility))) AS w(word)
WHERE length(w.word) BETWEEN 3 AND 30 AND w.word ~ '^\\w+$' AND w.word !~ '[\\d_]'
ON CONFLICT DO NOTHING"""


def synonym_lexemes(doc: dict) -> str:
    """The synonym groups a document mentions, as tsvector lexemes weighted by the best section.

    Resolved at index time, like Whoosh's `syn` field: a synonym in a query is then one GIN lookup
    for one lexeme, instead of an OR of phrases that PostgreSQL must re-check on every candidate.
    """
    best = load_synonyms().best_sections(ranked_sections(doc))
    return " ".join(f"{lexeme(group)}:1{SECTIONS[i]}" for group, i in sorted(best.items()))


def row(doc: dict) -> dict:
    """A backend-neutral document as the JSON the batch statements read."""
    sections = doc["sections"]
    top = [c for c in doc["categories"] if "/" not in c]
    flags = [flag for flag in FLAGS if doc[flag]]
    facets = [f"cat:{c}" for c in top] + flags + [f"lang:{x}" for x in doc["languages"]]
    facets += [f"group:{g}" for g in doc["groups"]] + [f"route:{r}" for r in doc["routes"]]
    timing = [doc["schedules"], doc["seasons"]] if doc["schedules"] or doc["seasons"] else None
    return {
        "id": doc["id"],
        "stamp": doc["stamp"],
        "name": doc["name"],
        "name_sort": doc["name_sort"],
        "summary": sections["summary"],
        "description": sections["description"],
        "organisation": sections["organisation"],
        "category_names": sections["categories"],
        "eligibility": sections["eligibility"],
        "head": ranked_sections(doc)[1],
        "rest": ranked_sections(doc)[3],
        "synonyms": synonym_lexemes(doc),
        "status": doc["status"],
        "keys": document_keys(doc),
        "min_age": doc["min_age"],
        "max_age": doc["max_age"],
        "verified": doc["verified_at"][:10] if doc["verified_at"] else None,
        "updated": doc["updated_at"],
        "timing": timing,
        "facets": facets,
        "points": doc["points"],
        "demoted": bool(DEMOTING_CODES & set(doc["freshness"])),  # a stored flag such as a dead link
    }


class PostgresBackend(SearchBackend):
    """Search over tables in the app's own PostgreSQL database."""

    def __init__(self, engine: Engine, writer_timeout: float = 5.0):
        if engine.dialect.name != "postgresql":
            raise ConfigError(
                f"SIGNPOST_SEARCH_BACKEND=postgres needs the database on PostgreSQL, but it is {engine.dialect.name}: "
                "set SIGNPOST_DATABASE_URL=postgresql+psycopg://... or use SIGNPOST_SEARCH_BACKEND=whoosh."
            )
        self.engine = engine
        self.writer_timeout = writer_timeout
        self._ready = False
        self._facet_table = FacetTable()
        self._vocabulary: tuple = (None, frozenset())

    # -- storage -------------------------------------------------------------------------------

    def _ensure(self, conn: Connection, rebuilding: bool = False) -> None:
        """Create the live tables the first time (the migration made the schema and extensions)."""
        if self._ready:
            return
        present = set(
            conn.execute(
                text("SELECT extname FROM pg_extension WHERE extname = ANY(:names)"), {"names": list(EXTENSIONS)}
            ).scalars()
        )
        schema = conn.execute(text("SELECT to_regnamespace(:s)"), {"s": SCHEMA}).scalar()
        if present != set(EXTENSIONS) or schema is None:
            raise ConfigError(
                "PostgreSQL search needs the cube, earthdistance and pg_trgm extensions and the "
                f"{SCHEMA} schema: run `signpost db upgrade` as a database user allowed to create extensions."
            )
        if conn.execute(text(f"SELECT to_regclass('{SCHEMA}.word')")).scalar() is None:
            with self.engine.begin() as setup:
                setup.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
                if setup.execute(text(f"SELECT to_regclass('{SCHEMA}.word')")).scalar() is None:
                    _create_tables(setup, "")
                    _create_indexes(setup, "")
        layout = conn.execute(text(f"SELECT obj_description('{SCHEMA}.document'::regclass, 'pg_class')")).scalar()
        if layout != LAYOUT and not rebuilding:
            raise ConfigError(
                "The PostgreSQL search tables were built by an earlier version of Signpost: "
                "run `signpost search rebuild` to build them again (searches fail until then)."
            )
        self._ready = layout == LAYOUT

    def _write_lock(self, conn: Connection) -> None:
        """Share the write lock with other edits; wait a little for a rebuild, then give up."""
        conn.execute(text(f"SET LOCAL lock_timeout = '{int(self.writer_timeout * 1000)}ms'"))
        try:
            conn.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": WRITE_LOCK})
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":
                raise IndexBusy("The search index is being rebuilt; the change is queued.") from None
            raise
        conn.execute(text("SET LOCAL lock_timeout = 0"))

    def generation(self) -> str:
        """The live document table's identity: it changes on every rebuild."""
        with self.engine.connect() as conn:
            self._ensure(conn)
            return str(conn.execute(text(f"SELECT '{SCHEMA}.document'::regclass::oid")).scalar())

    # -- writing -------------------------------------------------------------------------------

    def index(self, documents: Iterable[dict]) -> None:
        """Add or replace documents in one transaction."""
        rows = [row(doc) for doc in documents]
        if not rows:
            return
        with self.engine.begin() as conn:
            self._ensure(conn)
            self._write_lock(conn)
            _write(conn, rows, "", replace=True)

    def delete(self, ids: Iterable[str]) -> None:
        """Remove ids in one transaction."""
        ids = [uuid.UUID(i) for i in ids]
        with self.engine.begin() as conn:
            self._ensure(conn)
            self._write_lock(conn)
            conn.execute(text(f"DELETE FROM {SCHEMA}.point WHERE doc_id = ANY(:ids)"), {"ids": ids})
            conn.execute(text(f"DELETE FROM {SCHEMA}.document WHERE id = ANY(:ids)"), {"ids": ids})

    def rebuild(self, documents: Iterable[dict], progress=None) -> int:
        """Fill new tables and swap them in, all in one transaction: searches see old or new."""
        count = 0
        with self.engine.begin() as conn:
            self._ensure(conn, rebuilding=True)
            # Edits meanwhile wait (then queue, and are drained after the rebuild).
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
            for name in ("document", "point", "word"):
                conn.execute(text(f"DROP TABLE IF EXISTS {SCHEMA}.{name}_next"))
            _create_tables(conn, "_next")
            batch = []
            for doc in documents:
                batch.append(row(doc))
                count += 1
                if progress:
                    progress()
                if len(batch) >= BATCH:
                    _write(conn, batch, "_next", replace=False)
                    batch = []
            if batch:
                _write(conn, batch, "_next", replace=False)
            _create_indexes(conn, "_next")  # after the bulk load: faster than keeping them up to date
            for table in ("document", "point", "word"):
                conn.execute(text(f"ANALYZE {SCHEMA}.{table}_next"))
            # The swap: readers wait for these locks for a moment, then read the new tables.
            conn.execute(text(f"LOCK TABLE {SCHEMA}.document, {SCHEMA}.point, {SCHEMA}.word IN ACCESS EXCLUSIVE MODE"))
            for table in ("document", "point", "word"):
                conn.execute(text(f"DROP TABLE {SCHEMA}.{table}"))
                conn.execute(text(f"ALTER TABLE {SCHEMA}.{table}_next RENAME TO {table}"))
            for name in INDEXES:
                conn.execute(text(f"ALTER INDEX {SCHEMA}.{name}_next RENAME TO {name}"))
            for table in ("document", "word"):
                conn.execute(text(f"ALTER INDEX {SCHEMA}.{table}_next_pkey RENAME TO {table}_pkey"))
        # Set the rows' hint bits now, not during the first searches (measured: a search over
        # 33,000 matches wrote 6,925 pages and took 800 ms before, 347 ms after; bench/RESULTS.md).
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("document", "point", "word"):
                conn.execute(text(f"VACUUM {SCHEMA}.{table}"))
        return count

    def stamps(self) -> dict[str, str]:
        """Every indexed id and its stamp."""
        with self.engine.connect() as conn:
            self._ensure(conn)
            return dict(conn.execute(text(f"SELECT id::text, stamp FROM {SCHEMA}.document")).all())

    def document_order(self) -> list[str]:
        """Every indexed id by docno (the order the documents were written)."""
        with self.engine.connect() as conn:
            self._ensure(conn)
            return list(conn.execute(text(f"SELECT id::text FROM {SCHEMA}.document ORDER BY docno")).scalars())

    def word_counts(self, words) -> dict[str, int]:
        """Listings containing each word's stem."""
        with self.engine.connect() as conn:
            self._ensure(conn)
            return word_counts(conn, list(words))

    def vocabulary(self) -> frozenset[str]:
        """The words of the listings as written; read again when the word table has grown or been rebuilt."""
        with self.engine.connect() as conn:
            self._ensure(conn)
            stamp = tuple(
                conn.execute(text(f"SELECT '{SCHEMA}.word'::regclass::oid, (SELECT count(*) FROM {SCHEMA}.word)")).one()
            )
            if self._vocabulary[0] != stamp:
                self._vocabulary = (stamp, frozenset(conn.execute(text(f"SELECT word FROM {SCHEMA}.word")).scalars()))
            return self._vocabulary[1]

    def doc_count(self) -> int:
        """How many documents are live."""
        with self.engine.connect() as conn:
            self._ensure(conn)
            return conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.document")).scalar()

    # -- searching -----------------------------------------------------------------------------

    def query(self, q: SearchQuery) -> SearchHits:
        """Run a search: one statement for the total, the ranked page and the facets."""
        with self.engine.connect() as conn:
            self._ensure(conn)
            # Short queries: JIT compiling would cost more than it saves, and the parallel plans seen
            # in EXPLAIN for small circles only add workers' start-up. Keep the matched set in memory.
            conn.execute(
                text(
                    "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true), "
                    "set_config('max_parallel_workers_per_gather', '0', true)"
                )
            )
            units, together = analyse(conn, parse_keywords(q.keywords))
            table = self._facet_table
            statement = Statement(q, units, together, facets_known=table.hi)
            sql = statement.build()
            if wants_timing(q):
                statement.params["timing_ids"] = timing_ids(conn, statement, q)
            total, page, docnos, fresh = conn.execute(text(sql), statement.params).one()
            fresh = fresh or []
            hits = SearchHits(
                ids=[], total=total, facets=table.counts(np.frombuffer(docnos or b"", dtype=">i8"), fresh)
            )
            for doc_id, distance in page or []:
                hits.ids.append(doc_id)
                if distance is not None:
                    hits.distances[doc_id] = distance
                elif q.near is not None:
                    hits.covers_area.add(doc_id)
        if len(fresh) > RELOAD_AFTER:  # after a rebuild, or many edits since the table was loaded
            self.load_facets()
        return hits

    def warm_up(self) -> None:
        """Load the facet table, waiting up to 5 s for workers loading theirs at the same moment."""
        self.load_facets(wait_s=5.0)

    def load_facets(self, wait_s: float = 0.0) -> None:
        """(Re)load this process's facet table, unless the write lock stays taken for `wait_s` (then
        searches go on counting from PostgreSQL's rows, and try again later)."""
        with self.engine.begin() as conn:
            self._ensure(conn)
            table = FacetTable.load(conn, wait_s)
        if table is not None:
            self._facet_table = table


class FacetTable:
    """Every document's facet tokens, by docno, as a 0/1 numpy table: loaded once per process.

    A change to a document gives it a new docno (from a sequence that never goes back), so a row
    here never goes out of date. A search counts the rows of its matches up to `hi` here and
    PostgreSQL sends the tokens of the matches above it: counting tokens row by row in SQL was
    most of a large search's time (bench/RESULTS.md).
    """

    def __init__(self, base: int = 0, hi: int = -1, columns: dict[str, int] | None = None, rows=None):
        self.base, self.hi = base, hi
        self.names = list(columns or {})
        self.rows = rows if rows is not None else np.zeros((0, 0), dtype=np.uint8)

    @classmethod
    def load(cls, conn: Connection, wait_s: float = 0.0) -> FacetTable | None:
        """The live documents' tokens; None if the write lock (edits, a rebuild) stays taken for `wait_s`."""
        # Holding the write lock, no edit is half done: every docno up to the highest read is
        # either here or gone for good (a change still in flight could have a lower docno).
        deadline = time.monotonic() + wait_s
        while not conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": WRITE_LOCK}).scalar():
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)
        data = conn.execute(text(f"SELECT docno, facets FROM {SCHEMA}.document")).all()
        if not data:
            return cls()
        base = min(docno for docno, _ in data)
        columns: dict[str, int] = {}
        for _, tokens in data:
            for token in tokens:
                columns.setdefault(token, len(columns))
        rows = np.zeros((max(docno for docno, _ in data) - base + 1, len(columns)), dtype=np.uint8)
        for docno, tokens in data:
            rows[docno - base, [columns[t] for t in tokens]] = 1
        return cls(base, base + len(rows) - 1, columns, rows)

    def counts(self, docnos, fresh: list) -> dict[str, int]:
        """Facet counts of these matches: `fresh` is [docno, tokens] of each match above `hi`."""
        known = docnos[(docnos >= self.base) & (docnos <= self.hi)] - self.base
        counts = {}
        if len(known):
            sums = self.rows[known].sum(axis=0, dtype=np.int64).tolist()
            counts = {name: n for name, n in zip(self.names, sums, strict=False) if n}
        for _, tokens in fresh:
            for token in tokens:
                counts[token] = counts.get(token, 0) + 1
        return counts


def _create_tables(conn: Connection, suffix: str) -> None:
    conn.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {SCHEMA}.docno"))  # shared by every generation
    for ddl in _tables(suffix):
        conn.execute(text(ddl))
    conn.execute(text(f"COMMENT ON TABLE {SCHEMA}.document{suffix} IS '{LAYOUT}'"))


def _create_indexes(conn: Connection, suffix: str) -> None:
    for name, (table, definition) in INDEXES.items():
        conn.execute(text(f"CREATE INDEX {name}{suffix} ON {SCHEMA}.{table}{suffix} {definition}"))


def _write(conn: Connection, rows: list[dict], suffix: str, replace: bool) -> None:
    params = {"docs": json.dumps(rows)}
    if replace:
        conn.execute(
            text(f"DELETE FROM {SCHEMA}.point WHERE doc_id = ANY(:ids)"), {"ids": [uuid.UUID(r["id"]) for r in rows]}
        )
    conn.execute(text(_UPSERT.format(suffix=suffix)), params)
    conn.execute(text(_POINTS.format(suffix=suffix)), params)
    conn.execute(text(_WORDS.format(suffix=suffix)), params)
