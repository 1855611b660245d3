"""Administrators manage accounts and organisations; moderators reach every queue from one page."""

from __future__ import annotations

import pytest
from sqlmodel import select

from directory.models import Revision, User

from .worlds import (
    copied_app,
    database,
    post,
    signed_in,
    token,
)


@pytest.fixture
def app(template, tmp_path):
    """An app on a copy of the two-organisation world (tests/worlds.py)."""
    yield from copied_app(template, tmp_path)


def account(session, world, role) -> User:
    session.expire_all()
    return session.get(User, world.users[role])


def access(client, user_id, roles=(), trusted=False):
    path = f"/admin/users/{user_id}"
    pairs = (
        [("csrf_token", token(client, path))]
        + [("roles", role) for role in roles]
        + ([("trusted", "1")] if trusted else [])
    )
    return post(client, f"{path}/access", pairs)


def test_the_landing_page_counts_what_is_waiting_and_links_every_queue(app, session, world):
    page = signed_in(app, session, world, "moderator").get("/admin").get_data(as_text=True)
    for link in ("/moderate/claims", "/moderate/changes"):
        assert f'href="{link}"' in page
    assert "/admin/users" not in page  # moderators do not administer accounts
    admin = signed_in(app, session, world, "admin").get("/admin").get_data(as_text=True)
    assert 'href="/admin/users"' in admin and 'href="/admin/organisations"' in admin


@pytest.mark.parametrize(
    "role, status", [("editor", 403), ("outsider", 403), ("unverified", 403), ("moderator", 200), ("admin", 200)]
)
def test_only_moderators_open_the_landing_page(app, session, world, role, status):
    assert signed_in(app, session, world, role).get("/admin").status_code == status


@pytest.mark.parametrize(
    "path", ["/admin/users", "/admin/organisations", "/admin/users/{user}", "/admin/organisations/{org}"]
)
@pytest.mark.parametrize("role, status", [("moderator", 403), ("editor", 403), ("admin", 200)])
def test_only_admins_open_the_account_and_organisation_pages(app, session, world, path, role, status):
    url = path.format(user=world.users["editor"], org=world.org_a)
    assert signed_in(app, session, world, role).get(url).status_code == status


def test_accounts_are_searched_by_name_or_address(app, session, world):
    admin = signed_in(app, session, world, "admin")
    page = admin.get("/admin/users?q=calder").get_data(as_text=True)
    assert "Bea Walker" in page and "Sam Editor" not in page
    page = admin.get("/admin/users?q=TESS").get_data(as_text=True)
    assert "Tess Trusted" in page and "Bea Walker" not in page
    assert "Sam Editor" not in admin.get("/admin/users?q=%25").get_data(
        as_text=True
    )  # % is a character, not a wildcard
    assert admin.get("/admin/users?q=" + "x" * 10_000).status_code == 200


def test_an_admin_grants_and_revokes_roles_and_trust_and_it_is_recorded(app, session, world):
    admin = signed_in(app, session, world, "admin")
    editor_id = world.users["editor"]
    assert access(admin, editor_id, ["moderator", "link_worker"], trusted=True).status_code == 303
    user = account(session, world, "editor")
    assert (user.roles, user.trusted) == (["link_worker", "moderator"], True)
    assert access(admin, editor_id, ["link_worker"]).status_code == 303
    user = account(session, world, "editor")
    assert (user.roles, user.trusted) == (["link_worker"], False)
    revisions = session.exec(
        select(Revision).where(Revision.target_id == editor_id).order_by(Revision.changed_at)
    ).all()
    assert [r.changes for r in revisions] == [
        {"roles": [[], ["link_worker", "moderator"]], "trusted": [False, True]},
        {"roles": [["link_worker", "moderator"], ["link_worker"]], "trusted": [True, False]},
    ]
    assert all(r.changed_by_name == "Ada Min" and r.target_type == "user" for r in revisions)
    page = admin.get(f"/admin/users/{editor_id}").get_data(as_text=True)
    assert "Ada Min" in page and "Trusted editor" in page


def test_an_unknown_role_is_refused_and_changes_nothing(app, session, world):
    admin = signed_in(app, session, world, "admin")
    before = database(session)
    response = access(admin, world.users["editor"], ["superuser"])
    assert response.status_code == 400 and "is not a role" in response.get_data(as_text=True)
    assert database(session) == before


def test_an_admin_cannot_remove_their_own_admin_role_or_disable_themselves(app, session, world):
    admin = signed_in(app, session, world, "admin")
    before = database(session)
    response = access(admin, world.users["admin"], ["moderator"])
    assert response.status_code == 400 and "your own administrator role" in response.get_data(as_text=True)
    path = f"/admin/users/{world.users['admin']}"
    response = post(admin, f"{path}/disable", [("csrf_token", token(admin, path)), ("archive_reason", "Oops")])
    assert response.status_code == 400 and "your own account" in response.get_data(as_text=True)
    assert database(session) == before


