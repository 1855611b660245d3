"""Claiming organisations, moderating claims, inviting and removing editors: who may do what."""

from __future__ import annotations

import email
import hashlib
import pathlib
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.utils import getaddresses

import pytest
from flask import Blueprint, url_for
from sqlmodel import select

from directory.auth import actor_for
from directory.db import get_db
from directory.models import Claim, Invitation, Membership, Organisation, User, utcnow
from directory.operations import claims as ops

from . import factories
from .conftest import BASE_URL, migrated_app

MODERATORS = "mods@signpost.example.org"
CLAIM_FORM = {"job_title": "Volunteer coordinator", "phone": "0141 496 0000", "note": "I run the Tuesday pantry."}


@pytest.fixture
def app(tmp_path):
    app = migrated_app(tmp_path, MODERATOR_EMAILS=MODERATORS)
    if "accounts.login" not in app.view_functions:
        # The accounts pages are built separately; login_required only needs the endpoint to exist.
        stub = Blueprint("accounts", __name__)
        stub.add_url_rule("/login", "login", lambda: "Sign in")
        app.register_blueprint(stub)
    yield app
    get_db(app).engine.dispose()


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """Nobody types a password here: skip scrypt's deliberate slowness for the many accounts made."""
    monkeypatch.setattr("directory.auth.hash_password", lambda password: "pbkdf2:sha256:1$salt$" + password)


@pytest.fixture
def session(app):
    """A session with no app context held open (conftest's keeps one, which every request would then share)."""
    s = get_db(app).sessionmaker()
    yield s
    s.close()


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    service_id: str
    users: dict[str, User]
    coeditor_a: User
    editor_b: User
    claims: dict[str, Claim]  # a pending claim on each organisation, by someone else

    def org(self, which: str) -> Organisation:
        return self.org_a if which == "A" else self.org_b

    def second_editor(self, which: str) -> User:
        """An editor of the organisation other than the editor of A acting in the table."""
        return self.coeditor_a if which == "A" else self.editor_b


@pytest.fixture
def world(session) -> World:
    org_a = factories.organisation(
        session, name="Parkhead Pantry", email="hello@pantry-a.org.uk", website="https://www.pantry-a.org.uk"
    )
    org_b = factories.organisation(session, name="Dennistoun Walking Club", email="info@walk-b.org.uk")
    service = factories.service(session, org_a, name="Community pantry")
    users = {
        "unverified": factories.user(session, "unverified@example.net", verified=False, name="Una Verified"),
        "verified": factories.user(session, "visitor@example.net", name="Vic Visitor"),
        # Owners manage who edits; plain_a only edits listings.
        "editor_a": factories.user(
            session, "editor-a@example.net", organisations=[org_a], name="Eddie A", member_role="owner"
        ),
        "plain_a": factories.user(session, "plain-a@example.net", organisations=[org_a], name="Pat Plain"),
        "moderator": factories.user(session, "mod@signpost.example.org", roles=["moderator"], name="Mo Derator"),
        "admin": factories.user(session, "admin@signpost.example.org", roles=["admin"], name="Ad Min"),
    }
    coeditor_a = factories.user(
        session, "coeditor-a@example.net", organisations=[org_a], name="Co Editor", member_role="owner"
    )
    editor_b = factories.user(
        session, "editor-b@example.net", organisations=[org_b], name="Bea Editor", member_role="owner"
    )
    claims = {}
    for which, org in (("A", org_a), ("B", org_b)):
        claimant = factories.user(session, f"claimant-{which.lower()}@example.net", name=f"Claimant {which}")
        claims[which] = ops.claim_organisation(session, actor_for(session, claimant), org, dict(CLAIM_FORM))
    session.commit()
    return World(org_a, org_b, str(service.id), users, coeditor_a, editor_b, claims)


# Helpers -----------------------------------------------------------------------------------


def csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sent_mail(app) -> list[email.message.Message]:
    folder = pathlib.Path(app.instance_path) / "mail"
    return [
        email.message_from_bytes(p.read_bytes())
        for p in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    ]


def recipients(message) -> set[str]:
    return {address for _, address in getaddresses([message["To"]])}


def body(message) -> str:
    return message.get_payload(decode=True).decode()


def signed_in(client, world: World, account: User | None) -> str:
    """Sign account in (None: stay anonymous) and return a CSRF token for its session."""
    if account is not None:
        factories.sign_in(client, account)
    return csrf(client, f"/services/{world.service_id}")


