"""`signpost backup` and `signpost restore`: a backup restored into a new installation exports the same directory."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import select

from directory import backup as backups
from directory.db import get_db
from directory.demo import load_demo
from directory.models import Service
from directory.operations.reports import report_problem

from .conftest import make_app, migrated_app

SECRET = "secret-key-never-in-a-backup"


def sqlite_app(folder: Path, migrated: bool = True):
    """An installation on its own SQLite file under folder (on the PostgreSQL pass too)."""
    build = migrated_app if migrated else make_app
    return build(folder, DATABASE_URL=f"sqlite:///{folder / 'instance' / 'signpost.db'}", SECRET_KEY=SECRET)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    """A SQLite installation holding the demo directory and a problem report."""
    folder = tmp_path_factory.mktemp("original")
    app = sqlite_app(folder)
    with get_db(app).unit_of_work() as session:
        load_demo(session, date(2026, 3, 1))
    with get_db(app).unit_of_work() as session:
        service = session.scalars(select(Service).order_by(Service.name)).first()
        report_problem(session, service, {"kind": "wrong_times", "note": "Closed on Mondays now"})
    get_db(app).engine.dispose()
    return folder


@pytest.fixture
def original(demo_folder, tmp_path):
    """A fresh copy of the demo installation."""
    (tmp_path / "original" / "instance").mkdir(parents=True)
    shutil.copy(demo_folder / "instance" / "signpost.db", tmp_path / "original" / "instance")
    app = sqlite_app(tmp_path / "original", migrated=False)
    yield app
    get_db(app).engine.dispose()


@pytest.fixture
def empty(tmp_path):
    """A new installation that was never set up."""
    app = sqlite_app(tmp_path / "new", migrated=False)
    yield app
    get_db(app).engine.dispose()


def cli(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def exported(app, folder: Path) -> dict[str, bytes]:
    """Every file `signpost export hsds` writes, by name."""
    result = cli(app, "export", "hsds", folder)
    assert result.exit_code == 0, result.output
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_restored_backup_exports_the_same_directory_and_is_searchable(original, empty, tmp_path):
    made = cli(original, "backup", tmp_path / "backup")
    assert made.exit_code == 0, made.output
    assert "Backed up 357 services" in made.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["database"] == "sqlite" and manifest["revision"] and manifest["tables"]["service"]["rows"] == 357
    assert manifest["tables"]["problem_report"]["rows"] == 1
    assert SECRET not in json.dumps(manifest)

    restored = cli(empty, "restore", tmp_path / "backup")
    assert restored.exit_code == 0, restored.output
    assert "every table matches its manifest" in restored.output
    assert "Search index rebuilt: 357 services searchable." in restored.output
    assert exported(empty, tmp_path / "after") == exported(original, tmp_path / "before")
    assert cli(empty, "search", "check").exit_code == 0


def test_restore_refuses_an_installation_that_holds_listings_unless_forced(original, tmp_path):
    assert cli(original, "backup", tmp_path / "backup").exit_code == 0
    refused = cli(original, "restore", tmp_path / "backup")
    assert refused.exit_code == 1
    assert "already holds 357 listings" in refused.output and "--force" in refused.output
    forced = cli(original, "restore", tmp_path / "backup", "--force")
    assert forced.exit_code == 0, forced.output


def test_a_backup_whose_file_was_changed_is_refused_and_nothing_is_restored(original, empty, tmp_path):
    cli(original, "backup", tmp_path / "backup")
    with open(tmp_path / "backup" / "signpost.db", "r+b") as handle:
        handle.seek(-10, 2)
        handle.write(b"x" * 10)
    result = cli(empty, "restore", tmp_path / "backup")
    assert result.exit_code == 1 and "does not match the checksum in manifest.json" in result.output
    assert not (tmp_path / "new" / "instance" / "signpost.db").exists()


def test_a_folder_that_is_not_a_backup_is_refused(empty, tmp_path):
    (tmp_path / "nothing").mkdir()
    result = cli(empty, "restore", tmp_path / "nothing")
    assert result.exit_code == 1 and "is not a Signpost backup: it has no manifest.json" in result.output


def test_backup_refuses_a_folder_that_holds_files(original, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    result = cli(original, "backup", tmp_path / "full")
    assert result.exit_code == 1 and "is not an empty folder" in result.output
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]


def test_without_pg_dump_the_message_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backups.BackupError, match="pg_dump is not installed: install the PostgreSQL client tools"):
        backups._postgres_tool("pg_dump", create_engine("postgresql+psycopg://u:secret@db/x").url, "--version")


@pytest.mark.postgres
def test_a_postgresql_backup_restores_into_an_emptied_database(postgres_url, tmp_path):
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    first = migrated_app(tmp_path / "first", DATABASE_URL=postgres_url)
    with get_db(first).unit_of_work() as session:
        load_demo(session, date(2026, 3, 1))
    before = exported(first, tmp_path / "before")
    made = cli(first, "backup", tmp_path / "backup")
    assert made.exit_code == 0, made.output
    assert "postgresql" in made.output and (tmp_path / "backup" / "signpost.dump").is_file()
    get_db(first).engine.dispose()
    engine = create_engine(postgres_url)
    with engine.begin() as connection:  # a new, empty database in the same place
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()

    second = make_app(tmp_path / "second", DATABASE_URL=postgres_url)
    restored = cli(second, "restore", tmp_path / "backup")
    assert restored.exit_code == 0, restored.output
    assert exported(second, tmp_path / "after") == before
    get_db(second).engine.dispose()
