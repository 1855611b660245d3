"""History: every publish records who, when, which fields, before and after; moderators restore old versions."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from directory.auth import actor_for
from directory.models import Revision, User
from directory.operations import InputError
from directory.operations.changes import restore_revision
from directory.operations.history import list_history
from directory.operations.moderation import service_snapshot, submit_service_change
from directory.permissions import SYSTEM, PermissionDenied

from .worlds import (
    changed,
    copied_app,
    database,
    edit_form,
    post,
    post_edit,
    service,
    signed_in,
    token,
)


@pytest.fixture
def app(template, tmp_path):
    """An app on a copy of the two-organisation world (tests/worlds.py)."""
    yield from copied_app(template, tmp_path)


def revisions(session) -> list[Revision]:
    session.expire_all()
    return list(session.exec(select(Revision).order_by(Revision.changed_at)))


def edit(app, session, world, role, **values):
    client = signed_in(app, session, world, role)
    assert post_edit(client, world.service_a, changed(edit_form(client, world.service_a), **values)).status_code == 303
    return client


def test_a_published_edit_records_who_when_which_fields_before_and_after(app, session, world):
    edit(app, session, world, "trusted", summary="Fresh fruit too", phone="0141 555 0111")
    [revision] = revisions(session)
    assert (revision.target_type, revision.target_id, revision.source) == ("service", world.service_a, "editor")
    assert (revision.changed_by, revision.changed_by_name) == (world.users["trusted"], "Tess Trusted")
    assert revision.changes == {
        "summary": ["Low-cost food shop", "Fresh fruit too"],
        "phone": ["0141 555 0100", "0141 555 0111"],
    }
    assert revision.snapshot == service_snapshot(service(session, world.service_a))
    assert abs((datetime.now(UTC) - revision.changed_at.replace(tzinfo=UTC)).total_seconds()) < 60


def test_a_moderator_edit_is_recorded_as_the_moderators(app, session, world):
    edit(app, session, world, "moderator", name="Parkhead larder")
    [revision] = revisions(session)
    assert (revision.changed_by_name, revision.source, revision.changes) == (
        "Mo Derator",
        "moderator",
        {"name": ["Community pantry", "Parkhead larder"]},
    )


def test_confirming_is_recorded(app, session, world):
    client = signed_in(app, session, world, "editor")
    response = post(client, f"/manage/services/{world.service_a}/confirm", [("csrf_token", token(client, "/manage"))])
    assert response.status_code == 303 and "now shows it was checked today" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    [revision] = revisions(session)
    assert set(revision.changes) == {"last_verified_at", "verified_by", "verification_method"}
    assert revision.changes["verification_method"] == [None, "owner"] and revision.changes["verified_by"] == [
        None,
        "Sam Editor",
    ]
    live = service(session, world.service_a)
    assert live.verification_method == "owner" and live.last_verified_at is not None and live.version == 1


def test_a_moderator_confirming_another_organisations_listing_is_recorded_as_moderator_checked(app, session, world):
    client = signed_in(app, session, world, "moderator")
    post(client, f"/manage/services/{world.service_b}/confirm", [("csrf_token", token(client, "/moderate/changes"))])
    assert service(session, world.service_b).verification_method == "moderator"


def test_archiving_is_recorded_and_raises_the_version(app, session, world):
    client = signed_in(app, session, world, "editor")
    response = post(
        client,
        f"/manage/services/{world.service_a}/archive",
        [("csrf_token", token(client, "/manage")), ("archive_reason", "Funding ended")],
    )
    assert response.status_code == 303
    [revision] = revisions(session)
    assert revision.changes["archive_reason"] == [None, "Funding ended"] and revision.changes["archived_at"][0] is None
    live = service(session, world.service_a)
    assert live.archived_at is not None and live.version == 2
    assert app.test_client().get(f"/services/{world.service_a}").status_code == 410


def test_the_history_page_shows_each_change_newest_first(app, session, world):
    edit(app, session, world, "trusted", summary="First change")
    edit(app, session, world, "trusted", summary="Second change")
    page = (
        signed_in(app, session, world, "moderator")
        .get(f"/moderate/services/{world.service_a}/history")
        .get_data(as_text=True)
    )
    rows = re.findall(r'<tr><th scope="row">Summary</th><td>([^<]*)</td><td>([^<]*)</td>', page)
    assert rows == [("First change", "Second change"), ("Low-cost food shop", "First change")]
    assert page.count("Tess Trusted") == 2 and "Published by an editor" in page
    assert page.count("Restore this version") == 1  # not offered for the current version


def test_restore_brings_back_an_old_version_and_is_itself_recorded(app, session, world):
    edit(app, session, world, "moderator", summary="Changed once", **{"schedules-0-weekday": "WE"})
    edit(app, session, world, "moderator", summary="Changed twice", min_age="")
    moderator = signed_in(app, session, world, "moderator")
    first = revisions(session)[0]
    response = post(
        moderator, f"/moderate/revisions/{first.id}/restore", [("csrf_token", token(moderator, "/moderate/changes"))]
    )
    assert response.status_code == 303
    live = service(session, world.service_a)
    assert (live.summary, [s.weekday for s in live.schedules], live.min_age, live.version) == (
        "Changed once",
        ["WE"],
        16,
        4,
    )
    restored = revisions(session)[-1]
    assert restored.source == "restore" and restored.changed_by_name == "Mo Derator"
    assert restored.changes == {"summary": ["Changed twice", "Changed once"], "min_age": [None, 16]}
    page = moderator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Restored from an earlier version" in page and "Restored the version" in page


def test_restoring_a_version_the_same_as_the_live_one_is_refused(app, session, world):
    edit(app, session, world, "moderator", summary="Changed once")
    moderator = signed_in(app, session, world, "moderator")
    [only] = revisions(session)
    before = database(session)
    response = post(
        moderator, f"/moderate/revisions/{only.id}/restore", [("csrf_token", token(moderator, "/moderate/changes"))]
    )
    assert response.status_code == 400 and "already matches this version" in response.get_data(as_text=True)
    assert database(session) == before


def test_only_moderators_restore(session, world, app):
    edit(app, session, world, "moderator", summary="Changed once")
    edit(app, session, world, "moderator", summary="Changed twice")
    first = revisions(session)[0]
    trusted = actor_for(session, session.get(User, world.users["trusted"]))
    with pytest.raises(PermissionDenied):
        restore_revision(session, trusted, first, datetime(2031, 6, 1, tzinfo=UTC))
    with pytest.raises(PermissionDenied):
        list_history(session, trusted, "service", world.service_a)


def test_every_publish_path_leaves_a_revision(app, session, world):
    live = service(session, world.service_a)
    submit_service_change(
        session, SYSTEM, live.organisation, live, {**service_snapshot(live), "summary": "By the system"}, live.version
    )
    session.commit()
    edit(app, session, world, "trusted", summary="By Tess")
    client = edit(app, session, world, "editor", summary="By Sam")
    moderator = signed_in(app, session, world, "moderator")
    from directory.models import ChangeRequest

    change = session.exec(select(ChangeRequest)).one()
    path = f"/moderate/changes/{change.id}"
    post(moderator, path, [("csrf_token", token(moderator, path)), ("decision", "approve")])
    post(client, f"/manage/services/{world.service_a}/confirm", [("csrf_token", token(client, "/manage"))])
    first = revisions(session)[0]
    post(moderator, f"/moderate/revisions/{first.id}/restore", [("csrf_token", token(moderator, "/moderate/changes"))])
    post(
        client,
        f"/manage/services/{world.service_a}/archive",
        [("csrf_token", token(client, "/manage")), ("archive_reason", "Closed")],
    )
    names = [r.changed_by_name for r in revisions(session)]
    assert names == [
        "Signpost",
        "Tess Trusted",
        "Sam Editor, approved by Mo Derator",
        "Sam Editor",
        "Mo Derator",
        "Sam Editor",
    ]
    assert [r.source for r in revisions(session)] == ["system", "editor", "moderator", "editor", "restore", "editor"]
    assert all(r.changes for r in revisions(session))


def test_a_restore_that_would_link_a_venue_now_elsewhere_is_refused_cleanly(app, session, world):
    edit(app, session, world, "moderator", summary="Changed once")
    edit(app, session, world, "moderator", summary="Changed twice")
    first = revisions(session)[0]
    bad = dict(first.snapshot, location_ids=[str(world.location_b)])
    first.snapshot = bad
    session.add(first)
    session.commit()
    moderator = actor_for(session, session.get(User, world.users["moderator"]))
    with pytest.raises(InputError, match="another organisation"):
        restore_revision(session, moderator, first, datetime(2031, 6, 1, tzinfo=UTC))
    session.rollback()
    assert service(session, world.service_a).summary == "Changed twice"
