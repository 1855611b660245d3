"""Services and the facts a link worker needs about them."""

import uuid
from datetime import date, time
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Numeric, Text
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, Relationship, SQLModel

from .common import (
    AREA_TYPES,
    ATTENDANCE,
    FREQUENCIES,
    FUNDING_STATUSES,
    REFERRAL_STATUSES,
    ROUTE_METHODS,
    ROUTE_TYPES,
    SERVICE_STATUSES,
    VERIFICATION_METHODS,
    WEEKDAYS,
    Record,
    Sourced,
    Verified,
    in_list,
    new_id,
)

if TYPE_CHECKING:
    from .freshness import ServiceFlag
    from .location import ServiceAtLocation
    from .organisation import Organisation
    from .taxonomy import TaxonomyTerm


class ServiceTaxonomy(SQLModel, table=True):
    """A category a service is filed under."""

    __tablename__ = "service_taxonomy"

    service_id: uuid.UUID = Field(foreign_key="service.id", primary_key=True)
    term_id: uuid.UUID = Field(foreign_key="taxonomy_term.id", primary_key=True, index=True)


class Service(Record, Verified, Sourced, table=True):
    """Something an organisation offers (HSDS service), with eligibility and cost."""

    __table_args__ = (
        CheckConstraint(in_list("status", SERVICE_STATUSES), name="service_status_known"),
        CheckConstraint(in_list("verification_method", VERIFICATION_METHODS), name="service_verification_known"),
        CheckConstraint("min_age IS NULL OR (min_age BETWEEN 0 AND 120)", name="min_age_range"),
        CheckConstraint("max_age IS NULL OR (max_age BETWEEN 0 AND 120)", name="max_age_range"),
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", name="age_order"),
        CheckConstraint("cost_min IS NULL OR cost_min >= 0", name="cost_min_positive"),
        CheckConstraint("cost_min IS NULL OR cost_max IS NULL OR cost_min <= cost_max", name="cost_order"),
    )

    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200, index=True)
    summary: str = Field(default="", max_length=300)
    description: str = Field(default="", sa_type=Text)
    status: str = Field(default="active", max_length=20, index=True)
    status_reason: str | None = Field(default=None, max_length=500)
    expected_reopening: date | None = None
    website: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=50)
    alert: str | None = Field(default=None, max_length=500)

    # Cost: free, or a description with optional amounts in pounds.
    is_free: bool = True
    cost_description: str | None = Field(default=None, max_length=300)
    cost_min: Decimal | None = Field(default=None, sa_type=Numeric(8, 2))
    cost_max: Decimal | None = Field(default=None, sa_type=Numeric(8, 2))

    languages: list[str] = Field(default_factory=list, sa_type=JSON)

    # Eligibility (HSDS keeps ages and the description on the service too).
    min_age: int | None = None
    max_age: int | None = None
    groups_served: list[str] = Field(default_factory=list, sa_type=JSON)
    # in_person, phone, online, home_visit; empty means "as its venues say" (see presenters.attendance)
    attendance: list[str] = Field(default_factory=list, sa_type=JSON)
    circumstances: list[str] = Field(default_factory=list, sa_type=JSON)
    eligibility_criteria: str = Field(default="", sa_type=Text)
    open_to_all: bool = True

    # Raised on every published change: an edit based on an older version is refused (optimistic locking).
    version: int = Field(default=1, nullable=False)

    @declared_attr
    def __mapper_args__(cls):
        # Every UPDATE says "WHERE version = <the version this process read>", so of two processes
        # saving the same listing at once the second matches no row (StaleDataError), never
        # overwriting the first. Signpost raises the number itself, on published changes only.
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}

    # Anything an importer read that has no column of its own is kept here, not dropped.
    attributes: dict = Field(default_factory=dict, sa_type=JSON)

    organisation: "Organisation" = Relationship(back_populates="services")
    location_links: list["ServiceAtLocation"] = Relationship(back_populates="service")
    areas: list["ServiceArea"] = Relationship(back_populates="service")
    referral_routes: list["ReferralRoute"] = Relationship(back_populates="service")
    schedules: list["Schedule"] = Relationship(back_populates="service")
    seasons: list["Season"] = Relationship(back_populates="service")
    funding: list["Funding"] = Relationship(back_populates="service")
    terms: list["TaxonomyTerm"] = Relationship(link_model=ServiceTaxonomy)
    # Written only by `signpost freshness run` (directory/operations/freshness.py).
    flags: list["ServiceFlag"] = Relationship(sa_relationship_kwargs={"viewonly": True})


