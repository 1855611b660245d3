"""`signpost backup OUT` and `signpost restore IN`: a consistent copy of the directory, and bringing it back."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from directory.backup import BackupError, restore_backup, write_backup
from directory.cli_checks import needs_database
from directory.db import get_db
from directory.models import utcnow


def _progress():
    """A rich progress bar and a step(what, done, total) callback that moves it."""
    from rich.progress import BarColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), transient=True
    )
    task = bar.add_task("Starting", total=None)

    def step(what: str, done: int, total: int) -> None:
        bar.update(task, description=what, completed=done, total=total)

    return bar, step


@click.command("backup")
@click.argument("out", type=click.Path(path_type=Path))
@needs_database
def backup(out: Path) -> None:
    """Write a consistent copy of the database and its manifest into the new folder OUT (safe while serving)."""
    config = current_app.config["SIGNPOST"]
    engine = get_db().engine
    settings = {
        "database_url": engine.url.render_as_string(hide_password=True),
        "search_backend": config.SEARCH_BACKEND,
    }
    bar, step = _progress()
    try:
        with bar:
            manifest = write_backup(engine, out, utcnow(), settings, step)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(table["rows"] for table in manifest.tables.values())
    click.echo(
        f"Backed up {manifest.services:,} services ({rows:,} rows in {len(manifest.tables)} tables, "
        f"{manifest.database}, migration {manifest.revision}) to {out}. Restore with: signpost restore {out}"
    )


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace whatever the database already holds with the backup.")
@with_appcontext
def restore(folder: Path, force: bool) -> None:
    """Bring a backup made by `signpost backup` into this (empty) installation, then rebuild the search index."""
    from directory.cli import _rebuild_index

    bar, step = _progress()
    try:
        with bar:
            manifest = restore_backup(get_db().engine, folder, force=force, step=step)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Restored {manifest.services:,} services from the backup of {manifest.created_at}; "
        "every table matches its manifest."
    )
    _rebuild_index()


commands = (backup, restore)
