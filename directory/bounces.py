"""Reading bounced mail: delivery status notifications (RFC 3464) from an mbox, a Maildir or .eml files."""

from __future__ import annotations

import email
import email.policy
import hashlib
import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path


@dataclass(frozen=True)
class Bounce:
    """A permanent delivery failure for one address."""

    address: str
    status: str
    diagnostic: str
    key: str  # the same bounce read twice has the same key
    when: datetime | None


def read_messages(path: Path) -> Iterator[Message]:
    """Every message in a Maildir, a folder of .eml files, an mbox file or a single .eml file."""
    path = Path(path)
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            yield from mailbox.Maildir(path, factory=None, create=False)
            return
        for item in sorted(path.glob("*.eml")):
            yield _parse(item.read_bytes())
        return
    raw = path.read_bytes()
    if raw.startswith(b"From "):
        yield from mailbox.mbox(path, create=False)
    else:
        yield _parse(raw)


def _parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def bounces_in(message: Message) -> list[Bounce]:
    """Permanent failures a delivery status notification reports; [] for any other message."""
    if message.get_content_type() != "multipart/report":
        return []
    found = []
    identity = message.get("Message-ID") or hashlib.sha256(message.as_bytes()).hexdigest()
    when = _date(message.get("Date"))
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:]:  # the first block describes the message, the rest one recipient each
            action = (block.get("Action") or "").strip().lower()
            status = (block.get("Status") or "").strip()
            recipient = block.get("Final-Recipient") or block.get("Original-Recipient") or ""
            address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
            if action != "failed" or not status.startswith("5") or "@" not in address:
                continue  # delays and temporary failures are not bounces
            diagnostic = " ".join((block.get("Diagnostic-Code") or "").split(";", 1)[-1].split())[:500]
            key = hashlib.sha256(f"{identity}|{address}".encode()).hexdigest()
            found.append(Bounce(address, status, diagnostic, key, when))
    return found


def _date(value: str | None) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
