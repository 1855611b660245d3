"""`signpost import ...`: bring listings in from files (spreadsheets here; Open Referral and mail beside them)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from directory.cli_checks import needs_database
from directory.db import get_db
from search import get_search


@click.group("import")
def import_group() -> None:
    """Import listings from spreadsheets, Open Referral data or mailing lists."""


def show_report(report, limit: int = 20) -> None:
    """Print an import's counts and its rejected rows (row, column, problem)."""
    counts = report.counts
    verb, sent = ("would be", "would go") if report.dry_run else ("were", "sent")
    click.echo(
        f"{'Dry run, nothing changed: ' if report.dry_run else ''}"
        f"{counts['created']} {verb} created, {counts['updated']} updated, {counts['unchanged']} unchanged, "
        f"{counts['proposed_merge']} proposed as merges, {counts['rejected']} rejected. Run {report.run_id}."
    )
    if counts["warned"]:
        click.echo(
            f"{counts['warned']} of those rows {verb} imported with details to check (flagged for review): "
            f"{len(report.warnings)} warnings below."
        )
    for note in report.notes:
        click.echo(f"  {note}")
    if report.unmapped:
        click.echo(
            f"Columns kept as extra details (no matching field): {', '.join(report.unmapped)}. "
            "Map them with --mapping if they belong in a field."
        )
    merges = [o for o in report.outcomes if o.action == "proposed_merge"]
    for outcome in merges[:limit]:
        click.echo(f"  {outcome.row}: “{outcome.name}” {outcome.detail}: {sent} to the moderation queue.")
    for reject in report.rejects[:limit]:
        level = "WARNING " if reject.get("level") == "warning" else ""
        click.echo(f"  {level}{reject['row']}, column “{reject['column']}”: {reject['problem']}", err=True)
    if len(report.rejects) > limit:
        click.echo(
            f"  … and {len(report.rejects) - limit} more rejections and warnings: write them all with --rejects FILE.",
            err=True,
        )


