"""Security as an attacker would try it: every write route by role and organisation, forged ids,
hostile payloads through every form, CSRF on every POST, and the security headers on every page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Blueprint
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from directory.extensions import FRAMEABLE_BLUEPRINTS, allow_framing, frameable, limiter
from directory.models import ChangeRequest, Location, Organisation, Service

from . import factories
from .worlds import (
    ROLES,
    as_role,
    changed,
    copied_app,
    database,
    post,
    read_form,
    signed_in,
    token,
)


@pytest.fixture
def app(template, tmp_path):
    """An app on a copy of the two-organisation world (tests/worlds.py)."""
    yield from copied_app(template, tmp_path)


# Every POST route, and the test that puts it through a role x own/other organisation table.
# A new write route fails test_every_write_route_is_in_a_permission_table until it is added here.
COVERED = {
    "tests/test_manage.py::test_every_write_route_by_role_and_organisation": {
        "manage.save_service",
        "manage.new_service",
        "manage.confirm",
        "manage.archive",
        "manage.suggest",
        "manage.decide",
        "manage.close",
        "manage.restore",
    },
    "tests/test_claims.py::test_permission_table": {
        "claims.claim_post",
        "claims.decide",
        "claims.invite",
        "claims.remove",
        "claims.accept",
        "claims.name_owner",
    },
    "this file: test_new_write_routes_by_role_and_organisation": {
        "organisations.propose",
        "organisations.edit_organisation",
        "organisations.new_location",
        "organisations.edit_location",
        "organisations.archive",
        "organisations.unarchive",
        "admin.access",
        "admin.sign_in_access",
    },
    "tests/importers/test_views_imports.py: only administrators import, only moderators decide": {
        "imports.upload",
        "imports.confirm",
        "imports.decide_merge",
    },
    # The JSON API: bearer tokens only (a browser session never counts, so there is no CSRF to forge).
    "tests/api/test_rest_write.py: a token acts only for its owner's organisations": {
        "rest.create_service",
        "rest.confirm",
    },
    # The Open Referral feed is read-only: every write method gets a JSON 405.
    "tests/api/test_oruk.py: writes are refused": {"oruk.unknown_path"},
    # A signed, expiring, single-use link from a review reminder (tampered, reused and expired links
    # are refused in tests/freshness/test_reminders.py).
    "tests/freshness/test_reminders.py: review links": {"freshness.answer"},
    # Routes that act only on the visitor's own account, session or shortlist, or that anyone may use
    # (a problem report); their own tests cover them, and no organisation or other account is involved.
    "own account, own session, or open to all": {
        "public.report",
        "shortlist.add",
        "shortlist.remove",
        "shortlist.note",
        "shortlist.move",
        "shortlist.clear",
        "shortlist.save",
        "accounts.register",
        "accounts.resend_verification",
        "accounts.login",
        "accounts.logout",
        "accounts.reset_request",
        "accounts.reset_password",
        "accounts.change_name",
        "accounts.change_password",
        "accounts.change_email",
        "accounts.confirm_email",
        "accounts.sign_out_everywhere",
        "accounts.create_api_token",
        "accounts.revoke_api_token",
    },
}


def post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def test_every_write_route_is_in_a_permission_table(app):
    covered = set().union(*COVERED.values())
    assert post_endpoints(app) - covered == set(), "add the new route to a permission table"
    assert covered - post_endpoints(app) == set()


# Role x route x own/other organisation for the organisation, venue and admin routes -------------


def _targets(session, world) -> dict:
    """Per organisation: an unused venue to archive, and an archived service and venue to bring back."""
    from directory.operations.organisations import archive_record
    from directory.permissions import SYSTEM

    made = {}
    for key, org_id in (("a", world.org_a), ("b", world.org_b)):
        org = session.get(Organisation, org_id)
        spare = factories.location(session, org, name=f"Spare room {key}")
        gone_venue = factories.location(session, org, name=f"Old hall {key}")
        gone_service = factories.service(session, org, name=f"Old group {key}")
        archive_record(session, SYSTEM, gone_venue, "Closed")
        gone_service.archived_at, gone_service.archive_reason = gone_venue.archived_at, "Stopped"
        made[key] = {"spare": spare.id, "venue": gone_venue.id, "service": gone_service.id}
    session.commit()
    return made


def _form(app, session, world, path) -> list[tuple[str, str]]:
    moderator = signed_in(app, session, world, "moderator")
    return [(n, v) for n, v in read_form(moderator.get(path).get_data(as_text=True), path) if n != "csrf_token"]


def _requests(app, session, world, made, org: str) -> list[tuple[str, str, list]]:
    """(route, path, form) in an order where each route still finds what it acts on."""
    own_org, other_org = (world.org_a, world.org_b) if org == "a" else (world.org_b, world.org_a)
    venue = world.location_a if org == "a" else world.location_b
    other_venue = world.location_b if org == "a" else world.location_a
    editor = world.users["editor"] if org == "a" else world.users["editor_b"]
    planted = [("organisation_id", str(other_org)), ("id", str(other_venue)), ("location_id", str(other_venue))]
    org_edit = f"/manage/organisations/{own_org}/edit"
    venue_edit = f"/manage/locations/{venue}/edit"
    return [
        ("propose", "/organisations/new", [("name", f"New group {org}")]),
        ("org_edit", org_edit, changed(_form(app, session, world, org_edit), phone="0141 555 0999") + planted),
        (
            "venue_new",
            f"/manage/organisations/{own_org}/locations/new",
            [("name", "Annexe"), ("postcode", "G31 5EH")] + planted,
        ),
        ("venue_edit", venue_edit, changed(_form(app, session, world, venue_edit), travel_notes="Bus 2") + planted),
        ("venue_archive", f"/manage/locations/{made[org]['spare']}/archive", [("archive_reason", "Gone")] + planted),
        ("service_unarchive", f"/moderate/services/{made[org]['service']}/unarchive", planted),
        ("venue_unarchive", f"/moderate/locations/{made[org]['venue']}/unarchive", planted),
        ("access", f"/admin/users/{editor}/access", [("roles", "admin"), ("trusted", "1")]),
        ("disable", f"/admin/users/{editor}/disable", [("archive_reason", "Testing")]),
        ("org_archive", f"/manage/organisations/{own_org}/archive", [("archive_reason", "Closed")] + planted),
        ("org_unarchive", f"/moderate/organisations/{own_org}/unarchive", planted),
    ]


def other_organisation(session, organisation_id) -> list[str]:
    """The other organisation's row, its venues and services, and the changes queued for them."""
    session.expire_all()
    rows = [session.get(Organisation, organisation_id)]
    for model in (Location, Service, ChangeRequest):
        rows += session.exec(select(model).where(model.organisation_id == organisation_id)).all()
    return sorted(repr(row.model_dump()) for row in rows)


