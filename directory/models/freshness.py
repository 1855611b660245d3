"""Keeping listings true: stored flags, website checks, bounced mail and review reminders."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .common import new_id, utcnow


class ServiceFlag(SQLModel, table=True):
    """One reason a listing may be wrong, as `signpost freshness run` last found it."""

    __tablename__ = "service_flag"
    __table_args__ = (UniqueConstraint("service_id", "code", name="service_flag_once"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True)
    code: str = Field(max_length=30, index=True)  # one of directory.freshness.CODES
    reason: str = Field(max_length=500)
    since: date | None = None  # when the condition began
    urgent: bool = False
    raised_at: datetime = Field(default_factory=utcnow, nullable=False)


class LinkCheck(SQLModel, table=True):
    """The latest checks of a service's website; only repeated failure flags a dead link."""

    __tablename__ = "link_check"

    service_id: uuid.UUID = Field(foreign_key="service.id", primary_key=True)
    url: str = Field(max_length=500)
    failures: int = 0  # failed checks in a row
    failing_since: date | None = None
    last_checked_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_status: int | None = None
    last_error: str = Field(default="", max_length=300)


class EmailBounce(SQLModel, table=True):
    """A delivery failure report (DSN) for an address Signpost wrote to."""

    __tablename__ = "email_bounce"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    address: str = Field(max_length=254, index=True)  # stored lowercased
    message_key: str = Field(max_length=64, unique=True)  # the bounce message, so reading it twice counts once
    bounced_at: datetime = Field(nullable=False)
    status: str = Field(default="", max_length=20)  # e.g. 5.1.1
    diagnostic: str = Field(default="", max_length=500)
    cleared_at: datetime | None = None  # a later answer from the address shows it works again


class ReviewReminder(SQLModel, table=True):
    """One reminder about one listing: stage 1 and 2 to the organisation, 3 to the moderators."""

    __tablename__ = "review_reminder"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True)
    stage: int
    recipients: list[str] = Field(default_factory=list, sa_type=JSON)
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)  # the flags' reasons, as sent
    sent_at: datetime = Field(nullable=False, index=True)
    answer: str | None = Field(default=None, max_length=20)  # still_correct, update, closed
    answered_at: datetime | None = None
    answered_by: str | None = Field(default=None, max_length=254)
    note: str = Field(default="", sa_type=Text)
    report_id: uuid.UUID | None = Field(default=None, foreign_key="problem_report.id")
