"""Signed-in browsers: each sign-in is a row the session cookie names; signing out ends it for good.

The cookie holds a random secret and only its sha256 is stored, so a copied cookie stops working
the moment its session ends, and a read of the database gives nobody a way in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from directory.models import User, UserSession


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(db: Session, user: User, now: datetime) -> str:
    """A new session for user; returns the secret to keep in the cookie (never stored)."""
    key = secrets.token_urlsafe(32)
    db.add(UserSession(user_id=user.id, key_hash=_hash(key), created_at=now))
    db.flush()
    return key


def session_user(db: Session, key: str | None) -> User | None:
    """The enabled account whose session this secret names, unless that session has ended."""
    if not isinstance(key, str) or not key or len(key) > 100:
        return None
    row = db.exec(select(UserSession).where(UserSession.key_hash == _hash(key), UserSession.ended_at.is_(None))).first()
    user = db.get(User, row.user_id) if row else None
    return user if user is not None and user.disabled_at is None else None


def end_session(db: Session, key: str | None, now: datetime) -> None:
    """End the session this secret names (signing out)."""
    if isinstance(key, str) and key:
        db.exec(
            update(UserSession)
            .where(UserSession.key_hash == _hash(key), UserSession.ended_at.is_(None))
            .values(ended_at=now)
        )
        db.flush()


def end_sessions(db: Session, user: User, now: datetime, keep: str | None = None) -> int:
    """End every session of user except the one whose secret is keep; returns how many ended."""
    statement = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep:
        statement = statement.where(UserSession.key_hash != _hash(keep))
    ended = db.exec(statement.values(ended_at=now)).rowcount
    db.flush()
    return ended
