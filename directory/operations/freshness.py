"""Flags on listings: gather the evidence, apply the rules, store what changed; websites and bounces.

Flags are derived data: they are replaced as the facts change. Listings themselves are never
hidden or deleted here; a moderator decides what happens to a listing that looks closed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.bounces import Bounce
from directory.freshness import CODES, INFO_CODES, Evidence, Flag, Policy, assess, link_check_due, listing_facts
from directory.linkcheck import LinkResult
from directory.models import Membership, Organisation, ProblemReport, Service, User
from directory.models.common import HIDDEN_STATUSES
from directory.models.freshness import EmailBounce, LinkCheck, ReviewReminder, ServiceFlag
from directory.permissions import Actor, require


def policy_for(config) -> Policy:
    """The rules' settings from the app's configuration."""
    return Policy(review_days=config.REVIEW_AFTER_DAYS, stale_days=config.STALE_AFTER_DAYS)


def current_services(session: Session, ids: Iterable[uuid.UUID] | None = None) -> list[Service]:
    """Services still in the directory (not archived), with what the rules read."""
    query = (
        select(Service)
        .join(Organisation)
        .where(Service.archived_at.is_(None), Organisation.archived_at.is_(None))
        .options(
            selectinload(Service.organisation),
            selectinload(Service.funding),
            selectinload(Service.seasons),
            selectinload(Service.referral_routes),
        )
        .order_by(Service.name)
    )
    if ids is not None:
        query = query.where(Service.id.in_(list(ids)))
    return list(session.exec(query))


def editor_emails(session: Session) -> dict[uuid.UUID, list[str]]:
    """Each organisation's editors' confirmed, active addresses."""
    query = (
        select(Membership.organisation_id, User.email)
        .join(User, User.id == Membership.user_id)
        .where(User.email_verified_at.is_not(None), User.disabled_at.is_(None))
    )
    editors = defaultdict(list)
    for organisation_id, address in session.exec(query):
        editors[organisation_id].append(address)
    return editors


def contact_email(service: Service) -> str | None:
    """The listing's public address (the service's own, else its organisation's)."""
    address = service.email or service.organisation.email
    return address.strip().lower() if address else None


def bouncing_addresses(session: Session) -> dict[str, date]:
    """Addresses whose mail bounces, with the day of the first bounce not yet cleared."""
    found: dict[str, date] = {}
    for bounce in session.exec(select(EmailBounce).where(EmailBounce.cleared_at.is_(None))):
        day = bounce.bounced_at.date()
        found[bounce.address] = min(day, found.get(bounce.address, day))
    return found


def gather_evidence(session: Session, services: list[Service]) -> dict[uuid.UUID, Evidence]:
    """What reports, website checks and bounces say about each service."""
    wanted = {s.id for s in services}
    reports = defaultdict(list)
    open_closed = select(ProblemReport).where(ProblemReport.kind == "closed", ProblemReport.status == "open")
    owner_reports = set(session.exec(select(ReviewReminder.report_id).where(ReviewReminder.report_id.is_not(None))))
    owner_closed: dict[uuid.UUID, date] = {}
    for report in session.exec(open_closed):
        if report.service_id not in wanted:
            continue
        if report.id in owner_reports:
            owner_closed[report.service_id] = report.created_at.date()
        else:
            reports[report.service_id].append(report.created_at.date())
    checks = {c.service_id: c for c in session.exec(select(LinkCheck)) if c.service_id in wanted}
    bouncing = bouncing_addresses(session)
    editors = editor_emails(session)
    evidence = {}
    for service in services:
        check = checks.get(service.id)
        if check is not None and check.url != service.website:
            check = None  # the address changed since it was checked
        evidence[service.id] = Evidence(
            closure_reports=tuple(reports.get(service.id, ())),
            closed_by_owner=owner_closed.get(service.id),
            link_failures=check.failures if check else 0,
            link_failing_since=check.failing_since if check else None,
            link_error=check.last_error if check else "",
            bouncing=_bouncing_contacts(service, editors.get(service.organisation_id, []), bouncing),
        )
    return evidence


def _bouncing_contacts(service: Service, editors: list[str], bouncing: dict[str, date]) -> tuple:
    # The public address bouncing matters to link workers; editors' addresses only when none works.
    found = {}
    contact = contact_email(service)
    if contact in bouncing:
        found[contact] = bouncing[contact]
    if editors and all(a in bouncing for a in editors):
        found.update({a: bouncing[a] for a in editors})
    return tuple(sorted(found.items()))


