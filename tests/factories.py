"""Plain factory functions that build listings through the operations layer."""

from __future__ import annotations

from sqlmodel import Session

from directory.models import Location, Organisation, Service
from directory.operations import validate
from directory.operations.listings import create_location, create_organisation, create_service
from directory.permissions import SYSTEM
from directory.schemas.listing import LocationInput, OrganisationInput, ServiceInput


def organisation(session: Session, **fields) -> Organisation:
    """An organisation (default: a Glasgow food charity)."""
    data = {"name": "Parkhead Pantry Trust", "description": "Food for the east end."} | fields
    return create_organisation(session, SYSTEM, validate(OrganisationInput(), data))


def location(session: Session, org: Organisation, **fields) -> Location:
    """A venue (default: a G31 postcode)."""
    data = {"name": "Parkhead Hub", "address_1": "1 Westmuir Street", "town": "Glasgow", "postcode": "G31 5EH"} | fields
    return create_location(session, SYSTEM, org, validate(LocationInput(), data))


def service(session: Session, org: Organisation | None = None, locations=(), **fields) -> Service:
    """A service, validated as any input would be."""
    org = org or organisation(session)
    data = {"name": "Community pantry", "summary": "Low-cost food shop", "description": "A food pantry."} | fields
    data["location_ids"] = [str(loc.id) for loc in locations]
    return create_service(session, SYSTEM, org, validate(ServiceInput(), data))


def venue_at(session: Session, org: Organisation, latitude: float, longitude: float, **fields) -> Location:
    """A venue at an exact point (no postcode lookup)."""
    data = {"name": "Venue", "latitude": latitude, "longitude": longitude} | fields
    return create_location(session, SYSTEM, org, validate(LocationInput(), data))


def user(
    session: Session,
    email: str = "editor@example.org",
    *,
    roles=(),
    verified: bool = True,
    trusted: bool = False,
    organisations=(),
    password: str = "correct horse battery staple",
    name: str = "Sam Editor",
    member_role: str = "editor",
):
    """An account (verified by default), optionally editing (as member_role: editor or owner) some organisations.

    Its password is hashed cheaply (one PBKDF2 round, which the sign-in check reads as any werkzeug
    hash): scrypt's deliberate cost is for real accounts, and tests make hundreds. Registering
    through the pages still hashes with scrypt, and a test checks that.
    """
    from werkzeug.security import generate_password_hash

    from directory.models import Membership, User, utcnow

    account = User(
        email=email.lower(),
        password_hash=generate_password_hash(password, method="pbkdf2:sha256:1"),
        name=name,
        roles=list(roles),
        trusted=trusted,
        email_verified_at=utcnow() if verified else None,
    )
    session.add(account)
    session.flush()
    for org in organisations:
        session.add(Membership(user_id=account.id, organisation_id=org.id, role=member_role))
    session.flush()
    return account


def sign_in(client, account) -> None:
    """Put account's session in the test client's cookie, as signing in would."""
    from sqlalchemy.orm import object_session

    from directory.db import get_db
    from directory.models import utcnow
    from directory.operations.sessions import start_session

    own = object_session(account)
    if own is not None:  # the test's own session, committed as signing in would (a second one would wait on its lock)
        key = start_session(own, account, utcnow())
        own.commit()
    else:
        with get_db(client.application).unit_of_work() as db:
            key = start_session(db, account, utcnow())
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie["user_id"] = str(account.id)
        cookie["session_key"] = key
