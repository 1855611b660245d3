"""The answer to a review email."""

from marshmallow import EXCLUDE, Schema, validate

from .fields import CleanString

NOTE_MAX_LENGTH = 1000


class ReviewAnswerInput(Schema):
    """An optional note with the answer (asked for when a listing has closed)."""

    class Meta:
        unknown = EXCLUDE

    note = CleanString(load_default="", validate=validate.Length(max=NOTE_MAX_LENGTH, error="Keep the note under 1,000 characters."))
