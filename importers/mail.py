"""Turn newsletters into drafts for moderators: never a published listing.

Each candidate found in a message becomes a ChangeRequest of kind "draft", linked to the
existing service it concerns when more than the name agrees (see mail_match), quoting the email it
came from. A change notice (new times, a new venue, a pause, a cancellation, a closure) linked to a
listing proposes the listing's fields as they would become; approving the draft applies them. A message already read (same Message-ID) is skipped, so re-reading a mailbox adds
nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.models import ChangeRequest, Location, Service, ServiceAtLocation, utcnow
from directory.operations.snapshots import CHILD_FIELDS, as_json, service_snapshot
from directory.permissions import Actor, require

from .mail_extract import Candidate, candidates
from .mail_match import Known, Match, best_match, known
from .mail_read import Mail, strip_forwarding

NEW_VENUE = "new"  # in a draft's location_ids: the venue it proposes, added when a moderator approves it
_FORWARDED_FROM = re.compile(r"^(?:>\s*)?(?:From|Subject):\s*(.+)$", re.I | re.M)


@dataclass
class MailReport:
    """What reading a mailbox did."""

    messages: int = 0
    skipped: int = 0  # already drafted from (same Message-ID)
    drafts: int = 0
    linked: int = 0
    without_listing: list[str] = field(default_factory=list)  # messages with nothing to draft


def import_mail(db: Session, actor: Actor, messages, now: datetime | None = None, dry_run: bool = False) -> MailReport:
    """Draft every candidate in messages (Mail objects); the caller commits."""
    require(actor, "import.run")
    now = now or utcnow()
    report = MailReport()
    seen = read_message_ids(db)
    services = _known_services(db)
    for mail in messages:
        report.messages += 1
        if mail.message_id in seen:
            report.skipped += 1
            continue
        seen.add(mail.message_id)
        found = candidates(strip_forwarding(mail.text), (mail.date or now).date(), mail.subject)  # no Date: when read
        if not found:
            report.without_listing.append(f"{mail.where}: {mail.subject or '(no subject)'}")
        context, domains = sender_context(mail)
        for number, candidate in enumerate(found):
            match = best_match(candidate, services, context, domains)
            report.drafts += 1
            report.linked += match is not None
            if not dry_run:
                db.add(draft_for(mail, number, candidate, match, actor, now))
    db.flush()
    return report


def sender_context(mail: Mail) -> tuple[str, set[str]]:
    """Who the message (and any message forwarded in it) is from and about: names to agree with an organisation."""
    forwarded = _FORWARDED_FROM.findall(mail.text[:3000])
    text = " ".join([mail.sender, mail.subject, *forwarded])
    domains = {address.split("@")[1].lower().rstrip(">") for address in re.findall(r"[\w.+-]+@[\w.-]+", text)}
    return text, domains


def read_message_ids(db: Session) -> set[str]:
    """Message-IDs of every email already drafted from."""
    rows = db.exec(select(ChangeRequest.proposed).where(ChangeRequest.kind == "draft"))
    return {row.get("source_email", {}).get("message_id") for row in rows if isinstance(row, dict)}


def _known_services(db: Session) -> list[Known]:
    query = (
        select(Service)
        .where(Service.archived_at.is_(None))
        .options(
            selectinload(Service.organisation),
            selectinload(Service.schedules),
            selectinload(Service.location_links).selectinload(ServiceAtLocation.location),
        )
    )
    return [known(service) for service in db.exec(query)]


def draft_for(
    mail: Mail, number: int, candidate: Candidate, match: Match | None, actor: Actor, now: datetime
) -> ChangeRequest:
    """The draft a moderator sees: the candidate's facts, the change it proposes, and the email quoted.

    A change notice linked to a listing proposes field values in the shape every change uses (the live
    snapshot as `base`, the fields in `field_names`), so approving the draft applies them.
    """
    proposed = {
        "name": candidate.name,
        **candidate.fields,
        "signals": candidate.signals,
        "source_email": {
            "message_id": mail.message_id,
            "item": number,
            "from": mail.sender,
            "date": mail.date.isoformat() if mail.date else None,
            "subject": mail.subject,
            "excerpt": candidate.excerpt,
        },
    }
    values: dict = {}
    if match:
        proposed["match"] = {
            "service_id": str(match.service.id),
            "name": match.service.name,
            "score": match.score,
            "same_postcode": match.same_postcode,
            "evidence": match.evidence,
        }
        values = field_values(candidate, match.service)
    if candidate.change:
        proposed["change"] = {"kind": candidate.change, "fields": sorted(values)}
    proposed.update(values)
    service = match.service if match else None
    return ChangeRequest(
        target_type="service",
        target_id=service.id if service else None,
        organisation_id=service.organisation_id if service else None,
        kind="draft",
        proposed=proposed,
        base=service_snapshot(service) if values else None,
        field_names=sorted(k for k in values if k != "new_venue") or None,
        base_version=service.version if values else None,
        submitted_by=actor.user_id,
        submitted_at=now,
    )


def field_values(candidate: Candidate, service: Service) -> dict:
    """The listing's fields as the change notice would set them (schedules, venues, status, alert)."""
    changes = candidate.changes
    if "schedules" in changes:
        return {"schedules": _schedules(changes["schedules"], service)}
    if "venue" in changes:
        return _venue(changes["venue"], service)
    return {name: value for name, value in changes.items() if value is not None or name == "expected_reopening"}


def _schedules(rows: list[dict], service: Service) -> list[dict]:
    live = [row for row in service.schedules]
    venues = {row.location_id for row in live} | {link.location_id for link in service.location_links}
    result = []
    for row in rows:
        full = {name: None for name in CHILD_FIELDS["schedules"]} | {"description": ""} | row
        same_day = next((old for old in live if old.weekday == row["weekday"]), None) or (
            live[0] if len(live) == 1 else None
        )
        if "opens_at" not in row and same_day is not None and same_day.opens_at and same_day.closes_at:
            full.update(opens_at=same_day.opens_at.strftime("%H:%M"), closes_at=same_day.closes_at.strftime("%H:%M"))
        if len(venues) == 1:
            full["location_id"] = str(next(iter(venues)))
        result.append(full)
    return result


def _venue(venue: dict, service: Service) -> dict:
    """A move to one of the organisation's venues links it; a move elsewhere proposes a new venue."""
    own = [link.location for link in service.location_links if isinstance(link.location, Location)]
    organisation_venues = own + [
        loc for loc in service.organisation.locations if loc not in own and loc.archived_at is None
    ]
    same = next((loc for loc in organisation_venues if loc.postcode and loc.postcode == venue.get("postcode")), None)
    target = str(same.id) if same else NEW_VENUE
    schedules = [
        {name: as_json(getattr(row, name)) for name in CHILD_FIELDS["schedules"]} | {"location_id": target}
        for row in service.schedules
    ]
    values = {"location_ids": [target], "schedules": schedules}
    if same is None:
        values["new_venue"] = {
            "name": venue.get("name") or venue.get("postcode"),
            "address_1": venue.get("address_1"),
            "town": venue.get("town"),
            "postcode": venue.get("postcode"),
        }
    return values
