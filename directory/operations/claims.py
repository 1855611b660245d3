"""Who edits an organisation: claims decided by moderators (or by email domain), invitations, removals."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlmodel import Session, func, select

from directory.config import Config
from directory.links import Links
from directory.mail import mail_after_commit
from directory.models import ChangeRequest, Claim, Invitation, Membership, Organisation, User, utcnow
from directory.operations.accounts import Mail
from directory.operations.api_tokens import revoke_api_tokens
from directory.permissions import Actor, PermissionDenied, can

from . import InputError

INVITATION_DAYS = 14
# Addresses anyone can sign up for, and hosts anyone can publish under: a match on one of
# these says nothing about working for the organisation, so it never approves a claim.
SHARED_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "outlook.co.uk",
        "live.com",
        "live.co.uk",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "aol.co.uk",
        "btinternet.com",
        "btopenworld.com",
        "talktalk.net",
        "tiscali.co.uk",
        "sky.com",
        "virginmedia.com",
        "ntlworld.com",
        "blueyonder.co.uk",
        "plus.net",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "gmx.com",
        "gmx.co.uk",
        "gmx.net",
        "mail.com",
        "zoho.com",
        "yandex.com",
        "tutanota.com",
        "fastmail.com",
        "hey.com",
        "qq.com",
        "facebook.com",
        "wordpress.com",
        "wixsite.com",
        "blogspot.com",
        "google.com",
        "sites.google.com",
        "github.io",
        "weebly.com",
        "squarespace.com",
        "linktr.ee",
        "instagram.com",
        "x.com",
        "twitter.com",
    }
)


def token_hash(token: str) -> str:
    """The sha256 of an invitation token: the only form of it that is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def email_domain(address: str | None) -> str | None:
    """'Sam@Pantry.org' -> 'pantry.org'; None when there is no domain."""
    if not address or "@" not in address:
        return None
    return _bare_host(address.rsplit("@", 1)[1])


def website_domain(url: str | None) -> str | None:
    """'https://www.pantry.org/about' -> 'pantry.org'; None when there is no host."""
    if not url:
        return None
    try:
        host = urlsplit(url if "://" in url else f"https://{url}").hostname
    except ValueError:
        return None
    return _bare_host(host) if host else None


def _bare_host(host: str) -> str | None:
    host = host.strip().strip(".").lower()
    return host.removeprefix("www.") or None


def is_shared_domain(domain: str | None) -> bool:
    """True for webmail and shared hosting domains (and their subdomains)."""
    return bool(domain) and any(domain == d or domain.endswith(f".{d}") for d in SHARED_DOMAINS)


def organisation_domains(organisation: Organisation) -> set[str]:
    """The domains of the organisation's listed email address and website, webmail excluded."""
    domains = {email_domain(organisation.email), website_domain(organisation.website)}
    return {d for d in domains if d and not is_shared_domain(d)}


def _utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back without a zone; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _user(db: Session, actor: Actor) -> User:
    user = db.get(User, actor.user_id) if actor.kind == "user" and actor.user_id else None
    if user is None or user.disabled_at is not None:
        raise PermissionDenied("Sign in with your own account to do this.")
    return user


def _require(actor: Actor, action: str, obj: object | None, refusal: str) -> None:
    """require(), refusing in words that say who may do this."""
    if not can(actor, action, obj):
        raise PermissionDenied(refusal)


EDITORS_ONLY = "Only the organisation's own editors, and Signpost's moderators, can see who edits it."
MANAGERS_ONLY = "Only the organisation's owners, and Signpost's moderators, can manage who edits it."


def _require_verified(actor: Actor, doing: str) -> None:
    if actor.kind != "user":
        raise PermissionDenied(f"Sign in to {doing}.")
    if not actor.verified:
        raise PermissionDenied(f"Confirm your email address (follow the link we emailed you) before you {doing}.")


def _membership(db: Session, organisation_id, user_id) -> Membership | None:
    return db.get(Membership, (user_id, organisation_id))


# Claims ------------------------------------------------------------------------------------


@dataclass
class ClaimStatus:
    """Where a signed-in person stands with one organisation."""

    member: bool
    pending: Claim | None


def claim_status(db: Session, actor: Actor, organisation: Organisation) -> ClaimStatus:
    """Whether the actor already edits the organisation or is waiting for a decision."""
    if actor.kind != "user" or actor.user_id is None:
        return ClaimStatus(False, None)
    pending = db.exec(
        select(Claim).where(
            Claim.organisation_id == organisation.id, Claim.user_id == actor.user_id, Claim.status == "pending"
        )
    ).first()
    return ClaimStatus(_membership(db, organisation.id, actor.user_id) is not None, pending)