EDITS = ("org_edit", "venue_new", "venue_edit", "venue_archive", "org_archive")
MODERATE = EDITS + ("service_unarchive", "venue_unarchive", "org_unarchive")
NEW_EXPECTED = {
    # role: (routes allowed on organisation A, on organisation B); the editor and trusted editor edit A only.
    "anonymous": ((), ()),
    "unverified": ((), ()),
    "outsider": (("propose",), ("propose",)),
    "editor": (("propose",) + EDITS, ("propose",)),
    "trusted": (("propose",) + EDITS, ("propose",)),
    "moderator": (("propose",) + MODERATE, ("propose",) + MODERATE),
    "admin": (("propose",) + MODERATE + ("access", "disable"), ("propose",) + MODERATE + ("access", "disable")),
}


@pytest.fixture
def no_rate_limits():
    limiter.enabled = False
    yield
    limiter.enabled = True


@pytest.mark.parametrize("org", ["a", "b"])
@pytest.mark.parametrize("role", ROLES)
def test_new_write_routes_by_role_and_organisation(app, client, session, world, role, org, no_rate_limits):
    made = _targets(session, world)
    requests = _requests(app, session, world, made, org)
    as_role(client, session, world, role)
    csrf = token(client, f"/services/{world.service_a}")
    allowed = NEW_EXPECTED[role][0 if org == "a" else 1]
    other = world.org_b if org == "a" else world.org_a
    for route, path, data in requests:
        before, theirs = database(session), other_organisation(session, other)
        response = client.post(path, data=MultiDict(data + [("csrf_token", csrf)]))
        after = database(session)
        assert other_organisation(session, other) == theirs, (role, org, route)  # whatever ids the form planted
        if route in allowed:
            assert response.status_code == 303, (
                role,
                org,
                route,
                response.status_code,
                response.get_data(as_text=True)[:300],
            )
            assert after != before, (role, org, route)
        else:
            expected = 302 if role == "anonymous" else 403
            assert response.status_code == expected, (role, org, route, response.status_code)
            assert after == before, (role, org, route)