class Child(SQLModel):
    """A row that belongs to one service."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True)


class ServiceArea(Child, table=True):
    """An area a service covers rather than a point: a council, health board or nation."""

    __tablename__ = "service_area"
    __table_args__ = (CheckConstraint(in_list("area_type", AREA_TYPES), name="area_type_known"),)

    area_type: str = Field(max_length=20)
    # ONS/GSS code: E08000033 (Calderdale), S12000049 (Glasgow City), S08000031 (NHS Greater
    # Glasgow and Clyde), E92000001 (England); "GB" for the whole of Great Britain.
    code: str = Field(max_length=12, index=True)
    name: str = Field(max_length=200)

    service: Service = Relationship(back_populates="areas")


class ReferralRoute(Child, table=True):
    """One way to get into a service, and whether it is open right now."""

    __tablename__ = "referral_route"
    __table_args__ = (
        CheckConstraint(in_list("route_type", ROUTE_TYPES), name="route_type_known"),
        CheckConstraint(in_list("method", ROUTE_METHODS), name="route_method_known"),
        CheckConstraint(in_list("status", REFERRAL_STATUSES), name="referral_status_known"),
    )

    route_type: str = Field(max_length=20)
    method: str | None = Field(default=None, max_length=20)
    contact: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=500)
    instructions: str = Field(default="", sa_type=Text)
    status: str = Field(default="accepting", max_length=20)
    typical_wait: str | None = Field(default=None, max_length=100)
    status_confirmed_on: date | None = None

    service: Service = Relationship(back_populates="referral_routes")


class Schedule(Child, table=True):
    """A regular session: weekly on a day, or monthly on the nth weekday."""

    __table_args__ = (
        CheckConstraint(in_list("frequency", FREQUENCIES), name="frequency_known"),
        CheckConstraint(in_list("weekday", WEEKDAYS), name="weekday_known"),
        CheckConstraint("week_of_month IS NULL OR week_of_month IN (-1, 1, 2, 3, 4)", name="week_of_month_range"),
        CheckConstraint(
            # closes_at before opens_at is a session that runs overnight (6pm to 2am); the schemas check which.
            "opens_at IS NULL OR closes_at IS NULL OR opens_at <> closes_at",
            name="opens_before_closes",
        ),
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to",
            name="schedule_dates_order",
        ),
        CheckConstraint(in_list("attendance", ATTENDANCE), name="schedule_attendance_known"),
    )

    location_id: uuid.UUID | None = Field(default=None, foreign_key="location.id")
    frequency: str = Field(default="weekly", max_length=10)
    weekday: str = Field(max_length=2)
    week_of_month: int | None = None  # monthly only: 1-4, or -1 for the last
    opens_at: time | None = None
    closes_at: time | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    description: str = Field(default="", max_length=300)
    # in_person, phone, online or home_visit; None means "as its venue or service says" (see presenters.session_attendance)
    attendance: str | None = Field(default=None, max_length=20)

    service: Service = Relationship(back_populates="schedules")


class Season(Child, table=True):
    """A yearly window when a service runs, e.g. 1 April to 30 September (may wrap the year)."""

    __table_args__ = (
        CheckConstraint("start_month BETWEEN 1 AND 12 AND end_month BETWEEN 1 AND 12", name="months"),
        CheckConstraint("start_day BETWEEN 1 AND 31 AND end_day BETWEEN 1 AND 31", name="days"),
    )

    start_month: int
    start_day: int = 1
    end_month: int
    end_day: int = 31
    description: str = Field(default="", max_length=200)

    service: Service = Relationship(back_populates="seasons")


class Funding(Child, table=True):
    """Who pays for a service and until when."""

    __table_args__ = (CheckConstraint(in_list("status", FUNDING_STATUSES), name="funding_status_known"),)

    source: str = Field(default="", max_length=200)
    status: str = Field(default="funded", max_length=20)
    funded_until: date | None = None

    service: Service = Relationship(back_populates="funding")
