"""The two-organisation world that many web tests share, and helpers to sign in, read and post forms.

The `template` and `world` fixtures (tests/conftest.py) build the world once per test module; a module
whose tests run on it defines `app` as `copied_app(template, tmp_path)`.
"""

from __future__ import annotations

import email
import html
import pathlib
import re
import shutil
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser

from sqlalchemy import text
from sqlmodel import SQLModel
from werkzeug.datastructures import MultiDict

from directory.db import get_db
from directory.models import Service

from . import factories
from .conftest import make_app, migrated_app, snapshot_database

ROLES = ("anonymous", "unverified", "outsider", "editor", "trusted", "moderator", "admin")


# A directory with two organisations, built once and copied for each test ------------------------


@dataclass(frozen=True)
class World:
    org_a: uuid.UUID
    org_b: uuid.UUID
    service_a: uuid.UUID
    service_b: uuid.UUID
    location_a: uuid.UUID
    location_b: uuid.UUID
    users: dict


def build_world(session) -> World:
    """Organisation A (a pantry) and B (walkers), a service and venue each, and one account per role."""
    a = factories.organisation(session, name="Parkhead Pantry Trust", email="hello@pantry.example.org")
    b = factories.organisation(session, name="Calder Valley Walkers", email="walks@calder.example.org")
    venue_a = factories.location(session, a, name="Parkhead Hub")
    factories.location(session, a, name="Parkhead Library", address_1="64 Tollcross Road")
    venue_b = factories.location(session, b, name="Calder Hall")
    service_a = factories.service(
        session,
        a,
        locations=[venue_a],
        name="Community pantry",
        min_age=16,
        categories=["food/food-pantry"],
        schedules=[{"weekday": "TU", "opens_at": "10:00", "closes_at": "12:00"}],
        referral_routes=[{"route_type": "drop_in", "status": "accepting"}],
        seasons=[{"start_month": 4, "end_month": 9, "end_day": 30}],
        funding=[{"source": "Lottery", "status": "funded", "funded_until": "2030-03-31"}],
        areas=[{"area_type": "local_authority", "code": "S12000049", "name": "Glasgow City"}],
        phone="0141 555 0100",
        languages=["en", "ur"],
    )
    service_b = factories.service(session, b, locations=[venue_b], name="Valley walks", summary="Gentle walks")
    users = {
        "unverified": factories.user(
            session, "new@pantry.example.org", verified=False, organisations=[a], name="Una Verified"
        ),
        "outsider": factories.user(session, "someone@example.org", name="Oli Outsider"),
        "editor": factories.user(session, "editor@pantry.example.org", organisations=[a], name="Sam Editor"),
        "trusted": factories.user(
            session, "trusted@pantry.example.org", organisations=[a], trusted=True, name="Tess Trusted"
        ),
        "editor_b": factories.user(session, "editor@calder.example.org", organisations=[b], name="Bea Walker"),
        "moderator": factories.user(session, "mod@signpost.example.org", roles=["moderator"], name="Mo Derator"),
        "admin": factories.user(session, "admin@signpost.example.org", roles=["admin"], name="Ada Min"),
    }
    session.commit()
    return World(a.id, b.id, service_a.id, service_b.id, venue_a.id, venue_b.id, {k: u.id for k, u in users.items()})


def make_template(tmp_path_factory):
    """A migrated database and index holding the world, to copy (much faster than migrating per test)."""
    folder = tmp_path_factory.mktemp("manage-template")
    app = migrated_app(folder)
    with app.app_context():
        session = get_db(app).sessionmaker()
        world = build_world(session)
        session.close()
    get_db(app).engine.dispose()
    return folder, world, snapshot_database()


def copied_app(template, tmp_path):
    """An app on a fresh copy of the template's database and index (the index folder is a relative link)."""
    shutil.copytree(template[0] / "instance", tmp_path / "instance", symlinks=True)
    if template[2] is not None:  # on PostgreSQL the rows are restored; on SQLite the file was copied
        template[2].restore()
    app = make_app(tmp_path, MODERATOR_EMAILS="mods@signpost.example.org")
    yield app
    get_db(app).engine.dispose()


def signed_in(app, session, world, role):
    """A test client signed in as role."""
    client = app.test_client()
    as_role(client, session, world, role)
    return client


# Helpers: sign in, read a form as a browser would, post it, and fingerprint the database --------


def as_role(client, session, world: World, role: str) -> None:
    """Sign a fresh client in as the world's account for role (anonymous: leave it signed out)."""
    if role != "anonymous":
        from directory.models import User

        factories.sign_in(client, session.get(User, world.users[role]))


class FormReader(HTMLParser):
    """The (name, value) pairs a browser would send for the form whose action ends with `action`."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.pairs = action, False, []
        self.select = self.textarea = None
        self.options: list = []
        self.text: list = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action", "").endswith(self.action)
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.pairs.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self.select, self.options = attrs["name"], []
        elif tag == "option" and self.select:
            self.options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self.textarea, self.text = attrs["name"], []

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            chosen = [value for value, selected in self.options if selected] or [self.options[0][0]]
            self.pairs.append((self.select, chosen[0]))
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.pairs.append((self.textarea, "".join(self.text).removeprefix("\n")))
            self.textarea = None


def read_form(page: str, action: str) -> list[tuple[str, str]]:
    reader = FormReader(action)
    reader.feed(page)
    assert reader.pairs, f"no form posting to …{action}"
    return reader.pairs


def changed(pairs, **values) -> list[tuple[str, str]]:
    """The form's pairs with some single values replaced (or added)."""
    out = [(name, values.get(name, value)) for name, value in pairs]
    return out + [(name, value) for name, value in values.items() if name not in dict(pairs)]


def token(client, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def edit_form(client, service_id) -> list[tuple[str, str]]:
    page = client.get(f"/manage/services/{service_id}/edit")
    assert page.status_code == 200, page.status_code
    return read_form(page.get_data(as_text=True), f"/manage/services/{service_id}/edit")


def moderators_form(app, session, world: World, service_id) -> list[tuple[str, str]]:
    """The edit form of any service as a moderator sees it, without the moderator's CSRF token."""
    moderator = app.test_client()
    as_role(moderator, session, world, "moderator")
    return [(name, value) for name, value in edit_form(moderator, service_id) if name != "csrf_token"]


def post(client, path: str, pairs):
    """Post (name, value) pairs, repeated names and all, as a browser would."""
    return client.post(path, data=MultiDict(pairs))


def post_edit(client, service_id, pairs):
    return post(client, f"/manage/services/{service_id}/edit", pairs)


def database(session) -> dict:
    """Every row of every table, to prove a refused request changed nothing."""
    session.expire_all()
    return {
        table.name: sorted(map(repr, session.execute(text(f'SELECT * FROM "{table.name}"')).all()))
        for table in SQLModel.metadata.sorted_tables
    }


def sent_mail(app) -> list[email.message.Message]:
    folder = pathlib.Path(app.instance_path) / "mail"
    return [
        email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime)
    ]


def service(session, service_id) -> Service:
    session.expire_all()
    return session.get(Service, service_id)


def errors_on(page: str) -> dict[str, str]:
    """Each field error on a page, by the id of the control it belongs to."""
    pattern = r'<p class="error-message" id="([^"]+)-error"><span class="visually-hidden">Error:</span> ([^<]*)</p>'
    return {m[1]: html.unescape(m[2]) for m in re.finditer(pattern, page)}


# Accounts: factories.user's password, and the CSRF token of a page --------------------------------

PASSWORD = "correct horse battery staple"


def csrf(client, path: str = "/account/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
