"""The admin import screens: upload, dry run, confirm, past imports, rejects; who may use them."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlmodel import select

from directory.models import ChangeRequest, ImportRun, Service
from tests import factories

from .conftest import HEADER, PANTRY, WALK, import_file, spreadsheet

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
GOOD = "\r\n".join([HEADER, PANTRY, WALK, "Hub,Lunch,G31 5EH,,,150,,,,,"]).encode()


def sign_in(client, session, roles=("admin",)) -> str:
    account = factories.user(session, f"{'-'.join(roles) or 'editor'}@example.org", roles=roles)
    session.commit()
    factories.sign_in(client, account)
    page = client.get("/account").get_data(as_text=True)
    return TOKEN.search(page).group(1)


def upload(client, token, data: bytes = GOOD, name: str = "council list.csv", **form):
    return client.post(
        "/admin/imports",
        data={"csrf_token": token, "file": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data",
    )


def test_an_admin_uploads_sees_the_dry_run_then_confirms_without_uploading_again(app, client, session):
    token = sign_in(client, session)
    response = upload(client, token)
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert "nothing has been changed yet" in page and "Community pantry" in page
    assert "row 4" in page and "Age from" in page and "Age must be between 0 and 120." in page
    assert session.exec(select(Service)).all() == []
    dry = session.exec(select(ImportRun)).one()
    stored = Path(app.instance_path) / "imports" / dry.stored_file
    assert dry.dry_run and dry.source == "council-list" and stored.is_file() and "council" not in stored.name

    response = client.post(f"/admin/imports/{dry.id}/confirm", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert "Import of council list.csv" in page and "Imported council list.csv." in page
    session.expire_all()
    assert sorted(session.exec(select(Service.name))) == ["Community pantry", "Health walk", "Lunch"]
    assert session.get(ImportRun, dry.id).stored_file is None and not stored.exists()
    again = client.post(f"/admin/imports/{dry.id}/confirm", data={"csrf_token": token})
    assert "already been imported" in client.get(again.location).get_data(as_text=True)
    assert len(session.exec(select(Service)).all()) == 3


def test_past_imports_are_listed_with_counts_and_rejects_download(app, client, session):
    token = sign_in(client, session)
    upload(client, token)
    page = client.get("/admin/imports").get_data(as_text=True)
    assert "council list.csv" in page and "Check only" in page
    run = session.exec(select(ImportRun)).one()
    response = client.get(f"/admin/imports/{run.id}/rejects.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="rejected-council list.csv"'
    text = response.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER + ",Error"
    assert (
        text.splitlines()[1].startswith("Hub,Lunch,G31 5EH,,,150")
        and "Warning, Age from: Age must be between 0 and 120." in text
    )


@pytest.mark.parametrize(
    "data, name, words",
    [
        (b"%PDF-1.4", "list.pdf", "is not a spreadsheet Signpost can read"),
        (b"Organisation,Service\n", "list.xlsx", "does not hold what its name says"),
        (b"", "list.csv", "the one chosen is empty"),
        (b"\n\n", "list.csv", "The file is empty"),
    ],
)
def test_a_wrong_file_gets_a_clear_message_and_nothing_is_kept(app, client, session, data, name, words):
    token = sign_in(client, session)
    response = upload(client, token, data, name)
    assert response.status_code == 400 and words in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert session.exec(select(Service)).all() == []


def test_a_file_over_the_limit_is_refused_with_a_message(app, client, session, monkeypatch):
    from directory.operations import imports

    monkeypatch.setattr(imports, "UPLOAD_LIMIT", 100)
    token = sign_in(client, session)
    response = upload(client, token, GOOD * 2)
    assert response.status_code == 400 and "larger than" in response.get_data(as_text=True)


def test_uploading_needs_the_csrf_token(app, client, session):
    sign_in(client, session)
    response = upload(client, "forged")
    assert response.status_code == 400 and session.exec(select(ImportRun)).all() == []


@pytest.mark.parametrize("roles", [("moderator",), ("link_worker",), ()])
def test_only_administrators_see_or_use_the_import_screens(app, client, session, roles):
    token = sign_in(client, session, roles)
    assert client.get("/admin/imports").status_code == 403
    assert upload(client, token).status_code == 403
    assert session.exec(select(ImportRun)).all() == [] and session.exec(select(Service)).all() == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/admin/imports").status_code in (302, 303)


def test_a_moderator_decides_a_possible_duplicate_from_the_queue(app, client, session, tmp_path):
    org = factories.organisation(session, name="Parkhead Pantry Trust")
    existing = factories.service(session, org, locations=[factories.location(session, org)], name="Community Pantry")
    session.commit()
    import_file(app, spreadsheet(tmp_path, PANTRY))
    change = session.exec(select(ChangeRequest)).one()
    token = sign_in(client, session, ("moderator",))
    queue = client.get("/moderate/changes").get_data(as_text=True)
    assert "Possible duplicate from an import" in queue and f"/moderate/merges/{change.id}" in queue
    page = client.get(f"/moderate/merges/{change.id}").get_data(as_text=True)
    assert "Community Pantry" in page and "Community pantry" in page and "similarity" in page
    refused = client.post(f"/moderate/merges/{change.id}", data={"csrf_token": token})
    assert refused.status_code == 400 and "Choose whether" in refused.get_data(as_text=True)
    done = client.post(f"/moderate/merges/{change.id}", data={"csrf_token": token, "decision": "separate"})
    assert done.status_code == 303
    session.expire_all()
    assert (
        len(session.exec(select(Service)).all()) == 2 and session.get(Service, existing.id).name == "Community Pantry"
    )


def test_checking_a_file_already_imported_offers_nothing_to_import(app, client, session):
    token = sign_in(client, session)
    dry = client.get(upload(client, token).location)
    run_id = re.search(r"/admin/imports/([0-9a-f-]+)/confirm", dry.get_data(as_text=True))[1]
    client.post(f"/admin/imports/{run_id}/confirm", data={"csrf_token": token})
    page = client.get(upload(client, token).location).get_data(as_text=True)
    assert "Nothing to import" in page and "/confirm" not in page


@pytest.mark.parametrize("roles", [("moderator",), ("link_worker",), ()])
def test_only_administrators_confirm_an_import(app, session, roles):
    admin, other = app.test_client(), app.test_client()
    upload(admin, sign_in(admin, session))
    dry = session.exec(select(ImportRun)).one()
    response = other.post(f"/admin/imports/{dry.id}/confirm", data={"csrf_token": sign_in(other, session, roles)})
    assert response.status_code == 403
    session.expire_all()
    assert session.exec(select(Service)).all() == [] and session.get(ImportRun, dry.id).dry_run


@pytest.mark.parametrize("roles", [("link_worker",), ()])
def test_only_moderators_decide_a_possible_duplicate(app, client, session, tmp_path, roles):
    org = factories.organisation(session, name="Parkhead Pantry Trust")
    factories.service(session, org, locations=[factories.location(session, org)], name="Community Pantry")
    session.commit()
    import_file(app, spreadsheet(tmp_path, PANTRY))
    change = session.exec(select(ChangeRequest)).one()
    token = sign_in(client, session, roles)
    response = client.post(f"/moderate/merges/{change.id}", data={"csrf_token": token, "decision": "separate"})
    assert response.status_code == 403
    session.expire_all()
    assert session.get(ChangeRequest, change.id).status == "pending" and len(session.exec(select(Service)).all()) == 1