def test_ids_planted_in_a_venue_form_change_only_the_venue_in_the_url(app, client, session, world):
    as_role(client, session, world, "trusted")
    path = f"/manage/locations/{world.location_a}/edit"
    pairs = read_form(client.get(path).get_data(as_text=True), path)
    planted = [("organisation_id", str(world.org_b)), ("id", str(world.location_b))]
    assert post(client, path, changed(pairs, travel_notes="Side door") + planted).status_code == 303
    session.expire_all()
    ours, theirs = session.get(Location, world.location_a), session.get(Location, world.location_b)
    assert (ours.travel_notes, ours.organisation_id) == ("Side door", world.org_a)
    assert theirs.travel_notes == "" and theirs.version == 1


@pytest.mark.parametrize("role", ["editor", "trusted"])
def test_an_editor_cannot_reach_another_organisations_forms_by_changing_the_url(app, client, session, world, role):
    as_role(client, session, world, role)
    for path in (
        f"/manage/organisations/{world.org_b}/edit",
        f"/manage/locations/{world.location_b}/edit",
        f"/manage/organisations/{world.org_b}/locations/new",
        f"/moderate/organisations/{world.org_b}/history",
    ):
        assert client.get(path).status_code == 403, path


def test_an_editor_cannot_make_themselves_an_admin(app, client, session, world):
    as_role(client, session, world, "editor")
    before = database(session)
    response = post(
        client,
        f"/admin/users/{world.users['editor']}/access",
        [("csrf_token", token(client, "/manage")), ("roles", "admin")],
    )
    assert response.status_code == 403 and database(session) == before


# CSRF: every POST route refuses a request without the token --------------------------------------


def _url(rule, world) -> str:
    values = {"raw_id": str(world.service_a), "token": "t" * 20, "kind": "services", "verb": "disable"}
    return (
        rule.rule.replace("<any(organisations, locations):kind>", "organisations")
        .replace("<any(organisations, locations, services):kind>", "services")
        .replace("<any(disable, enable):verb>", "disable")
        .replace("<raw_id>", values["raw_id"])
        .replace("<token>", values["token"])
        .replace("<action>", "confirm")
        .replace("<token_id>", values["raw_id"])
    )


# Routes that never act on a browser session, so a forged cross-site request carries nothing to use.
NO_COOKIES = {"rest.create_service", "rest.confirm", "oruk.unknown_path"}


def test_routes_without_csrf_refuse_a_signed_in_browser(app, session, world, no_rate_limits):
    client = signed_in(app, session, world, "admin")
    before = database(session)
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NO_COOKIES and "POST" in rule.methods:
            url = re.sub(r"<[^>]+>", str(world.org_a if "organisations" in rule.rule else world.service_a), rule.rule)
            response = client.post(url, json={"name": "X"})
            assert response.status_code in (401, 405), (rule.endpoint, response.status_code)
    assert database(session) == before


def test_every_post_route_refuses_a_request_without_a_csrf_token(app, session, world, no_rate_limits):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    client = signed_in(app, session, world, "admin")
    before = database(session)
    rules = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.endpoint not in NO_COOKIES]
    assert len(rules) == len(post_endpoints(app) - NO_COOKIES) >= 39
    for rule in rules:
        url = _url(rule, world)
        assert "<" not in url, url
        response = client.post(url, data={"name": "X", "archive_reason": "X", "roles": "admin", "decision": "approve"})
        assert response.status_code == 400, (rule.endpoint, response.status_code)
        assert "CSRF" in response.get_data(as_text=True), rule.endpoint
    assert database(session) == before


# Security headers on every page -------------------------------------------------------------------


def _pages(app, world, made_change) -> list[str]:
    ids = {
        "public.service": world.service_a,
        "public.organisation": world.org_a,
        "manage.edit_service": world.service_a,
        "manage.history": world.service_a,
        "manage.organisation_history": world.org_a,
        "manage.location_history": world.location_a,
        "organisations.edit_location": world.location_a,
        "manage.review": made_change,
        "admin.user": world.users["editor"],
    }
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = rule.rule
        for name in rule.arguments:
            value = (
                ids.get(rule.endpoint, world.org_a) if name == "raw_id" else {"filename": "signpost.css"}.get(name, "x")
            )
            url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), url)
        pages.append(url)
    return pages + ["/no-such-page", "/services/not-an-id"]


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_every_page_sends_the_security_headers(app, session, world):
    editor = signed_in(app, session, world, "editor")
    change_path = f"/manage/services/{world.service_a}/edit"
    post(
        editor,
        change_path,
        changed(read_form(editor.get(change_path).get_data(as_text=True), change_path), summary="New"),
    )
    change = session.exec(select(ChangeRequest)).first()
    admin = signed_in(app, session, world, "admin")
    statuses = set()
    for path in _pages(app, world, change.id):
        response = admin.get(path)
        statuses.add(response.status_code)
        assert response.status_code < 500, path
        headers = response.headers
        policy = _directives(headers["Content-Security-Policy"])
        scripts = policy.get("script-src", policy["default-src"])
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, path
        assert policy["object-src"] == ["'none'"], path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer", "same-origin"), path
        assert policy["frame-ancestors"] == ["'none'"], path
        if not path.startswith("/static/"):
            assert headers["X-Frame-Options"] == "DENY", path
    assert {200, 404} <= statuses


