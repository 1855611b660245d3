"""Review reminders: who to ask about which listing, the emails with their links, and the answers.

Each reminder's links are signed for one purpose (confirm, update, closed), expire, and work
once: the answer is recorded on the reminder, and the round of reminders stops there.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, select

from directory.config import Config
from directory.freshness import Flag, Policy, as_date, due_flags, may_email, reminder_stage
from directory.links import Links
from directory.mail import mail_after_commit, send_mail
from directory.models import ReferralRoute, Service
from directory.models.common import HIDDEN_STATUSES
from directory.models.freshness import ReviewReminder
from directory.permissions import Actor

from .freshness import bouncing_addresses, clear_bounces, contact_email, editor_emails
from .moderation import confirm_service
from .reports import report_problem

ACTIONS = ("confirm", "update", "closed")
ANSWERS = {"confirm": "still_correct", "update": "update", "closed": "closed"}
ANSWER_LABELS = {"still_correct": "Still correct", "update": "Will update it", "closed": "Said it has closed"}
STAGE_LABELS = {1: "First reminder", 2: "Second reminder", 3: "Told the moderators"}


class ReviewLinkError(Exception):
    """A review link that is forged, for another purpose, expired, or no longer fits a reminder."""


class AlreadyAnswered(Exception):
    """The reminder behind a link has been answered; links work once."""

    def __init__(self, reminder: ReviewReminder):
        self.reminder = reminder
        super().__init__("This link has already been used.")


@dataclass
class PlannedReminder:
    """A reminder due now about one listing, and who it goes to."""

    service: Service
    stage: int
    recipients: list[str]
    reasons: list[str]
    held_back: list[str] = field(default_factory=list)  # addresses emailed in the past week


def round_state(
    session: Session, services: list[Service]
) -> dict[uuid.UUID, tuple[datetime | None, list[ReviewReminder]]]:
    """For each service: when it was last confirmed or answered, and the reminders sent since."""
    reminders = defaultdict(list)
    for reminder in session.exec(select(ReviewReminder).order_by(ReviewReminder.sent_at)):
        reminders[reminder.service_id].append(reminder)
    state = {}
    for service in services:
        rows = reminders.get(service.id, [])
        moments = [m for m in [service.last_verified_at, *(r.answered_at for r in rows)] if m is not None]
        answered = max(moments) if moments else None
        state[service.id] = (answered, [r for r in rows if answered is None or r.sent_at > answered])
    return state


def last_emailed(session: Session, now: datetime, policy: Policy) -> dict[str, datetime]:
    """When each address was last sent a reminder, within the weekly limit's reach."""
    since = now - timedelta(days=policy.mail_gap_days)
    last: dict[str, datetime] = {}
    for reminder in session.exec(select(ReviewReminder).where(ReviewReminder.sent_at > since)):
        for address in reminder.recipients:
            last[address] = max(reminder.sent_at, last.get(address, reminder.sent_at))
    return last


def plan_reminders(
    session: Session, assessed: list[tuple[Service, list[Flag]]], now: datetime, policy: Policy, moderators: list[str]
) -> list[PlannedReminder]:
    """The reminders due now; an address emailed in the past week is held back (nothing is sent)."""
    state = round_state(session, [s for s, _ in assessed])
    last = last_emailed(session, now, policy)
    bouncing = bouncing_addresses(session)
    editors = editor_emails(session)
    planned = []
    for service, flags in assessed:
        if service.status in HIDDEN_STATUSES:
            continue
        answered, sent = state[service.id]
        if any(r.stage == 3 for r in sent):
            continue  # the moderators have it
        answered_on = as_date(answered)
        stage = reminder_stage(flags, answered_on, [r.sent_at for r in sent], now, policy)
        if stage is None:
            continue
        reasons = [f.reason for f in due_flags(flags, answered_on)]
        candidates = []
        if stage < 3:
            candidates = [a for a in editors.get(service.organisation_id, []) if a not in bouncing]
            contact = contact_email(service)
            candidates = candidates or ([contact] if contact and contact not in bouncing else [])
            if not candidates:
                stage = 3  # nobody at the organisation can be reached: straight to the moderators
        if stage == 3:
            candidates = list(moderators)
        allowed = [a for a in candidates if may_email(last.get(a), now, policy)]
        planned.append(
            PlannedReminder(service, stage, sorted(allowed), reasons, [a for a in candidates if a not in allowed])
        )
    return planned


