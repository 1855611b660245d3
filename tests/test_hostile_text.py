"""Hostile text through the service edit form, the JSON API and the spreadsheet importer: each payload is
cleaned or refused with a message naming the field, never a 500, and the service page, the ORUK JSON
and the CSV files show nothing hidden, nothing that runs and no formula."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from directory.db import get_db
from directory.models import ChangeRequest, Service
from importers.core import run_import
from importers.export_hsds import export_hsds
from importers.spreadsheet import open_spreadsheet
from importers.tables import write_rejects
from search import get_search
from tests import factories
from tests.api.rest_world import bearer, token_for
from tests.worlds import changed, read_form

PAYLOADS = {
    "bidi": "Volunteer With Us \u202eeerf\u202c",
    "zero_width": "Food\u200b bank\u200f\ufeff\u2066",
    "script": '"><script>alert(1)</script>',
    "javascript_url": "javascript:alert(1)",
    "formula": '=HYPERLINK("http://evil.example","x")',
    "long": "x" * 20_000,
    "nul": "Lunch\x00 club",
}
HIDDEN = ("\u202e", "\u202c", "\u200b", "\u200f", "\ufeff", "\u2066", "\x00")
REFUSED = {  # payload -> (field it is refused in, words of the message)
    "long": ("name", "Keep this to 200 characters or fewer (it has 20,000)."),
    "javascript_url": ("website", "is not a web address: it must start with https:// or http://"),
}


@pytest.fixture
def listing(session):
    org = factories.organisation(session, name="Parkhead Pantry Trust")
    venue = factories.location(session, org, name="Parkhead Hub")
    service = factories.service(session, org, locations=[venue], name="Community pantry")
    moderator = factories.user(session, "moderator@example.org", roles=("moderator",))
    editor = factories.user(session, "editor@example.org", trusted=True, organisations=[org])
    session.commit()
    return service.id, moderator, editor


def fields_for(kind: str) -> dict:
    value = PAYLOADS[kind]
    return (
        {"website": value}
        if kind == "javascript_url"
        else {"name": value, "description": value, "summary": value[:300]}
    )


def assert_no_hidden(text: str, where: str) -> None:
    for char in HIDDEN:
        assert char not in text, (where, repr(char))


def assert_neutral(text: str, where: str) -> None:
    """Nothing hidden, and no markup that would run (stored text is kept as text and escaped when shown)."""
    assert_no_hidden(text, where)
    assert "<script>alert" not in text and 'href="javascript' not in text.lower(), where


def assert_oruk_neutral(client, service_id) -> None:
    response = client.get(f"/oruk/services/{service_id}")
    assert response.status_code == 200
    assert_no_hidden(json.dumps(response.get_json(), ensure_ascii=False), "ORUK")  # text stays text in JSON
    url = response.get_json().get("url")
    assert url is None or (url.startswith(("https://", "http://")) and not set(url) & set("\"'<> "))


def assert_page_neutral(client, service_id) -> None:
    page = client.get(f"/services/{service_id}")
    assert page.status_code == 200
    assert_neutral(page.get_data(as_text=True), "service page")


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_the_edit_form_cleans_or_refuses_each_payload(app, client, session, listing, kind):
    service_id, moderator, _editor = listing
    factories.sign_in(client, moderator)
    action = f"/manage/services/{service_id}/edit"
    pairs = changed(read_form(client.get(action).get_data(as_text=True), action), **fields_for(kind))
    response = client.post(action, data=MultiDict(pairs))
    body = response.get_data(as_text=True)
    if kind in REFUSED:
        field, words = REFUSED[kind]
        assert response.status_code == 400 and words in body and f'id="{field}-error"' in body
    else:
        assert response.status_code == 303, body[:300]
    assert_neutral(body, "form response")
    session.expire_all()
    stored = session.get(Service, service_id)
    assert_no_hidden(stored.name + stored.description + (stored.website or ""), "database")
    assert_page_neutral(client, service_id)
    assert_oruk_neutral(client, service_id)


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_the_api_cleans_or_refuses_each_payload(app, client, session, listing, kind):
    service_id, _moderator, editor = listing
    secret = token_for(app, editor.id)
    response = client.patch(
        f"/api/services/{service_id}", json={"version": 1, **fields_for(kind)}, headers=bearer(secret)
    )
    if kind in REFUSED:
        field, words = REFUSED[kind]
        assert response.status_code == 422
        assert any(words in message for message in response.get_json()["errors"][field])
    else:
        assert response.status_code in (200, 202), response.get_data(as_text=True)[:300]
    session.expire_all()
    queued = [json.dumps(change.proposed, ensure_ascii=False) for change in session.exec(select(ChangeRequest))]
    live = session.get(Service, service_id)
    assert_no_hidden(" ".join(queued) + live.name + live.description, "stored or queued")
    assert_page_neutral(client, service_id)
    assert_oruk_neutral(client, service_id)


def test_the_importer_cleans_or_refuses_each_payload_and_its_csv_files_hold_no_formula(app, client, session, tmp_path):
    text = io.StringIO()
    rows = csv.writer(text)
    rows.writerow(["Org name", "Service", "Postcode", "Website", "Description"])
    for kind, value in PAYLOADS.items():
        if kind == "javascript_url":
            rows.writerow([f"Org {kind}", PAYLOADS["formula"], "G31 5EH", value, "Imported without its website"])
        else:
            rows.writerow([f"Org {kind}", value, "G31 5EH", "", value])
    path = tmp_path / "hostile.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    sheet = open_spreadsheet(path, "council")
    with app.app_context():
        report = run_import(
            get_db(app),
            sheet.records(),
            source="council",
            file_name=path.name,
            columns=sheet.headers,
            unmapped=sheet.unmapped,
            index=get_search(app),
        )
    problems = {(reject["column"], reject["problem"]) for reject in report.rejects}
    assert ("Service", "Keep this to 200 characters or fewer (it has 20,000).") in problems
    # A script address is left out with a warning; the listing is imported without it.
    assert any(
        column == "Website" and "'javascript:' addresses are not web pages" in words for column, words in problems
    )
    services = session.exec(select(Service)).all()
    assert len(services) == len(PAYLOADS) - 1 and not any(s.website for s in services)
    for service in services:
        assert_no_hidden(service.name + service.description, "imported")
        assert_page_neutral(client, service.id)
        assert_oruk_neutral(client, service.id)
    # The rejects file and the HSDS export: no cell starts a formula, and the rejects import as they were.
    write_rejects(tmp_path / "rejects.csv", sheet.headers, report.rejects)
    with app.test_request_context():
        export_hsds(get_db(app).sessionmaker(), tmp_path / "export")
    for written in [tmp_path / "rejects.csv", *(tmp_path / "export").glob("*.csv")]:
        for row in csv.reader(io.StringIO(written.read_text(encoding="utf-8-sig"))):
            assert not any(cell.startswith(("=", "@", "\t", "\r")) for cell in row), (written.name, row)
    rejected = list(csv.reader(io.StringIO((tmp_path / "rejects.csv").read_text(encoding="utf-8-sig"))))
    assert "'" + PAYLOADS["formula"] in rejected[1] + rejected[2]
    assert open_spreadsheet(tmp_path / "rejects.csv", "council").records  # readable again, apostrophes off
