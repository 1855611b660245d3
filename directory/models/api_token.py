"""Personal API tokens: a signed-in person's key for the JSON API, stored only as a hash."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from .common import new_id, utcnow


class ApiToken(SQLModel, table=True):
    """A token acts as its owner, limited to the organisations they edit; the secret is shown once."""

    __tablename__ = "api_token"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 of the secret; the secret is never stored
    prefix: str = Field(max_length=12)  # the secret's first characters, so its owner can tell tokens apart
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
