"""Who may do what. Operations call require(); templates may call can() to hide buttons."""

from __future__ import annotations

from dataclasses import dataclass, field


class PermissionDenied(Exception):
    """The actor may not do this; the message says what was refused."""


@dataclass(frozen=True)
class Actor:
    """Whoever is acting: the system (CLI, importers), a signed-in person, or the public."""

    kind: str  # "system", "user" or "anonymous"
    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    organisation_ids: frozenset = field(default_factory=frozenset)


SYSTEM = Actor("system", "Signpost")
ANONYMOUS = Actor("anonymous", "public")


def can(actor: Actor, action: str, obj: object | None = None) -> bool:
    """True when actor may perform action (e.g. "service.create") on obj."""
    if actor.kind == "system":
        return True
    if "admin" in actor.roles:
        return True
    return False


def require(actor: Actor, action: str, obj: object | None = None) -> None:
    """Raise PermissionDenied unless can(actor, action, obj)."""
    if not can(actor, action, obj):
        raise PermissionDenied(f"{actor.name} may not {action.replace('.', ' ')}.")