def claim_organisation(
    db: Session, actor: Actor, organisation: Organisation, data: dict, now: datetime | None = None
) -> Claim:
    """Ask to edit an organisation's listings; approved at once when the email domain is the organisation's."""
    _require_verified(actor, "ask to edit an organisation's listings")
    _require(actor, "organisation.claim", organisation, "Sign in with a confirmed email address to ask.")
    user = _user(db, actor)
    if organisation.archived_at is not None:
        raise InputError("This organisation has been removed from the directory, so it cannot be claimed.")
    status = claim_status(db, actor, organisation)
    if status.member:
        raise InputError("You already edit this organisation's listings.")
    if status.pending is not None:
        raise InputError("You have already asked to edit this organisation. A moderator will reply by email.")
    now = now or utcnow()
    claim = Claim(
        organisation_id=organisation.id,
        user_id=user.id,
        job_title=data["job_title"],
        phone=data["phone"],
        note=data.get("note", ""),
        created_at=now,
    )
    domain = email_domain(user.email)
    if user.email_verified_at is not None and domain in organisation_domains(organisation):
        claim.status, claim.auto_approved, claim.decided_at = "approved", True, now
        claim.reason = f"Your email address is at {domain}, the organisation's own domain."
        db.add(Membership(user_id=user.id, organisation_id=organisation.id, created_at=now, role="owner"))
    db.add(claim)
    db.flush()
    return claim


@dataclass
class ClaimForReview:
    """A pending claim with what a moderator needs to judge it."""

    claim: Claim
    claimant: User
    organisation: Organisation
    domain_matches: bool
    shared_domain: bool


def pending_claims(db: Session, actor: Actor) -> list[ClaimForReview]:
    """Claims waiting for a moderator, oldest first."""
    _require(actor, "claim.decide", None, "Only Signpost's moderators can review claims.")
    rows = db.exec(
        select(Claim, User, Organisation)
        .join(User, User.id == Claim.user_id)
        .join(Organisation, Organisation.id == Claim.organisation_id)
        .where(Claim.status == "pending")
        .order_by(Claim.created_at)
    ).all()
    reviews = []
    for claim, user, organisation in rows:
        domain = email_domain(user.email)
        reviews.append(
            ClaimForReview(
                claim, user, organisation, domain in organisation_domains(organisation), is_shared_domain(domain)
            )
        )
    return reviews


def decide_claim(
    db: Session, actor: Actor, claim: Claim, approve: bool, reason: str, now: datetime | None = None
) -> Claim:
    """Approve (making the claimant an owner of the organisation) or deny a claim; a denial needs a reason."""
    _require(actor, "claim.decide", claim, "Only Signpost's moderators can decide claims.")
    if claim.status != "pending":
        raise InputError(f"This claim has already been {claim.status}.")
    if claim.user_id == actor.user_id:
        raise InputError("You cannot decide your own claim. Another moderator will.")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise InputError({"reason": ["Say why the claim is denied. The person who asked will be told."]})
    now = now or utcnow()
    claim.status = "approved" if approve else "denied"
    claim.reason, claim.decided_by, claim.decided_at = reason, actor.user_id, now
    if approve:
        membership = _membership(db, claim.organisation_id, claim.user_id) or Membership(
            user_id=claim.user_id, organisation_id=claim.organisation_id, added_by=actor.user_id, created_at=now
        )
        membership.role = "owner"
        db.add(membership)
    db.add(claim)
    db.flush()
    return claim


# Editors and invitations -----------------------------------------------------------------


@dataclass
class Editors:
    """An organisation's editors and the invitations still waiting."""

    members: list[tuple[Membership, User]]
    invitations: list[Invitation]


def organisation_editors(db: Session, actor: Actor, organisation: Organisation, now: datetime | None = None) -> Editors:
    """Who edits the organisation, for its editors and moderators."""
    _require(actor, "organisation.editors.view", organisation, EDITORS_ONLY)
    members = db.exec(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id)
        .order_by(User.name)
    ).all()
    now = now or utcnow()
    waiting = db.exec(
        select(Invitation)
        .where(Invitation.organisation_id == organisation.id, Invitation.accepted_at.is_(None))
        .order_by(Invitation.created_at)
    ).all()
    return Editors(list(members), [i for i in waiting if _utc(i.expires_at) > now])


