"""Shared column groups and value lists for the directory's tables."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from directory import clock


def utcnow() -> datetime:
    """The current time by the app's clock, timezone-aware in UTC (as SQLModel stores datetimes)."""
    return clock.now()


def new_id() -> uuid.UUID:
    """A fresh stable identifier (UUID4), as Open Referral expects."""
    return uuid.uuid4()


class Record(SQLModel):
    """Columns every directory record has: identity, timestamps and soft archive."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, nullable=False)
    archived_at: datetime | None = Field(default=None)
    archive_reason: str | None = Field(default=None, max_length=500)


class Verified(SQLModel):
    """When a record was last confirmed correct, by whom and how."""

    last_verified_at: datetime | None = Field(default=None, index=True)
    verified_by: str | None = Field(default=None, max_length=200)
    verification_method: str | None = Field(default=None, max_length=20)


class Sourced(SQLModel):
    """Where an imported record came from, so re-imports match it."""

    source: str | None = Field(default=None, max_length=100)
    source_id: str | None = Field(default=None, max_length=200)


SERVICE_STATUSES = ("active", "temporarily_closed", "inactive", "defunct")
HIDDEN_STATUSES = ("defunct", "inactive")  # never offered to a link worker
VERIFICATION_METHODS = ("owner", "link_worker", "import", "moderator")
LOCATION_TYPES = ("physical", "virtual")
AREA_TYPES = ("local_authority", "health_board", "national")
ROUTE_TYPES = ("self_referral", "drop_in", "professional", "gp", "link_worker")
ROUTE_METHODS = ("phone", "email", "online_form", "in_person")
REFERRAL_STATUSES = ("accepting", "waiting_list", "closed")
FUNDING_STATUSES = ("funded", "funding_ending", "unfunded", "ended")
FREQUENCIES = ("weekly", "monthly")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# How a person takes part: at a venue, by phone, online, or at home.
ATTENDANCE = ("in_person", "phone", "online", "home_visit")
GROUPS_SERVED = (
    "women",
    "men",
    "carers",
    "young_people",
    "older_people",
    "lgbtq",
    "refugees_asylum_seekers",
    "veterans",
    "disabled_people",
    "families",
    "people_in_recovery",
    "minority_ethnic",
)


def in_list(column: str, values: tuple[str, ...]) -> str:
    """SQL text for a CHECK that a column holds one of the allowed values (or NULL)."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IS NULL OR {column} IN ({quoted})"