def test_an_error_page_and_a_refusal_send_the_headers_too(app, client, session, world):
    as_role(client, session, world, "outsider")
    for response in (client.get("/admin"), client.post("/manage/services/x/confirm"), client.get("/services/x")):
        assert response.status_code in (400, 403, 404)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_widget_blueprint_can_be_exempted_from_the_framing_ban(app):
    widget = Blueprint("widget_probe", __name__)
    widget.add_url_rule("/probe/widget", "show", lambda: "widget")
    other = Blueprint("probe_other", __name__)
    other.add_url_rule("/probe/one", "one", frameable(lambda: "one"))
    other.add_url_rule("/probe/two", "two", lambda: "two")
    allow_framing(widget)
    try:
        app.register_blueprint(widget)
        app.register_blueprint(other)
        client = app.test_client()
        for path in ("/probe/widget", "/probe/one"):
            response = client.get(path)
            assert (
                "frame-ancestors *" in response.headers["Content-Security-Policy"]
                and "X-Frame-Options" not in response.headers
            )
            assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        response = client.get("/probe/two")
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
    finally:
        FRAMEABLE_BLUEPRINTS.discard("widget_probe")


# Hostile payloads through every form ---------------------------------------------------------------

HOSTILE = {
    "script": "<script>alert('x')</script>",
    "handler": '"><img src=x onerror=alert(1)>',
    "attribute": "' autofocus onfocus='alert(1)",
    "javascript_url": "javascript:alert(document.cookie)",
    "long": "Long " + "a" * 10_000,
    "control": "Food\x00 for\x1b all\x07\x7f",
    "rtl": "Pantry \u202egnp.exe",
}
DANGEROUS = (
    "<script>alert",
    "<img src=x",
    "onfocus='alert",
    'href="javascript:',
    "href='javascript:",
    "\x00",
    "\x1b",
    "\u202e",
)


