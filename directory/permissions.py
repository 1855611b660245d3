"""Who may do what. Operations call require(); templates may call can() to hide buttons.

The rules are one table: an action is allowed for the roles listed, and for members of the
organisation the object belongs to when "member" is listed, and for its owners when "owner" is.
An owner (the approved claimant, or whom a moderator names) manages who edits; editors edit listings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


class PermissionDenied(Exception):
    """The actor may not do this; the message says what was refused."""


@dataclass(frozen=True)
class Actor:
    """Whoever is acting: the system (CLI, importers), a signed-in person, or the public."""

    kind: str  # "system", "user" or "anonymous"
    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    organisation_ids: frozenset = field(default_factory=frozenset)  # every organisation they edit
    owned_organisation_ids: frozenset = field(default_factory=frozenset)  # those they also own
    user_id: uuid.UUID | None = None
    trusted: bool = False
    verified: bool = False  # a user whose email address is confirmed

    def has(self, role: str) -> bool:
        """True for a role the actor holds (admins hold every role)."""
        return role in self.roles or "admin" in self.roles


# Referral routes only a professional can use: their contact details are for link workers and moderators.
PROFESSIONAL_ROUTES = ("professional", "gp", "link_worker")

SYSTEM = Actor("system", "Signpost")
ANONYMOUS = Actor("anonymous", "public")

MODERATORS = ("moderator",)
RULES: dict[str, tuple[str, ...]] = {
    # listings: the organisation's own editors, and moderators
    "organisation.update": ("member", "moderator"),
    # who edits: every editor sees the list; owners and moderators invite and remove; moderators name owners
    "organisation.editors.view": ("member", "moderator"),
    "organisation.invite": ("owner", "moderator"),
    "organisation.remove_editor": ("owner", "moderator"),
    "organisation.name_owner": MODERATORS,
    "service.create": ("member", "moderator"),
    "service.update": ("member", "moderator"),
    "service.archive": ("member", "moderator"),
    "service.verify": ("member", "moderator"),
    "location.create": ("member", "moderator"),
    "location.update": ("member", "moderator"),
    # anyone signed in with a confirmed address
    "organisation.create": ("verified",),
    "organisation.claim": ("verified",),
    # moderation and administration
    "claim.decide": MODERATORS,
    "change.decide": MODERATORS,
    "report.view": MODERATORS,
    "history.view": MODERATORS,
    "history.restore": MODERATORS,
    "freshness.view": MODERATORS,
    "user.manage": (),  # admins only
    "taxonomy.update": (),
    "import.run": (),  # imports: admins only
    # professional-only contact details
    "contact.professional.view": ("link_worker", "moderator"),
    # archiving venues and organisations; only moderators bring anything back
    "location.archive": ("member", "moderator"),
    "organisation.archive": ("member", "moderator"),
    "listing.unarchive": MODERATORS,
    # the moderators' and administrators' landing page; the organisations list is admins only
    "admin.view": MODERATORS,
    "organisation.manage": (),
}


def organisation_of(obj: object | None):
    """The organisation id an object belongs to (an organisation is its own)."""
    if obj is None:
        return None
    if hasattr(obj, "organisation_id"):
        return obj.organisation_id
    return getattr(obj, "id", None)


def can(actor: Actor, action: str, obj: object | None = None) -> bool:
    """True when actor may perform action (e.g. "service.update") on obj."""
    if actor.kind == "system" or "admin" in actor.roles:
        return True
    if actor.kind != "user":
        return False
    allowed = RULES.get(action)
    if allowed is None:
        raise KeyError(f"No permission rule for {action!r}")
    if "verified" in allowed and actor.verified:
        return True
    if "member" in allowed and actor.verified and organisation_of(obj) in actor.organisation_ids:
        return True
    if "owner" in allowed and actor.verified and organisation_of(obj) in actor.owned_organisation_ids:
        return True
    # Roles count only once the account's address is confirmed.
    return actor.verified and any(actor.has(role) for role in allowed if role not in ("member", "owner", "verified"))


def require(actor: Actor, action: str, obj: object | None = None) -> None:
    """Raise PermissionDenied unless can(actor, action, obj)."""
    if not can(actor, action, obj):
        raise PermissionDenied(f"{actor.name} may not {action.replace('.', ' ')}.")


def route_contact_visible(actor: Actor, route_type: str) -> bool:
    """Whether this actor may see how to contact a referral route of this type."""
    return route_type not in PROFESSIONAL_ROUTES or can(actor, "contact.professional.view")
