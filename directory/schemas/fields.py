"""Field types shared by Signpost's input schemas."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate

from directory import geography

# C0/C1 control characters other than tab and newline never belong in a listing.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class CleanString(fields.String):
    """A string with control characters removed and surrounding whitespace trimmed."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return _CONTROL.sub("", text).strip()


class OptionalString(CleanString):
    """A string where blank means 'not given' (stored as None)."""

    def __init__(self, max_length: int, **kwargs):
        kwargs.setdefault("load_default", None)
        kwargs.setdefault("allow_none", True)
        super().__init__(validate=validate.Length(max=max_length), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return text or None

    def _validate(self, value):
        if value is not None:  # blank became None: nothing to check
            super()._validate(value)


class WebAddress(OptionalString):
    """A web address; 'www.example.org' is read as https://www.example.org."""

    def __init__(self, **kwargs):
        super().__init__(max_length=500, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        if "://" not in text:
            text = "https://" + text
        validate.URL(schemes={"http", "https"}, error="'{input}' is not a web address.")(text)
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
    """A full UK unit postcode, normalised ("g312er" -> "G31 2ER")."""

    def __init__(self, **kwargs):
        super().__init__(max_length=10, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        try:
            parsed = geography.parse_postcode(text)
        except geography.PostcodeError as exc:
            raise ValidationError(str(exc)) from None
        if parsed.kind != "unit":
            raise ValidationError(
                f"'{text}' is only part of a postcode: give the full postcode, like G31 2ER."
            )
        return parsed.normalised


def one_of(choices: tuple[str, ...]) -> validate.OneOf:
    """A validator naming the allowed values in its message."""
    return validate.OneOf(choices, error="'{input}' is not one of: {choices}.")
