"""Two saves of the same listing at the same moment: the second is refused, never written over the first."""

from __future__ import annotations

import pytest
from sqlmodel import select

from directory.db import get_db
from directory.models import Revision, Service
from directory.operations import InputError
from directory.operations.moderation import STALE, service_snapshot, submit_service_change
from directory.permissions import SYSTEM

from . import factories


def test_a_save_that_lost_the_race_is_refused_with_the_stale_message(app, session):
    org = factories.organisation(session)
    service_id = factories.service(session, org, summary="As it was").id
    session.commit()
    elsewhere = get_db(app).sessionmaker()  # another web process, which read the listing at the same time
    try:
        mine, theirs = session.get(Service, service_id), elsewhere.get(Service, service_id)
        assert mine.version == theirs.version == 1
        submit_service_change(
            elsewhere,
            SYSTEM,
            theirs.organisation,
            theirs,
            service_snapshot(theirs) | {"summary": "Their change"},
            base_version=1,
        )
        elsewhere.commit()

        # This process still holds version 1 in memory, so its own version check passes; the
        # database's conditional update is what refuses it.
        with pytest.raises(InputError) as refused:
            submit_service_change(
                session,
                SYSTEM,
                mine.organisation,
                mine,
                service_snapshot(mine) | {"summary": "My change"},
                base_version=1,
            )
        assert refused.value.messages == {"base_version": [STALE]}
    finally:
        elsewhere.close()
    session.rollback()
    saved = session.get(Service, service_id)
    assert (saved.summary, saved.version) == ("Their change", 2)
    assert len(session.exec(select(Revision).where(Revision.target_id == service_id)).all()) == 1


def test_a_confirmation_racing_an_edit_is_a_409_page_not_a_500(app, session, monkeypatch):
    org = factories.organisation(session)
    service = factories.service(session, org)
    session.commit()
    from sqlalchemy.orm.exc import StaleDataError

    import directory.views.manage as manage

    def racing(*_args, **_kwargs):
        raise StaleDataError("UPDATE statement on table 'service' expected to update 1 row(s); 0 were matched.")

    editor = factories.user(session, "ed@pantry.example.org", organisations=[org], trusted=True)
    session.commit()
    monkeypatch.setattr(manage, "confirm_service", racing)
    client = app.test_client()
    factories.sign_in(client, editor)
    page = client.get(f"/manage/services/{service.id}/edit").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(f"/manage/services/{service.id}/confirm", data={"csrf_token": token})
    assert answer.status_code == 409
    assert "This listing changed while you were editing" in answer.get_data(as_text=True)


def test_a_clash_found_only_at_the_commit_is_a_409_and_says_nothing_was_saved(app, session, monkeypatch):
    org = factories.organisation(session)
    service = factories.service(session, org)
    editor = factories.user(session, "ed@pantry.example.org", organisations=[org], trusted=True)
    session.commit()
    from sqlalchemy.orm.exc import StaleDataError
    from sqlmodel import Session

    def clash(self):
        raise StaleDataError("UPDATE statement on table 'service' expected to update 1 row(s); 0 were matched.")

    client = app.test_client()
    factories.sign_in(client, editor)
    page = client.get(f"/manage/services/{service.id}/edit").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    with monkeypatch.context() as patch:
        patch.setattr(Session, "commit", clash)  # the request's one commit, after the view said "Thank you"
        answer = client.post(f"/manage/services/{service.id}/confirm", data={"csrf_token": token})
    assert answer.status_code == 409
    later = client.get(f"/manage/services/{service.id}/edit").get_data(as_text=True)
    assert "now shows it was checked today" not in later  # the view's "Thank you" went with the failed commit
    session.expire_all()
    assert session.get(Service, service.id).last_verified_at == service.last_verified_at
