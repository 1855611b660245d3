"""Places where services happen, and which services happen where."""

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Text, UniqueConstraint
from sqlmodel import Field, Relationship

from .common import LOCATION_TYPES, Record, Sourced, in_list

if TYPE_CHECKING:
    from .organisation import Organisation
    from .service import Service


class Location(Record, Sourced, table=True):
    """A physical venue or a virtual place (HSDS location)."""

    __table_args__ = (
        CheckConstraint(in_list("location_type", LOCATION_TYPES), name="location_type_known"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"),
    )

    organisation_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id", index=True)
    name: str = Field(default="", max_length=200)
    location_type: str = Field(default="physical", max_length=10)
    description: str = Field(default="", sa_type=Text)
    address_1: str | None = Field(default=None, max_length=200)
    address_2: str | None = Field(default=None, max_length=200)
    town: str | None = Field(default=None, max_length=100)
    postcode: str | None = Field(default=None, max_length=8, index=True)
    latitude: float | None = None
    longitude: float | None = None
    # How the point was found: given, unit postcode, sector, district, or geocoder.
    geocode_source: str | None = Field(default=None, max_length=20)
    url: str | None = Field(default=None, max_length=500)
    travel_notes: str = Field(default="", sa_type=Text)
    accessibility: str = Field(default="", sa_type=Text)
    # A refuge or safe house: only its postcode district is kept (no street, no exact point); see LocationInput.
    confidential: bool = Field(default=False, nullable=False)
    # A venue with an address but no UK postcode (abroad, or a source that gives none): it has no point, so
    # searches find it by keyword and area, not by distance.
    not_on_map: bool = Field(default=False, nullable=False)
    wheelchair_accessible: bool | None = None
    # Raised on every published change: an edit based on an older version is refused.
    version: int = Field(default=1, nullable=False)

    organisation: "Organisation" = Relationship(back_populates="locations")
    service_links: list["ServiceAtLocation"] = Relationship(back_populates="location")


class ServiceAtLocation(Record, table=True):
    """A service delivered at a location (HSDS service_at_location)."""

    __tablename__ = "service_at_location"
    __table_args__ = (UniqueConstraint("service_id", "location_id"),)

    service_id: uuid.UUID = Field(foreign_key="service.id", index=True)
    location_id: uuid.UUID = Field(foreign_key="location.id", index=True)
    description: str = Field(default="", sa_type=Text)

    service: "Service" = Relationship(back_populates="location_links")
    location: Location = Relationship(back_populates="service_links")
