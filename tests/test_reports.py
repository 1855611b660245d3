"""Report a problem: stored, the organisation and moderators told, protected against abuse."""

from __future__ import annotations

import email
import pathlib
import re
from email.utils import getaddresses

import pytest
from sqlmodel import select

from directory.models import ProblemReport

from . import factories
from .conftest import migrated_app


@pytest.fixture
def app(tmp_path):
    return migrated_app(tmp_path, MODERATOR_EMAILS="mods@signpost.example.org, lead@signpost.example.org")


@pytest.fixture
def listing(app, session):
    org = factories.organisation(session, email="hello@pantry.example.org")
    service = factories.service(session, org, name="Parkhead Pantry")
    factories.user(session, "volunteer@pantry.example.org", organisations=[org])
    factories.user(session, "unconfirmed@pantry.example.org", organisations=[org], verified=False)
    session.commit()
    return service


def csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sent_mail(app) -> list[email.message.Message]:
    folder = pathlib.Path(app.instance_path) / "mail"
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def test_a_report_is_stored_and_emailed_to_the_organisation_its_editors_and_moderators(app, client, session, listing):
    path = f"/services/{listing.id}"
    response = client.post(
        f"{path}/report", data={"kind": "wrong_times", "note": "Now Thursdays", "csrf_token": csrf(client, path)}
    )
    assert response.status_code == 303
    assert "Thank you" in client.get(response.headers["Location"]).get_data(as_text=True)
    report = session.exec(select(ProblemReport)).one()
    assert (report.kind, report.note, report.status, report.service_id) == (
        "wrong_times",
        "Now Thursdays",
        "open",
        listing.id,
    )
    [message] = sent_mail(app)
    assert {address for _, address in getaddresses([message["To"]])} == {
        "hello@pantry.example.org",
        "volunteer@pantry.example.org",
        "mods@signpost.example.org",
        "lead@signpost.example.org",
    }
    body = message.get_payload(decode=True).decode()
    assert "Parkhead Pantry" in body and "days or times are wrong" in body and "Now Thursdays" in body


def test_a_report_without_a_choice_is_refused_and_keeps_the_note(client, session, listing):
    path = f"/services/{listing.id}"
    response = client.post(f"{path}/report", data={"note": "It moved", "csrf_token": csrf(client, path)})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choose what is wrong." in page and ">It moved</textarea>" in page
    assert session.exec(select(ProblemReport)).all() == []


def test_a_report_needs_the_csrf_token(client, session, listing):
    response = client.post(f"/services/{listing.id}/report", data={"kind": "closed"})
    assert response.status_code == 400
    assert session.exec(select(ProblemReport)).all() == []


def test_a_hostile_note_is_stored_as_text_and_shown_escaped(client, session, listing):
    path = f"/services/{listing.id}"
    client.post(f"{path}/report", data={"kind": "other", "note": "x" * 1001, "csrf_token": csrf(client, path)})
    assert session.exec(select(ProblemReport)).all() == []  # too long: refused
    response = client.post(
        f"{path}/report", data={"kind": "bogus", "note": "<script>alert(1)</script>", "csrf_token": csrf(client, path)}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "&lt;script&gt;" in page and "<script>alert(1)" not in page


def test_reports_are_rate_limited(client, listing):
    path = f"/services/{listing.id}"
    token = csrf(client, path)
    codes = [client.post(f"{path}/report", data={"kind": "closed", "csrf_token": token}).status_code for _ in range(6)]
    assert codes[:5] == [303] * 5 and codes[5] == 429


def test_reporting_an_unknown_service_is_a_404(client, listing):
    token = csrf(client, f"/services/{listing.id}")
    assert client.post("/services/not-a-uuid/report", data={"kind": "closed", "csrf_token": token}).status_code == 404
