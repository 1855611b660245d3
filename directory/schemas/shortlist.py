"""What a link worker posts to change a shortlist: a service, a note, where to go back to."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from marshmallow import EXCLUDE, Schema, fields

from .fields import CleanString, one_of

NOTE_MAX_LENGTH = 300
RETURN_PATH_MAX_LENGTH = 2000
# Browsers drop tabs and newlines inside URLs, so "/\t/evil.example" would leave the site.
_UNSAFE_IN_PATH = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def same_site_path(raw: str | None) -> str | None:
    """raw if it is a path on this site ("/search?q=food"), else None: never an open redirect."""
    if not raw or len(raw) > RETURN_PATH_MAX_LENGTH or _UNSAFE_IN_PATH.search(raw):
        return None
    if not raw.startswith("/") or raw.startswith("//"):
        return None
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


class ReturnPath(fields.String):
    """Where to go back to after a change; anything but a same-site path becomes None."""

    def __init__(self, **kwargs):
        kwargs.setdefault("load_default", None)
        kwargs.setdefault("allow_none", True)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return same_site_path(super()._deserialize(value, attr, data, **kwargs))


class Note(CleanString):
    """A note for one service: one line, control characters removed, at most 300 characters."""

    def __init__(self, **kwargs):
        kwargs.setdefault("load_default", "")
        super().__init__(
            max_length=NOTE_MAX_LENGTH,
            error_messages={"too_long": f"A note can be up to {NOTE_MAX_LENGTH} characters. Make it shorter."},
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        return " ".join(super()._deserialize(value, attr, data, **kwargs).split())


class ShortlistReturn(Schema):
    """A change to the whole list (clear, save): only where to go back to."""

    class Meta:
        unknown = EXCLUDE

    next = ReturnPath()


class ShortlistItem(ShortlistReturn):
    """A change to one item (add, remove): which service."""

    service_id = fields.UUID(
        required=True,
        error_messages={"required": "Choose a service.", "invalid_uuid": "That is not a service in the directory."},
    )


class ShortlistNote(ShortlistItem):
    """A note for one item."""

    note = Note()


class ShortlistMove(ShortlistItem):
    """Move one item up or down the list."""

    direction = CleanString(required=True, validate=one_of(("up", "down")))
