"""What link workers send back: problem reports and saved shortlists."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Text
from sqlmodel import Field, SQLModel

from .common import in_list, new_id, utcnow

PROBLEM_KINDS = ("closed", "wrong_times", "wrong_contact", "other")
REPORT_STATUSES = ("open", "resolved", "dismissed")


class ProblemReport(SQLModel, table=True):
    """Someone says a listing is wrong; it reaches the organisation and moderators."""

    __tablename__ = "problem_report"
    __table_args__ = (
        CheckConstraint(in_list("kind", PROBLEM_KINDS), name="problem_kind_known"),
        CheckConstraint(in_list("status", REPORT_STATUSES), name="report_status_known"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True)
    kind: str = Field(max_length=20)
    note: str = Field(default="", sa_type=Text)
    status: str = Field(default="open", max_length=10, index=True)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    resolved_at: datetime | None = None


class SavedShortlist(SQLModel, table=True):
    """A shortlist a link worker chose to save behind a short link. It holds no client data."""

    __tablename__ = "saved_shortlist"

    slug: str = Field(primary_key=True, max_length=16)
    # [{"service_id": "...", "note": "..."}] in the worker's order
    items: list[dict] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