def snapshot(session) -> dict[str, dict[str, dict]]:
    """Every row of the tables these pages change, keyed by a stable description of the row."""
    session.expire_all()
    tables = {}
    for model in (Claim, Membership, Invitation, User, Organisation):
        rows = [row.model_dump() for row in session.exec(select(model)).all()]
        tables[model.__name__] = {repr(sorted(row.items())): row for row in rows}
    return tables


def changed_rows(before: dict, after: dict) -> list[tuple[str, dict]]:
    out = []
    for table in before:
        for key in set(before[table]) ^ set(after[table]):
            out.append((table, before[table].get(key) or after[table][key]))
    return out


def invite(session, inviter: User, org: Organisation, address: str, **kwargs) -> str:
    """An invitation sent through the operation; returns the token that was emailed."""
    _, token = ops.invite_editor(session, actor_for(session, inviter), org, address, **kwargs)
    session.commit()
    return token


# The whole flow ----------------------------------------------------------------------------


def test_a_claim_approved_by_a_moderator_makes_the_claimant_an_editor(app, client, session, world):
    claimant = world.users["verified"]
    token = signed_in(client, world, claimant)
    form = client.get(f"/organisations/{world.org_b.id}/claim").get_data(as_text=True)
    assert '<label for="job_title">' in form and '<label for="phone">' in form and '<label for="note">' in form
    response = client.post(f"/organisations/{world.org_b.id}/claim", data=CLAIM_FORM | {"csrf_token": token})
    assert response.status_code == 303
    assert "A Signpost moderator will check" in client.get(response.headers["Location"]).get_data(as_text=True)
    claim = session.exec(select(Claim).where(Claim.user_id == claimant.id)).one()
    assert (claim.status, claim.job_title, claim.phone, claim.auto_approved) == (
        "pending",
        "Volunteer coordinator",
        "0141 496 0000",
        False,
    )
    [to_moderators] = sent_mail(app)
    assert recipients(to_moderators) == {MODERATORS} and "Vic Visitor" in body(to_moderators)
    assert f"{BASE_URL}/moderate/claims" in body(to_moderators)

    moderator_token = signed_in(client, world, world.users["moderator"])
    page = client.get("/moderate/claims").get_data(as_text=True)
    for shown in (
        "Vic Visitor",
        "visitor@example.net",
        "Volunteer coordinator",
        "0141 496 0000",
        "I run the Tuesday pantry.",
        "info@walk-b.org.uk",
        "Dennistoun Walking Club",
    ):
        assert shown in page, shown
    response = client.post(
        f"/moderate/claims/{claim.id}/decide",
        data={"decision": "approve", "reason": "Checked by phone.", "csrf_token": moderator_token},
    )
    assert response.status_code == 303
    session.expire_all()
    assert claim.status == "approved" and claim.decided_by == world.users["moderator"].id
    assert session.get(Membership, (claimant.id, world.org_b.id)) is not None
    to_claimant = sent_mail(app)[-1]
    assert recipients(to_claimant) == {"visitor@example.net"}
    assert "approved" in body(to_claimant) and "Checked by phone." in body(to_claimant)

    signed_in(client, world, claimant)
    assert client.get(f"/organisations/{world.org_b.id}/editors").status_code == 200
    assert "Manage who edits" in client.get(f"/organisations/{world.org_b.id}").get_data(as_text=True)


