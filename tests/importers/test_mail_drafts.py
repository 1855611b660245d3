"""Newsletters become drafts in the moderation queue: linked, quoted, never published, never repeated."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from directory.models import ChangeRequest, Service
from directory.operations.moderation import moderation_queue
from directory.permissions import ANONYMOUS, SYSTEM, Actor, PermissionDenied
from importers.mail import import_mail
from importers.mail_read import read_mail
from tests import factories

CORPUS = Path(__file__).parent / "mail_corpus"
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
CANDIDATES = 14  # items with a listing or a change in the ten messages


def drafts(session) -> dict[str, ChangeRequest]:
    session.expire_all()
    return {c.proposed["name"]: c for c in session.exec(select(ChangeRequest).where(ChangeRequest.kind == "draft"))}


def read_corpus(session, **kwargs):
    report = import_mail(session, SYSTEM, read_mail(str(CORPUS)), now=NOW, **kwargs)
    session.commit()
    return report


@pytest.fixture
def pantry(session):
    """The factories' Community pantry at Parkhead Hub, G31 5EH, and a lunch club elsewhere."""
    org = factories.organisation(session)
    service = factories.service(session, org, [factories.location(session, org)])
    factories.service(session, factories.organisation(session, name="St Paul's Shettleston"), name="Lunch Club")
    session.commit()
    return service


def test_every_candidate_becomes_a_pending_draft(session):
    report = read_corpus(session)
    assert (report.messages, report.drafts) == (10, CANDIDATES)
    assert report.without_listing == ["10_no_listing.eml: Thanks for coming"]
    found = drafts(session)
    assert len(found) == CANDIDATES and {c.status for c in found.values()} == {"pending"}
    knit = found["Knit and Natter"].proposed
    assert knit["venue"]["postcode"] == "G32 8AW" and knit["cost_min"] == "2.00"
    assert knit["schedules"][0]["weekday"] == "WE"


def test_a_draft_quotes_the_email_it_came_from(session):
    read_corpus(session)
    quoted = drafts(session)["Chair Yoga"].proposed["source_email"]
    assert quoted["from"] == "Todmorden Community College <info@todcollege.example.org>"
    assert quoted["date"] == "2026-11-11T09:30:00+00:00"
    assert quoted["subject"] == "New class: Chair Yoga"
    assert quoted["message_id"] == "<chair-yoga-2026@todcollege.example.org>"
    assert quoted["excerpt"].startswith("Chair Yoga\nGentle seated yoga")


def test_a_change_notice_is_linked_to_the_service_it_concerns(session, pantry):
    read_corpus(session)
    found = drafts(session)
    notice = found["Community pantry: new times"]
    assert (notice.target_id, notice.organisation_id) == (pantry.id, pantry.organisation_id)
    assert notice.proposed["signals"] == ["new_times"]
    assert notice.proposed["match"]["same_postcode"] is True
    lunch = found["Friday Lunch Club"]
    assert lunch.proposed["signals"] == ["cancelled"] and lunch.proposed["match"]["name"] == "Lunch Club"
    assert found["Knit and Natter"].target_id is None and "match" not in found["Knit and Natter"].proposed


def test_nothing_from_email_is_published(session, pantry):
    before = {s.id: (s.version, s.name, s.status) for s in session.exec(select(Service))}
    read_corpus(session)
    session.expire_all()
    assert {s.id: (s.version, s.name, s.status) for s in session.exec(select(Service))} == before
    moderator = Actor("user", "Mo", roles=frozenset({"moderator"}), verified=True)
    queue = [item for item in moderation_queue(session, moderator) if item.kind == "draft"]
    assert len(queue) == CANDIDATES and "Community pantry" in {item.title for item in queue}


def test_reading_the_same_mailbox_again_adds_no_drafts(session):
    read_corpus(session)
    again = read_corpus(session)
    # Messages already drafted from are skipped; the one with nothing to draft is read again, to no effect.
    assert (again.messages, again.skipped, again.drafts) == (10, 9, 0)
    assert len(session.exec(select(ChangeRequest)).all()) == CANDIDATES


def test_dry_run_counts_but_adds_nothing(session):
    report = read_corpus(session, dry_run=True)
    assert report.drafts == CANDIDATES and drafts(session) == {}


def test_only_administrators_read_mail_into_the_queue(session):
    editor = Actor("user", "Ed", roles=frozenset({"moderator"}), verified=True)
    for actor in (ANONYMOUS, editor):
        with pytest.raises(PermissionDenied):
            import_mail(session, actor, read_mail(str(CORPUS)), now=NOW)


def test_cli_reads_a_mailbox_and_is_safe_to_repeat(app, runner, session):
    result = runner.invoke(args=["import", "mail", str(CORPUS)])
    assert result.exit_code == 0, result.output
    assert f"10 messages read (0 already drafted from). {CANDIDATES} drafts were added" in result.output
    assert "Nothing to draft in 10_no_listing.eml" in result.output
    again = runner.invoke(args=["import", "mail", str(CORPUS)])
    assert "(9 already drafted from). 0 drafts" in again.output
    assert len(drafts(session)) == CANDIDATES


def test_cli_explains_an_imap_address_without_a_password(app, runner, monkeypatch):
    monkeypatch.delenv("SIGNPOST_IMAP_PASSWORD", raising=False)
    result = runner.invoke(args=["import", "mail", "imaps://links@mail.example.org/INBOX"])
    assert result.exit_code != 0 and "Set SIGNPOST_IMAP_PASSWORD" in result.output


def test_a_moderator_reviews_a_draft_with_the_email_quoted_and_approving_applies_its_change(
    app, client, session, pantry
):
    read_corpus(session)
    draft = drafts(session)["Community pantry: new times"]
    moderator = factories.user(session, "mo@example.org", roles=["moderator"])
    session.commit()
    factories.sign_in(client, moderator)
    page = client.get(f"/moderate/changes/{draft.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Draft from a newsletter" in text and "nothing here is published" in text
    assert "East End Community Bulletin &lt;bulletin@eastendbulletin.example.org&gt;" in text  # escaped
    assert "new times" in text and "Thursday, 14:00 to 16:00" in text and "same postcode" in text
    assert "Marking it done changes the listing so" in text
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    answer = client.post(f"/moderate/changes/{draft.id}", data={"decision": "approve", "note": "", "csrf_token": token})
    assert answer.status_code == 303
    session.expire_all()
    assert session.get(ChangeRequest, draft.id).status == "approved"
    service = session.get(Service, pantry.id)
    # The notice's new time is applied to the listing (and only that: the name stays the listing's own).
    assert service.version == 2 and service.name == "Community pantry"
    assert [
        (row.weekday, row.opens_at.strftime("%H:%M"), row.closes_at.strftime("%H:%M")) for row in service.schedules
    ] == [("TH", "14:00", "16:00")]
