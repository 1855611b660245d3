"""Category trees (HSDS taxonomy and taxonomy_term)."""

import uuid

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from .common import new_id


class Taxonomy(SQLModel, table=True):
    """A named vocabulary of categories, such as Signpost's social prescribing themes."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    description: str = Field(default="", sa_type=Text)
    uri: str | None = Field(default=None, max_length=500)
    version: str | None = Field(default=None, max_length=50)

    terms: list["TaxonomyTerm"] = Relationship(back_populates="taxonomy")


class TaxonomyTerm(SQLModel, table=True):
    """One category; parent_id makes the tree."""

    __tablename__ = "taxonomy_term"
    __table_args__ = (UniqueConstraint("taxonomy_id", "code"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    taxonomy_id: uuid.UUID = Field(foreign_key="taxonomy.id", index=True)
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="taxonomy_term.id", index=True)
    code: str = Field(max_length=100, index=True)  # a stable slug, e.g. "food/food-bank"
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text)

    taxonomy: Taxonomy = Relationship(back_populates="terms")
