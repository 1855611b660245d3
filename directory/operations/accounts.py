"""Accounts: register, confirm an address, sign in, reset or change a password, change an address, roles.

Every function flushes and leaves the commit to its caller. Those that email someone return
the messages, and send() has them sent once the caller commits: nothing is sent for a change
that is then rolled back. Links are signed tokens (directory.auth) with
a purpose and an age limit each; nothing about them is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from directory.auth import find_user, fingerprint, hash_password, make_token, password_matches, read_token
from directory.config import Config
from directory.links import Links
from directory.mail import mail_after_commit
from directory.models import Membership, Organisation, User, utcnow
from directory.models.account import ROLES
from directory.operations.api_tokens import revoke_api_tokens
from directory.operations.sessions import end_sessions
from directory.permissions import Actor, require
from directory.schemas.accounts import (
    ChangeEmailInput,
    ChangePasswordInput,
    LoginInput,
    NameInput,
    NewPasswordInput,
    RegisterInput,
)

from . import InputError, validate

VERIFY_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600
EMAIL_CHANGE_MAX_AGE = 24 * 3600
SIGN_IN_REFUSED = "Email or password is not right."
# Wrong passwords are counted per hour; the owner is told once an hour when there are this many.
FAILURE_PERIOD = timedelta(hours=1)
FAILURES_TO_TELL = 5
_IF_NOT_YOU = "If this was not you, reset your password now, or contact a Signpost administrator."
ROLE_LABELS = {
    "admin": "Site administrator",
    "moderator": "Moderator",
    "link_worker": "Link worker (verified professional)",
}


class LinkError(Exception):
    """A link from an email that is forged, too old, already used, or no longer fits the account."""


@dataclass(frozen=True)
class Mail:
    """A message to send once the change that caused it is committed."""

    to: str
    subject: str
    body: str


def send(session: Session, config: Config, mails: Iterable[Mail]) -> None:
    """Send each message once session commits."""
    for mail in mails:
        mail_after_commit(session, config, [mail.to], mail.subject, mail.body)


def prepare_registration(raw: Mapping) -> dict:
    """Check a registration form and hash its password: the work that is the same for any address."""
    data = validate(RegisterInput(), raw)
    return {"email": data["email"], "name": data["name"], "password_hash": hash_password(data["password"])}


def register_user(session: Session, prepared: dict, now: datetime, *, links: Links) -> list[Mail]:
    """Create an unconfirmed account from prepare_registration(), or tell the owner of a taken address.

    Either way one message goes to the address given, so the answer never reveals who has an account.
    """
    existing = find_user(session, prepared["email"])
    if existing is not None:
        return [_someone_tried_to_register(existing, links)]
    user = User(email=prepared["email"], name=prepared["name"], password_hash=prepared["password_hash"], created_at=now)
    session.add(user)
    session.flush()
    return [verification_mail(user, links=links)]


def create_user(
    session: Session, actor: Actor, raw: Mapping, roles: Iterable[str] = (), now: datetime | None = None
) -> User:
    """Create a confirmed account with roles (administrators and the command line)."""
    require(actor, "user.manage")
    data = validate(RegisterInput(), raw)
    if find_user(session, data["email"]) is not None:
        raise InputError({"email": [f"There is already an account for {data['email']}."]})
    user = User(
        email=data["email"],
        name=data["name"],
        password_hash=hash_password(data["password"]),
        roles=_known_roles(roles),
        email_verified_at=now or utcnow(),
        created_at=now or utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def verification_mail(user: User, *, links: Links) -> Mail:
    """The 'confirm your email address' message, with a link that lasts 3 days."""
    link = links.page("accounts.verify", token=make_token("verify-email", {"u": str(user.id), "e": user.email}))
    return Mail(
        user.email,
        "Confirm your email address for Signpost",
        (
            f"Hello {user.name},\n\n"
            "Please confirm this is your email address by opening this link (it works for 3 days):\n\n"
            f"{link}\n\n"
            "If you did not create a Signpost account, you can ignore this message."
        ),
    )


def _someone_tried_to_register(user: User, links: Links) -> Mail:
    return Mail(
        user.email,
        "Someone tried to register with your email address",
        (
            f"Hello {user.name},\n\n"
            "Someone, perhaps you, tried to create a Signpost account with this email address. "
            "You already have an account, so nothing has changed.\n\n"
            f"Sign in: {links.page('accounts.login')}\n"
            f"Forgotten your password? {links.page('accounts.reset_request')}\n\n"
            "If it was not you, you can ignore this message."
        ),
    )


def verify_email(session: Session, token: str, now: datetime | None = None) -> User:
    """Mark the address in a confirmation link as confirmed (again is fine)."""
    data = read_token("verify-email", token, VERIFY_MAX_AGE) or {}
    user = _user(session, data.get("u"))
    if user is None or user.email != data.get("e"):
        raise LinkError("This confirmation link has expired or is not complete.")
    if user.email_verified_at is None:
        user.email_verified_at = now or utcnow()
        session.flush()
    return user


def authenticate(session: Session, raw: Mapping) -> User:
    """The account whose email and password these are; the same refusal whether or not it exists."""
    data = validate(LoginInput(), raw)
    user = find_user(session, data["email"])
    if not password_matches(user, data["password"]):
        raise InputError({"_schema": [SIGN_IN_REFUSED]})
    if user.disabled_at is not None:
        raise InputError(
            {"_schema": ["This account has been closed. Ask a Signpost administrator if you think this is wrong."]}
        )
    return user


def record_failed_sign_in(session: Session, email: str, now: datetime, *, links: Links) -> list[Mail]:
    """Count a wrong password for the account at this address; its owner is told once a period when they pile up."""
    user = find_user(session, email)
    if user is None:
        return []
    if user.failed_sign_ins_since is None or now - _utc(user.failed_sign_ins_since) >= FAILURE_PERIOD:
        user.failed_sign_ins, user.failed_sign_ins_since = 0, now
    user.failed_sign_ins += 1
    told = user.failed_sign_ins_told_at
    if user.failed_sign_ins < FAILURES_TO_TELL or (told is not None and now - _utc(told) < FAILURE_PERIOD):
        session.flush()
        return []
    user.failed_sign_ins_told_at = now
    session.flush()
    return [
        Mail(
            user.email,
            "Wrong passwords were tried on your Signpost account",
            (
                f"Hello {user.name},\n\nSomeone has typed a wrong password for your Signpost account "
                f"{user.failed_sign_ins} times in the last hour. Each computer trying is slowed down; "
                "you can still sign in as usual.\n\nIf this was not you, choose a strong password that you use nowhere else: "
                f"{links.page('accounts.reset_request')}\n\n"
                "We tell you at most once an hour."
            ),
        )
    ]


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def request_password_reset(session: Session, email: str, *, links: Links) -> list[Mail]:
    """A reset link for the account at this address, if there is one that can sign in."""
    user = find_user(session, email)
    usable = user is not None and user.disabled_at is None
    # An unknown address gets a token made too (and thrown away), so both take the same work.
    token = make_token(
        "reset-password",
        {"u": str(user.id) if usable else "", "p": fingerprint(user.password_hash if usable else email)},
    )
    link = links.page("accounts.reset_password", token=token)
    if not usable:
        return []
    return [
        Mail(
            user.email,
            "Reset your Signpost password",
            (
                f"Hello {user.name},\n\n"
                "Someone, perhaps you, asked to reset the password for your Signpost account. "
                "To choose a new password, open this link within an hour (it works once):\n\n"
                f"{link}\n\n"
                "If it was not you, ignore this message: your password has not changed."
            ),
        )
    ]


def reset_link_user(session: Session, token: str) -> User:
    """The account a reset link is for, unless it is forged, older than an hour or already used."""
    data = read_token("reset-password", token, RESET_MAX_AGE) or {}
    user = _user(session, data.get("u"))
    if user is None or user.disabled_at is not None or fingerprint(user.password_hash) != data.get("p"):
        raise LinkError("This password reset link has expired or has already been used.")
    return user


def reset_password(session: Session, token: str, raw: Mapping, now: datetime) -> tuple[User, list[Mail]]:
    """Set a new password from a reset link; every session ends and every API token is revoked (the owner is told)."""
    user = reset_link_user(session, token)
    data = validate(NewPasswordInput(email=user.email), raw)
    user.password_hash = hash_password(data["password"])
    if user.email_verified_at is None:
        user.email_verified_at = now  # the link reached the inbox: the address is real
    session.flush()
    return user, [end_access(session, user, now, "The password of your Signpost account was reset.")]


def change_name(session: Session, user: User, raw: Mapping) -> User:
    """Change the name shown to moderators and other editors."""
    user.name = validate(NameInput(), raw)["name"]
    session.flush()
    return user


def change_password(session: Session, user: User, raw: Mapping, now: datetime, keep: str | None) -> list[Mail]:
    """Change the password after checking the current one; other sessions end and API tokens are revoked."""
    data = validate(ChangePasswordInput(email=user.email), raw)
    if not password_matches(user, data["current_password"]):
        raise InputError({"current_password": ["Your current password is not right."]})
    user.password_hash = hash_password(data["password"])
    session.flush()
    return [end_access(session, user, now, "The password of your Signpost account was changed.", keep=keep)]


def check_email_change(user: User, raw: Mapping) -> str:
    """The new address asked for, once the form and the current password are right."""
    data = validate(ChangeEmailInput(), raw)
    if not password_matches(user, data["email_password"]):
        raise InputError({"email_password": ["Your current password is not right."]})
    if data["new_email"] == user.email:
        raise InputError({"new_email": ["That is already your email address."]})
    return data["new_email"]


def email_change_mails(session: Session, user: User, new_email: str, *, links: Links) -> list[Mail]:
    """A confirmation link for the new address (nothing changes until it is followed), and a notice to the old.

    If the new address already has an account, its owner is told instead, and the answer is the same.
    """
    notice = Mail(
        user.email,
        "Your Signpost email address is being changed",
        (
            f"Hello {user.name},\n\n"
            "Someone signed in to your Signpost account asked to change its email address. "
            "It changes only when the link sent to the new address is followed.\n\n"
            "If this was not you, reset your password now: "
            f"{links.page('accounts.reset_request')}"
        ),
    )
    owner = find_user(session, new_email)
    # The link is made either way, so a taken address costs the same work as a free one.
    token = make_token("change-email", {"u": str(user.id), "e": new_email, "o": fingerprint(user.email)})
    link = links.page("accounts.confirm_email", token=token)
    if owner is not None:
        return [
            notice,
            Mail(
                owner.email,
                "Someone tried to use your email address on Signpost",
                (
                    f"Hello {owner.name},\n\n"
                    "Someone tried to move another Signpost account to this email address. "
                    "You already have an account here, so nothing has changed.\n\n"
                    "If you did not expect this, you can ignore this message."
                ),
            ),
        ]
    return [
        notice,
        Mail(
            new_email,
            "Confirm your new email address for Signpost",
            (
                f"Hello {user.name},\n\n"
                "To use this address for your Signpost account, open this link within a day and confirm:\n\n"
                f"{link}\n\n"
                "If you did not ask for this, you can ignore this message."
            ),
        ),
    ]


def email_change_for(session: Session, token: str) -> tuple[User, str]:
    """The account and new address in an email change link, or LinkError."""
    data = read_token("change-email", token, EMAIL_CHANGE_MAX_AGE) or {}
    user = _user(session, data.get("u"))
    if user is None or user.disabled_at is not None or fingerprint(user.email) != data.get("o") or not data.get("e"):
        raise LinkError("This link to confirm a new email address has expired or has already been used.")
    return user, data["e"]


def confirm_email_change(session: Session, token: str, now: datetime | None = None) -> tuple[User, list[Mail]]:
    """Move the account to the new, now confirmed, address; the old address is told."""
    user, new_email = email_change_for(session, token)
    if find_user(session, new_email) is not None:
        raise LinkError(f"Another account now uses {new_email}, so this account cannot move to it.")
    old_email = user.email
    user.email = new_email
    user.email_verified_at = now or utcnow()
    try:
        session.flush()
    except IntegrityError:  # another account took the address a moment ago
        session.rollback()  # the failed flush leaves the transaction unusable; it held nothing else
        raise LinkError(f"Another account now uses {new_email}, so this account cannot move to it.") from None
    return user, [
        Mail(
            old_email,
            "Your Signpost email address has changed",
            (
                f"Hello {user.name},\n\n"
                f"Your Signpost account now uses {new_email}. Sign in with that address from now on.\n\n"
                "If you did not make this change, contact a Signpost administrator."
            ),
        )
    ]


def sign_out_everywhere(session: Session, user: User, now: datetime) -> list[Mail]:
    """End every session of this account, on every device (its API tokens keep working)."""
    ended = end_sessions(session, user, now)
    return [
        Mail(
            user.email,
            "You signed out of Signpost everywhere",
            (
                f"Hello {user.name},\n\nYour Signpost account was signed out on every device "
                f"({ended} session{'s' if ended != 1 else ''}). Your API tokens still work; revoke them on your account page "
                "if you need to.\n\n" + _IF_NOT_YOU
            ),
        )
    ]


def end_access(
    session: Session, user: User, now: datetime, what_happened: str, keep: str | None = None, advice: str = _IF_NOT_YOU
) -> Mail:
    """End the account's sessions (but keep, this browser's) and revoke its API tokens; returns the owner's notice."""
    ended = end_sessions(session, user, now, keep)
    revoked = revoke_api_tokens(session, user, now)
    return Mail(
        user.email,
        "Your Signpost account was signed out",
        (
            f"Hello {user.name},\n\n{what_happened} "
            f"{'Other devices were' if keep else 'Every device was'} signed out ({ended} session{'s' if ended != 1 else ''}), "
            f"and {revoked} API token{'s were' if revoked != 1 else ' was'} revoked.\n\n" + advice
        ),
    )


def set_roles(session: Session, actor: Actor, user: User, roles: Iterable[str]) -> User:
    """Replace an account's roles (administrators only); recorded in the account's history."""
    from .history import record_revision

    require(actor, "user.manage")
    before = {"roles": sorted(user.roles)}
    user.roles = _known_roles(roles)
    session.flush()
    if before["roles"] != user.roles:
        record_revision(session, actor, "user", user.id, before, {"roles": user.roles}, "admin")
    return user


def edited_organisations(session: Session, user: User) -> list[Organisation]:
    """The organisations this account edits, by name."""
    return list(
        session.exec(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == user.id)
            .order_by(Organisation.name)
        )
    )


def all_users(session: Session) -> list[User]:
    """Every account, by email address."""
    return list(session.exec(select(User).order_by(User.email)))


def _known_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InputError({"roles": [f"'{r}' is not a role; use one of: {', '.join(ROLES)}." for r in unknown]})
    return sorted(roles)


def _user(session: Session, raw_id) -> User | None:
    try:
        return session.get(User, uuid.UUID(str(raw_id)))
    except ValueError:
        return None
