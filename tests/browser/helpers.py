"""Helpers the browser tests share: the keyboard, accounts on the live server, a service to edit."""

from __future__ import annotations

import uuid

from sqlmodel import select

from directory.auth import hash_password
from directory.db import get_db
from directory.models import Membership, Service, User, utcnow
from directory.operations.sessions import start_session

from .. import factories

PASSWORD = "a walk along the canal"


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching selector has the focus, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} was not reached with the Tab key")


def account(live_server, *, roles=(), organisation_id=None, name="Sam Editor") -> dict:
    """A confirmed account on the live server, and the session cookie that signs it in."""
    app = live_server.app
    with get_db(app).unit_of_work() as session:
        user = User(
            email=f"{uuid.uuid4().hex[:10]}@example.org",
            password_hash=hash_password("x" * 12),
            name=name,
            roles=list(roles),
            email_verified_at=utcnow(),
        )
        session.add(user)
        session.flush()
        if organisation_id:
            session.add(Membership(user_id=user.id, organisation_id=organisation_id))
        user_id, key = str(user.id), start_session(session, user, utcnow())
    value = app.session_interface.get_signing_serializer(app).dumps({"user_id": user_id, "session_key": key})
    return {"name": app.config.get("SESSION_COOKIE_NAME", "session"), "value": value, "url": live_server.url}


def a_service(live_server) -> tuple[str, uuid.UUID]:
    with get_db(live_server.app).unit_of_work() as session:
        service = session.exec(
            select(Service).where(Service.archived_at.is_(None), Service.status == "active").order_by(Service.name)
        ).first()
        return str(service.id), service.organisation_id


def make_account(live_server, address: str, **fields):
    with get_db(live_server.app).unit_of_work() as session:
        return factories.user(session, address, password=PASSWORD, **fields)


def sign_in_with_keyboard(page, address: str) -> None:
    tab_to(page, "#email")
    page.keyboard.type(address)
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
