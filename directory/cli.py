"""The `signpost` command: thin click commands over migrations, operations and importers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from directory import clock, create_app, migrate
from directory.cli_backup import commands as backup_commands
from directory.cli_checks import needs_database
from directory.cli_freshness import freshness
from directory.cli_import import commands as import_commands
from directory.cli_transfer import migrate_sqlite_to_postgres
from directory.cli_users import users
from directory.config import DATA_DIR, ConfigError
from directory.db import get_db
from directory.operations import InputError
from directory.permissions import SYSTEM
from search import get_search

TAXONOMY_FILE = DATA_DIR / "taxonomy.json"


def _create_app():
    try:
        return create_app()
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """Signpost: a community asset directory for link workers."""


def register_commands(app) -> None:
    """Attach Signpost's commands to app.cli (the `signpost` command finds them there)."""
    for command in (db, taxonomy, demo, setup, search_group, serve, users, *import_commands, *backup_commands):
        app.cli.add_command(command)
    app.cli.add_command(freshness)


@click.group()
def db() -> None:
    """Database schema."""


db.add_command(migrate_sqlite_to_postgres)


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply every pending migration."""
    migrate.upgrade(get_db().engine)
    click.echo("Database is up to date.")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION (e.g. base)."""
    migrate.downgrade(get_db().engine, revision)
    click.echo(f"Database schema is now at {revision}.")


@click.group()
def taxonomy() -> None:
    """Categories."""


@taxonomy.command("seed")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=TAXONOMY_FILE)
@needs_database
def taxonomy_seed(path: Path) -> None:
    """Create or update the category tree from PATH (default: the shipped one)."""
    from directory.operations.taxonomy import seed_taxonomy

    with get_db().unit_of_work() as session:
        count = seed_taxonomy(session, SYSTEM, json.loads(path.read_text(encoding="utf-8")))
    click.echo(f"{count} categories written.")


@click.group()
def demo() -> None:
    """The demo directory."""


@demo.command("load")
@needs_database
def demo_load() -> None:
    """Load the demo directory unless it is already loaded."""
    _load_demo()


def _load_demo() -> None:
    from rich.progress import Progress

    from directory.demo import DEMO_FILE, demo_loaded, load_demo

    with get_db().unit_of_work() as session:
        if demo_loaded(session):
            click.echo("Demo directory already loaded; keeping the data you have.")
            return
        total = len(json.loads(DEMO_FILE.read_text(encoding="utf-8"))["organisations"])
        with Progress(transient=True) as progress:
            task = progress.add_task("Loading demo directory", total=total)
            try:
                counts = load_demo(session, clock.today(), progress=lambda: progress.advance(task))
            except InputError as exc:
                raise click.ClickException(f"The demo file has a bad record: {exc}") from None
    click.echo("Loaded {organisations} organisations, {locations} locations, {services} services.".format(**counts))


def _check_unit_postcodes() -> None:
    """Read the shipped unit postcodes once, so a missing or damaged file is found now."""
    from directory.geography import UnitFileError, unit_postcodes

    try:
        units = unit_postcodes()
    except UnitFileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Unit postcodes: {len(units):,} from {units.release}.")


@click.command("setup")
@click.option("--demo/--no-demo", default=True, help="Load the demo directory (once).")
@with_appcontext
def setup(demo: bool) -> None:
    """Create or upgrade the database, seed categories and load the demo directory."""
    Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
    migrate.upgrade(get_db().engine)
    click.echo("Database is up to date.")
    taxonomy_seed.callback(TAXONOMY_FILE)
    _check_unit_postcodes()
    if demo:
        _load_demo()
    from search.maintenance import check_index

    if not check_index(get_search()).ok:
        _rebuild_index()
    else:
        click.echo("Search index is up to date.")


@click.group("search")
def search_group() -> None:
    """The search index."""


@search_group.command("rebuild")
@needs_database
def search_rebuild() -> None:
    """Build a fresh index beside the live one and swap it in (searches keep working)."""
    _rebuild_index()


def _rebuild_index() -> None:
    from rich.progress import Progress

    from search.maintenance import count_services, rebuild_index

    sync = get_search()
    with sync.sessionmaker() as session:
        total = count_services(session)
    with Progress(transient=True) as progress:
        task = progress.add_task("Indexing services", total=total)
        count = rebuild_index(sync, lambda: progress.advance(task))
    click.echo(f"Search index rebuilt: {count:,} services searchable.")


@search_group.command("check")
@click.option("--fix", is_flag=True, help="Re-index whatever is missing, extra or out of date.")
@needs_database
def search_check(fix: bool) -> None:
    """Report services missing from the index, extra in it, or out of date."""
    from search.maintenance import check_index, fix_index

    report = check_index(get_search())
    for label, ids in (("missing", report.missing), ("extra", report.extra), ("out of date", report.stale)):
        click.echo(f"{len(ids):>6} {label}" + (f": {', '.join(ids[:5])}{' …' if len(ids) > 5 else ''}" if ids else ""))
    if report.ok:
        click.echo("The index matches the database.")
    elif fix:
        click.echo(f"Fixed {fix_index(get_search(), report)} services.")
    else:
        click.echo("Run `signpost search check --fix` (a few) or `signpost search rebuild` (many).")
        sys.exit(1)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(1, 64), help="Serve with gunicorn and this many processes (production).")
@click.option(
    "--threads", default=1, show_default=True, type=click.IntRange(1, 32), help="Threads per gunicorn worker."
)
@click.option(
    "--access-log", help="With --workers: write each request (with its time in ms) to this file, or - for stdout."
)
@needs_database
def serve(host: str, port: int, workers: int | None, threads: int, access_log: str | None) -> None:
    """Serve Signpost on HOST:PORT (the development server, or gunicorn with --workers)."""
    app = current_app._get_current_object()
    try:
        get_search(app).backend.generation()  # an index the search can use, before taking requests
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if workers:
        from directory.serving import serve_with_workers

        if workers > 1 and not app.config["SIGNPOST"].REDIS_URL:
            click.echo(
                "Note: each worker counts rate limits on its own; set SIGNPOST_REDIS_URL to share them.", err=True
            )
        click.echo(f"Signpost is running on http://{host}:{port}/ with {workers} workers (Ctrl-C to stop)")
        serve_with_workers(app, host, port, workers, threads, access_log)
        return
    from werkzeug.serving import run_simple

    from search import warm_up

    warm_up(app)
    click.echo(f"Signpost is running on http://{host}:{port}/ (Ctrl-C to stop)")
    run_simple(host, port, app, threaded=True)
