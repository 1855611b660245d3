"""`signpost db migrate-sqlite-to-postgres`: move an embedded installation to PostgreSQL."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from directory.transfer import TransferError, transfer


@click.command("migrate-sqlite-to-postgres")
@click.option("--from", "source", help="The SQLite database URL (default: SIGNPOST_DATABASE_URL when it is SQLite).")
@click.option(
    "--to", "target", required=True, help="The PostgreSQL URL, e.g. postgresql+psycopg://signpost@db/signpost."
)
@click.option("--replace", is_flag=True, help="Delete whatever the PostgreSQL database holds before copying.")
@with_appcontext
def migrate_sqlite_to_postgres(source: str | None, target: str, replace: bool) -> None:
    """Copy every table to PostgreSQL, verify counts and checksums, then rebuild the search index."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    source = source or current_app.config["SIGNPOST"].DATABASE_URL
    with Progress(transient=True) as progress:
        task = progress.add_task("Copying", total=None)

        def totals(counts: dict[str, int]) -> None:
            progress.update(task, total=sum(counts.values()))

        def advance(table: str, rows: int) -> None:
            progress.update(task, advance=rows, description=f"Copying {table}")

        try:
            checks = transfer(source, target, replace=replace, progress=advance, totals=totals)
        except TransferError as exc:
            raise click.ClickException(str(exc)) from None

    report = Table("table", "rows in SQLite", "rows in PostgreSQL", "checksum")
    for check in checks:
        report.add_row(
            check.name,
            f"{check.source_rows:,}",
            f"{check.target_rows:,}",
            "matches" if check.source_checksum == check.target_checksum else "DIFFERS",
        )
    Console().print(report)
    click.echo(f"Copied and verified {sum(c.target_rows for c in checks):,} rows in {len(checks)} tables.")
    _rebuild_index(target)
    shown = make_url(target).render_as_string(hide_password=True)
    click.echo(f"Done. Set SIGNPOST_DATABASE_URL={shown} (with its password) and restart Signpost.")


def _rebuild_index(target: str) -> None:
    """Index the PostgreSQL copy with this installation's search settings."""
    from directory import create_app
    from directory.cli import _rebuild_index as rebuild
    from directory.db import get_db
    from directory.serving import app_settings

    app = create_app({**app_settings(current_app), "DATABASE_URL": target})
    try:
        with app.app_context():
            rebuild()
    finally:
        get_db(app).engine.dispose()