def invite_editor(
    db: Session, actor: Actor, organisation: Organisation, email: str, now: datetime | None = None
) -> tuple[Invitation, str]:
    """Invite someone by email to edit the organisation; returns the invitation and its token (to email, never store)."""
    _require(actor, "organisation.invite", organisation, MANAGERS_ONLY)
    if actor.user_id is None:
        raise PermissionDenied("Invitations come from a person: sign in to send one.")
    email = email.strip().lower()
    invitee = db.exec(select(User).where(User.email == email)).first()
    if invitee is not None and _membership(db, organisation.id, invitee.id) is not None:
        raise InputError({"email": [f"{email} already edits this organisation's listings."]})
    now = now or utcnow()
    # A fresh invitation replaces any earlier one still waiting, so only the newest link works.
    for earlier in db.exec(
        select(Invitation).where(
            Invitation.organisation_id == organisation.id, Invitation.email == email, Invitation.accepted_at.is_(None)
        )
    ):
        if _utc(earlier.expires_at) > now:
            earlier.expires_at = now
            db.add(earlier)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation_id=organisation.id,
        email=email,
        token_hash=token_hash(token),
        invited_by=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    db.add(invitation)
    db.flush()
    return invitation, token


def find_invitation(db: Session, token: str) -> Invitation | None:
    """The invitation a token was sent for, if any."""
    if not token or len(token) > 200:
        return None
    return db.exec(select(Invitation).where(Invitation.token_hash == token_hash(token))).first()


def invitation_problem(db: Session, invitation: Invitation, now: datetime | None = None) -> str | None:
    """Why the invitation can no longer be accepted, or None when it still can."""
    if invitation.accepted_at is not None:
        return "This invitation has already been used."
    if _utc(invitation.expires_at) <= (now or utcnow()):
        return "This invitation has expired. Ask the person who invited you to send a new one."
    inviter = db.get(User, invitation.invited_by)
    # An invitation is only as good as its sender: one removed since cannot bring people in.
    membership = _membership(db, invitation.organisation_id, inviter.id) if inviter is not None else None
    still_allowed = (
        inviter is not None
        and inviter.disabled_at is None
        and ((membership is not None and membership.role == "owner") or {"moderator", "admin"} & set(inviter.roles))
    )
    if not still_allowed:
        return "This invitation is no longer valid. Ask one of the organisation's owners to send a new one."
    return None


def accept_invitation(db: Session, actor: Actor, token: str, now: datetime | None = None) -> Membership:
    """Join an organisation's editors through an invitation sent to the actor's own email address."""
    _require_verified(actor, "accept an invitation")
    user = _user(db, actor)
    invitation = find_invitation(db, token)
    if invitation is None:
        raise InputError("This invitation link is not valid. Check you copied the whole link from the email.")
    if invitation.email.lower() != user.email.lower():
        raise PermissionDenied(
            "This invitation was sent to a different email address. Sign in with the address it was sent to."
        )
    now = now or utcnow()
    problem = invitation_problem(db, invitation, now)
    if problem:
        raise InputError(problem)
    invitation.accepted_at = now
    db.add(invitation)
    membership = _membership(db, invitation.organisation_id, user.id)
    if membership is None:
        membership = Membership(
            user_id=user.id, organisation_id=invitation.organisation_id, added_by=invitation.invited_by, created_at=now
        )
        db.add(membership)
    db.flush()
    return membership


