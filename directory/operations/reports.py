"""Problem reports about listings: record them, and tell the organisation and moderators."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from directory.config import Config
from directory.links import Links
from directory.mail import mail_after_commit
from directory.models import ProblemReport, Service, utcnow

KIND_LABELS = {
    "closed": "It has closed or stopped running",
    "wrong_times": "The days or times are wrong",
    "wrong_contact": "The phone, email or address is wrong",
    "other": "Something else is wrong",
}


def report_problem(session: Session, service: Service, data: dict, now: datetime | None = None) -> ProblemReport:
    """Record a problem report from anyone (no account needed); the caller commits, then notifies."""
    report = ProblemReport(service_id=service.id, kind=data["kind"], note=data["note"], created_at=now or utcnow())
    session.add(report)
    session.flush()
    return report


def notify_report(
    session: Session, config: Config, report: ProblemReport, service: Service, editors: list[str] = (), *, links: Links
) -> None:
    """Email the organisation (its editors and listed address) and the moderators about a report."""
    moderators = config.moderator_addresses
    organisation = [service.email or service.organisation.email, *editors]
    link = links.page("public.service", raw_id=service.id)
    body = (
        f"Someone using Signpost reported a problem with “{service.name}” "
        f"({service.organisation.name}).\n\n"
        f"What is wrong: {KIND_LABELS[report.kind]}\n"
        f"Note: {report.note or '(none)'}\n\n"
        f"The listing: {link}\n\n"
        "If the listing is wrong, please update it or reply to tell us. Thank you."
    )
    mail_after_commit(session, config, organisation + moderators, f"Problem reported: {service.name}", body)