def assess_services(
    session: Session, today: date, policy: Policy, ids: Iterable[uuid.UUID] | None = None
) -> list[tuple[Service, list[Flag]]]:
    """Every current service with its flags on `today`."""
    services = current_services(session, ids)
    evidence = gather_evidence(session, services)
    return [(s, assess(listing_facts(s, evidence[s.id]), today, policy)) for s in services]


@dataclass
class FlagChange:
    """How one service's stored flags change."""

    service: Service
    raised: list[Flag] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    reworded: list[Flag] = field(default_factory=list)


def flag_changes(
    session: Session, assessed: list[tuple[Service, list[Flag]]], complete: bool = False
) -> list[FlagChange]:
    """What storing these flags would change (nothing is written).

    With `complete` (every current service assessed), flags of archived services are cleared too.
    """
    ids = {s.id for s, _ in assessed}
    stored = _stored_flags(session, None if complete else ids)
    changes = [
        FlagChange(session.get(Service, sid), cleared=list(rows)) for sid, rows in stored.items() if sid not in ids
    ]
    for service, flags in assessed:
        before = stored.get(service.id, {})
        change = FlagChange(service)
        for flag in flags:
            row = before.get(flag.code)
            if row is None:
                change.raised.append(flag)
            elif (row.reason, row.since, row.urgent) != (flag.reason, flag.since, flag.urgent):
                change.reworded.append(flag)
        change.cleared = [code for code in before if code not in {f.code for f in flags}]
        if change.raised or change.cleared or change.reworded:
            changes.append(change)
    return changes


def apply_flag_changes(session: Session, changes: list[FlagChange], now: datetime) -> None:
    """Write the changes; the search hooks re-index these services after the caller commits."""
    stored = _stored_flags(session, [c.service.id for c in changes])
    for change in changes:
        rows = stored.get(change.service.id, {})
        for code in change.cleared:
            session.delete(rows[code])
        for flag in change.reworded:
            row = rows[flag.code]
            row.reason, row.since, row.urgent = flag.reason[:500], flag.since, flag.urgent
        for flag in change.raised:
            session.add(
                ServiceFlag(
                    service_id=change.service.id,
                    code=flag.code,
                    reason=flag.reason[:500],
                    since=flag.since,
                    urgent=flag.urgent,
                    raised_at=now,
                )
            )
    session.flush()


def _stored_flags(session: Session, ids: Iterable[uuid.UUID] | None) -> dict[uuid.UUID, dict[str, ServiceFlag]]:
    wanted = None if ids is None else set(ids)
    stored = defaultdict(dict)
    for row in session.exec(select(ServiceFlag)):
        if wanted is None or row.service_id in wanted:
            stored[row.service_id][row.code] = row
    return stored


def refresh_flags(
    session: Session, today: date, policy: Policy, now: datetime, ids: Iterable[uuid.UUID] | None = None
) -> list[FlagChange]:
    """Recompute and store the flags of these services (all when ids is None)."""
    changes = flag_changes(session, assess_services(session, today, policy, ids), complete=ids is None)
    apply_flag_changes(session, changes, now)
    return changes


def stored_flags_for(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[ServiceFlag]]:
    """Stored flags per service, most serious first (for pages and search results)."""
    ids = list(ids)
    found = defaultdict(list)
    if ids:
        for row in session.exec(select(ServiceFlag).where(ServiceFlag.service_id.in_(ids))):
            found[row.service_id].append(row)
    for rows in found.values():
        rows.sort(key=_severity)
    return found


def _severity(row: ServiceFlag) -> int:
    return CODES.index(row.code) if row.code in CODES else len(CODES)


# Websites ---------------------------------------------------------------------------------


def links_due(session: Session, now: datetime) -> list[tuple[uuid.UUID, str]]:
    """(service id, website) for running services whose website has not been checked today."""
    checks = {c.service_id: c for c in session.exec(select(LinkCheck))}
    due = []
    for service in current_services(session):
        if not service.website or service.status in HIDDEN_STATUSES:
            continue
        check = checks.get(service.id)
        if check is None or check.url != service.website or link_check_due(check.last_checked_at, now):
            due.append((service.id, service.website))
    return due


def record_link_results(
    session: Session, due: list[tuple[uuid.UUID, str]], results: dict[str, LinkResult], now: datetime
) -> None:
    """Count failures in a row per service; one success resets the count."""
    for service_id, url in due:
        result = results.get(url)
        if result is None:
            continue
        check = session.get(LinkCheck, service_id)
        if check is None or check.url != url:
            if check is not None:
                session.delete(check)
                session.flush()
            check = LinkCheck(service_id=service_id, url=url)
            session.add(check)
        check.last_checked_at, check.last_status, check.last_error = now, result.status, result.error[:300]
        if result.ok:
            check.failures, check.failing_since, check.last_ok_at = 0, None, now
        elif result.ok is False:
            check.failures += 1
            check.failing_since = check.failing_since or now.date()
    session.flush()


