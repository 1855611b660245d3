"""`signpost freshness`: compute every listing's flags, check websites, send review reminders, read bounces."""

from __future__ import annotations

import fcntl
import mailbox
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from directory.bounces import bounces_in, read_messages
from directory.cli_checks import needs_database
from directory.db import get_db
from directory.freshness import LABELS
from directory.linkcheck import check_links
from directory.links import links
from directory.models import utcnow
from directory.operations.freshness import (
    apply_flag_changes,
    assess_services,
    flag_changes,
    links_due,
    policy_for,
    record_bounces,
    record_link_results,
    refresh_flags,
    services_reached_at,
)
from directory.operations.reminders import (
    STAGE_LABELS,
    plan_reminders,
    record_reminders,
    send_reminder_mail,
)


@click.group("freshness")
def freshness() -> None:
    """Keep listings true: flags, website checks, review reminders and bounced mail."""


@freshness.command("run")
@click.option("--dry-run", is_flag=True, help="List what would change and be sent; change nothing.")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Assess as of this day (YYYY-MM-DD).")
@click.option("--no-links", is_flag=True, help="Skip the website checks this time.")
@needs_database
def run(dry_run: bool, on: datetime | None, no_links: bool) -> None:
    """Compute every flag, check websites that are due, and send the reminders that are due.

    Safe to run every hour: websites are checked at most once a day, each address gets at most
    one email a week, a listing that is answered is not asked again, and a run still going when
    the next starts makes the next one stop at once.
    """
    console = Console()
    config = current_app.config["SIGNPOST"]
    clock = utcnow()
    now = datetime.combine(on.date() if on else clock.date(), clock.time(), tzinfo=UTC)
    with _only_one_run(Path(config.INSTANCE_DIR) / "freshness.lock"):
        totals: Counter = Counter()
        with get_db().unit_of_work() as session:
            due = links_due(session, now)
        totals["websites due"] = len(due)
        if due and not dry_run and not no_links:
            totals.update(_check_websites(console, config, due, now))
        counts = _assess_and_remind(console, config, now, dry_run, due if not no_links else [], totals)
        _summary(console, totals, dry_run, counts)


@contextmanager
def _only_one_run(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise click.ClickException(
                "Another `signpost freshness run` is still going; this one did nothing."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_websites(console: Console, config, due: list, now: datetime) -> Counter:
    # No transaction is held open while the websites answer.
    urls = sorted({url for _, url in due})
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Checking websites", total=len(urls))
        results = check_links(urls, contact=config.BASE_URL, progress=lambda _: progress.advance(task))
    with get_db().unit_of_work() as session:
        record_link_results(session, due, results, now)
    return Counter(f"websites {({True: 'ok', False: 'failed', None: 'no verdict'})[r.ok]}" for r in results.values())


def _assess_and_remind(console: Console, config, now: datetime, dry_run: bool, due: list, totals: Counter) -> Counter:
    policy = policy_for(config)
    moderators = config.moderator_addresses
    reminders = []
    with get_db().unit_of_work() as session:
        with console.status("Assessing listings"):
            assessed = assess_services(session, now.date(), policy)
            changes = flag_changes(session, assessed, complete=True)
            planned = plan_reminders(session, assessed, now, policy, moderators)
        totals["listings"] = len(assessed)
        for kind in ("raised", "cleared", "reworded"):
            totals[f"flags {kind}"] = sum(len(getattr(c, kind)) for c in changes)
        totals["held back by the weekly limit"] = sum(1 for p in planned if p.held_back and not p.recipients)
        if dry_run:
            _describe(changes, planned, due)
            session.rollback()
        else:
            apply_flag_changes(session, changes, now)
            reminders = record_reminders(session, planned, now)
    if reminders:  # after the commit: a failed send never loses the record of what was due
        totals["emails sent"] = send_reminder_mail(config, reminders, {s.id: s for s, _ in assessed}, links=links())
    elif not dry_run:
        totals["emails sent"] = 0
    for reminder in reminders:
        totals[STAGE_LABELS[reminder.stage].lower()] += 1
    return Counter(f.code for _, flags in assessed for f in flags)


def _describe(changes, planned, due) -> None:
    for change in changes:
        for flag in change.raised:
            click.echo(f"would raise  {change.service.name}: {LABELS.get(flag.code, flag.code)} – {flag.reason}")
        for code in change.cleared:
            click.echo(f"would clear  {change.service.name}: {LABELS.get(code, code)}")
        for flag in change.reworded:
            click.echo(f"would reword {change.service.name}: {flag.reason}")
    for item in planned:
        if item.recipients or not item.held_back:
            to = ", ".join(item.recipients) or "the dashboard (no moderator email set)"
            click.echo(f"would send   {STAGE_LABELS[item.stage].lower()} about {item.service.name} to {to}")
        else:
            click.echo(f"would wait   {item.service.name}: {', '.join(item.held_back)} emailed in the past week")
    if due:
        click.echo(f"would check  {len(due)} websites")
    click.echo("Dry run: nothing was changed and nothing was sent.")


def _summary(console: Console, totals: Counter, dry_run: bool, counts: Counter) -> None:
    table = Table(title="Freshness run" + (" (dry run)" if dry_run else ""))
    table.add_column("What")
    table.add_column("How many", justify="right")
    for label, value in totals.items():
        table.add_row(label.capitalize(), str(value))
    for code, label in LABELS.items():
        if counts[code]:
            table.add_row(f"Flagged: {label}", str(counts[code]))
    console.print(table)


@freshness.command("bounces")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@needs_database
def bounces(path: Path) -> None:
    """Record bounced mail from PATH (an mbox, a Maildir, a folder of .eml files or one .eml file)."""
    try:
        messages = list(read_messages(path))
    except (OSError, mailbox.Error, UnicodeError) as exc:
        raise click.ClickException(
            f"Could not read {path}: {exc}. Give an mbox file, a Maildir folder, or .eml files."
        ) from None
    found = [b for message in messages for b in bounces_in(message)]
    config = current_app.config["SIGNPOST"]
    now = utcnow()
    with get_db().unit_of_work() as session:
        added = record_bounces(session, found, now)
        affected = services_reached_at(session, {b.address for b in added})
        changes = refresh_flags(session, now.date(), policy_for(config), now, affected) if affected else []
        flagged = sum(1 for c in changes if any(f.code == "contact_bouncing" for f in c.raised))
    click.echo(f"Read {len(messages)} messages: {len(found)} permanent failures, {len(added)} new.")
    for bounce in added:
        click.echo(f"  {bounce.address}  {bounce.status}  {bounce.diagnostic[:80]}")
    click.echo(f"{flagged} listings are now flagged “contact email bouncing”.")
