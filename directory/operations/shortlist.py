"""A link worker's client shortlist: services and notes, kept in the signed session cookie.

The list is a plain list of {"service_id", "note"} dicts. Nothing reaches the database until
the worker chooses to save it behind a short link (save_shortlist). It never holds anything
about the person being helped.
"""

from __future__ import annotations

import json
import math
import secrets
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.models import Location, SavedShortlist, Service, ServiceAtLocation
from directory.models.common import HIDDEN_STATUSES
from directory.schemas.shortlist import NOTE_MAX_LENGTH
from search.explain import Explanation, explain

MAX_ITEMS = 30
# A browser keeps cookies up to 4 KB. The session cookie is the list compressed, base64
# encoded (4/3 larger) and signed, beside the CSRF token: keep the compressed list well under.
MAX_COMPRESSED_BYTES = 2400
SLUG_BYTES = 9  # 12 URL-safe characters, 72 random bits
SLUG_MAX_LENGTH = 16


class ShortlistError(Exception):
    """A change the shortlist cannot take; the message says why in plain words."""


def read_items(raw) -> list[dict]:
    """The shortlist from whatever the session holds, keeping only well-formed items."""
    items, seen = [], set()
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        service_id, note = item.get("service_id"), item.get("note", "")
        if not isinstance(service_id, str) or not isinstance(note, str) or service_id in seen:
            continue
        try:
            uuid.UUID(service_id)
        except ValueError:
            continue
        seen.add(service_id)
        items.append({"service_id": service_id, "note": note[:NOTE_MAX_LENGTH]})
    return items[:MAX_ITEMS]


def listable_service(session: Session, service_id: uuid.UUID) -> Service:
    """The service if a link worker may be sent to it, else ShortlistError saying why not."""
    service = session.get(Service, service_id)
    if service is None:
        raise ShortlistError("That service is not in the directory, so it cannot go on a shortlist.")
    if service.archived_at is not None or service.status in HIDDEN_STATUSES:
        raise ShortlistError(f"“{service.name}” is no longer running, so it cannot go on a shortlist.")
    return service


def add_item(session: Session, items: list[dict], service_id: uuid.UUID) -> list[dict]:
    """The list with a running service added at the end (unchanged if it is already there)."""
    listable_service(session, service_id)
    key = str(service_id)
    if any(item["service_id"] == key for item in items):
        return items
    if len(items) >= MAX_ITEMS:
        raise ShortlistError(f"A shortlist holds up to {MAX_ITEMS} services. Remove one before adding another.")
    return _checked_size([*items, {"service_id": key, "note": ""}])


def remove_item(items: list[dict], service_id: uuid.UUID) -> list[dict]:
    """The list without that service."""
    return [item for item in items if item["service_id"] != str(service_id)]


def set_note(items: list[dict], service_id: uuid.UUID, note: str) -> list[dict]:
    """The list with that service's note replaced (a blank note removes it)."""
    key = str(service_id)
    if not any(item["service_id"] == key for item in items):
        raise ShortlistError("That service is not on your shortlist any more, so the note was not kept.")
    return _checked_size([{**item, "note": note} if item["service_id"] == key else item for item in items])


def move_item(items: list[dict], service_id: uuid.UUID, direction: str) -> list[dict]:
    """The list with that service moved one place up or down."""
    keys = [item["service_id"] for item in items]
    if str(service_id) not in keys:
        return items
    here = keys.index(str(service_id))
    there = here - 1 if direction == "up" else here + 1
    if not 0 <= there < len(items):
        return items
    moved = list(items)
    moved[here], moved[there] = moved[there], moved[here]
    return moved


def _checked_size(items: list[dict]) -> list[dict]:
    packed = json.dumps(items, separators=(",", ":")).encode()
    if len(zlib.compress(packed)) > MAX_COMPRESSED_BYTES:
        raise ShortlistError(
            "The notes on this shortlist are too long for the browser to keep. "
            "Shorten a note, or save this list and start another."
        )
    return items


def save_shortlist(session: Session, items: list[dict]) -> str:
    """Store the list behind a new random short link and return its slug; the caller commits."""
    if not items:
        raise ShortlistError("Add at least one service before saving the shortlist.")
    slug = secrets.token_urlsafe(SLUG_BYTES)
    while session.get(SavedShortlist, slug) is not None:  # 72 random bits: practically never
        slug = secrets.token_urlsafe(SLUG_BYTES)
    session.add(SavedShortlist(slug=slug, items=[{"service_id": i["service_id"], "note": i["note"]} for i in items]))
    session.flush()
    return slug