def run_with_progress(label: str, total: int | None, **kwargs):
    """run_import with a rich progress bar over the rows, then the search index update."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from importers.core import ImportFailed, run_import

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(label, total=total)
        indexing = []

        def indexed(done: int, services: int) -> None:
            if not indexing:
                indexing.append(bar.add_task("Indexing", total=services))
            bar.update(indexing[0], completed=done, total=services)

        try:
            report = run_import(get_db(), progress=lambda n: bar.advance(task, n), index_progress=indexed, **kwargs)
        except ImportFailed as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            raise click.ClickException(
                "Stopped. The batch in progress was rolled back; earlier batches were "
                "imported. Run the same command again to carry on."
            ) from None
    return report


@import_group.command("csv")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='A JSON file {"Their column": "field"} for columns that are not recognised.',
)
@click.option("--source", help="Where the listings come from (default: the file's name). Re-imports match on it.")
@click.option("--dry-run", is_flag=True, help="Show what would be created, updated or rejected; change nothing.")
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write rejected rows and rows with warnings here (.csv or .xlsx) with an Error column, to fix "
    "and import again.",
)
@click.option(
    "--batch-size",
    default=500,
    show_default=True,
    type=click.IntRange(1, 10000),
    help="Rows per transaction: a failure rolls back only the batch it happened in.",
)
@needs_database
def import_csv(
    path: Path, mapping: Path | None, source: str | None, dry_run: bool, rejects_path: Path | None, batch_size: int
) -> None:
    """Import listings from a spreadsheet (.csv in UTF-8 or Windows-1252, comma or semicolon; or .xlsx)."""
    from importers.spreadsheet import MappingError, default_source, load_mapping, open_spreadsheet
    from importers.tables import TableError, write_rejects

    source = source or default_source(path)
    try:
        sheet = open_spreadsheet(path, source, load_mapping(mapping) if mapping else None)
    except (TableError, MappingError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{path.name}: {len(sheet):,} rows. Columns: "
        + ", ".join(
            f"{h} → {sheet.mapping[h]}" if h in sheet.mapping else f"{h} (kept as extra detail)" for h in sheet.headers
        )
    )
    report = run_with_progress(
        "Checking" if dry_run else "Importing",
        len(sheet),
        records=sheet.records(),
        source=source,
        file_name=path.name,
        dry_run=dry_run,
        batch_size=batch_size,
        columns=sheet.headers,
        unmapped=sheet.unmapped,
        settings={"mapping": sheet.mapping, "batch_size": batch_size},
        index=get_search(),
        advice=sheet.advice,
    )
    show_report(report)
    if rejects_path and report.rejects:
        count = write_rejects(rejects_path, sheet.headers, report.rejects)
        click.echo(
            f"Wrote {count} rejected rows and rows with warnings to {rejects_path}: fix them there and "
            "import that file."
        )


# Open Referral (import hsds, export hsds) and mailing lists (import mail) register their commands below.


commands = (import_group,)

# --- Open Referral and mailing lists ------------------------------------------------------------------


@import_group.command("hsds")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--source", help="Where the listings come from (default: the file or folder name). Re-imports match on it."
)
@click.option("--dry-run", is_flag=True, help="Show what would be created, updated or rejected; change nothing.")
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every rejected record, warning and note here (.csv or .xlsx): file, record, name and "
    "what to fix in the source data.",
)
@needs_database
def import_hsds(path: Path, source: str | None, dry_run: bool, rejects_path: Path | None) -> None:
    """Import Open Referral data: HSDS 3.0 JSON (a file, a folder, or saved API pages), or an HSDS 3.0 or 1.1 CSV datapackage."""
    from importers.hsds import read_records
    from importers.hsds_read import ReadError
    from importers.spreadsheet import default_source

    source = source or default_source(path)
    try:
        records, notes = read_records(get_db(), path, source)
    except ReadError as exc:
        raise click.ClickException(str(exc)) from None
    report = run_with_progress(
        "Checking" if dry_run else "Importing",
        len(records),
        records=records,
        source=source,
        file_name=path.name,
        kind="hsds",
        dry_run=dry_run,
        index=get_search(),
    )
    show_report(report)
    if notes:
        click.echo(f"{len(notes)} notes (imported, but not exactly as given):")
        for note in notes[:50]:
            click.echo(f"  {note}")
        if len(notes) > 50:
            click.echo(
                f"  … and {len(notes) - 50} more" + ("." if rejects_path else ": write them all with --rejects FILE.")
            )
    if rejects_path:
        from importers.tables import write_rejects

        noted = [
            {
                "row": f"{n.file} {n.record}".strip(),
                "values": {"file": n.file, "record": n.record},
                "column": n.field,
                "problem": n.message,
                "level": "warning",
            }
            for n in notes
        ]
        count = write_rejects(rejects_path, ["file", "record", "name"], report.rejects + noted)
        click.echo(
            f"Wrote {count} records with problems to {rejects_path}: fix them in the source data and import it again."
        )


@import_group.command("mail")
@click.argument("source")
@click.option("--dry-run", is_flag=True, help="Show what would be drafted; change nothing.")
@needs_database
def import_mail(source: str, dry_run: bool) -> None:
    """Draft listings from newsletters: an mbox file, a maildir folder, .eml files, or imaps://user@host/folder
    (password in SIGNPOST_IMAP_PASSWORD). Drafts wait in the moderation queue; nothing is published."""
    import os

    from rich.progress import Progress, SpinnerColumn, TextColumn

    from directory.permissions import SYSTEM
    from importers.mail import import_mail as draft_from
    from importers.mail_read import MailError, read_mail

    def counted(messages, bar, task):
        for message in messages:
            bar.advance(task)
            yield message

    try:
        with (
            Progress(SpinnerColumn(), TextColumn("Reading mail: {task.completed} messages"), transient=True) as bar,
            get_db().unit_of_work() as session,
        ):
            messages = counted(read_mail(source, environ=dict(os.environ)), bar, bar.add_task("mail", total=None))
            report = draft_from(session, SYSTEM, messages, dry_run=dry_run)
    except MailError as exc:
        raise click.ClickException(str(exc)) from None
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{report.messages} messages read ({report.skipped} already drafted from). {report.drafts} drafts "
        f"{verb} added to the moderation queue, {report.linked} of them linked to an existing service."
    )
    for message in report.without_listing[:20]:
        click.echo(f"  Nothing to draft in {message}")


@click.group("export")
def export_group() -> None:
    """Export the directory."""


@export_group.command("hsds")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@needs_database
def export_hsds(out_dir: Path) -> None:
    """Write every current listing as Open Referral (HSDS 3.0): datapackage.json, one CSV per table, services.json."""
    from importers.export_hsds import export_hsds as write

    # Links to pages point at SIGNPOST_BASE_URL, as links in mail do.
    with (
        current_app.test_request_context(base_url=current_app.config["SIGNPOST"].BASE_URL),
        get_db().sessionmaker() as session,
    ):
        counts = write(session, out_dir)
    click.echo(
        f"Wrote {counts['services']} services from {counts['organisations']} organisations at "
        f"{counts['locations']} venues to {out_dir} (datapackage.json, CSV files and services.json)."
    )


commands = (*commands, export_group)
