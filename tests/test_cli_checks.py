"""Every command that needs the directory refuses, changing nothing, until `signpost setup` has run."""

from __future__ import annotations

from pathlib import Path

import pytest

from directory import migrate
from directory.db import get_db

from .conftest import make_app

NEEDS_DATABASE = [
    ["import", "csv", "{inputs}/list.csv"],
    ["import", "hsds", "{inputs}/list.csv"],
    ["import", "mail", "{inputs}/mail.mbox"],
    ["export", "hsds", "{tmp}/export"],
    ["freshness", "run", "--no-links"],
    ["freshness", "bounces", "{inputs}/mail.mbox"],
    ["search", "rebuild"],
    ["search", "check"],
    ["users", "create", "admin@example.org", "--name", "Admin"],
    ["users", "roles", "admin@example.org", "--add", "admin"],
    ["users", "list"],
    ["taxonomy", "seed"],
    ["demo", "load"],
    ["serve", "--port", "5999"],
    ["backup", "{tmp}/backup"],
]


def files_under(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


@pytest.fixture
def fresh(tmp_path):
    """An installation that was never set up (a SQLite file that does not exist yet), and input files."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name in ("list.csv", "mail.mbox"):
        (inputs / name).write_text("Organisation,Service\nPantry,Food\n")
    app = make_app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/instance/signpost.db")
    yield app
    get_db(app).engine.dispose()


@pytest.mark.parametrize("command", NEEDS_DATABASE, ids=lambda c: " ".join(c[:2]))
def test_a_command_on_a_database_never_set_up_says_run_setup_and_creates_nothing(fresh, tmp_path, command, monkeypatch):
    monkeypatch.setenv("SIGNPOST_NEW_USER_PASSWORD", "a long enough password")
    before = files_under(tmp_path)
    args = [part.format(inputs=tmp_path / "inputs", tmp=tmp_path) for part in command]
    result = fresh.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2, result.output
    assert "The database is not set up: run `signpost setup`." in result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert files_under(tmp_path) == before


def test_a_database_behind_the_migrations_says_run_setup(fresh):
    migrate.upgrade(get_db(fresh).engine, "0001")
    result = fresh.test_cli_runner().invoke(args=["search", "check"])
    assert result.exit_code == 2
    assert "The database needs migrating: run `signpost setup`." in result.output


def test_commands_work_once_set_up(fresh):
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["setup", "--no-demo"]).exit_code == 0
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0 and "No accounts yet" in result.output
