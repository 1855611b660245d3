"""Site administration: accounts (roles, trust, disabling) and organisations; every change is recorded.

Changes to an account are Revisions with target_type "user", so they are kept like a listing's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, func, or_, select

from directory.models import (
    ChangeRequest,
    Claim,
    Location,
    Membership,
    Organisation,
    ProblemReport,
    Revision,
    Service,
    User,
    utcnow,
)
from directory.models.account import ROLES
from directory.permissions import Actor, require

from . import InputError
from .accounts import Mail, end_access
from .history import record_revision
from .moderation import as_json

QUERY_LIMIT = 100  # characters of a search; longer text is cut, never refused
PAGE = 100
ESCAPE = "/"  # LIKE's escape character: a backslash means different things to different databases


@dataclass
class Waiting:
    """How much is waiting for moderators, for the landing page."""

    claims: int
    changes: int
    reports: int


def waiting(db: Session, actor: Actor) -> Waiting:
    """Counts of pending claims, pending changes and suggestions, and open problem reports."""
    require(actor, "admin.view")

    def count(model, condition) -> int:
        return db.exec(select(func.count()).select_from(model).where(condition)).one()

    return Waiting(
        count(Claim, Claim.status == "pending"),
        count(ChangeRequest, ChangeRequest.status == "pending"),
        count(ProblemReport, ProblemReport.status == "open"),
    )


def _pattern(query: str) -> str | None:
    query = " ".join((query or "").split())[:QUERY_LIMIT].lower()
    if not query:
        return None
    escaped = query.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def find_users(db: Session, actor: Actor, query: str = "") -> list[User]:
    """Accounts whose name or email address contains the query (all of them when it is blank)."""
    require(actor, "user.manage")
    statement = select(User).order_by(User.email).limit(PAGE)
    pattern = _pattern(query)
    if pattern:
        statement = statement.where(
            or_(func.lower(User.email).like(pattern, escape=ESCAPE), func.lower(User.name).like(pattern, escape=ESCAPE))
        )
    return list(db.exec(statement))


def account_snapshot(user: User) -> dict:
    """What an administrator controls about an account."""
    return {"roles": sorted(user.roles), "trusted": user.trusted, "disabled_at": as_json(user.disabled_at)}


def account_history(db: Session, actor: Actor, user: User) -> list[Revision]:
    """Every administrative change to an account, newest first."""
    require(actor, "user.manage")
    query = select(Revision).where(Revision.target_type == "user", Revision.target_id == user.id)
    return list(db.exec(query.order_by(Revision.changed_at.desc())))


def set_access(
    db: Session, actor: Actor, user: User, roles: list[str], trusted: bool, now: datetime | None = None
) -> Revision | None:
    """Grant or revoke roles and trust; recorded. None when nothing changed."""
    require(actor, "user.manage")
    roles = sorted(dict.fromkeys(roles))
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise InputError({"roles": [f"'{role}' is not a role; choose from {', '.join(ROLES)}." for role in unknown]})
    if user.id == actor.user_id and "admin" in user.roles and "admin" not in roles:
        raise InputError({"roles": ["You cannot take away your own administrator role: ask another administrator."]})
    before = account_snapshot(user)
    user.roles, user.trusted = roles, bool(trusted)
    return _record(db, actor, user, before, now)


def disable_account(db: Session, actor: Actor, user: User, reason: str, now: datetime | None = None) -> list[Mail]:
    """Stop an account signing in (its sessions end and API tokens are revoked at once); the reason is recorded.

    Returns the notice to its owner, to send after commit.
    """
    require(actor, "user.manage")
    if user.id == actor.user_id:
        raise InputError({"archive_reason": ["You cannot disable your own account."]})
    if user.disabled_at is not None:
        raise InputError({"archive_reason": ["This account is already disabled."]})
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InputError(
            {"archive_reason": ["Give a reason, in up to 500 characters: it is kept in the account's history."]}
        )
    now = now or utcnow()
    before = account_snapshot(user) | {"note": None}
    user.disabled_at = now
    _record(db, actor, user, before, now, note=reason)
    return [
        end_access(
            db,
            user,
            now,
            "An administrator closed your Signpost account, so it can no longer sign in.",
            advice="If you think this is wrong, reply to this message or contact a Signpost administrator.",
        )
    ]


def enable_account(db: Session, actor: Actor, user: User, now: datetime | None = None) -> Revision:
    """Let a disabled account sign in again; recorded."""
    require(actor, "user.manage")
    if user.disabled_at is None:
        raise InputError({"archive_reason": ["This account is not disabled."]})
    before = account_snapshot(user)
    user.disabled_at = None
    return _record(db, actor, user, before, now)


def _record(db: Session, actor: Actor, user: User, before: dict, now: datetime | None, note: str | None = None):
    db.add(user)
    db.flush()
    after = account_snapshot(user) | ({"note": note} if note else {})
    if before == after:
        return None
    return record_revision(db, actor, "user", user.id, before, after, "admin", now=now)


# Organisations ----------------------------------------------------------------------------------


@dataclass
class OrganisationRow:
    """One organisation in the administrators' list."""

    organisation: Organisation
    editors: int
    services: int


def find_organisations(db: Session, actor: Actor, query: str = "", archived: bool = False) -> list[OrganisationRow]:
    """Organisations whose name contains the query, with their numbers of editors and live services."""
    require(actor, "organisation.manage")
    statement = select(Organisation).order_by(Organisation.name).limit(PAGE)
    pattern = _pattern(query)
    if pattern:
        statement = statement.where(func.lower(Organisation.name).like(pattern, escape=ESCAPE))
    if not archived:
        statement = statement.where(Organisation.archived_at.is_(None))
    organisations = list(db.exec(statement))
    ids = [o.id for o in organisations]
    editors = _counts(db, Membership, ids)
    services = _counts(db, Service, ids, Service.archived_at.is_(None))
    return [OrganisationRow(o, editors.get(o.id, 0), services.get(o.id, 0)) for o in organisations]


def _counts(db: Session, model, ids: list, *conditions) -> dict:
    """{organisation id: number of model rows} for the given organisations."""
    if not ids:
        return {}
    query = select(model.organisation_id, func.count()).where(model.organisation_id.in_(ids), *conditions)
    return {key: number for key, number in db.exec(query.group_by(model.organisation_id)).all()}


@dataclass
class OrganisationOverview:
    """Everything an administrator checks about one organisation."""

    organisation: Organisation
    members: list[tuple[Membership, User]]
    services: list[Service]
    venues: list[Location]
    claims: list[tuple[Claim, User]]


def organisation_overview(db: Session, actor: Actor, organisation: Organisation) -> OrganisationOverview:
    """Members, services and venues (archived ones too), and pending claims."""
    require(actor, "organisation.manage")
    members = db.exec(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id)
        .order_by(User.name)
    ).all()
    services = db.exec(select(Service).where(Service.organisation_id == organisation.id).order_by(Service.name)).all()
    venues = db.exec(select(Location).where(Location.organisation_id == organisation.id).order_by(Location.name)).all()
    claims = db.exec(
        select(Claim, User)
        .join(User, User.id == Claim.user_id)
        .where(Claim.organisation_id == organisation.id, Claim.status == "pending")
    ).all()
    return OrganisationOverview(organisation, list(members), list(services), list(venues), list(claims))