# Bounced mail -----------------------------------------------------------------------------


def record_bounces(session: Session, bounces: Iterable[Bounce], now: datetime) -> list[EmailBounce]:
    """Store each new bounce once (reading the same mailbox again adds nothing)."""
    known = set(session.exec(select(EmailBounce.message_key)))
    added = []
    for bounce in bounces:
        if bounce.key in known:
            continue
        known.add(bounce.key)
        row = EmailBounce(
            address=bounce.address,
            message_key=bounce.key,
            bounced_at=bounce.when or now,
            status=bounce.status[:20],
            diagnostic=bounce.diagnostic[:500],
        )
        session.add(row)
        added.append(row)
    session.flush()
    return added


def clear_bounces(session: Session, address: str, now: datetime) -> None:
    """An answer from an address shows mail reaches it again."""
    for row in session.exec(
        select(EmailBounce).where(EmailBounce.address == address.lower(), EmailBounce.cleared_at.is_(None))
    ):
        row.cleared_at = now
    session.flush()


def services_reached_at(session: Session, addresses: Iterable[str]) -> set[uuid.UUID]:
    """Services whose contact or editors use any of these addresses."""
    addresses = {a.lower() for a in addresses}
    editors = editor_emails(session)
    return {
        s.id
        for s in current_services(session)
        if contact_email(s) in addresses or addresses & set(editors.get(s.organisation_id, []))
    }


# The moderators' dashboard ----------------------------------------------------------------


@dataclass
class FlaggedListing:
    """A listing with its stored flags and its latest reminder."""

    service: Service
    flags: list[ServiceFlag]
    last_reminder: ReviewReminder | None


def flag_counts(session: Session, actor: Actor) -> dict[str, int]:
    """How many current listings carry each flag, in CODES order."""
    require(actor, "freshness.view")
    counts = dict.fromkeys(CODES, 0)
    for row in session.exec(select(ServiceFlag)):
        counts[row.code] = counts.get(row.code, 0) + 1
    return counts


def flagged_listings(
    session: Session, actor: Actor, code: str | None = None, urgent_only: bool = False
) -> list[FlaggedListing]:
    """Listings with this flag (or, without one, with a flag someone should act on), urgent first."""
    require(actor, "freshness.view")
    flags = defaultdict(list)
    for row in session.exec(select(ServiceFlag)):
        flags[row.service_id].append(row)
    wanted = [
        sid
        for sid, rows in flags.items()
        if (any(r.code == code for r in rows) if code else any(r.code not in INFO_CODES for r in rows))
        and (not urgent_only or any(r.urgent for r in rows))
    ]
    services = current_services(session, wanted) if wanted else []
    latest = {}
    for reminder in session.exec(select(ReviewReminder).order_by(ReviewReminder.sent_at)):
        latest[reminder.service_id] = reminder
    listings = [FlaggedListing(s, sorted(flags[s.id], key=_severity), latest.get(s.id)) for s in services]
    listings.sort(key=lambda x: (not any(f.urgent for f in x.flags), -len(x.flags), x.service.name.casefold()))
    return listings


@dataclass
class ListingHistory:
    """Everything about one listing's freshness: its flags, reminders and answers, checks and bounces."""

    flags: list[ServiceFlag]
    reminders: list[ReviewReminder]
    link_check: LinkCheck | None
    bounces: list[EmailBounce]


def listing_history(session: Session, actor: Actor, service: Service) -> ListingHistory:
    """The dashboard's page about one listing."""
    require(actor, "freshness.view", service)
    reminders = session.exec(
        select(ReviewReminder).where(ReviewReminder.service_id == service.id).order_by(ReviewReminder.sent_at.desc())
    ).all()
    addresses = {a for r in reminders for a in r.recipients} | {contact_email(service)} - {None}
    bounces = (
        session.exec(
            select(EmailBounce).where(EmailBounce.address.in_(addresses)).order_by(EmailBounce.bounced_at.desc())
        ).all()
        if addresses
        else []
    )
    return ListingHistory(
        stored_flags_for(session, [service.id])[service.id],
        list(reminders),
        session.get(LinkCheck, service.id),
        list(bounces),
    )
