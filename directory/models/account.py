"""People with accounts, which organisations they edit, and how they came to edit them."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Text
from sqlmodel import Field, SQLModel

from .common import in_list, new_id, utcnow

ROLES = ("admin", "moderator", "link_worker")
CLAIM_STATUSES = ("pending", "approved", "denied")
# An owner manages who edits the organisation; an editor edits its listings.
MEMBER_ROLES = ("owner", "editor")


class User(SQLModel, table=True):
    """A person who signs in: an editor of organisations, a link worker, a moderator or an admin."""

    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)  # stored lowercased
    password_hash: str = Field(max_length=255)
    name: str = Field(max_length=100)
    roles: list[str] = Field(default_factory=list, sa_type=JSON)  # any of ROLES
    # A trusted editor's changes publish at once, except name, organisation, eligibility and
    # referral routes, which always go through review.
    trusted: bool = False
    email_verified_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    last_login_at: datetime | None = None
    disabled_at: datetime | None = None
    # Wrong passwords for this address in the current period, and when its owner was last told of them.
    failed_sign_ins: int = 0
    failed_sign_ins_since: datetime | None = None
    failed_sign_ins_told_at: datetime | None = None


class UserSession(SQLModel, table=True):
    """One signed-in browser: the cookie holds a secret, only its sha256 is stored; ended sessions stop working."""

    __tablename__ = "user_session"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    ended_at: datetime | None = None


class Membership(SQLModel, table=True):
    """A user edits an organisation's listings; an owner also decides who else does."""

    __table_args__ = (CheckConstraint(in_list("role", MEMBER_ROLES), name="membership_role_known"),)

    user_id: uuid.UUID = Field(foreign_key="user_account.id", primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", primary_key=True, index=True)
    added_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    role: str = Field(default="editor", max_length=10, sa_column_kwargs={"server_default": "editor"})


class Claim(SQLModel, table=True):
    """A request to edit an organisation's listings, decided by a moderator (or by email domain)."""

    __table_args__ = (CheckConstraint(in_list("status", CLAIM_STATUSES), name="claim_status_known"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    job_title: str = Field(max_length=100)  # their role at the organisation
    phone: str = Field(max_length=50)
    note: str = Field(default="", sa_type=Text)
    status: str = Field(default="pending", max_length=10, index=True)
    reason: str = Field(default="", sa_type=Text)  # the moderator's reason, told to the claimant
    auto_approved: bool = False
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, nullable=False)


class Invitation(SQLModel, table=True):
    """An editor invites someone by email to edit the same organisation."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    email: str = Field(max_length=254)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 of the emailed token; the token is never stored
    invited_by: uuid.UUID = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    expires_at: datetime
    accepted_at: datetime | None = None


class ChangeRequest(SQLModel, table=True):
    """An edit waiting for a moderator: the live listing stays as it was until it is approved."""

    __tablename__ = "change_request"
    __table_args__ = (
        CheckConstraint(in_list("status", ("pending", "approved", "rejected")), name="change_status_known"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    # What it changes: "organisation", "service" or "location"; target_id is None for something new.
    target_type: str = Field(max_length=20)
    target_id: uuid.UUID | None = Field(default=None, index=True)
    organisation_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=30)  # create, update, suggestion, report, merge
    proposed: dict = Field(default_factory=dict, sa_type=JSON)  # validated input, as the form sent it
    base_version: int | None = None  # the listing's version the editor started from
    # The listing as the editor found it (a snapshot) and the fields the change sets: approving applies
    # only those fields. None on changes queued before these were recorded.
    base: dict | None = Field(default=None, sa_type=JSON)
    field_names: list | None = Field(default=None, sa_type=JSON)
    submitted_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    submitted_at: datetime = Field(default_factory=utcnow, nullable=False)
    status: str = Field(default="pending", max_length=10, index=True)
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = None
    note: str = Field(default="", sa_type=Text)  # the moderator's note to the editor
    # Set when the person who sent it stops editing the organisation, so moderators see it in the queue.
    submitter_removed_at: datetime | None = None


class Revision(SQLModel, table=True):
    """One change to a listing: who, when, which fields, before and after; restorable."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    target_type: str = Field(max_length=20, index=True)
    target_id: uuid.UUID = Field(index=True)
    changed_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    changed_by_name: str = Field(max_length=100)  # kept if the account goes; "Signpost" for the system
    changed_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    source: str = Field(max_length=20)  # editor, moderator, import, restore, system
    changes: dict = Field(default_factory=dict, sa_type=JSON)  # {field: [before, after]}
    snapshot: dict = Field(default_factory=dict, sa_type=JSON)  # the whole listing after the change
