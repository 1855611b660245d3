"""Organisations: the groups and charities that run services."""

from typing import TYPE_CHECKING

from sqlalchemy import Text
from sqlmodel import Field, Relationship

from .common import Record, Sourced, Verified

if TYPE_CHECKING:
    from .location import Location
    from .service import Service


class Organisation(Record, Verified, Sourced, table=True):
    """A group or charity (HSDS organization)."""

    name: str = Field(max_length=200, index=True)
    description: str = Field(default="", sa_type=Text)
    website: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=50)
    charity_number: str | None = Field(default=None, max_length=20)
    company_number: str | None = Field(default=None, max_length=20)
    logo_url: str | None = Field(default=None, max_length=500)
    # Raised on every published change: an edit based on an older version is refused.
    version: int = Field(default=1, nullable=False)

    services: list["Service"] = Relationship(back_populates="organisation")
    locations: list["Location"] = Relationship(back_populates="organisation")
