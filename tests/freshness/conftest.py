"""Fixtures for keeping listings fresh: an app that writes mail to files, listings, the inbox."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from directory.db import get_db

from .. import factories
from ..conftest import migrated_app

MODERATOR = "moderators@signpost.example"
TODAY = "2026-11-24"


@pytest.fixture
def app(tmp_path):
    # The listings below are dated around TODAY, so the app's clock reads TODAY too, whatever the date.
    app = migrated_app(tmp_path, MODERATOR_EMAILS=MODERATOR, BASE_URL="http://signpost.test", CLOCK=lambda: on(TODAY))
    yield app
    get_db(app).engine.dispose()


def on(day: str, hour: int = 12) -> datetime:
    """A moment on a day, in UTC."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def listing(session, name="Community pantry", *, verified: str | None = "2026-05-01", org=None, **fields):
    """A service last confirmed on `verified` (needs review by 24 November 2026)."""
    org = org or factories.organisation(session, name=f"{name} trust")
    if verified:
        fields["last_verified_at"] = on(verified).isoformat()
    fields.setdefault("email", "hello@pantry.example")
    return factories.service(session, org, name=name, **fields)


def inbox(app) -> list[email.message.EmailMessage]:
    """Every message Signpost has written to instance/mail/, oldest first."""
    folder = Path(app.config["SIGNPOST"].INSTANCE_DIR) / "mail"
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]


def review_links(message) -> dict[str, str]:
    """The three answer links in a reminder, as paths (action -> path)."""
    body = message.get_content()
    found = re.findall(r"http://signpost\.test(/review/(confirm|update|closed)/\S+)", body)
    return {action: path for path, action in found}


def freshness_run(runner, day: str = TODAY, *extra: str):
    """`signpost freshness run --date DAY --no-links`, which must succeed."""
    result = runner.invoke(args=["freshness", "run", "--date", day, "--no-links", *extra])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def answer(client, path: str, **form):
    """Open a review link, then press its button (as a person would, with the page's CSRF token)."""
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(path, data={"csrf_token": token, **form})
