"""The account page's form for a new personal API token."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from .fields import CleanString

TOKEN_NAME_MAX_LENGTH = 100


class ApiTokenInput(Schema):
    """A name to tell tokens apart, and an optional last day."""

    class Meta:
        unknown = EXCLUDE

    name = CleanString(
        required=True,
        max_length=TOKEN_NAME_MAX_LENGTH,
        validate=validate.Length(min=1, error=f"Give the token a name of 1 to {TOKEN_NAME_MAX_LENGTH} characters."),
        error_messages={
            "required": "Give the token a name, such as the system that will use it.",
            "too_long": f"Give the token a name of 1 to {TOKEN_NAME_MAX_LENGTH} characters.",
        },
    )
    expires_on = fields.Date(
        load_default=None,
        allow_none=True,
        error_messages={"invalid": "Enter the date as year-month-day, like 2027-03-31."},
    )

    @pre_load
    def _blank_is_missing(self, data, **_):
        return {key: value for key, value in dict(data).items() if value != ""}