def test_a_denial_needs_a_reason_and_the_claimant_is_emailed_it(app, client, session, world):
    claim = world.claims["A"]
    token = signed_in(client, world, world.users["moderator"])
    before = snapshot(session)
    response = client.post(
        f"/moderate/claims/{claim.id}/decide", data={"decision": "deny", "reason": "  ", "csrf_token": token}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Say why the claim is denied" in page and 'aria-invalid="true"' in page
    assert snapshot(session) == before
    mail_before = len(sent_mail(app))
    response = client.post(
        f"/moderate/claims/{claim.id}/decide",
        data={"decision": "deny", "reason": "Nobody there knows you.", "csrf_token": token},
    )
    assert response.status_code == 303
    session.expire_all()
    assert claim.status == "denied" and claim.reason == "Nobody there knows you."
    assert session.get(Membership, (claim.user_id, world.org_a.id)) is None
    [told] = sent_mail(app)[mail_before:]
    assert recipients(told) == {"claimant-a@example.net"}
    assert "not approved" in body(told) and "Nobody there knows you." in body(told)


def test_a_decided_claim_cannot_be_decided_again(app, client, session, world):
    token = signed_in(client, world, world.users["moderator"])
    path = f"/moderate/claims/{world.claims['A'].id}/decide"
    assert client.post(path, data={"decision": "deny", "reason": "No.", "csrf_token": token}).status_code == 303
    before, mail = snapshot(session), len(sent_mail(app))
    response = client.post(path, data={"decision": "approve", "csrf_token": token})
    assert response.status_code == 400 and "already been denied" in response.get_data(as_text=True)
    assert snapshot(session) == before and len(sent_mail(app)) == mail


def test_a_moderator_cannot_decide_their_own_claim(client, session, world):
    moderator = world.users["moderator"]
    own = ops.claim_organisation(session, actor_for(session, moderator), world.org_b, dict(CLAIM_FORM))
    session.commit()
    token = signed_in(client, world, moderator)
    response = client.post(f"/moderate/claims/{own.id}/decide", data={"decision": "approve", "csrf_token": token})
    assert response.status_code == 400 and "cannot decide your own claim" in response.get_data(as_text=True)
    assert session.get(Membership, (moderator.id, world.org_b.id)) is None


def test_claim_form_errors_name_the_field_and_keep_what_was_typed(client, session, world):
    token = signed_in(client, world, world.users["verified"])
    before = snapshot(session)
    response = client.post(
        f"/organisations/{world.org_b.id}/claim",
        data={"job_title": "", "phone": "call me", "note": "Kept note", "csrf_token": token},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Say what your role is at the organisation." in page and "Enter a phone number" in page
    assert 'href="#job_title"' in page and 'aria-describedby="phone-hint phone-error"' in page
    assert ">Kept note</textarea>" in page and 'value="call me"' in page
    assert snapshot(session) == before


@pytest.mark.parametrize("listed", [{"website": "https://www.club-c.org.uk/about"}, {"email": "office@club-c.org.uk"}])
def test_a_claim_from_the_organisations_own_domain_is_approved_at_once(app, client, session, world, listed):
    org = factories.organisation(session, name="Club C", **listed)
    person = factories.user(session, "pat@Club-C.org.uk", name="Pat")
    session.commit()
    token = signed_in(client, world, person)
    response = client.post(f"/organisations/{org.id}/claim", data=CLAIM_FORM | {"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/organisations/{org.id}/editors")
    claim = session.exec(select(Claim).where(Claim.user_id == person.id)).one()
    assert claim.status == "approved" and claim.auto_approved and "club-c.org.uk" in claim.reason
    assert session.get(Membership, (person.id, org.id)) is not None
    subjects = {m["Subject"]: recipients(m) for m in sent_mail(app)}
    assert subjects == {
        "Claim approved by email domain: Club C": {MODERATORS},
        "You can now edit Club C on Signpost": {"pat@club-c.org.uk"},
    }


def test_a_request_that_fails_after_its_operation_keeps_nothing_and_sends_no_mail(
    app, client, session, world, monkeypatch
):
    org = factories.organisation(session, name="Club C", website="https://www.club-c.org.uk")
    person = factories.user(session, "pat@Club-C.org.uk", name="Pat")
    session.commit()
    token = signed_in(client, world, person)

    def broken(_message):  # after the claim is made, approved and its mail is due
        raise RuntimeError("the page could not be finished")

    monkeypatch.setattr("directory.views.claims.flash", broken)
    response = client.post(f"/organisations/{org.id}/claim", data=CLAIM_FORM | {"csrf_token": token})
    assert response.status_code == 500
    assert session.exec(select(Claim).where(Claim.user_id == person.id)).all() == []
    assert session.get(Membership, (person.id, org.id)) is None and sent_mail(app) == []


def test_bad_input_rolls_back_what_the_operation_did_before_refusing(client, session, world, monkeypatch):
    token = signed_in(client, world, world.users["moderator"])
    claim, decide = world.claims["A"], ops.decide_claim

    def decide_then_refuse(db, *args, **kwargs):
        decide(db, *args, **kwargs)
        raise ops.InputError({"reason": ["Refused after deciding."]})

    monkeypatch.setattr("directory.views.claims.ops.decide_claim", decide_then_refuse)
    response = client.post(
        f"/moderate/claims/{claim.id}/decide",
        data={"decision": "approve", "reason": "Checked by phone.", "csrf_token": token},
    )
    assert response.status_code == 400 and "Refused after deciding." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Claim, claim.id).status == "pending"


def test_views_and_the_api_leave_committing_to_the_request():
    root = pathlib.Path(__file__).resolve().parent.parent / "directory"
    found = [
        f"{path.relative_to(root)}:{n}"
        for folder in ("views", "api")
        for path in sorted((root / folder).glob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.(commit|rollback)\(", line)
    ]
    assert found == []


@pytest.mark.parametrize(
    "listed, address",
    [
        ({"email": "clubd@gmail.com"}, "anyone@gmail.com"),
        ({"email": "clubd@hotmail.co.uk", "website": "https://hotmail.co.uk"}, "someone@hotmail.co.uk"),
        ({"website": "https://www.facebook.com/clubd"}, "staff@facebook.com"),
        ({"email": "clubd@yahoo.co.uk"}, "someone@mail.yahoo.co.uk"),
        ({"website": "https://club-d.org.uk"}, "crook@club-d.org.uk.evil.example"),
        ({"website": "https://club-d.org.uk"}, "crook@notclub-d.org.uk"),
    ],
)
def test_webmail_and_lookalike_domains_never_approve_a_claim(client, session, world, listed, address):
    org = factories.organisation(session, name="Club D", **listed)
    person = factories.user(session, address, name="Someone")
    session.commit()
    token = signed_in(client, world, person)
    assert client.post(f"/organisations/{org.id}/claim", data=CLAIM_FORM | {"csrf_token": token}).status_code == 303
    claim = session.exec(select(Claim).where(Claim.user_id == person.id)).one()
    assert claim.status == "pending" and not claim.auto_approved
    assert session.get(Membership, (person.id, org.id)) is None


def test_a_second_pending_claim_and_a_claim_by_an_editor_are_refused(app, client, session, world):
    token = signed_in(client, world, world.users["verified"])
    path = f"/organisations/{world.org_a.id}/claim"
    assert client.post(path, data=CLAIM_FORM | {"csrf_token": token}).status_code == 303
    before, mail = snapshot(session), len(sent_mail(app))
    again = client.post(path, data=CLAIM_FORM | {"csrf_token": token})
    assert again.status_code == 400 and "already asked" in again.get_data(as_text=True)
    assert "You asked to edit" in client.get(path).get_data(as_text=True)
    token = signed_in(client, world, world.users["editor_a"])
    member = client.post(path, data=CLAIM_FORM | {"csrf_token": token})
    assert member.status_code == 400 and "already edit" in member.get_data(as_text=True)
    assert snapshot(session) == before and len(sent_mail(app)) == mail


# Invitations -------------------------------------------------------------------------------


def test_an_invitation_is_emailed_with_a_link_that_works_once(app, client, session, world):
    invitee = factories.user(session, "new.person@example.net", name="New Person")
    session.commit()
    token = signed_in(client, world, world.users["editor_a"])
    response = client.post(
        f"/organisations/{world.org_a.id}/invite", data={"email": "New.Person@Example.net", "csrf_token": token}
    )
    assert response.status_code == 303
    [message] = sent_mail(app)
    assert recipients(message) == {"new.person@example.net"}
    link = re.search(rf"{re.escape(BASE_URL)}/invitations/(\S+)", body(message))
    emailed = link.group(1)
    invitation = session.exec(select(Invitation)).one()
    assert invitation.token_hash == hashlib.sha256(emailed.encode()).hexdigest()
    assert emailed not in repr(invitation.model_dump())  # only its hash is stored
    assert invitation.expires_at.date() == (utcnow() + timedelta(days=14)).date()
    assert "new.person@example.net" in client.get(f"/organisations/{world.org_a.id}/editors").get_data(as_text=True)

    token = signed_in(client, world, invitee)
    page = client.get(f"/invitations/{emailed}").get_data(as_text=True)
    assert "Eddie A invited you" in page and "Accept and start editing" in page
    response = client.post(f"/invitations/{emailed}", data={"csrf_token": token})
    assert response.status_code == 303
    membership = session.get(Membership, (invitee.id, world.org_a.id))
    assert membership.added_by == world.users["editor_a"].id
    before = snapshot(session)
    again = client.post(f"/invitations/{emailed}", data={"csrf_token": token})
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert snapshot(session) == before


def test_an_invitation_for_another_address_is_refused(client, session, world):
    emailed = invite(session, world.coeditor_a, world.org_a, "someone.else@example.net")
    token = signed_in(client, world, world.users["verified"])
    assert "sent to a different email address" in client.get(f"/invitations/{emailed}").get_data(as_text=True)
    before = snapshot(session)
    response = client.post(f"/invitations/{emailed}", data={"csrf_token": token})
    assert response.status_code == 403 and "different email address" in response.get_data(as_text=True)
    assert snapshot(session) == before


def test_an_expired_invitation_is_refused(client, session, world):
    emailed = invite(session, world.coeditor_a, world.org_a, "visitor@example.net", now=utcnow() - timedelta(days=15))
    token = signed_in(client, world, world.users["verified"])
    assert client.get(f"/invitations/{emailed}").status_code == 410
    before = snapshot(session)
    response = client.post(f"/invitations/{emailed}", data={"csrf_token": token})
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert snapshot(session) == before


def test_an_invitation_from_someone_since_removed_no_longer_works(client, session, world):
    emailed = invite(session, world.coeditor_a, world.org_a, "visitor@example.net")
    ops.remove_member(session, actor_for(session, world.users["editor_a"]), world.org_a, world.coeditor_a, utcnow())
    session.commit()
    token = signed_in(client, world, world.users["verified"])
    response = client.post(f"/invitations/{emailed}", data={"csrf_token": token})
    assert response.status_code == 410 and "no longer valid" in response.get_data(as_text=True)
    assert session.get(Membership, (world.users["verified"].id, world.org_a.id)) is None


def test_a_new_invitation_replaces_the_earlier_link(client, session, world):
    first = invite(session, world.coeditor_a, world.org_a, "visitor@example.net")
    second = invite(session, world.coeditor_a, world.org_a, "visitor@example.net")
    token = signed_in(client, world, world.users["verified"])
    assert client.post(f"/invitations/{first}", data={"csrf_token": token}).status_code == 410
    assert client.post(f"/invitations/{second}", data={"csrf_token": token}).status_code == 303


@pytest.mark.parametrize("bad", ["not-a-token", "x" * 5000, "%00", "<script>"])
def test_an_unknown_invitation_link_is_a_404(client, world, bad):
    token = signed_in(client, world, world.users["verified"])
    assert client.get(f"/invitations/{bad}").status_code == 404
    assert client.post(f"/invitations/{bad}", data={"csrf_token": token}).status_code == 404


def test_inviting_someone_who_already_edits_is_refused(client, session, world):
    token = signed_in(client, world, world.users["editor_a"])
    before = snapshot(session)
    for address in ("coeditor-a@example.net", "not an address", ""):
        response = client.post(f"/organisations/{world.org_a.id}/invite", data={"email": address, "csrf_token": token})
        assert response.status_code == 400 and 'aria-describedby="email-hint email-error"' in response.get_data(
            as_text=True
        )
    assert snapshot(session) == before


# Removing editors --------------------------------------------------------------------------


def test_an_editor_removes_another_editor(client, session, world):
    token = signed_in(client, world, world.users["editor_a"])
    response = client.post(
        f"/organisations/{world.org_a.id}/editors/remove",
        data={"user_id": str(world.coeditor_a.id), "csrf_token": token},
    )
    assert response.status_code == 303
    assert session.get(Membership, (world.coeditor_a.id, world.org_a.id)) is None
    assert "Co Editor no longer edits" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_last_editor_can_only_be_removed_by_a_moderator(client, session, world):
    path = f"/organisations/{world.org_b.id}/editors/remove"
    token = signed_in(client, world, world.editor_b)
    before = snapshot(session)
    response = client.post(path, data={"user_id": str(world.editor_b.id), "csrf_token": token})
    assert response.status_code == 400 and "last editor cannot be removed" in response.get_data(as_text=True)
    assert snapshot(session) == before
    token = signed_in(client, world, world.users["moderator"])
    assert client.post(path, data={"user_id": str(world.editor_b.id), "csrf_token": token}).status_code == 303
    assert session.get(Membership, (world.editor_b.id, world.org_b.id)) is None


def test_an_editor_can_stop_editing_when_someone_else_still_edits(client, session, world):
    token = signed_in(client, world, world.coeditor_a)
    response = client.post(
        f"/organisations/{world.org_a.id}/editors/remove",
        data={"user_id": str(world.coeditor_a.id), "csrf_token": token},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/organisations/{world.org_a.id}")
    assert session.get(Membership, (world.coeditor_a.id, world.org_a.id)) is None


# Who may do what: role x action x own/other organisation ------------------------------------

ROLES = ("anonymous", "unverified", "verified", "plain_a", "editor_a", "moderator", "admin")
# Each role's answer for the action aimed at organisation A, then at organisation B. The editor
# of A owns A and not B; plain_a edits A's listings without owning it. 302: sent to sign in; 403: refused; 400: refused as bad input; 303: done.
EXPECTED = {
    "claim": dict(
        anonymous=(302, 302),
        unverified=(403, 403),
        verified=(303, 303),
        plain_a=(400, 303),
        editor_a=(400, 303),
        moderator=(303, 303),
        admin=(303, 303),
    ),
    "decide": dict(
        anonymous=(302, 302),
        unverified=(403, 403),
        verified=(403, 403),
        plain_a=(403, 403),
        editor_a=(403, 403),
        moderator=(303, 303),
        admin=(303, 303),
    ),
    "invite": dict(
        anonymous=(302, 302),
        unverified=(403, 403),
        verified=(403, 403),
        plain_a=(403, 403),
        editor_a=(303, 403),
        moderator=(303, 303),
        admin=(303, 303),
    ),
    "remove": dict(
        anonymous=(302, 302),
        unverified=(403, 403),
        verified=(403, 403),
        plain_a=(403, 403),
        editor_a=(303, 403),
        moderator=(303, 303),
        admin=(303, 303),
    ),
    # the user id in the hidden field belongs to the other organisation's editor
    "remove_swapped_user": dict(
        anonymous=(302, 302),
        unverified=(403, 403),
        verified=(403, 403),
        plain_a=(403, 403),
        editor_a=(400, 403),
        moderator=(400, 400),
        admin=(400, 400),
    ),
    "accept": dict(
        anonymous=(302, 302),
        unverified=(403, 403),
        verified=(303, 303),
        plain_a=(303, 303),
        editor_a=(303, 303),
        moderator=(303, 303),
        admin=(303, 303),
    ),
    # only moderators name an organisation's owners
    "name_owner": dict(
        anonymous=(302, 302),
        unverified=(403, 403),
        verified=(403, 403),
        plain_a=(403, 403),
        editor_a=(403, 403),
        moderator=(303, 303),
        admin=(303, 303),
    ),
}


def request_for(action: str, session, world: World, target: str, actor: User | None) -> tuple[str, dict]:
    """The URL and form for an action aimed at organisation `target`, with the other organisation's ids slipped in."""
    org, other = world.org(target), world.org("B" if target == "A" else "A")
    planted = {"organisation_id": str(other.id), "organisation": str(other.id)}
    if action == "claim":
        return f"/organisations/{org.id}/claim", CLAIM_FORM | planted | {"user_id": str(world.coeditor_a.id)}
    if action == "decide":
        return f"/moderate/claims/{world.claims[target].id}/decide", {
            "decision": "approve",
            "claim_id": str(world.claims["B" if target == "A" else "A"].id),
        } | planted
    if action == "invite":
        return f"/organisations/{org.id}/invite", {"email": "new.person@example.net"} | planted
    if action == "name_owner":
        # The target organisation's claimant, made a plain editor of it for this row.
        session.add(Membership(user_id=world.claims[target].user_id, organisation_id=org.id))
        session.commit()
        return f"/organisations/{org.id}/editors/owner", {"user_id": str(world.claims[target].user_id)} | planted
    if action == "remove":
        return f"/organisations/{org.id}/editors/remove", {"user_id": str(world.second_editor(target).id)} | planted
    if action == "remove_swapped_user":
        return f"/organisations/{org.id}/editors/remove", {
            "user_id": str(world.second_editor("B" if target == "A" else "A").id)
        }
    if action == "accept":
        # Stored directly: the operation will not invite a current editor, but one may have been invited before joining.
        emailed = f"table-{target}-token"
        session.add(
            Invitation(
                organisation_id=org.id,
                email=actor.email if actor else "nobody@example.net",
                token_hash=ops.token_hash(emailed),
                invited_by=world.second_editor(target).id,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        session.commit()
        return f"/invitations/{emailed}", planted
    raise AssertionError(action)


@pytest.mark.parametrize("target", ["A", "B"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", EXPECTED)
def test_permission_table(app, client, session, world, action, role, target):
    actor = world.users.get(role)
    url, form = request_for(action, session, world, target, actor)
    token = signed_in(client, world, actor)
    before, mail = snapshot(session), len(sent_mail(app))
    response = client.post(url, data=form | {"csrf_token": token})
    expected = EXPECTED[action][role][0 if target == "A" else 1]
    assert response.status_code == expected, response.get_data(as_text=True)[:2000]
    after = snapshot(session)
    if expected == 302:
        with app.test_request_context():
            assert response.headers["Location"].startswith(url_for("accounts.login"))
    if expected != 303:
        assert after == before and len(sent_mail(app)) == mail  # refused: nothing changed, nobody emailed
        return
    changes = changed_rows(before, after)
    assert changes
    # Done: only the organisation in the URL changed, whatever ids were planted in the form.
    for table, row in changes:
        assert row["organisation_id"] == world.org(target).id, (table, row)
        if table == "Claim" and action == "claim":
            assert row["user_id"] == actor.id


def test_a_permission_refusal_is_a_plain_403_page(client, world):
    signed_in(client, world, world.users["verified"])
    response = client.get("/moderate/claims")
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "Only Signpost&#39;s moderators can review claims." in page
    editors = client.get(f"/organisations/{world.org_a.id}/editors")
    assert editors.status_code == 403 and "Only the organisation&#39;s own editors" in editors.get_data(as_text=True)


def test_unverified_people_are_asked_to_confirm_their_address_first(client, world):
    signed_in(client, world, world.users["unverified"])
    page = client.get(f"/organisations/{world.org_a.id}/claim").get_data(as_text=True)
    assert "confirm your email address first" in page and 'name="job_title"' not in page


@pytest.mark.parametrize(
    "action, role",
    [
        ("claim", "verified"),
        ("decide", "moderator"),
        ("invite", "editor_a"),
        ("remove", "editor_a"),
        ("remove_swapped_user", "moderator"),
        ("accept", "verified"),
    ],
)
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_every_form_needs_the_csrf_token(app, client, session, world, action, role, token):
    actor = world.users[role]
    url, form = request_for(action, session, world, "A", actor)
    signed_in(client, world, actor)
    before, mail = snapshot(session), len(sent_mail(app))
    response = client.post(url, data=form | ({"csrf_token": token} if token else {}))
    assert response.status_code == 400
    assert snapshot(session) == before and len(sent_mail(app)) == mail


# Hostile and broken input ------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script>'


def test_hostile_text_is_shown_escaped_on_the_moderator_page(client, session, world):
    person = factories.user(session, "hostile@example.net", name='<img src=x onerror="alert(1)">')
    session.commit()
    token = signed_in(client, world, person)
    response = client.post(
        f"/organisations/{world.org_b.id}/claim",
        data={"job_title": HOSTILE, "phone": "0141 496 0000", "note": f"</textarea>{HOSTILE}"},
    )
    assert response.status_code == 400  # no token yet: refused
    response = client.post(
        f"/organisations/{world.org_b.id}/claim",
        data={"job_title": HOSTILE, "phone": HOSTILE, "note": f"</textarea>{HOSTILE}", "csrf_token": token},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "<script>" not in page and "&lt;script&gt;" in page  # the phone is refused
    assert (
        client.post(
            f"/organisations/{world.org_b.id}/claim",
            data={"job_title": HOSTILE, "phone": "0141 496 0000", "note": f"</textarea>{HOSTILE}", "csrf_token": token},
        ).status_code
        == 303
    )
    claim = session.exec(select(Claim).where(Claim.user_id == person.id)).one()
    claim.phone = HOSTILE  # as if stored before validation existed: the page must still escape it
    session.add(claim)
    session.commit()
    signed_in(client, world, world.users["moderator"])
    page = client.get("/moderate/claims").get_data(as_text=True)
    assert "<script>" not in page and "<img src=x" not in page and "</textarea><" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page and "&lt;img src=x" in page


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/organisations/not-a-uuid/claim"),
        ("post", "/organisations/00000000-0000-0000-0000-000000000000/claim"),
        ("get", "/organisations/not-a-uuid/editors"),
        ("post", "/organisations/not-a-uuid/invite"),
        ("post", "/organisations/not-a-uuid/editors/remove"),
        ("post", "/moderate/claims/not-a-uuid/decide"),
        ("post", "/moderate/claims/00000000-0000-0000-0000-000000000000/decide"),
    ],
)
def test_unknown_ids_are_a_404(client, world, method, path):
    token = signed_in(client, world, world.users["moderator"])
    form = {"csrf_token": token, "decision": "approve", "email": "a@b.org", "user_id": "x"}
    response = client.post(path, data=form) if method == "post" else client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "form",
    [
        {"decision": "maybe"},
        {"decision": ""},
        {},
        {"decision": "deny", "reason": "x" * 2001},
    ],
)
def test_a_broken_decision_is_a_400_that_changes_nothing(client, session, world, form):
    token = signed_in(client, world, world.users["moderator"])
    before = snapshot(session)
    response = client.post(f"/moderate/claims/{world.claims['A'].id}/decide", data=form | {"csrf_token": token})
    assert response.status_code == 400 and snapshot(session) == before


@pytest.mark.parametrize("user_id", ["", "not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_a_broken_removal_is_a_400_that_changes_nothing(client, session, world, user_id):
    token = signed_in(client, world, world.users["editor_a"])
    before = snapshot(session)
    response = client.post(
        f"/organisations/{world.org_a.id}/editors/remove", data={"user_id": user_id, "csrf_token": token}
    )
    assert response.status_code == 400 and snapshot(session) == before


def test_the_organisation_page_links_to_claiming_or_to_its_editors(client, world):
    assert "Ask to edit its listings" in client.get(f"/organisations/{world.org_a.id}").get_data(as_text=True)
    signed_in(client, world, world.users["editor_a"])
    page = client.get(f"/organisations/{world.org_a.id}").get_data(as_text=True)
    assert f"/organisations/{world.org_a.id}/editors" in page and "Ask to edit its listings" not in page
    assert "Ask to edit its listings" in client.get(f"/organisations/{world.org_b.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "given, domain",
    [
        ("https://www.Pantry.org.uk/about", "pantry.org.uk"),
        ("pantry.org.uk", "pantry.org.uk"),
        ("http://[::1", None),
        ("", None),
        (None, None),
    ],
)
def test_website_domain(given, domain):
    assert ops.website_domain(given) == domain


def test_shared_domains_include_subdomains_but_not_lookalikes():
    assert ops.is_shared_domain("gmail.com") and ops.is_shared_domain("mail.yahoo.co.uk")
    assert not ops.is_shared_domain("notgmail.com") and not ops.is_shared_domain(None)


# Owners and editors --------------------------------------------------------------------------


def test_a_just_invited_editor_cannot_remove_the_owner(client, session, world):
    token = signed_in(client, world, world.users["plain_a"])
    before = snapshot(session)
    response = client.post(
        f"/organisations/{world.org_a.id}/editors/remove",
        data={"user_id": str(world.users["editor_a"].id), "csrf_token": token},
    )
    assert response.status_code == 403 and "owners" in response.get_data(as_text=True)
    assert snapshot(session) == before
    page = client.get(f"/organisations/{world.org_a.id}/editors").get_data(as_text=True)
    assert "Owner" in page and "Send invitation" not in page  # editors see who edits, without the owners' forms


def test_an_approved_claimant_becomes_the_owner(client, session, world):
    token = signed_in(client, world, world.users["moderator"])
    client.post(f"/moderate/claims/{world.claims['B'].id}/decide", data={"decision": "approve", "csrf_token": token})
    session.expire_all()
    assert session.get(Membership, (world.claims["B"].user_id, world.org_b.id)).role == "owner"


def test_a_removed_editors_pending_changes_are_marked_in_the_queue_and_they_are_told(app, client, session, world):
    from directory.models import ChangeRequest

    plain = world.users["plain_a"]
    change = ChangeRequest(
        target_type="service",
        target_id=uuid.UUID(world.service_id),
        organisation_id=world.org_a.id,
        kind="update",
        proposed={"name": "Renamed"},
        submitted_by=plain.id,
    )
    session.add(change)
    session.commit()
    token = signed_in(client, world, world.users["editor_a"])
    mail = len(sent_mail(app))
    assert (
        client.post(
            f"/organisations/{world.org_a.id}/editors/remove", data={"user_id": str(plain.id), "csrf_token": token}
        ).status_code
        == 303
    )
    session.expire_all()
    assert session.get(ChangeRequest, change.id).submitter_removed_at is not None
    [told] = sent_mail(app)[mail:]
    assert recipients(told) == {"plain-a@example.net"} and "removed you" in body(told)
    signed_in(client, world, world.users["moderator"])
    assert "Sent by someone no longer an editor" in client.get("/moderate/changes").get_data(as_text=True)
