"""Field types shared by Signpost's input schemas."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate

from directory import geography
from directory.text import LONG_TEXT, SHORT_TEXT, clean_block, clean_line, web_address_problem

# "javascript:..." or "mailto:..." names a scheme of its own; "www.example.org:8080" does not.
_OTHER_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d)", re.IGNORECASE)


class CleanString(fields.String):
    """A string without hidden characters, trimmed, and refused when longer than its limit.

    One-line by default (at most SHORT_TEXT characters, line breaks become spaces); long=True
    keeps tabs and line breaks and allows LONG_TEXT characters. max_length sets another limit.
    """

    default_error_messages = {"too_long": "Keep this to {limit:,} characters or fewer (it has {length:,})."}

    def __init__(self, *args, long: bool = False, max_length: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.long = long
        self.max_length = max_length or (LONG_TEXT if long else SHORT_TEXT)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        text = clean_block(text) if self.long else clean_line(text)
        if len(text) > self.max_length:
            raise self.make_error("too_long", limit=self.max_length, length=len(text))
        return text


class OptionalString(CleanString):
    """A string where blank means 'not given' (stored as None)."""

    def __init__(self, max_length: int, **kwargs):
        kwargs.setdefault("load_default", None)
        kwargs.setdefault("allow_none", True)
        super().__init__(max_length=max_length, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return text or None


class WebAddress(OptionalString):
    """An http(s) address with a real host; 'www.example.org' is read as https://www.example.org."""

    def __init__(self, **kwargs):
        super().__init__(max_length=500, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        if "://" not in text and not _OTHER_SCHEME.match(text):
            text = "https://" + text
        problem = web_address_problem(text)
        if problem:
            raise ValidationError(problem)
        return text


class EmailAddress(OptionalString):
    """An email address, or nothing."""

    def __init__(self, **kwargs):
        super().__init__(max_length=254, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is not None:
            validate.Email(error="'{input}' is not an email address.")(text)
        return text


class PostcodeField(OptionalString):
    """A full UK unit postcode, normalised ("g312er" -> "G31 2ER"); with partial=True a district or sector
    ("LS7", "LS7 3") is accepted too (the schema decides when that is enough)."""

    def __init__(self, partial: bool = False, **kwargs):
        super().__init__(max_length=20, **kwargs)  # long enough for the parser to say what is wrong
        self.partial = partial

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        try:
            parsed = geography.parse_postcode(text)
        except geography.PostcodeError as exc:
            raise ValidationError(str(exc)) from None
        if parsed.kind in ("district", "sector") and self.partial:
            return parsed.normalised
        if parsed.kind != "unit":
            raise ValidationError(f"'{text}' is only part of a postcode: give the full postcode, like G31 2ER.")
        return parsed.normalised


def one_of(choices: tuple[str, ...]) -> validate.OneOf:
    """A validator naming the allowed values in its message."""
    return validate.OneOf(choices, error="'{input}' is not one of: {choices}.")