def test_a_disabled_account_is_signed_out_at_once_and_can_be_enabled_again(app, session, world):
    editor = signed_in(app, session, world, "editor")
    assert editor.get("/manage").status_code == 200
    admin = signed_in(app, session, world, "admin")
    path = f"/admin/users/{world.users['editor']}"
    csrf = token(admin, path)
    response = post(admin, f"{path}/disable", [("csrf_token", csrf), ("archive_reason", "")])
    assert response.status_code == 400 and "Give a reason" in response.get_data(as_text=True)
    assert (
        post(admin, f"{path}/disable", [("csrf_token", csrf), ("archive_reason", "Left the pantry")]).status_code == 303
    )
    assert account(session, world, "editor").disabled_at is not None
    assert editor.get("/manage").status_code == 302  # the old session no longer works
    assert "Left the pantry" in admin.get(path).get_data(as_text=True)
    assert post(admin, f"{path}/enable", [("csrf_token", csrf)]).status_code == 303
    assert account(session, world, "editor").disabled_at is None
    assert editor.get("/manage").status_code == 302  # enabling again does not bring old sessions back
    assert len(session.exec(select(Revision).where(Revision.target_id == world.users["editor"])).all()) == 2


def test_organisations_are_listed_searched_and_show_their_members(app, session, world):
    admin = signed_in(app, session, world, "admin")
    page = admin.get("/admin/organisations?q=calder").get_data(as_text=True)
    assert "Calder Valley Walkers" in page and "Parkhead Pantry Trust" not in page
    page = admin.get(f"/admin/organisations/{world.org_a}").get_data(as_text=True)
    for name in ("Sam Editor", "Tess Trusted", "Una Verified", "Community pantry", "Parkhead Hub"):
        assert name in page
    assert "Bea Walker" not in page


def test_an_archived_organisation_is_listed_only_when_asked_and_can_be_brought_back(app, session, world):
    admin = signed_in(app, session, world, "admin")
    path = f"/admin/organisations/{world.org_b}"
    csrf = token(admin, path)
    assert (
        post(
            admin, f"/manage/organisations/{world.org_b}/archive", [("csrf_token", csrf), ("archive_reason", "Merged")]
        ).status_code
        == 303
    )
    assert "Calder Valley Walkers" not in admin.get("/admin/organisations").get_data(as_text=True)
    listing = admin.get("/admin/organisations?archived=1").get_data(as_text=True)
    assert "Calder Valley Walkers" in listing and "Archived" in listing
    page = admin.get(path).get_data(as_text=True)
    assert "Merged" in page and f"/moderate/organisations/{world.org_b}/unarchive" in page
    assert post(admin, f"/moderate/organisations/{world.org_b}/unarchive", [("csrf_token", csrf)]).status_code == 303
    assert "Calder Valley Walkers" in admin.get("/admin/organisations").get_data(as_text=True)


def test_the_queue_and_claims_pages_lead_back_to_the_landing_page(app, session, world):
    moderator = signed_in(app, session, world, "moderator")
    for path in ("/moderate/changes", "/moderate/claims", "/manage"):
        assert 'href="/admin"' in moderator.get(path).get_data(as_text=True), path


def test_roles_given_from_the_command_line_are_recorded_too(app, session, world):
    from directory.operations.accounts import set_roles
    from directory.permissions import SYSTEM

    set_roles(session, SYSTEM, account(session, world, "outsider"), ["link_worker"])
    session.commit()
    revision = session.exec(select(Revision).where(Revision.target_id == world.users["outsider"])).one()
    assert (revision.changes, revision.changed_by_name) == ({"roles": [[], ["link_worker"]]}, "Signpost")


@pytest.mark.postgres
def test_searches_treat_wildcards_as_characters_on_postgresql(postgres_url):
    from sqlalchemy import create_engine
    from sqlmodel import Session

    from directory import migrate
    from directory.models import Organisation
    from directory.operations.admin import find_organisations, find_users
    from directory.permissions import SYSTEM

    engine = create_engine(postgres_url)
    migrate.upgrade(engine)
    with Session(engine) as db:
        db.add_all(
            [
                User(email="a_b@example.org", password_hash="x", name="100% Sam/Kim"),
                User(email="ab@example.org", password_hash="x", name="Other"),
                Organisation(name="50% Pantry"),
                Organisation(name="Pantry"),
            ]
        )
        db.flush()
        assert [u.email for u in find_users(db, SYSTEM, "A_B")] == ["a_b@example.org"]
        assert [u.name for u in find_users(db, SYSTEM, "sam/k")] == ["100% Sam/Kim"]
        assert [r.organisation.name for r in find_organisations(db, SYSTEM, "50%")] == ["50% Pantry"]
        db.rollback()
    migrate.downgrade(engine, "base")
    engine.dispose()
