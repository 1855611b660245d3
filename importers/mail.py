"""Turn newsletters into drafts for moderators: never a published listing.

Each candidate found in a message becomes a ChangeRequest of kind "draft", linked to the
existing service it most likely concerns (similar name, same postcode), quoting the email it
came from. A message already read (same Message-ID) is skipped, so re-reading a mailbox adds
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.models import ChangeRequest, Location, Service, ServiceAtLocation, utcnow
from directory.permissions import Actor, require

from .mail_extract import Candidate, candidates
from .mail_read import Mail, strip_forwarding

MATCH_SCORE = 85  # a name this similar is the same service
MATCH_SCORE_SAME_POSTCODE = 60  # or this similar at one of the service's own venues


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
        found = candidates(strip_forwarding(mail.text), mail.date.date() if mail.date else None)
        if not found:
            report.without_listing.append(f"{mail.where}: {mail.subject or '(no subject)'}")
        for number, candidate in enumerate(found):
            match = best_match(candidate, services)
            report.drafts += 1
            report.linked += match is not None
            if not dry_run:
                db.add(draft_for(mail, number, candidate, match, actor, now))
    db.flush()
    return report


def read_message_ids(db: Session) -> set[str]:
    """Message-IDs of every email already drafted from."""
    rows = db.exec(select(ChangeRequest.proposed).where(ChangeRequest.kind == "draft"))
    return {row.get("source_email", {}).get("message_id") for row in rows if isinstance(row, dict)}


@dataclass
class Match:
    """The existing service a candidate most likely concerns."""

    service_id: object
    organisation_id: object
    name: str
    score: float
    same_postcode: bool


def _known_services(db: Session) -> list[tuple[Service, set[str]]]:
    query = select(Service).where(Service.archived_at.is_(None)).options(
        selectinload(Service.organisation),
        selectinload(Service.location_links).selectinload(ServiceAtLocation.location))
    return [(s, {link.location.postcode for link in s.location_links if isinstance(link.location, Location) and link.location.postcode})
            for s in db.exec(query)]


def best_match(candidate: Candidate, services: list[tuple[Service, set[str]]]) -> Match | None:
    """The service with the most similar name (or organisation name), helped by a shared postcode."""
    if not services or not candidate.name:
        return None
    names = {index: f"{service.name}" for index, (service, _) in enumerate(services)}
    org_names = {index: f"{service.organisation.name} {service.name}" for index, (service, _) in enumerate(services)}
    scores: dict[int, float] = {}
    for choices in (names, org_names):
        for _, score, index in process.extract(candidate.name, choices, scorer=fuzz.token_set_ratio, limit=10):
            scores[index] = max(scores.get(index, 0), score)
    best = None
    for index, score in scores.items():
        service, postcodes = services[index]
        same = candidate.postcode is not None and candidate.postcode in postcodes
        if score >= MATCH_SCORE or (same and score >= MATCH_SCORE_SAME_POSTCODE):
            rank = (same, score)
            if best is None or rank > best[0]:
                best = (rank, Match(service.id, service.organisation_id, service.name, round(score, 1), same))
    return best[1] if best else None


def draft_for(mail: Mail, number: int, candidate: Candidate, match: Match | None, actor: Actor, now: datetime) -> ChangeRequest:
    """The draft a moderator sees: the candidate's facts, the change signals, and the email quoted."""
    proposed = {
        "name": candidate.name,
        **candidate.fields,
        "signals": candidate.signals,
        "source_email": {
            "message_id": mail.message_id, "item": number, "from": mail.sender,
            "date": mail.date.isoformat() if mail.date else None, "subject": mail.subject, "excerpt": candidate.excerpt,
        },
    }
    if match:
        proposed["match"] = {"service_id": str(match.service_id), "name": match.name, "score": match.score,
                             "same_postcode": match.same_postcode}
    return ChangeRequest(
        target_type="service", target_id=match.service_id if match else None,
        organisation_id=match.organisation_id if match else None, kind="draft", proposed=proposed,
        submitted_by=actor.user_id, submitted_at=now,
    )
