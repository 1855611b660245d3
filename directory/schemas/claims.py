"""Forms for claiming an organisation, deciding claims, and inviting and removing editors."""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from .fields import CleanString, one_of

NOTE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 2000
# Digits, spaces and the usual separators, with an optional extension: "+44 (0)141 555 0123 ext 4".
_PHONE = re.compile(r"^\+?[0-9 ()\-.]+(?:\s*(?:ext\.?|x)\s*[0-9]{1,6})?$", re.IGNORECASE)


def _given(missing: str, max_length: int, what: str):
    def check(value: str) -> None:
        if not value:
            raise ValidationError(missing)
        if len(value) > max_length:
            raise ValidationError(f"Keep {what} to {max_length} characters or fewer.")

    return check


def _phone_number(value: str) -> None:
    if not value:
        raise ValidationError("Enter a phone number we can call you on.")
    if len(value) > 50 or not _PHONE.match(value) or sum(c.isdigit() for c in value) < 7:
        raise ValidationError("Enter a phone number we can call you on, like 0141 555 0123.")


def _email_address(value: str) -> None:
    if not value:
        raise ValidationError("Enter the email address of the person to invite.")
    if len(value) > 254:
        raise ValidationError("That email address is too long.")
    validate.Email(error="'{input}' is not an email address.")(value)


class ClaimInput(Schema):
    """Who is asking, so a moderator can check: their role at the organisation, a phone number, a note."""

    class Meta:
        unknown = EXCLUDE  # a posted organisation_id or user_id is ignored: those come from the URL and session

    job_title = CleanString(
        required=True,
        validate=_given("Say what your role is at the organisation.", 100, "your role"),
        error_messages={"required": "Say what your role is at the organisation."},
    )
    phone = CleanString(
        required=True,
        validate=_phone_number,
        error_messages={"required": "Enter a phone number we can call you on."},
    )
    note = CleanString(
        load_default="",
        long=True,
        max_length=NOTE_MAX_LENGTH,
        error_messages={"too_long": f"Keep the note under {NOTE_MAX_LENGTH:,} characters."},
    )


class DecisionInput(Schema):
    """A moderator's decision on a claim and the reason told to the claimant."""

    class Meta:
        unknown = EXCLUDE

    decision = CleanString(
        required=True, validate=one_of(("approve", "deny")), error_messages={"required": "Choose approve or deny."}
    )
    reason = CleanString(
        load_default="",
        long=True,
        max_length=REASON_MAX_LENGTH,
        error_messages={"too_long": f"Keep the reason under {REASON_MAX_LENGTH:,} characters."},
    )


class InviteInput(Schema):
    """The email address of someone to invite as an editor."""

    class Meta:
        unknown = EXCLUDE

    email = CleanString(
        required=True,
        validate=_email_address,
        error_messages={"required": "Enter the email address of the person to invite."},
    )


class RemoveInput(Schema):
    """Which editor to remove."""

    class Meta:
        unknown = EXCLUDE

    user_id = fields.UUID(
        required=True, error_messages={"required": "Choose who to remove.", "invalid_uuid": "Choose who to remove."}
    )