def load_saved(session: Session, slug: str) -> SavedShortlist | None:
    """A saved shortlist by its slug, or None (also for slugs that could never exist)."""
    if not slug or len(slug) > SLUG_MAX_LENGTH or not all(c.isascii() and (c.isalnum() or c in "-_") for c in slug):
        return None
    return session.get(SavedShortlist, slug)


@dataclass
class ShortlistEntry:
    """One item as the pages show it; service is None when it has left the directory."""

    service_id: str
    note: str
    service: Service | None = None
    venue: Location | None = None
    explanation: Explanation | None = None

    @property
    def contact(self) -> tuple[str, str]:
        """How to get in touch as (kind, value): the phone, else a referral contact, else the email."""
        service = self.service
        if service is None:
            return ("", "")
        if service.phone:
            return ("phone", service.phone)
        for route in service.referral_routes:
            if route.contact:
                return (route.method if route.method in ("phone", "email") else "other", route.contact)
        return ("email", service.email) if service.email else ("", "")

    @property
    def address(self) -> str:
        """The address, on one line, of the venue of the session shown; "Online", or ""."""
        venue = self.venue
        if venue is None:
            return ""
        if venue.location_type == "virtual":
            return "Online"
        return ", ".join(p for p in (venue.name, venue.address_1, venue.address_2, venue.town, venue.postcode) if p)


def shortlist_entries(session: Session, items: list[dict], now: datetime) -> list[ShortlistEntry]:
    """The items in order with their services and explanations (each naming the venue of the
    session it shows), at `now` (UK time)."""
    ids = [uuid.UUID(item["service_id"]) for item in items]
    services = {
        str(s.id): s
        for s in session.exec(
            select(Service)
            .where(Service.id.in_(ids))
            .options(
                selectinload(Service.organisation),
                selectinload(Service.referral_routes),
                selectinload(Service.schedules),
                selectinload(Service.seasons),
                selectinload(Service.funding),
                selectinload(Service.areas),
                selectinload(Service.location_links).selectinload(ServiceAtLocation.location),
            )
        )
    }
    entries = []
    for item in items:
        service = services.get(item["service_id"])
        if service is not None and (service.archived_at is not None or service.status in HIDDEN_STATUSES):
            service = None
        explanation = explain(service, now) if service else None
        entries.append(
            ShortlistEntry(
                item["service_id"], item["note"], service, explanation.venue if explanation else None, explanation
            )
        )
    return entries


CONTACT_LABELS = {"phone": "Tel", "email": "Email", "other": "Contact"}
# Typographic punctuation outside the GSM alphabet would make a text cost two or three times more.
_PLAIN = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "\u00a0": " "})
_GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def plain_text(entries: list[ShortlistEntry], link: str | None = None) -> str:
    """The list as short lines for a text message or email: name, contact, address, when, note."""
    blocks = []
    for number, entry in enumerate((e for e in entries if e.service is not None), start=1):
        lines = [f"{number}. {entry.service.name}"]
        kind, contact = entry.contact
        if contact:
            lines.append(f"{CONTACT_LABELS[kind]}: {contact}")
        explanation = entry.explanation
        if entry.address:
            lines.append(entry.address)
        if explanation.pattern:
            lines.append(explanation.pattern)
        lines.append(explanation.when)
        if explanation.sessions_by_venue:
            lines.append(f"Sessions: {explanation.sessions_by_venue}")
        if entry.note:
            lines.append(f"Note: {entry.note}")
        blocks.append("\n".join(lines))
    text = "Services to try:\n\n" + "\n\n".join(blocks) if blocks else ""
    if text and link:
        text += f"\n\nList online: {link}"
    return text.translate(_PLAIN)


def text_messages(text: str) -> int:
    """How many text messages (SMS segments) the text needs: 160/153 GSM characters, or 70/67 in Unicode."""
    if not text:
        return 0
    if all(c in _GSM or c in _GSM_EXTENDED for c in text):
        length = sum(2 if c in _GSM_EXTENDED else 1 for c in text)
        return 1 if length <= 160 else math.ceil(length / 153)
    length = len(text.encode("utf-16-le")) // 2
    return 1 if length <= 70 else math.ceil(length / 67)