def record_reminders(session: Session, planned: list[PlannedReminder], now: datetime) -> list[ReviewReminder]:
    """Store the reminders that go out now (those held back by the weekly limit wait)."""
    rows = []
    for item in planned:
        if item.held_back and not item.recipients:
            continue
        row = ReviewReminder(
            service_id=item.service.id, stage=item.stage, recipients=item.recipients, reasons=item.reasons, sent_at=now
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


# Links and mail ---------------------------------------------------------------------------


def _serializer(action: str, secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"signpost.review-{action}")


def review_token(action: str, reminder: ReviewReminder, address: str, secret: str) -> str:
    """A signed token for one action on one reminder, for one recipient (secret: the app's SECRET_KEY)."""
    return _serializer(action, secret).dumps({"r": str(reminder.id), "e": address})


def review_url(action: str, reminder: ReviewReminder, address: str, *, links: Links, secret: str) -> str:
    """The full address of a review link."""
    return links.page("freshness.answer", action=action, token=review_token(action, reminder, address, secret))


def send_reminder_mail(
    config: Config, reminders: list[ReviewReminder], services: dict[uuid.UUID, Service], *, links: Links
) -> int:
    """One email per address, listing every listing it is asked about; returns how many were sent."""
    by_address = defaultdict(list)
    for reminder in reminders:
        for address in reminder.recipients:
            by_address[address].append(reminder)
    for address, items in sorted(by_address.items()):
        if all(r.stage == 3 for r in items):
            subject, body = _moderator_mail(items, services, links)
        else:
            subject, body = _organisation_mail(address, items, services, links, config.SECRET_KEY)
        send_mail(config, [address], subject, body)
    return len(by_address)


def _organisation_mail(
    address: str, reminders: list[ReviewReminder], services: dict, links: Links, secret: str
) -> tuple[str, str]:
    again = any(r.stage == 2 for r in reminders)
    names = [services[r.service_id].name for r in reminders]
    subject = ("Reminder: " if again else "") + (
        f"Is your Signpost listing still correct? {names[0]}"
        if len(names) == 1
        else f"Are your {len(names)} Signpost listings still correct?"
    )
    parts = [
        "Hello,\n\nLink workers use Signpost to send people to groups and services like yours. "
        "Please tell us whether these details are still right. Each link works once, for 30 days, "
        "and you do not need to sign in to say a listing is still correct.\n"
    ]
    for reminder in reminders:
        service = services[reminder.service_id]
        review = {action: review_url(action, reminder, address, links=links, secret=secret) for action in ACTIONS}
        parts.append(
            f"\n== {service.name} ({service.organisation.name}) ==\n"
            f"{links.page('public.service', raw_id=service.id)}\n"
            + "".join(f"- {reason}\n" for reason in reminder.reasons)
            + f"\nStill correct: {review['confirm']}\n"
            f"I need to update it: {review['update']}\n"
            f"It has closed: {review['closed']}\n"
        )
    parts.append("\nThank you for keeping the directory true.\nSignpost\n")
    return subject, "".join(parts)


def _moderator_mail(reminders: list[ReviewReminder], services: dict, links: Links) -> tuple[str, str]:
    lines = [
        f"{len(reminders)} listing(s) had no answer after two reminders, or nobody at the organisation can be emailed:\n"
    ]
    for reminder in reminders:
        service = services[reminder.service_id]
        lines.append(
            f"\n- {service.name} ({service.organisation.name})\n  "
            + "\n  ".join(reminder.reasons)
            + f"\n  {links.page('freshness.listing', raw_id=service.id)}\n"
        )
    lines.append(f"\nThe dashboard: {links.page('freshness.dashboard')}\n")
    return "Signpost listings need a moderator", "".join(lines)


def notify_closure(
    session: Session, config: Config, service: Service, address: str, note: str, *, links: Links
) -> None:
    """Tell the moderators at once that an organisation says its listing has closed."""
    body = (
        f"{address} answered a review email: “{service.name}” ({service.organisation.name}) has closed.\n"
        f"Their note: {note or '(none)'}\n\n"
        f"The listing stays up, labelled “reported closed”, until a moderator acts:\n"
        f"{links.page('freshness.listing', raw_id=service.id)}\n"
    )
    mail_after_commit(
        session, config, config.moderator_addresses, f"Reported closed by its organisation: {service.name}", body
    )


# Answers ----------------------------------------------------------------------------------


def read_review_link(
    session: Session, action: str, token: str, policy: Policy, *, secret: str
) -> tuple[ReviewReminder, Service, str]:
    """The reminder, listing and address behind a link (signed with secret); raises ReviewLinkError or AlreadyAnswered."""
    if action not in ACTIONS:
        raise ReviewLinkError("This link is not one Signpost sends.")
    try:
        data = _serializer(action, secret).loads(token, max_age=policy.link_days * 86400)
    except SignatureExpired:
        raise ReviewLinkError("This link has expired: links in review emails work for 30 days.") from None
    except BadSignature:
        raise ReviewLinkError("This link is not complete or not valid. Copy the whole link from the email.") from None
    try:
        reminder = session.get(ReviewReminder, uuid.UUID(str(data.get("r"))))
    except ValueError:
        reminder = None
    address = str(data.get("e", ""))
    if reminder is None or address not in reminder.recipients:
        raise ReviewLinkError("This link is not complete or not valid. Copy the whole link from the email.")
    if reminder.answered_at is not None:
        raise AlreadyAnswered(reminder)
    service = session.get(Service, reminder.service_id)
    if service is None or service.archived_at is not None:
        raise ReviewLinkError("This listing has been removed from the directory, so there is nothing to check.")
    return reminder, service, address


def answer_reminder(
    session: Session,
    reminder: ReviewReminder,
    service: Service,
    address: str,
    action: str,
    now: datetime,
    note: str = "",
) -> ReviewReminder:
    """Record the answer on this round's reminders: still correct (a verification), update, or closed."""
    answer = ANSWERS[action]
    report = None
    if answer == "still_correct":
        confirm_service(session, Actor("system", f"{address} (review email)"), service, now)
        for route in session.exec(select(ReferralRoute).where(ReferralRoute.service_id == service.id)):
            route.status_confirmed_on = now.date()
    elif answer == "closed":
        text = f"The organisation answered a review email ({address}): it has closed." + (f" {note}" if note else "")
        report = report_problem(session, service, {"kind": "closed", "note": text}, now)
    open_rows = session.exec(
        select(ReviewReminder).where(ReviewReminder.service_id == service.id, ReviewReminder.answered_at.is_(None))
    )
    for row in open_rows:
        row.answer, row.answered_at, row.answered_by = answer, now, address
    reminder.note = note
    reminder.report_id = report.id if report else None
    clear_bounces(session, address, now)
    session.flush()
    return reminder