def remove_member(db: Session, actor: Actor, organisation: Organisation, user: User, now: datetime) -> list[Mail]:
    """Stop someone editing the organisation (owners and moderators; anyone may stop editing themselves).

    Only a moderator may remove the last editor. The person's pending changes for the organisation are
    marked in the moderation queue; when they no longer edit anything, their API tokens are revoked.
    Returns the message telling them, to send after commit.
    """
    if user.id != actor.user_id:
        _require(actor, "organisation.remove_editor", organisation, MANAGERS_ONLY)
    membership = _membership(db, organisation.id, user.id)
    if membership is None:
        raise InputError({"user_id": ["That person does not edit this organisation's listings."]})
    count = db.exec(
        select(func.count()).select_from(Membership).where(Membership.organisation_id == organisation.id)
    ).one()
    if count <= 1 and not actor.has("moderator") and actor.kind != "system":
        raise InputError(
            {"user_id": ["The last editor cannot be removed: invite someone else first, or ask a moderator."]}
        )
    db.delete(membership)
    db.exec(
        update(ChangeRequest)
        .where(
            ChangeRequest.submitted_by == user.id,
            ChangeRequest.organisation_id == organisation.id,
            ChangeRequest.status == "pending",
            ChangeRequest.submitter_removed_at.is_(None),
        )
        .values(submitter_removed_at=now)
    )
    db.flush()
    still_edits = db.exec(select(Membership).where(Membership.user_id == user.id)).first() is not None
    revoked = 0 if still_edits or user.roles else revoke_api_tokens(db, user, now)
    if user.id == actor.user_id:
        return []
    return [
        Mail(
            user.email,
            f"You no longer edit {_line(organisation.name)} on Signpost",
            (
                f"Hello {user.name},\n\n{actor.name} removed you from the editors of “{organisation.name}” on Signpost. "
                "Changes you sent that were still waiting for a moderator are marked for them to see."
                + (
                    f" Your {revoked} API token{'s were' if revoked != 1 else ' was'} revoked, as you no longer edit any organisation."
                    if revoked
                    else ""
                )
                + "\n\nIf you think this is a mistake, ask one of the organisation's owners or reply to this message."
            ),
        )
    ]


def name_owner(db: Session, actor: Actor, organisation: Organisation, user: User) -> Membership:
    """Make one of the organisation's editors an owner, who manages who edits it (moderators only)."""
    _require(
        actor, "organisation.name_owner", organisation, "Only Signpost's moderators can name an organisation's owners."
    )
    membership = _membership(db, organisation.id, user.id)
    if membership is None:
        raise InputError({"user_id": ["That person does not edit this organisation's listings."]})
    membership.role = "owner"
    db.add(membership)
    db.flush()
    return membership


# Email, sent by the caller after commit ----------------------------------------------------


def _line(text: str) -> str:
    return " ".join(str(text).split())  # no line breaks in a subject


def notify_new_claim(
    session: Session, config: Config, claim: Claim, organisation: Organisation, claimant: User, *, links: Links
) -> None:
    """Tell the moderators someone asked to edit an organisation (or was approved by domain)."""
    moderators = config.moderator_addresses
    if claim.auto_approved:
        subject, opening = f"Claim approved by email domain: {_line(organisation.name)}", claim.reason
    else:
        subject, opening = f"New claim to review: {_line(organisation.name)}", "Please approve or deny it:"
    body = (
        f"{claimant.name} <{claimant.email}> asked to edit the listings of “{organisation.name}”.\n\n"
        f"Role at the organisation: {claim.job_title}\nPhone: {claim.phone}\nNote: {claim.note or '(none)'}\n\n"
        f"{opening}\n{links.page('claims.moderate')}\n"
    )
    mail_after_commit(session, config, moderators, subject, body)


def notify_claim_decided(
    session: Session, config: Config, claim: Claim, organisation: Organisation, claimant: User, *, links: Links
) -> None:
    """Tell the claimant the decision and the reason."""
    name = _line(organisation.name)
    if claim.status == "approved":
        subject = f"You can now edit {name} on Signpost"
        body = (
            f"Your request to edit the listings of “{organisation.name}” has been approved.\n\n"
            + (f"{claim.reason}\n\n" if claim.reason else "")
            + f"The organisation: {links.page('public.organisation', raw_id=organisation.id)}\n"
        )
    else:
        subject = f"Your request to edit {name} on Signpost"
        body = (
            f"Your request to edit the listings of “{organisation.name}” was not approved.\n\n"
            f"The moderator's reason: {claim.reason}\n\nYou can reply to this email if you think this is a mistake.\n"
        )
    mail_after_commit(session, config, [claimant.email], subject, body)


def notify_invitation(
    session: Session,
    config: Config,
    invitation: Invitation,
    organisation: Organisation,
    inviter: str,
    token: str,
    *,
    links: Links,
) -> None:
    """Email the invitee their link (the token is only ever in this email)."""
    link = links.page("claims.invitation", token=token)
    body = (
        f"{inviter} invited you to help edit the listings of “{organisation.name}” on Signpost, "
        "the community services directory used by link workers.\n\n"
        f"To accept, sign in (or create an account) with this email address and open:\n{link}\n\n"
        f"The link works once and expires in {INVITATION_DAYS} days. If you were not expecting this, ignore it."
    )
    mail_after_commit(session, config, [invitation.email], f"Help edit {_line(organisation.name)} on Signpost", body)