class TextFields(HTMLParser):
    """The names of the text controls (inputs and textareas) in the form posting to `action`."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.names = action, False, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action", "").split("?")[0].endswith(self.action)
        elif (
            self.inside
            and tag == "textarea"
            or self.inside
            and tag == "input"
            and attrs.get("type", "text") in ("text", "email", "url", "tel", "search", "date", "time", "number")
        ):
            if attrs.get("name") and not re.search(r"-[1-9]\d*-", attrs["name"]):  # one row of each repeated group
                self.names.append(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def assert_harmless(page: str, where: str) -> None:
    for text in DANGEROUS:
        assert text not in page, (where, text)


FORMS = {
    # name: (role, page with the form, the form's action)
    "organisation": ("moderator", "/manage/organisations/{org_a}/edit", "/manage/organisations/{org_a}/edit"),
    "proposal": ("outsider", "/organisations/new", "/organisations/new"),
    "new_venue": (
        "editor",
        "/manage/organisations/{org_a}/locations/new",
        "/manage/organisations/{org_a}/locations/new",
    ),
    "venue": ("moderator", "/manage/locations/{location_a}/edit", "/manage/locations/{location_a}/edit"),
    "service": ("moderator", "/manage/services/{service_a}/edit", "/manage/services/{service_a}/edit"),
    "new_service": (
        "editor",
        "/manage/organisations/{org_a}/services/new",
        "/manage/organisations/{org_a}/services/new",
    ),
    "suggestion": ("anonymous", "/services/{service_a}", "/services/{service_a}/suggest"),
    "report": ("anonymous", "/services/{service_a}", "/services/{service_a}/report"),
    "claim": ("outsider", "/organisations/{org_b}/claim", "/organisations/{org_b}/claim"),
    "invite": ("moderator", "/organisations/{org_a}/editors", "/organisations/{org_a}/invite"),
    "disable": ("admin", "/admin/users/{editor}", "/admin/users/{editor}/disable", "/admin/users/{editor}/enable"),
    "account_name": ("editor", "/account", "/account/name"),
    "register": ("anonymous", "/account/register", "/account/register"),
    "search": ("anonymous", "/search", "/search"),
    "user_search": ("admin", "/admin/users", "/admin/users"),
    "organisation_search": ("admin", "/admin/organisations", "/admin/organisations"),
}


def _fill(path: str, world) -> str:
    return path.format(
        org_a=world.org_a,
        org_b=world.org_b,
        service_a=world.service_a,
        location_a=world.location_a,
        editor=world.users["editor"],
    )


@pytest.mark.parametrize("form_name", list(FORMS))
def test_hostile_payloads_through_every_form_are_refused_clearly_or_shown_harmlessly(
    app, session, world, form_name, no_rate_limits
):
    role, page_path, action, *undo = (_fill(part, world) for part in FORMS[form_name])
    client = signed_in(app, session, world, role)
    page = client.get(page_path).get_data(as_text=True)
    finder = TextFields(action)
    finder.feed(page)
    assert finder.names, f"no text fields in the form posting to {action}"
    method_get = f'method="get" action="{action}"' in page or form_name.endswith("search")
    form = read_form(page, action)
    # The new-service form is the edit form's twin: each payload goes into all its text fields at once.
    fields = [finder.names] if form_name == "new_service" else [[name] for name in finder.names]
    for names in fields:
        for kind, payload in HOSTILE.items():
            pairs = changed(form, **{name: payload for name in names})
            if method_get:
                response = client.get(action, query_string=MultiDict(pairs))
            else:
                response = client.post(action, data=MultiDict(pairs))
            body = response.get_data(as_text=True)
            if response.status_code in (303, 409):  # stored (or refused as stale): read the form afresh
                if undo:  # so the form is there for the next payload
                    client.post(undo[0], data={"csrf_token": dict(pairs)["csrf_token"]})
                form = read_form(client.get(page_path).get_data(as_text=True), action)
            assert response.status_code in (200, 303, 400, 409, 410), (form_name, names, kind, response.status_code)
            if response.status_code == 400:
                assert "error-message" in body or "error-summary" in body or "There is a problem" in body, (
                    form_name,
                    names,
                    kind,
                )
            assert_harmless(body, f"{form_name} {names} {kind}")
    # Everything stored is shown escaped wherever it appears.
    admin = signed_in(app, session, world, "admin")
    session.expire_all()
    shown = [
        "/manage",
        "/moderate/changes",
        "/moderate/claims",
        f"/services/{world.service_a}",
        f"/organisations/{world.org_a}",
        f"/moderate/services/{world.service_a}/history",
        f"/moderate/organisations/{world.org_a}/history",
        f"/moderate/locations/{world.location_a}/history",
        f"/admin/organisations/{world.org_a}",
        f"/admin/users/{world.users['editor']}",
        "/admin/users",
        "/admin/organisations",
    ]
    shown += [f"/moderate/changes/{change.id}" for change in session.exec(select(ChangeRequest))]
    for path in shown:
        response = admin.get(path)
        assert response.status_code < 500, path
        assert_harmless(response.get_data(as_text=True), path)
    as_editor = signed_in(app, session, world, "editor")
    assert_harmless(as_editor.get("/manage").get_data(as_text=True), "editor's dashboard")


def test_hostile_reasons_and_names_are_stored_as_text_and_shown_escaped(app, session, world):
    admin = signed_in(app, session, world, "admin")
    csrf = token(admin, "/admin")
    payload = HOSTILE["script"] + HOSTILE["handler"]
    assert (
        post(
            admin, f"/admin/users/{world.users['editor']}/disable", [("csrf_token", csrf), ("archive_reason", payload)]
        ).status_code
        == 303
    )
    assert (
        post(
            admin, f"/manage/organisations/{world.org_b}/archive", [("csrf_token", csrf), ("archive_reason", payload)]
        ).status_code
        == 303
    )
    session.expire_all()
    assert session.get(Organisation, world.org_b).archive_reason == payload
    for path in (
        f"/admin/users/{world.users['editor']}",
        f"/admin/organisations/{world.org_b}",
        f"/moderate/organisations/{world.org_b}/history",
    ):
        page = admin.get(path).get_data(as_text=True)
        assert "&lt;script&gt;" in page, path
        assert_harmless(page, path)
