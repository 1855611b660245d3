"""Move an embedded (SQLite) installation's data to PostgreSQL, and prove nothing was lost.

Every table is copied in dependency order, in batches, inside one target transaction (so a
failure leaves the target as it was). Each table is then verified twice: its row count, and a
content checksum over canonical rows (values normalised so that SQLite's and PostgreSQL's
representations of the same datum agree) which does not depend on row order.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

import directory.models  # noqa: F401  (registers every table)

from . import migrate
from .db import make_engine

BATCH = 2000
Progress = Callable[[str, int], None]  # (table, rows just copied)


class TransferError(RuntimeError):
    """The move cannot go ahead; the message says why and what to do."""


@dataclass
class TableCheck:
    """One table's row counts and content checksums on both sides."""

    name: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_checksum == self.target_checksum


def tables() -> list[Table]:
    """Every table, parents before children."""
    return list(SQLModel.metadata.sorted_tables)


def check_urls(source_url: str, target_url: str) -> None:
    """Refuse anything but SQLite to PostgreSQL, with a message saying what was expected."""
    if make_url(source_url).get_backend_name() != "sqlite":
        raise TransferError(
            f"--from must be a SQLite database URL (sqlite:///path/to/signpost.db), not {_safe(source_url)}."
        )
    if make_url(target_url).get_backend_name() != "postgresql":
        raise TransferError(
            f"--to must be a PostgreSQL URL (postgresql+psycopg://user@host/db), not {_safe(target_url)}."
        )
    database = make_url(source_url).database
    if not database or not Path(database).is_file():
        raise TransferError(f"There is no SQLite database at {database!r}.")


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def snapshot_sqlite(source_url: str, folder: str) -> str:
    """A consistent copy of the SQLite database (SQLite's online backup), so writes meanwhile cannot tear it."""
    copy = Path(folder) / "snapshot.db"
    with sqlite3.connect(make_url(source_url).database) as live, sqlite3.connect(copy) as out:
        live.backup(out)
    return f"sqlite:///{copy}"


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table."""
    with engine.connect() as connection:
        return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in tables()}


def prepare_target(source: Engine, target: Engine, replace: bool) -> None:
    """Both schemas at the newest migration; the target empty, or emptied when replace is asked for."""
    if migrate.pending(source):
        raise TransferError(
            "The SQLite database is not at the newest migration: run `signpost db upgrade` on it first."
        )
    migrate.upgrade(target)
    filled = {name: n for name, n in row_counts(target).items() if n}
    if filled and not replace:
        listed = ", ".join(f"{name} ({n:,})" for name, n in filled.items())
        raise TransferError(
            f"The PostgreSQL database already holds data: {listed}. Point --to at an empty database, "
            "or add --replace to delete what it holds and copy over it."
        )


def copy_tables(source, target, replace: bool, progress: Progress | None = None) -> dict[str, int]:
    """Copy every row from one connection to another (the caller's transaction); rows copied per table."""
    copied = {}
    if replace:
        target.execute(text(f"TRUNCATE {', '.join(t.name for t in tables())} RESTART IDENTITY CASCADE"))
    for table in tables():
        copied[table.name] = 0
        for batch in _batches(source, table):
            target.execute(table.insert(), batch)
            copied[table.name] += len(batch)
            if progress:
                progress(table.name, len(batch))
    return copied


def _batches(connection, table: Table) -> Iterator[list[dict]]:
    rows = connection.execute(select(table).execution_options(yield_per=BATCH)).mappings()
    if _self_parent(table) is None:
        for partition in rows.partitions(BATCH):
            yield [dict(row) for row in partition]
        return
    # A table that refers to itself (categories and their parents): parents go in first.
    ordered = _parents_first([dict(row) for row in rows], table)
    for start in range(0, len(ordered), BATCH):
        yield ordered[start : start + BATCH]


def _self_parent(table: Table):
    for fk in table.foreign_keys:
        if fk.column.table is table:
            return fk.parent.name, fk.column.name
    return None


def _parents_first(rows: list[dict], table: Table) -> list[dict]:
    child, parent = _self_parent(table)
    by_key = {row[parent]: row for row in rows}
    depth: dict = {}

    def depth_of(row: dict, seen: int = 0) -> int:
        key = row[parent]
        if key not in depth:
            above = by_key.get(row[child]) if row[child] is not None else None
            depth[key] = 0 if above is None or seen > len(rows) else depth_of(above, seen + 1) + 1
        return depth[key]

    return sorted(rows, key=depth_of)


def canonical(value) -> object:
    """A value as JSON-ready text that SQLite and PostgreSQL agree on (datetimes in UTC)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite hands back UTC without saying so
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    raise TypeError(f"No canonical form for {type(value).__name__}")


def canonical_rows(connection, table: Table) -> Iterator[list]:
    """Each row of a table as a list of canonical values, in column order (unsorted)."""
    for row in connection.execute(select(table).execution_options(yield_per=BATCH)):
        yield [canonical(v) for v in row]


def checksum(connection, table: Table) -> tuple[int, str]:
    """(rows, checksum): the sum of every row's SHA-256 modulo 2**256, so row order does not matter."""
    total, count = 0, 0
    for row in canonical_rows(connection, table):
        digest = hashlib.sha256(json.dumps(row, ensure_ascii=False).encode()).digest()
        total = (total + int.from_bytes(digest, "big")) % (1 << 256)
        count += 1
    return count, f"{total:064x}"


def verify(source, target) -> list[TableCheck]:
    """Counts and checksums of every table on both sides (two connections)."""
    checks = []
    for table in tables():
        source_rows, source_sum = checksum(source, table)
        target_rows, target_sum = checksum(target, table)
        checks.append(TableCheck(table.name, source_rows, target_rows, source_sum, target_sum))
    return checks


def export(engine: Engine) -> dict[str, list[list]]:
    """Every table's canonical rows sorted by primary key: two databases holding the same data export equal."""
    out = {}
    with engine.connect() as connection:
        for table in tables():
            positions = [list(table.columns).index(c) for c in table.primary_key.columns]
            out[table.name] = sorted(
                canonical_rows(connection, table), key=lambda row: [str(row[i]) for i in positions]
            )
    return out


def transfer(
    source_url: str,
    target_url: str,
    replace: bool = False,
    progress: Progress | None = None,
    totals: Callable[[dict[str, int]], None] | None = None,
) -> list[TableCheck]:
    """Copy a SQLite database to PostgreSQL and verify it before committing; every table's check.

    Nothing is committed unless every table's count and checksum match: a failed move leaves
    the target as it was (TransferError says which tables differ).
    """
    check_urls(source_url, target_url)
    with tempfile.TemporaryDirectory(prefix="signpost-move-") as folder:
        source = make_engine(snapshot_sqlite(source_url, folder))
        target = make_engine(target_url)
        try:
            prepare_target(source, target, replace)
            if totals:
                totals(row_counts(source))
            with source.connect() as reader, target.begin() as writer:
                copy_tables(reader, writer, replace, progress)
                checks = verify(reader, writer)
                bad = [c.name for c in checks if not c.ok]
                if bad:  # raising rolls the whole copy back
                    raise TransferError(f"The copy did not match the original in: {', '.join(bad)}. Nothing was kept.")
            with target.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))  # planner statistics now, not when autovacuum gets round to it
        finally:
            source.dispose()
            target.dispose()
    return checks
