"""Back up the directory's database to a folder, and restore it into an empty installation.

A backup folder holds the database (SQLite: a copy made with SQLite's online backup, safe while
the site is serving; PostgreSQL: `pg_dump` in custom format) and manifest.json: the database kind,
the migration revision, the settings that are not secret, the file's SHA-256, and every table's
row count and content checksum, all taken from the same snapshot as the copy. Restoring checks
the file against the manifest, loads it, and checks every table against the manifest again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import URL, Connection, Engine

from . import migrate
from .transfer import checksum

FORMAT = 1
MANIFEST = "manifest.json"
FILES = {"sqlite": "signpost.db", "postgresql": "signpost.dump"}
Step = Callable[[str, int, int], None]  # (what, done, total)


class BackupError(RuntimeError):
    """A backup or restore cannot go ahead; the message says why and what to do."""


@dataclass
class Manifest:
    """What a backup holds, read from its manifest.json."""

    database: str
    revision: str
    file: str
    sha256: str
    tables: dict[str, dict]
    created_at: str
    settings: dict

    @property
    def services(self) -> int:
        return self.tables.get("service", {}).get("rows", 0)


def kind(engine: Engine) -> str:
    """sqlite or postgresql."""
    return engine.url.get_backend_name()


def table_checks(connection: Connection, step: Step | None = None) -> dict[str, dict]:
    """Every table's rows and content checksum, as the database has it (reflected, so any revision works)."""
    metadata = MetaData()
    metadata.reflect(connection)
    tables = sorted(metadata.tables.values(), key=lambda t: t.name)
    checks = {}
    for done, table in enumerate(tables, 1):
        rows, digest = checksum(connection, table)
        checks[table.name] = {"rows": rows, "checksum": digest}
        if step:
            step(f"Checking {table.name}", done, len(tables))
    return checks


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_backup(engine: Engine, out: Path, now: datetime, settings: dict, step: Step | None = None) -> Manifest:
    """Copy the database into the folder out (new or empty) with its manifest; returns the manifest."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} already exists and is not an empty folder: give a new folder for the backup.")
    database = kind(engine)
    if database not in FILES:
        raise BackupError(f"Signpost backs up SQLite and PostgreSQL databases, not {database}.")
    out.mkdir(parents=True, exist_ok=True)
    target = out / FILES[database]
    try:
        if database == "sqlite":
            tables = _copy_sqlite(engine, target, step)
        else:
            tables = _dump_postgres(engine, target, step)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # never leave half a backup that looks whole
        raise
    manifest = Manifest(
        database,
        tables.pop("alembic_version", {}).get("revision", ""),
        target.name,
        file_sha256(target),
        tables,
        now.isoformat(),
        settings,
    )
    (out / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def _copy_sqlite(engine: Engine, target: Path, step: Step | None) -> dict[str, dict]:
    def pages(_status, remaining, total):
        if step:
            step("Copying the database", total - remaining, total)

    with closing(sqlite3.connect(engine.url.database)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy, pages=256, progress=pages)
    copied = _sqlite_engine(target)
    try:
        with copied.connect() as connection:
            return _with_revision(connection, step)
    finally:
        copied.dispose()


def _sqlite_engine(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}")


def _with_revision(connection: Connection, step: Step | None) -> dict[str, dict]:
    tables = table_checks(connection, step)
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    tables["alembic_version"] = {"revision": revision}
    return tables


def _dump_postgres(engine: Engine, target: Path, step: Step | None) -> dict[str, dict]:
    # pg_dump reads the snapshot this transaction exported, so the manifest counts what the file holds.
    with engine.connect() as connection:
        connection.execute(text("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        if step:
            step("Dumping the database (pg_dump)", 0, 1)
        _postgres_tool("pg_dump", engine.url, "--format=custom", f"--snapshot={snapshot}", f"--file={target}")
        tables = _with_revision(connection, step)
        connection.execute(text("COMMIT"))
    return tables


def _postgres_tool(name: str, url: URL, *args: str) -> None:
    """Run pg_dump or pg_restore on the database at url; the password goes in the environment, never the command."""
    program = shutil.which(name)
    if program is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools of your server's version "
            "(on Debian or Ubuntu: apt install postgresql-client), then run the command again."
        )
    environ = {
        **os.environ,
        "PGHOST": url.host or "",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "",
        "PGDATABASE": url.database or "",
    }
    if url.password:
        environ["PGPASSWORD"] = str(url.password)
    done = subprocess.run([program, *args], env=environ, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{name} failed: {done.stderr.strip()}")


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a backup folder, checked for completeness and against its database file."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} is not a Signpost backup: it has no {MANIFEST}.")
    try:
        manifest = Manifest(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise BackupError(f"{path} cannot be read ({exc}): the backup is damaged.") from None
    data = folder / manifest.file
    if not data.is_file():
        raise BackupError(f"The backup's database file {data} is missing.")
    if file_sha256(data) != manifest.sha256:
        raise BackupError(f"{data} does not match the checksum in {MANIFEST}: the backup is damaged or was changed.")
    return manifest


def services_held(engine: Engine) -> int:
    """How many listings the installation's database holds (0 when it was never set up)."""
    if migrate.unready(engine) == migrate.NOT_SET_UP:
        return 0
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM service")).scalar_one()


def restore_backup(engine: Engine, folder: Path, force: bool = False, step: Step | None = None) -> Manifest:
    """Load a backup into the installation's database, check every table, and migrate it to the newest revision."""
    manifest = read_manifest(folder)
    database = kind(engine)
    if manifest.database != database:
        raise BackupError(
            f"This backup is of a {manifest.database} database, but this installation uses {database}: "
            f"restore it into a {manifest.database} installation (SIGNPOST_DATABASE_URL)."
        )
    if manifest.revision not in migrate.revisions():
        raise BackupError(
            f"The backup is at migration {manifest.revision}, which this version of Signpost does not "
            "know: restore it with the Signpost version that made it, or a newer one."
        )
    held = services_held(engine)
    if held and not force:
        raise BackupError(
            f"This installation already holds {held:,} listings. Restore into an empty installation, "
            "or add --force to replace everything it holds with the backup."
        )
    if step:
        step("Restoring the database", 0, 1)
    if database == "sqlite":
        _restore_sqlite(engine, folder / manifest.file)
    else:
        _restore_postgres(engine, folder / manifest.file)
    with engine.connect() as connection:
        found = table_checks(connection, step)
    found.pop("alembic_version", None)
    differ = sorted(
        name for name in manifest.tables.keys() | found.keys() if manifest.tables.get(name) != found.get(name)
    )
    if differ:
        raise BackupError(
            f"The restored database does not match the backup's manifest in: {', '.join(differ)}. "
            "Restore from another backup."
        )
    migrate.upgrade(engine)
    return manifest


def _restore_sqlite(engine: Engine, source: Path) -> None:
    engine.dispose()  # no pooled connection keeps reading the old pages
    Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as backup, closing(sqlite3.connect(engine.url.database)) as live:
        backup.backup(live)


def _restore_postgres(engine: Engine, source: Path) -> None:
    with engine.begin() as connection:  # what the dump holds is made again from it
        connection.execute(text("DROP SCHEMA IF EXISTS signpost_search CASCADE"))
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    _postgres_tool(
        "pg_restore",
        engine.url,
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        f"--dbname={engine.url.database}",
        str(source),
    )
