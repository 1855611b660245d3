"""Domain operations: check permissions, change data, flush. The caller commits once."""

from __future__ import annotations

from marshmallow import Schema, ValidationError


class InputError(Exception):
    """Input that cannot be stored; `messages` maps each field to what is wrong with it."""

    def __init__(self, messages: dict | str):
        self.messages = messages if isinstance(messages, dict) else {"_schema": [messages]}
        super().__init__(describe(self.messages))


def describe(messages: dict, prefix: str = "") -> str:
    """Flatten marshmallow-style messages into one readable line per field."""
    lines = []
    for name, value in messages.items():
        label = f"{prefix}{name}" if name != "_schema" else prefix.rstrip(".") or "input"
        if isinstance(value, dict):
            lines.append(describe(value, f"{label}."))
        else:
            for text in value if isinstance(value, list) else [value]:
                lines.append(f"{label}: {text}" if not isinstance(text, dict) else describe(text, f"{label}."))
    return "; ".join(lines)


def validate(schema: Schema, raw: dict) -> dict:
    """Load raw input with schema, turning validation errors into InputError."""
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise InputError(exc.messages) from None
